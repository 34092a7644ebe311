"""住房和城乡建设厅: construction permits and house lease registrations."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "housing"


def permit_rows(world):
    for p in sorted(world.construction_permits, key=lambda p: (p.date, p.permit_no)):
        builder_name, builder = party(world, p.builder)
        contractor_name, contractor = party(world, p.contractor)
        yield record(world, (p.permit_no, p.project, p.location, p.county, builder_name, builder, contractor_name,
                             contractor, p.amount, p.date), (("builder", p.builder), ("contractor", p.contractor)),
                     p.protected)


def lease_rows(world):
    for l in sorted(world.leases, key=lambda l: (l.filed, l.filing_no)):
        lessor_name, lessor = party(world, l.lessor)
        lessee_name, lessee = party(world, l.lessee)
        yield record(world, (l.filing_no, l.location, l.county, lessor_name, lessor, lessee_name, lessee, l.area,
                             l.rent, l.start, l.end, l.filed, l.status), (("lessor", l.lessor), ("lessee", l.lessee)),
                     l.protected)


DEPARTMENT = Department(FOLDER, "宁夏回族自治区住房和城乡建设厅", (
    FileSpec(FOLDER, "建筑工程施工许可.xlsx", "施工许可", "Construction permits: builder, contractor, contract price.",
             (Column("施工许可证编号", "permit number", "code"), Column("工程名称", "project"),
              Column("建设地址", "site", "address"), Column("行政区代码", "county of the site", "code"),
              Column("建设单位", "builder (owner of the project)", "name"),
              Column("建设单位统一社会信用代码", "builder's credit code", "credit_code"),
              Column("施工单位", "contractor", "name"),
              Column("施工单位统一社会信用代码", "contractor's credit code", "credit_code"),
              Column("合同价格(万元)", "construction contract price", "wan"), Column("发证日期", "issue date", "date")),
             (Role("builder", "enterprise", "建设单位", "建设单位统一社会信用代码"),
              Role("contractor", "enterprise", "施工单位", "施工单位统一社会信用代码")), permit_rows,
             format="xlsx", date_style="compact",
             mess={"fullwidth": 0.05, "name_variant": 0.05, "duplicate": 1, "negative_amount": 1}),
    FileSpec(FOLDER, "房屋租赁登记备案.csv", "房屋租赁登记备案", "House lease registrations (备案).",
             (Column("备案编号", "registration number", "code"), Column("房屋坐落", "location", "address"),
              Column("行政区代码", "county", "code"), Column("出租人", "lessor", "name"),
              Column("出租人证件号码", "lessor's ID number or credit code", "id_code"),
              Column("承租人", "lessee", "name"), Column("承租人证件号码", "lessee's ID", "id_code"),
              Column("租赁面积(平方米)", "area", "number"), Column("月租金(元)", "monthly rent", "yuan"),
              Column("租赁起始日期", "start", "date"), Column("租赁终止日期", "end", "date"),
              Column("备案日期", "registration date", "date"), Column("备案状态", "有效 / 已到期 / 已注销")),
             (Role("lessor", "any", "出租人", "出租人证件号码"), Role("lessee", "any", "承租人", "承租人证件号码")),
             lease_rows, encoding="utf-8-sig", date_style="compact",
             mess={"id_missing": 0.05, "id_mistyped": 0.03, "fullwidth": 0.02, "name_variant": 0.03,
                   "duplicate": 0.005, "impossible_date": 2, "truncated_line": 1}),
))
