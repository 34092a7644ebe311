"""生态环境厅: pollutant discharge permits."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.names import INDUSTRY
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "ecology_environment"


def permit_rows(world):
    for p in sorted(world.discharge_permits, key=lambda p: (p.issued, p.permit_no)):
        name, code = party(world, p.holder)
        holder = world.enterprises[p.holder]
        yield record(world, (p.permit_no, name, code, INDUSTRY[holder.industry].name, holder.address, p.category,
                             p.pollutants, p.valid_from, p.valid_to, p.issued, p.status),
                     (("holder", p.holder),), p.protected)


DEPARTMENT = Department(FOLDER, "宁夏回族自治区生态环境厅", (
    FileSpec(FOLDER, "排污许可证.xlsx", "排污许可证", "Pollutant discharge permits (排污许可证).",
             (Column("许可证编号", "credit code + 3 digits + P", "code"), Column("单位名称", "holder", "name"),
              Column("统一社会信用代码", "holder's credit code", "credit_code"), Column("行业类别", "industry"),
              Column("生产经营场所地址", "site", "address"), Column("管理类别", "重点管理 / 简化管理"),
              Column("主要污染物类别", "pollutants"), Column("有效期限起", "valid from", "date"),
              Column("有效期限止", "valid to", "date"), Column("发证日期", "issued", "date"),
              Column("许可证状态", "有效 / 已注销")),
             (Role("holder", "enterprise", "单位名称", "统一社会信用代码"),), permit_rows, format="xlsx",
             date_style="iso", mess={"name_variant": 0.03, "duplicate": 1}),
))
