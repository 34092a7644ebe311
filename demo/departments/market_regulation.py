"""市场监督管理厅: the enterprise register, shareholders, officers, equity changes."""
from __future__ import annotations

from crossaudit.demo.departments.common import (
    holdings, officers, party, record, registered, registration_office, transfers,
)
from crossaudit.demo.names import INDUSTRY
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "market_regulation"
COMMON = dict(encoding="gb18030", line_terminator="\r\n", date_style="chinese")
ENTERPRISE = Role("enterprise", "enterprise", "企业名称", "统一社会信用代码")


def register_rows(world):
    for e in registered(world):
        rep_name, rep_id = party(world, e.legal_rep)
        industry = INDUSTRY[e.industry].name
        yield record(world, (e.code, e.name, e.form, e.status, rep_name, rep_id, e.capital * 10_000 or None,
                             e.established, e.status_date, e.address, e.phone, industry,
                             registration_office(e.county), e.parent or ""),
                     (("enterprise", e.code), ("legal_rep", e.legal_rep), ("parent", e.parent)))


def shareholder_rows(world):
    for e, h, share in holdings(world):
        name, holder_id = party(world, h.holder)
        person = h.holder_type == "person"
        yield record(world, (e.code, e.name, name, "自然人股东" if person else "企业法人",
                             "居民身份证" if person else "统一社会信用代码", holder_id, h.amount * 10_000,
                             share, h.since, h.amount * 10_000),
                     (("enterprise", e.code), ("holder", h.holder)))


def officer_rows(world):
    for e, person, title, (name, id_number) in officers(world):
        yield record(world, (e.code, e.name, name, id_number, title), (("enterprise", e.code), ("person", person)))


def equity_rows(world):
    for t, e, (a_name, a_id), (b_name, b_id) in transfers(world):
        yield record(world, (e.code, e.name, t.date, a_name, a_id, b_name, b_id, t.amount * 10_000, t.ratio,
                             t.price, t.amount * 10_000), (("enterprise", e.code), ("transferor", t.transferor),
                                        ("transferee", t.transferee)), t.protected)


DEPARTMENT = Department(FOLDER, "宁夏回族自治区市场监督管理厅", (
    FileSpec(FOLDER, "企业登记信息.csv", "企业登记信息", "The enterprise register: one row per enterprise or branch.",
             (Column("统一社会信用代码", "the enterprise's credit code", "credit_code"),
              Column("企业名称", "registered name", "name"),
              Column("企业类型", "legal form; branches say 分公司"),
              Column("登记状态", "存续 / 注销 / 吊销 / 经营异常"),
              Column("法定代表人", "legal representative (负责人 for a branch)", "name"),
              Column("法定代表人证件号码", "his or her ID number", "id_number"),
              Column("注册资本(万元)", "registered capital; empty for branches", "wan"),
              Column("成立日期", "establishment date", "date"),
              Column("状态变更日期", "date of the status if not 存续", "date"),
              Column("住所", "registered address", "address"),
              Column("联系电话", "contact phone", "phone"),
              Column("所属行业", "industry (国民经济行业分类 section)"),
              Column("登记机关", "registering authority"),
              Column("隶属企业统一社会信用代码", "a branch's head office", "credit_code")),
             (ENTERPRISE, Role("legal_rep", "person", "法定代表人", "法定代表人证件号码"),
              Role("parent", "enterprise", None, "隶属企业统一社会信用代码")),
             register_rows, mess={"fullwidth": 0.01, "id_missing": 0.02, "duplicate": 0.003, "impossible_date": 2,
                                  "too_many_fields": 1},
             messy_roles=("legal_rep",), **COMMON),
    FileSpec(FOLDER, "股东及出资信息.csv", "股东及出资信息", "Shareholders and subscribed capital, current state.",
             (Column("统一社会信用代码", "the enterprise", "credit_code"), Column("企业名称", "the enterprise", "name"),
              Column("股东名称", "shareholder", "name"), Column("股东类型", "自然人股东 / 企业法人"),
              Column("证照类型", "居民身份证 / 统一社会信用代码"),
              Column("证照号码", "shareholder's ID number or credit code", "id_code"),
              Column("认缴出资额(万元)", "subscribed capital", "wan"), Column("出资比例", "share", "percent"),
              Column("认缴出资日期", "since when", "date"),
              Column("实缴出资额(万元)", "paid-in capital (the shareholder's cost of an original subscription)", "wan")),
             (ENTERPRISE, Role("holder", "any", "股东名称", "证照号码")), shareholder_rows,
             mess={"id_mistyped": 0.02, "id_missing": 0.03, "duplicate": 0.003}, messy_roles=("holder",), **COMMON),
    FileSpec(FOLDER, "主要人员信息.csv", "主要人员信息", "Legal representatives, directors, supervisors.",
             (Column("统一社会信用代码", "the enterprise", "credit_code"), Column("企业名称", "the enterprise", "name"),
              Column("姓名", "officer", "name"), Column("证件号码", "officer's ID number", "id_number"),
              Column("职务", "position")),
             (ENTERPRISE, Role("person", "person", "姓名", "证件号码")), officer_rows,
             mess={"id_mistyped": 0.02, "fullwidth": 0.02, "duplicate": 0.003}, messy_roles=("person",), **COMMON),
    FileSpec(FOLDER, "股权变更登记.csv", "股权变更登记", "Equity transfers registered as changes of shareholder.",
             (Column("统一社会信用代码", "the enterprise", "credit_code"), Column("企业名称", "the enterprise", "name"),
              Column("变更日期", "date the change was registered", "date"),
              Column("转让方", "transferor", "name"), Column("转让方证件号码", "transferor's ID", "id_code"),
              Column("受让方", "transferee", "name"), Column("受让方证件号码", "transferee's ID", "id_code"),
              Column("转让出资额(万元)", "capital transferred", "wan"),
              Column("转让比例", "share of the registered capital", "percent"),
              Column("转让价款(元)", "price in the transfer agreement", "yuan"),
              Column("实缴出资额(万元)", "capital paid in on the transferred share", "wan")),
             (ENTERPRISE, Role("transferor", "any", "转让方", "转让方证件号码"),
              Role("transferee", "any", "受让方", "受让方证件号码")), equity_rows,
             mess={"id_missing": 0.03, "duplicate": 1, "impossible_date": 1}, messy_roles=("transferee",), **COMMON),
))
