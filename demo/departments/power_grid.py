"""国网宁夏电力: monthly electricity consumption per enterprise customer."""
from __future__ import annotations

from crossaudit.demo.config import MONTHS
from crossaudit.demo.departments.common import record
from crossaudit.demo.flows import active_in
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "power_grid"


def consumption_rows(world):
    firms = [f for f in world.enterprises.values() if f.electricity_account and any(f.kwh)]
    for m, month in enumerate(MONTHS):
        for firm in firms:
            kwh = firm.kwh[m]
            if kwh and active_in(firm, m):
                industrial = kwh >= 100_000
                yield record(world, (firm.electricity_account, firm.name, firm.code, firm.address,
                                     "大工业用电" if industrial else "一般工商业用电", month, kwh,
                                     round(kwh * (0.45 if industrial else 0.58), 2)), (("customer", firm.code),))


DEPARTMENT = Department(FOLDER, "国网宁夏电力有限公司", (
    FileSpec(FOLDER, "企业月度用电量.txt", "企业月度用电量",
             "Monthly consumption of business customers; tab-separated text. The credit code is optional in "
             "the customer file and often missing.",
             (Column("户号", "customer account", "code"), Column("户名", "customer name", "name"),
              Column("统一社会信用代码", "customer's credit code, if on file", "credit_code"),
              Column("用电地址", "supply address", "address"), Column("用电类别", "大工业用电 / 一般工商业用电"),
              Column("电量年月", "month", "month_dash"), Column("用电量(千瓦时)", "kWh", "integer"),
              Column("电费(元)", "bill", "yuan")),
             (Role("customer", "enterprise", "户名", "统一社会信用代码"),), consumption_rows,
             encoding="utf-8", delimiter="\t",
             mess={"id_missing": 0.08, "name_variant": 0.05, "duplicate": 0.002, "negative_amount": 2,
                   "too_many_fields": 1, "truncated_line": 1}),
))
