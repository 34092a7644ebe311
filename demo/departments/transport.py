"""交通运输厅: road transport operating permits."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "transport"


def permit_rows(world):
    for p in world.transport_permits:
        name, code = party(world, p.holder)
        holder = world.enterprises[p.holder]
        yield record(world, (p.permit_no, name, code, holder.address, p.scope, p.vehicles, p.issued, p.expires, "有效"),
                     (("holder", p.holder),))


DEPARTMENT = Department(FOLDER, "宁夏回族自治区交通运输厅", (
    FileSpec(FOLDER, "道路运输经营许可.csv", "道路运输经营许可", "Road transport operating permits of carriers.",
             (Column("经营许可证号", "permit number", "code"), Column("业户名称", "carrier", "name"),
              Column("统一社会信用代码", "carrier's credit code", "credit_code"),
              Column("经营地址", "address", "address"), Column("经营范围", "scope"),
              Column("车辆数", "vehicles", "integer"), Column("发证日期", "issued", "date"),
              Column("有效期至", "valid until", "date"), Column("许可状态", "status")),
             (Role("holder", "enterprise", "业户名称", "统一社会信用代码"),), permit_rows,
             encoding="gbk", line_terminator="\r\n", date_style="slash",
             mess={"name_variant": 0.05, "fullwidth": 0.03, "id_missing": 0.05, "duplicate": 1}),
))
