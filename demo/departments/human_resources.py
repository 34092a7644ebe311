"""人力资源和社会保障厅: monthly social insurance contributions per employer and employee."""
from __future__ import annotations

from crossaudit.demo.departments.common import contributions, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "human_resources"


def contribution_rows(world):
    for firm, person, month, paid in contributions(world):
        base = person.wage
        yield record(world, (f"SB{firm.code[2:8]}{firm.code[10:16]}", firm.name, firm.code, person.name,
                             person.id_number, "企业职工基本养老保险", month, base, round(base * 0.16, 2),
                             round(base * 0.08, 2), paid),
                     (("employer", firm.code), ("employee", person.id_number)))


DEPARTMENT = Department(FOLDER, "宁夏回族自治区人力资源和社会保障厅", (
    FileSpec(FOLDER, "社会保险缴费明细.csv", "社会保险缴费明细",
             "Pension insurance contributions: one row per employer, employee and month, with the wage base.",
             (Column("单位编号", "employer's social insurance number", "code"), Column("单位名称", "employer", "name"),
              Column("统一社会信用代码", "employer's credit code", "credit_code"), Column("姓名", "employee", "name"),
              Column("公民身份号码", "employee's ID number", "id_number"), Column("险种", "insurance"),
              Column("费款所属期", "contribution month", "month_compact"),
              Column("缴费基数(元)", "monthly wage base", "yuan"), Column("单位缴费金额(元)", "employer's 16%", "yuan"),
              Column("个人缴费金额(元)", "employee's 8%", "yuan"), Column("到账日期", "date received", "date")),
             (Role("employer", "enterprise", "单位名称", "统一社会信用代码"), Role("employee", "person", "姓名", "公民身份号码")),
             contribution_rows, encoding="utf-8", date_style="iso",
             mess={"name_variant": 0.02, "id_missing": 0.02, "id_mistyped": 0.01, "duplicate": 0.002,
                   "negative_amount": 3, "too_many_fields": 1}),
))
