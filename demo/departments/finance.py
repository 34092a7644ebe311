"""财政厅: government procurement payments to vendors."""
from __future__ import annotations

from crossaudit.demo.departments.common import party, record
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "finance"


def payment_rows(world):
    for p in sorted(world.payments, key=lambda p: (p.date, p.voucher_no)):
        unit_name, unit = party(world, p.unit)
        vendor_name, vendor = party(world, p.vendor)
        yield record(world, (p.voucher_no, p.date, unit_name, unit, p.project, p.contract_no, vendor_name, vendor,
                             p.amount), (("unit", p.unit), ("vendor", p.vendor)), p.protected)


DEPARTMENT = Department(FOLDER, "宁夏回族自治区财政厅", (
    FileSpec(FOLDER, "政府采购资金支付.xlsx", "政府采购支付", "Treasury payments of government procurement contracts.",
             (Column("支付凭证号", "payment voucher", "code"), Column("支付日期", "date", "date"),
              Column("预算单位名称", "paying government unit", "name"),
              Column("预算单位统一社会信用代码", "its credit code (11… 机关, 12… 事业单位)", "credit_code"),
              Column("采购项目名称", "project"), Column("采购合同编号", "procurement contract", "code"),
              Column("收款人全称", "vendor", "name"), Column("收款人统一社会信用代码", "vendor's credit code", "credit_code"),
              Column("支付金额(元)", "amount paid, VAT included", "yuan")),
             (Role("unit", "enterprise", "预算单位名称", "预算单位统一社会信用代码"),
              Role("vendor", "enterprise", "收款人全称", "收款人统一社会信用代码")), payment_rows,
             format="xlsx", date_style="iso", messy_roles=("vendor",),
             mess={"name_variant": 0.05, "id_missing": 0.05, "duplicate": 1}),
))
