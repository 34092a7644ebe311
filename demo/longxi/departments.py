"""The longxi department exports: the same World as the ningxia exports, written by other systems.

Other headers and column sets, other date and amount styles, and other identifiers for another
department's objects: the court cites the debtor's 不动产权证号, the deed tax ledger the unit or the
certificate (never the sale contract), leases a certificate or only an address, the equity register
its own 变更登记号, tax returns a cross-region project by the bureau's own 报验管理编号 and an
environmental permit not at all.
"""
from __future__ import annotations

import datetime as dt
import zlib

from crossaudit.demo.config import MONTHS
from crossaudit.demo.departments.common import (
    contributions, holdings, officers, party, record, registered, registration_office, tax_office_code, transfers,
)
from crossaudit.demo.flows import active_in
from crossaudit.demo.longxi.numbers import (
    PENSION, budget_unit_code, county_name, employer_no, equity_change_no, fullwidth_brackets, goods_class,
    industry_class, lease_no, person_no, report_no,
)
from crossaudit.demo.names import GOODS
from crossaudit.demo.spec import Column, Department, FileSpec, Role

C = Column
LEGACY_DEED_UNTIL = dt.date(2022, 7, 1)  # deed tax declared before this date cites the certificate only


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


# --- 市场监督管理局 --------------------------------------------------------------------------
AMR = "scjgj"
REGISTER_STATUS = {"存续": "存续（在营、开业、在册）", "经营异常": "存续（在营、开业、在册）", "注销": "注销", "吊销": "吊销，未注销"}


def amr_register_rows(world):
    for e in registered(world):
        rep_name, rep_id = party(world, e.legal_rep)
        when = {e.status: e.status_date}
        yield record(world, (e.code, e.name, e.form, rep_name, "居民身份证", rep_id, e.capital * 10_000 or None,
                             e.established, REGISTER_STATUS[e.status], when.get("注销"), when.get("吊销"),
                             when.get("经营异常"), e.address, industry_class(e), registration_office(e.county),
                             e.parent or ""),
                     (("enterprise", e.code), ("legal_rep", e.legal_rep), ("parent", e.parent)))


def amr_holder_rows(world):
    for e, h, share in holdings(world):
        name, holder_id = party(world, h.holder)
        person = h.holder_type == "person"
        yield record(world, (e.code, name, "自然人股东" if person else "企业法人", "居民身份证" if person else
                             "统一社会信用代码证书", holder_id, h.amount * 10_000, h.amount * 10_000, h.since, share),
                     (("enterprise", e.code), ("holder", h.holder)))


def amr_officer_rows(world):
    for e, person, title, (name, id_number) in officers(world):
        yield record(world, (e.code, e.name, name, id_number, title, "是" if person == e.legal_rep else "否"),
                     (("enterprise", e.code), ("person", person)))


def amr_equity_rows(world):
    for t, e, (a_name, a_id), (b_name, b_id) in transfers(world):
        yield record(world, (equity_change_no(world, t), e.code, e.name, t.date, a_name, a_id, b_name, b_id,
                             t.amount * 10_000, t.amount * 10_000, t.ratio, t.price),
                     (("enterprise", e.code), ("transferor", t.transferor), ("transferee", t.transferee)),
                     t.protected)


ENTERPRISE = Role("enterprise", "enterprise", "主体名称", "统一社会信用代码")
MARKET = Department(AMR, "宁夏回族自治区市场监督管理厅", (
    FileSpec(AMR, "市场主体登记信息.xlsx", "市场主体登记信息",
             "Market entities (enterprises and branches) as registered; one row each.",
             (C("统一社会信用代码", "the entity's credit code", "credit_code"), C("主体名称", "registered name", "name"),
              C("主体类型", "legal form (branches: …分公司)"),
              C("法定代表人（负责人）", "legal representative, or a branch's 负责人", "name"),
              C("证件类型", "type of his or her identity document"),
              C("证件号码", "his or her ID number", "id_number"),
              C("注册资本（万元）", "registered capital; empty for branches", "wan"),
              C("成立日期", "establishment date", "date"),
              C("登记状态", "存续（在营、开业、在册） / 注销 / 吊销，未注销"),
              C("注销日期", "date of deregistration", "date"), C("吊销日期", "date the licence was revoked", "date"),
              C("列入经营异常名录日期", "date listed as abnormal (the entity stays 存续)", "date"),
              C("住所", "registered address", "address"),
              C("行业", "GB/T 4754-2017 大类: code and name (C31 黑色金属冶炼和压延加工业)"),
              C("登记机关", "registering authority"),
              C("隶属企业统一社会信用代码", "a branch's head office", "credit_code")),
             (ENTERPRISE, Role("legal_rep", "person", "法定代表人（负责人）", "证件号码"),
              Role("parent", "enterprise", None, "隶属企业统一社会信用代码")), amr_register_rows, format="xlsx",
             date_style="excel", mess={"fullwidth": 0.01, "id_missing": 0.02, "duplicate": 0.003, "impossible_date": 2},
             messy_roles=("legal_rep",)),
    FileSpec(AMR, "股东出资信息.csv", "股东出资信息", "Shareholders (发起人) of each entity, current state, by credit code only.",
             (C("主体统一社会信用代码", "the entity", "credit_code"), C("股东（发起人）名称", "shareholder", "name"),
              C("股东类型", "自然人股东 / 企业法人"), C("证件类型", "居民身份证 / 统一社会信用代码证书"),
              C("证件号码", "shareholder's ID number or credit code", "id_code"),
              C("认缴出资额（万元）", "subscribed capital", "wan"), C("实缴出资额（万元）", "paid-in capital", "wan"),
              C("认缴出资日期", "since when", "date"), C("持股比例", "share of the subscribed capital", "fraction")),
             (Role("enterprise", "enterprise", None, "主体统一社会信用代码"), Role("holder", "any", "股东（发起人）名称", "证件号码")),
             amr_holder_rows, date_style="dotted",
             mess={"id_mistyped": 0.02, "id_missing": 0.02, "duplicate": 0.003}, messy_roles=("holder",)),
    FileSpec(AMR, "主要人员信息.csv", "主要人员信息", "Directors, supervisors, managers and 负责人 of each entity.",
             (C("统一社会信用代码", "the entity", "credit_code"), C("主体名称", "the entity", "name"),
              C("人员姓名", "officer", "name"), C("证件号码", "officer's ID number", "id_number"),
              C("职务", "position"), C("是否法定代表人", "是 / 否")),
             (ENTERPRISE, Role("person", "person", "人员姓名", "证件号码")), amr_officer_rows, encoding="gb18030",
             mess={"id_mistyped": 0.02, "duplicate": 0.003}, messy_roles=("person",)),
    FileSpec(AMR, "股权变更登记.csv", "股权变更登记",
             "Equity transfers approved as changes of shareholder, one row per transfer, keyed by 变更登记号.",
             (C("变更登记号", "the change registration's number", "code"),
              C("统一社会信用代码", "the entity", "credit_code"), C("主体名称", "the entity", "name"),
              C("核准日期", "date the change was approved", "date"),
              C("转让方", "transferor", "name"), C("转让方证件号码", "transferor's ID", "id_code"),
              C("受让方", "transferee", "name"), C("受让方证件号码", "transferee's ID", "id_code"),
              C("转让出资额（万元）", "subscribed capital transferred", "wan"),
              C("其中实缴（万元）", "of which paid in", "wan"),
              C("转让股权比例（%）", "share of the registered capital transferred", "percent_number"),
              C("转让价格（元）", "price in the transfer agreement", "yuan_sep")),
             (ENTERPRISE, Role("transferor", "any", "转让方", "转让方证件号码"), Role("transferee", "any", "受让方", "受让方证件号码")),
             amr_equity_rows, encoding="gb18030", line_terminator="\r\n", date_style="chinese",
             mess={"id_missing": 0.03, "duplicate": 1, "impossible_date": 1}, messy_roles=("transferee",)),
))


# --- 税务局 ----------------------------------------------------------------------------------
TAX = "swj"
TAXPAYER_STATUS = {"正常": "正常", "非正常": "非正常户", "注销": "注销"}
ITEMS = {"工资薪金所得(代扣代缴)": "工资、薪金所得", "财产租赁所得": "财产租赁所得", "财产转让所得(股权转让)": "股权转让所得",
         "应纳税所得额(预缴)": "应纳税所得额（季度预缴）", "买卖合同": "买卖合同", "预征": "土地增值税预征",
         "建筑服务(跨区域预缴)": "建筑服务（异地预缴）", "销售货物": "货物", "销售货物(小规模纳税人)": "货物（小规模纳税人）",
         "从价计征": "从价计征", "从租计征": "从租计征", "大气污染物": "大气污染物", "水污染物": "水污染物"}


def tax_office_rows(world):
    for o in world.offices:
        yield record(world, (tax_office_code(o.division), o.name, tax_office_code(o.parent) if o.parent else ""), ())


def _reports(world):
    """(report number, contractor, county, date, permit) of every cross-region report."""
    for n, (contractor, county, date, permit_no) in enumerate(world.cross_region_reports, start=1):
        yield report_no(n, county, date.year), contractor, county, date, permit_no


def tax_registration_rows(world):
    for e in world.enterprises.values():
        if e.kind not in ("local", "branch") or not e.tax_registered:
            continue
        rep_name, rep_id = party(world, e.legal_rep)
        when = {e.tax_status: e.tax_status_date}
        yield record(world, (e.code, e.name, "分支机构" if e.kind == "branch" else "单位纳税人",
                             TAXPAYER_STATUS[e.tax_status], e.established, when.get("注销"), when.get("非正常"),
                             tax_office_code(e.tax_county), industry_class(e), rep_name, rep_id, e.address, e.phone,
                             e.parent or "", "", "", "", None),
                     (("taxpayer", e.code), ("legal_rep", e.legal_rep), ("head_office", e.parent)))
    permits = {p.permit_no: p for p in world.construction_permits}
    for number, contractor, county, date, permit_no in _reports(world):
        e, permit = world.enterprises[contractor], permits[permit_no]
        rep_name, rep_id = party(world, e.legal_rep)
        yield record(world, (e.code, e.name, "跨区域报验户", "正常", date, None, None, tax_office_code(county),
                             industry_class(e), rep_name, rep_id, e.address, e.phone, "", number, permit.project,
                             permit.location, permit.amount),
                     (("taxpayer", e.code), ("legal_rep", e.legal_rep), ("head_office", None)))


def tax_filing_rows(world):
    leases = {l.filing_no: l for l in world.leases}
    reports = {permit_no: number for number, _, _, _, permit_no in _reports(world)}
    for f in sorted(world.filings, key=lambda f: (f.date, f.taxpayer, f.tax, f.item, f.period_start, f.ref)):
        name, code = party(world, f.taxpayer)
        lease = leases.get(f.ref)
        invested = f.related if f.item.startswith("财产转让所得") else ""
        yield record(world, (code, name, f.tax, ITEMS[f.item], (f.period_start, f.period_end), f.date, f.base, f.amount,
                             f.headcount, tax_office_code(f.office), invested,
                             lease.location if lease else "", reports.get(f.ref, "")),
                     (("taxpayer", f.taxpayer), ("invested", invested or None)))


def _transfer_certificates(world) -> dict[tuple[str, str], str]:
    """(unit, new owner) → the certificate the transfer registration issued."""
    return {(r.unit_no, r.owner): r.cert_no for r in world.properties if r.kind == "转移登记"}


DEED_SUBJECT = {"土地": "土地使用权", "房屋": "房屋"}
DEED_METHOD = {"出让": "国有土地使用权出让", "买卖": "房屋买卖", "司法拍卖": "司法拍卖"}


def tax_deed_rows(world):
    certificates = _transfer_certificates(world)
    for s in world.deed_tax_sources:
        name, code = party(world, s.taxpayer)
        land = s.obj == "土地"
        legacy = not land and s.date < LEGACY_DEED_UNTIL
        cert = fullwidth_brackets(certificates.get((s.unit_no, s.taxpayer), "")) if legacy else ""
        yield record(world, (s.source_no, code, name, DEED_SUBJECT[s.obj], DEED_METHOD[s.method],
                             s.unit_no if land else "", "" if land or legacy else s.unit_no, cert, s.location,
                             s.price, s.base, s.rate, s.amount, s.date), (("taxpayer", s.taxpayer),))


def _issued_at(number: str, day: dt.date) -> dt.datetime:
    seconds = 8 * 3600 + int(number[-6:]) % (12 * 3600)
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(seconds=seconds)


def tax_invoice_rows(world):
    for i in world.invoices:
        seller_name, seller = party(world, i.seller)
        buyer_name, buyer = party(world, i.buyer)
        goods = GOODS[i.goods]
        yield record(world, (i.number, _issued_at(i.number, i.date), seller, seller_name, buyer, buyer_name,
                             goods_class(i.goods), goods.unit, i.quantity, i.price, i.amount, goods.vat_rate, i.tax,
                             round(i.amount + i.tax, 2)), (("seller", i.seller), ("buyer", i.buyer)), i.protected)


TAXPAYER = Role("taxpayer", "any", "纳税人名称", "纳税人识别号")
TAXATION = Department(TAX, "国家税务总局宁夏回族自治区税务局", (
    FileSpec(TAX, "税务机关代码表.csv", "税务机关代码表", "Tax offices and the office each reports to.",
             (C("税务机关代码", "11 digits: 1 + the GB/T 2260 code of its division + 0000", "code"),
              C("税务机关名称", "name", "name"), C("上级税务机关代码", "the office above it", "code")),
             (), tax_office_rows),
    FileSpec(TAX, "纳税人登记信息.csv", "纳税人登记信息",
             "Taxpayer registrations: enterprises, branches, and out-of-province firms reporting a local project "
             "(跨区域报验户, one row per report, with the project as the contract names it).",
             (C("纳税人识别号", "credit code", "credit_code"), C("纳税人名称", "name", "name"),
              C("课征主体类型", "单位纳税人 / 分支机构 / 跨区域报验户"), C("纳税人状态", "正常 / 非正常户 / 注销"),
              C("登记日期", "registration (or report) date", "date"), C("注销日期", "deregistration date", "date"),
              C("非正常户认定日期", "date declared 非正常户", "date"),
              C("主管税务机关代码", "competent office", "code"),
              C("行业", "GB/T 4754-2017 大类: code and name"),
              C("法定代表人姓名", "legal representative", "name"),
              C("法定代表人身份证件号码", "his or her ID number", "id_number"),
              C("生产经营地址", "business address", "address"), C("联系电话", "phone", "phone"),
              C("总机构纳税人识别号", "a branch's head office", "credit_code"),
              C("报验管理编号", "the bureau's number of a cross-region report", "code"),
              C("跨区域项目名称", "the reported project, as in its contract"),
              C("跨区域项目地址", "the project's site", "address"),
              C("合同金额（元）", "the project's contract amount", "yuan_sep")),
             (Role("taxpayer", "enterprise", "纳税人名称", "纳税人识别号"),
              Role("legal_rep", "person", "法定代表人姓名", "法定代表人身份证件号码"),
              Role("head_office", "enterprise", None, "总机构纳税人识别号")),
             tax_registration_rows, encoding="gb18030", date_style="chinese",
             mess={"id_missing": 0.03, "fullwidth": 0.01, "duplicate": 0.003}, messy_roles=("legal_rep",)),
    FileSpec(TAX, "纳税申报明细.csv", "纳税申报明细",
             "Returns by tax, item and period (VAT, enterprise and individual income tax, property tax, stamp "
             "duty, land VAT, environmental protection tax, cross-region prepayments).",
             (C("纳税人识别号", "credit code, or ID number of a person", "id_code"),
              C("纳税人名称", "taxpayer", "name"),
              C("征收项目", "tax: 增值税, 企业所得税, 个人所得税, 房产税, 印花税, 土地增值税, 环境保护税"),
              C("征收品目", "item: " + ", ".join(dict.fromkeys(ITEMS.values()))),
              C("税款所属期", "the period the return covers", "period_range"),
              C("申报日期", "declaration date", "date"),
              C("计税依据", "tax base in 元: sales, wages, gain, rent, pollution equivalents …", "yuan_sep"),
              C("应纳税额", "tax due, 元", "yuan_sep"), C("申报人数", "employees on a withholding return", "integer"),
              C("主管税务所代码", "competent office", "code"),
              C("被投资单位纳税人识别号", "the enterprise whose equity was transferred (财产转让所得)", "credit_code"),
              C("房屋坐落", "the let property (财产租赁所得, 从租计征)", "address"),
              C("报验管理编号", "the cross-region report a prepayment is for", "code")),
             (TAXPAYER, Role("invested", "enterprise", None, "被投资单位纳税人识别号")), tax_filing_rows,
             encoding="utf-8-sig", date_style="dotted",
             mess={"duplicate": 0.002, "negative_amount": 3, "impossible_date": 2}),
    FileSpec(TAX, "契税申报信息.xlsx", "契税申报信息",
             "Deed tax declarations. A house is named by its 不动产单元号, or, declared before July 2022 (the old "
             "system), by the 不动产权证书号 of the transfer; land by its 电子监管号.",
             (C("税源编号", "declaration number", "code"), C("纳税人识别号", "buyer's credit code or ID number", "id_code"),
              C("纳税人名称", "buyer", "name"), C("权属转移对象", "土地使用权 / 房屋"),
              C("权属转移方式", "国有土地使用权出让 / 房屋买卖 / 司法拍卖"), C("电子监管号", "land grants", "code"),
              C("不动产单元号", "houses, since July 2022", "code"),
              C("不动产权证书号", "houses, before July 2022: the certificate of the transfer", "code"),
              C("土地房屋坐落", "location", "address"), C("成交价格（万元）", "declared price", "wan"),
              C("计税依据（万元）", "tax base", "wan"), C("税率", "rate", "fraction"),
              C("应纳税额（元）", "tax due", "yuan"), C("申报日期", "declaration date", "date")),
             (TAXPAYER,), tax_deed_rows, format="xlsx", date_style="excel",
             mess={"id_mistyped": 0.02, "name_variant": 0.03, "duplicate": 1}),
    FileSpec(TAX, "增值税发票明细.csv", "增值税发票明细",
             "VAT invoices (数电票), one line each; 项目名称 carries the tax classification between asterisks.",
             (C("数电发票号码", "20-digit invoice number", "code"), C("开票时间", "when issued", "datetime"),
              C("销售方统一社会信用代码/纳税人识别号", "seller", "credit_code"), C("销售方名称", "seller", "name"),
              C("购买方统一社会信用代码/纳税人识别号", "buyer", "credit_code"), C("购买方名称", "buyer", "name"),
              C("项目名称", "*classification*goods or service"), C("单位", "unit of quantity"),
              C("数量", "quantity", "number"), C("单价", "unit price before VAT, 元", "number"),
              C("金额", "amount before VAT, 元", "yuan"), C("税率", "VAT rate", "percent"),
              C("税额", "VAT, 元", "yuan"), C("价税合计", "amount with VAT, 元", "yuan")),
             (Role("seller", "enterprise", "销售方名称", "销售方统一社会信用代码/纳税人识别号"),
              Role("buyer", "enterprise", "购买方名称", "购买方统一社会信用代码/纳税人识别号")), tax_invoice_rows,
             encoding="gb18030", mess={"name_variant": 0.02, "duplicate": 0.001}, messy_roles=("buyer",)),
))


# --- 自然资源厅 ------------------------------------------------------------------------------
NR = "zrzyt"


def nr_land_rows(world):
    for c in sorted(world.land_contracts, key=lambda c: (c.signed, c.supervision_no)):
        name, code = party(world, c.buyer)
        yield record(world, (c.supervision_no, c.contract_no, c.project, county_name(c.county), c.location, c.use,
                             round(c.hectares * 10_000, 2), c.years, c.method, name, code, c.price, c.signed),
                     (("buyer", c.buyer),), c.protected)


def nr_register_rows(world):
    rows = []
    for r in world.properties:
        owner_name, owner = party(world, r.owner)
        seller_name, seller = party(world, r.seller)
        rows.append(((r.date, r.business_no), (r.business_no, r.kind, r.reason, r.unit_no,
                     fullwidth_brackets(r.cert_no), r.location, r.use, r.area, owner_name, owner, seller_name,
                     seller, r.price, r.contract_no, r.date),
                     (("holder", r.owner), ("obligor", r.seller)), r.protected))
    for e in world.register_entries:
        holder = party(world, e.holder) if e.holder else (e.holder_name, "")
        obligor_name, obligor = party(world, e.obligor)
        rows.append(((e.date, e.business_no), (e.business_no, e.kind, e.reason, e.unit_no,
                     fullwidth_brackets(e.cert_no), e.location, e.use, e.area, holder[0], holder[1], obligor_name,
                     obligor, e.amount, "", e.date),
                     (("holder", e.holder), ("obligor", e.obligor)), False))
    for _, values, refs, protected in sorted(rows, key=lambda row: row[0]):
        yield record(world, values, refs, protected)


LAND_REGISTRY = Department(NR, "宁夏回族自治区自然资源厅", (
    FileSpec(NR, "国有建设用地使用权出让.csv", "国有建设用地使用权出让", "Grants of state-owned construction land use rights.",
             (C("电子监管号", "national land supervision number", "code"), C("合同编号", "grant contract number", "code"),
              C("项目名称", "project"), C("所在行政区", "county or district, by name (银川市兴庆区, 永宁县)"),
              C("宗地坐落", "parcel location", "address"), C("土地用途", "use"),
              C("出让面积（平方米）", "area in square metres", "number"), C("出让年限", "years", "integer"),
              C("供地方式", "挂牌出让 / 拍卖出让 / 招标出让"), C("受让单位", "buyer", "name"),
              C("受让单位统一社会信用代码", "buyer's credit code", "credit_code"),
              C("成交价款（万元）", "price", "wan"), C("签订日期", "signing date", "date")),
             (Role("buyer", "enterprise", "受让单位", "受让单位统一社会信用代码"),), nr_land_rows,
             encoding="gbk", line_terminator="\r\n", date_style="dotted",
             mess={"id_missing": 0.08, "name_variant": 0.05, "duplicate": 1, "impossible_date": 1}),
    FileSpec(NR, "不动产登记信息.csv", "不动产登记信息",
             "Every registration in the real-estate register, of every kind: 首次登记 (a new unit), 转移登记 (sale, "
             "court ruling, inheritance), 变更登记 (a change; a new certificate), 抵押登记 (a mortgage: the bank "
             "is 权利人, the owner 义务人; it issues a 不动产登记证明, not a certificate). Keyed by 不动产单元号.",
             (C("业务号", "registration business number", "code"),
              C("登记类型", "首次登记 / 转移登记 / 变更登记 / 抵押登记"),
              C("登记原因", "新建 / 买卖 / 司法裁定 / 继承 / 坐落名称变更 / 抵押权首次登记"),
              C("不动产单元号", "28-character unit number", "code"),
              C("不动产权证书号/登记证明号", "certificate (or a mortgage's 证明) this registration issued", "code"),
              C("坐落", "location", "address"), C("规划用途", "use"), C("建筑面积（㎡）", "floor area", "number"),
              C("权利人", "the right holder: new owner, or the mortgagee bank", "name"),
              C("权利人证件号", "its ID number or credit code", "id_code"),
              C("义务人", "previous owner, or the mortgagor", "name"), C("义务人证件号", "its ID", "id_code"),
              C("价款或被担保债权数额（万元）", "转移登记: the price; 抵押登记: the secured claim; else empty", "wan"),
              C("网签合同号", "online sale contract of a sale", "code"), C("登簿日期", "date", "date")),
             (Role("holder", "any", "权利人", "权利人证件号"), Role("obligor", "any", "义务人", "义务人证件号")),
             nr_register_rows, encoding="utf-8-sig", date_style="compact",
             title_row="不动产登记信息（全部登记类型，截至2024年3月31日）",
             mess={"id_mistyped": 0.03, "id_missing": 0.03, "fullwidth": 0.02, "duplicate": 0.003,
                   "impossible_date": 1, "negative_amount": 1}),
))


# --- 住房和城乡建设厅 -------------------------------------------------------------------------
HOUSING = "zjt"
LEASE_STATUS = {"有效": "正常", "已到期": "已到期", "已注销": "已注销"}


def zjt_permit_rows(world):
    for p in sorted(world.construction_permits, key=lambda p: (p.date, p.permit_no)):
        builder_name, builder = party(world, p.builder)
        contractor_name, contractor = party(world, p.contractor)
        yield record(world, (p.permit_no, p.project, p.location, builder_name, builder, contractor_name, contractor,
                             p.amount, p.date, f"{county_name(p.county)}住房和城乡建设局"),
                     (("builder", p.builder), ("contractor", p.contractor)), p.protected)


def zjt_lease_rows(world):
    certificates = {(r.unit_no, r.owner): r.cert_no for r in world.properties}
    for l in sorted(world.leases, key=lambda l: (l.filed, l.filing_no)):
        lessor_name, lessor = party(world, l.lessor)
        lessee_name, lessee = party(world, l.lessee)
        cert = fullwidth_brackets(certificates[(l.unit_no, l.lessor)]) if l.unit_no else ""
        yield record(world, (lease_no(l.filing_no, l.county, l.start.year), l.location, cert, lessor_name, lessor,
                             lessee_name, lessee, "经营" if l.lessee in world.enterprises else "住宅", l.area,
                             l.rent * 12, (l.start, l.end), l.filed, LEASE_STATUS[l.status]),
                     (("lessor", l.lessor), ("lessee", l.lessee)), l.protected)


BUILDING = Department(HOUSING, "宁夏回族自治区住房和城乡建设厅", (
    FileSpec(HOUSING, "建筑工程施工许可证.csv", "建筑工程施工许可证",
             "Construction permits; the permit number begins with the county's GB/T 2260 code.",
             (C("施工许可证编号", "permit number", "code"), C("项目名称", "project"), C("建设地址", "site", "address"),
              C("建设单位", "builder", "name"), C("建设单位统一社会信用代码", "builder's credit code", "credit_code"),
              C("施工总承包单位", "contractor", "name"),
              C("施工单位统一社会信用代码", "contractor's credit code", "credit_code"),
              C("合同金额（元）", "construction contract price", "yuan_sep"), C("发证日期", "issue date", "date"),
              C("发证机关", "issuing authority")),
             (Role("builder", "enterprise", "建设单位", "建设单位统一社会信用代码"),
              Role("contractor", "enterprise", "施工总承包单位", "施工单位统一社会信用代码")), zjt_permit_rows,
             date_style="dotted", mess={"fullwidth": 0.05, "name_variant": 0.05, "duplicate": 1, "negative_amount": 1}),
    FileSpec(HOUSING, "房屋租赁登记备案.xlsx", "房屋租赁登记备案",
             "House lease registrations. 登记备案号 begins with the county's code; 不动产权证号 is given when the "
             "lessor let a unit registered in his name, else the lease names only the address.",
             (C("登记备案号", "registration number", "code"), C("房屋坐落", "location", "address"),
              C("不动产权证号", "certificate of the let unit, when known", "code"),
              C("出租人", "lessor", "name"), C("出租人证件号码", "lessor's ID number or credit code", "id_code"),
              C("承租人", "lessee", "name"), C("承租人证件号码", "lessee's ID", "id_code"),
              C("租赁用途", "住宅 / 经营"), C("租赁面积（㎡）", "area", "number"),
              C("年租金（元）", "rent for a year", "yuan_sep"), C("租赁期限", "start-end of the lease", "date_range"),
              C("备案日期", "registration date", "date"), C("备案状态", "正常 / 已到期 / 已注销")),
             (Role("lessor", "any", "出租人", "出租人证件号码"), Role("lessee", "any", "承租人", "承租人证件号码")),
             zjt_lease_rows, format="xlsx", date_style="excel",
             mess={"id_missing": 0.05, "id_mistyped": 0.03, "fullwidth": 0.02, "name_variant": 0.03,
                   "duplicate": 0.005, "impossible_date": 2}),
))


# --- 公安厅 ----------------------------------------------------------------------------------
POLICE = "gat"
RELATION = {"户主": "02", "配偶": "10", "子": "20", "女": "30"}


def gat_resident_rows(world):
    for p in world.persons.values():
        if p.household:
            yield record(world, (p.id_number, p.name, "1" if p.gender == "M" else "2", p.ethnicity, p.birth,
                                 p.household, RELATION[p.relation], p.address, "64" + p.household[:4]),
                         (("person", p.id_number),))


def gat_vehicle_rows(world):
    for v in world.vehicles:
        name, owner = party(world, v.owner)
        brand, model = v.model.split("牌", 1)
        yield record(world, (v.plate, "01" if v.kind.startswith("重型") else "02", v.kind, brand, model, name, owner,
                             v.registered, "A"), (("owner", v.owner),))


PUBLIC_SECURITY = Department(POLICE, "宁夏回族自治区公安厅", (
    FileSpec(POLICE, "常住人口信息.csv", "常住人口信息", "Registered residents by household (户号).",
             (C("公民身份号码", "ID number", "id_number"), C("姓名", "name", "name"), C("性别", "1 男 / 2 女 (GB/T 2261.1)"),
              C("民族", "ethnicity"), C("出生日期", "birth date", "date"), C("户号", "household number", "code"),
              C("与户主关系", "GB/T 4761: 02 户主, 10 配偶, 20 子, 30 女"), C("住址", "registered address", "address"),
              C("户籍地行政区划", "county code of the household", "code")),
             (Role("person", "person", "姓名", "公民身份号码"),), gat_resident_rows, encoding="gb18030",
             date_style="compact", mess={"duplicate": 0.002, "impossible_date": 2}),
    FileSpec(POLICE, "机动车信息.csv", "机动车信息", "Registered motor vehicles.",
             (C("号牌号码", "plate", "code"), C("号牌种类", "01 大型汽车 / 02 小型汽车"), C("车辆类型", "vehicle type"),
              C("中文品牌", "make"), C("车辆型号", "model"), C("所有人", "owner", "name"),
              C("身份证明号码", "owner's ID number or credit code", "id_code"),
              C("初次登记日期", "first registration", "date"), C("机动车状态", "A 正常")),
             (Role("owner", "any", "所有人", "身份证明号码"),), gat_vehicle_rows, encoding="gb18030",
             date_style="compact", mess={"id_mistyped": 0.02, "fullwidth": 0.02, "duplicate": 0.002}),
))


# --- 民政厅 ----------------------------------------------------------------------------------
CIVIL = "mzt"


def mzt_marriage_rows(world):
    for m in sorted(world.marriages, key=lambda m: (m.date, m.cert_no)):
        husband_name, husband = party(world, m.husband)
        wife_name, wife = party(world, m.wife)
        yield record(world, (m.date, "结婚", husband_name, husband, wife_name, wife, m.cert_no, m.office),
                     (("husband", m.husband), ("wife", m.wife)))


CIVIL_AFFAIRS = Department(CIVIL, "宁夏回族自治区民政厅", (
    FileSpec(CIVIL, "婚姻登记信息.csv", "婚姻登记信息", "Marriage registrations.",
             (C("登记日期", "date", "date"), C("业务类型", "结婚"), C("男方姓名", "husband", "name"),
              C("男方证件号码", "husband's ID number", "id_number"), C("女方姓名", "wife", "name"),
              C("女方证件号码", "wife's ID number", "id_number"), C("结婚证字号", "certificate number", "code"),
              C("登记机关", "registry office")),
             (Role("husband", "person", "男方姓名", "男方证件号码"), Role("wife", "person", "女方姓名", "女方证件号码")),
             mzt_marriage_rows, date_style="dotted",
             mess={"id_mistyped": 0.02, "duplicate": 0.003, "impossible_date": 1}),
))


# --- 人力资源和社会保障厅 ---------------------------------------------------------------------
HRSS = "rst"


def rst_employer_rows(world):
    for firm in world.enterprises.values():
        if firm.employees:
            kind = {"government": "机关事业单位"}.get(firm.kind, "企业")
            yield record(world, (employer_no(world, firm.code), firm.name, firm.code, kind,
                                 max(firm.established, dt.date(2005, 1, 1)),
                                 "正常参保" if firm.status == "存续" else "注销", county_name(firm.county)),
                         (("employer", firm.code),))


def rst_contribution_rows(world):
    for firm, person, month, paid in contributions(world):
        yield record(world, (employer_no(world, firm.code), person_no(world, person.id_number), person.name,
                             person.id_number, PENSION, month, person.wage, round(person.wage * 0.24, 2), paid),
                     (("employer", firm.code), ("employee", person.id_number)))


SOCIAL_INSURANCE = Department(HRSS, "宁夏回族自治区人力资源和社会保障厅", (
    FileSpec(HRSS, "参保单位信息.csv", "参保单位信息", "Employers insured with the social insurance agency.",
             (C("单位编号", "the agency's employer number", "code"), C("单位名称", "employer", "name"),
              C("统一社会信用代码", "employer's credit code", "credit_code"), C("单位类型", "企业 / 机关事业单位"),
              C("参保日期", "insured since", "date"), C("参保状态", "正常参保 / 注销"),
              C("所属行政区", "county or district, by name")),
             (Role("employer", "enterprise", "单位名称", "统一社会信用代码"),), rst_employer_rows, date_style="dotted",
             mess={"name_variant": 0.02, "duplicate": 1}),
    FileSpec(HRSS, "职工养老保险缴费明细.csv", "职工养老保险缴费明细",
             "Pension contributions: one row per employee and month. The employer is named by its 单位编号 only "
             "(see 参保单位信息).",
             (C("单位编号", "employer", "code"), C("个人编号", "the agency's person number", "code"),
              C("姓名", "employee", "name"), C("公民身份号码", "employee's ID number", "id_number"),
              C("险种", "110 企业职工基本养老保险"), C("费款所属期", "contribution month", "month_chinese"),
              C("缴费基数", "monthly wage base, 元", "yuan_sep"),
              C("应缴金额", "employer's 16 % and employee's 8 % together, 元", "yuan"),
              C("到账日期", "date received", "date")),
             (Role("employer", "enterprise", None, None), Role("employee", "person", "姓名", "公民身份号码")),
             rst_contribution_rows, date_style="dotted", title_row="职工养老保险缴费明细（2023年1月-12月）",
             mess={"id_missing": 0.02, "id_mistyped": 0.01, "duplicate": 0.002, "negative_amount": 3,
                   "too_many_fields": 1}, messy_roles=("employee",)),
))


# --- 财政厅 ----------------------------------------------------------------------------------
FINANCE = "czt"


def czt_payment_rows(world):
    for p in sorted(world.payments, key=lambda p: (p.date, p.voucher_no)):
        unit_name, _ = party(world, p.unit)
        vendor_name, vendor = party(world, p.vendor)
        account = f"6217{_stable(p.vendor) % 10**15:015d}"
        yield record(world, (p.voucher_no, p.date, budget_unit_code(world, p.unit), unit_name, p.project,
                             p.contract_no, vendor_name, vendor, account, p.amount),
                     (("unit", p.unit), ("vendor", p.vendor)), p.protected)


TREASURY = Department(FINANCE, "宁夏回族自治区财政厅", (
    FileSpec(FINANCE, "国库集中支付明细.xlsx", "国库集中支付明细",
             "Treasury payments of government procurement; the paying unit by its 预算单位编码 and name.",
             (C("支付凭证号", "payment voucher", "code"), C("支付日期", "date", "date"),
              C("预算单位编码", "the treasury's code of the paying unit", "code"),
              C("预算单位名称", "paying unit", "name"), C("项目名称", "project"), C("合同编号", "procurement contract", "code"),
              C("收款人全称", "vendor", "name"), C("收款人统一社会信用代码", "vendor's credit code", "credit_code"),
              C("收款人账号", "vendor's bank account", "code"), C("支付金额（元）", "amount paid, VAT included", "yuan")),
             (Role("unit", "enterprise", "预算单位名称", None), Role("vendor", "enterprise", "收款人全称", "收款人统一社会信用代码")),
             czt_payment_rows, format="xlsx", date_style="excel", messy_roles=("vendor",),
             mess={"name_variant": 0.05, "id_missing": 0.05, "duplicate": 1}),
))


# --- 交通运输厅, 生态环境厅 -------------------------------------------------------------------
TRANSPORT = "jtt"
ENVIRONMENT = "sthjt"


def jtt_permit_rows(world):
    for p in world.transport_permits:
        name, code = party(world, p.holder)
        yield record(world, (p.permit_no, name, code, world.enterprises[p.holder].address, p.scope, p.vehicles,
                             (p.issued, p.expires), p.issued, "有效"), (("holder", p.holder),))


def sthjt_permit_rows(world):
    for p in sorted(world.discharge_permits, key=lambda p: (p.issued, p.permit_no)):
        name, code = party(world, p.holder)
        holder = world.enterprises[p.holder]
        yield record(world, (p.permit_no, name, code, industry_class(holder), holder.address, p.category,
                             p.pollutants.replace(",", "、"), (p.valid_from, p.valid_to), p.issued,
                             "正常" if p.status == "有效" else "注销"), (("holder", p.holder),), p.protected)


PERMITS = (
    Department(TRANSPORT, "宁夏回族自治区交通运输厅", (
        FileSpec(TRANSPORT, "道路运输经营许可.csv", "道路运输经营许可", "Road transport operating permits.",
                 (C("许可证号", "permit number", "code"), C("业户名称", "carrier", "name"),
                  C("统一社会信用代码", "carrier's credit code", "credit_code"), C("经营地址", "address", "address"),
                  C("经营范围", "scope"), C("车辆数", "vehicles", "integer"),
                  C("有效期", "valid from-until", "date_range"), C("核发日期", "issued", "date"), C("许可状态", "status")),
                 (Role("holder", "enterprise", "业户名称", "统一社会信用代码"),), jtt_permit_rows, encoding="gbk",
                 line_terminator="\r\n", date_style="dotted",
                 mess={"name_variant": 0.05, "fullwidth": 0.03, "id_missing": 0.05, "duplicate": 1}),)),
    Department(ENVIRONMENT, "宁夏回族自治区生态环境厅", (
        FileSpec(ENVIRONMENT, "排污许可证信息.xlsx", "排污许可证信息", "Pollutant discharge permits.",
                 (C("许可证编号", "credit code + 3 digits + P", "code"), C("单位名称", "holder", "name"),
                  C("统一社会信用代码", "holder's credit code", "credit_code"),
                  C("行业类别", "GB/T 4754-2017 大类: code and name"), C("生产经营场所地址", "site", "address"),
                  C("管理类别", "重点管理 / 简化管理"), C("主要污染物类别", "pollutants, 、-separated"),
                  C("有效期限", "valid from-until", "date_range"), C("发证日期", "issued", "date"),
                  C("许可证状态", "正常 / 注销")),
                 (Role("holder", "enterprise", "单位名称", "统一社会信用代码"),), sthjt_permit_rows, format="xlsx",
                 date_style="excel", mess={"name_variant": 0.03, "duplicate": 1}),)),
)


# --- 国网电力, 人民法院 -----------------------------------------------------------------------
POWER = "dlgs"
COURT = "fy"


def dlgs_rows(world):
    firms = [f for f in world.enterprises.values() if f.electricity_account and any(f.kwh)]
    for firm in firms:
        industrial = max(firm.kwh) >= 100_000
        multiplier = 100 if industrial else 1
        reading = (_stable(firm.electricity_account) % 50_000) * multiplier
        for m, month in enumerate(MONTHS):
            kwh = firm.kwh[m]
            if kwh and active_in(firm, m):
                previous, reading = reading, reading + kwh
                yield record(world, (firm.electricity_account, firm.name, firm.code,
                                     "大工业用电" if industrial else "一般工商业用电", month, previous / multiplier,
                                     reading / multiplier, multiplier, kwh,
                                     round(kwh * (0.45 if industrial else 0.58), 2)), (("customer", firm.code),))


def fy_auction_rows(world):
    for a in sorted(world.auctions, key=lambda a: (a.date, a.case_no)):
        debtor_name, debtor = party(world, a.debtor)
        buyer_name, buyer = party(world, a.buyer)
        cert = fullwidth_brackets(a.cert_no) if _stable(a.case_no) % 2 else a.cert_no
        yield record(world, (fullwidth_brackets(a.case_no), a.court, f"{a.location}房产", cert, a.location, debtor_name,
                             debtor, a.start_price, a.price, buyer_name, buyer, a.status, a.date),
                     (("debtor", a.debtor), ("buyer", a.buyer)))


UTILITY_AND_COURT = (
    Department(POWER, "国网宁夏电力有限公司", (
        FileSpec(POWER, "月度售电量.csv", "月度售电量",
                 "Monthly metered consumption of business accounts, with the account holder's credit code. "
                 "结算电量 = (本月示数 - 上月示数) × 倍率.",
                 (C("户号", "account", "code"), C("户名", "account holder", "name"),
                  C("统一社会信用代码", "account holder's credit code", "credit_code"),
                  C("用电类别", "大工业用电 / 一般工商业用电"), C("抄表年月", "month", "month_compact"),
                  C("上月示数", "meter reading at the start", "number"), C("本月示数", "meter reading at the end", "number"),
                  C("倍率", "meter multiplier", "integer"), C("结算电量（千瓦时）", "kWh billed", "integer"),
                  C("电费（元）", "bill", "yuan_sep")),
                 (Role("customer", "enterprise", "户名", "统一社会信用代码"),), dlgs_rows,
                 mess={"id_missing": 0.02, "name_variant": 0.03, "duplicate": 0.002, "negative_amount": 2,
                       "truncated_line": 1}),)),
    Department(COURT, "宁夏回族自治区高级人民法院", (
        FileSpec(COURT, "司法拍卖信息.csv", "司法拍卖信息",
                 "Judicial auctions of real estate, sold (成交) or unsold (流拍); the property by the debtor's "
                 "不动产权证号.",
                 (C("案号", "enforcement case number", "code"), C("执行法院", "court"), C("拍卖标的", "what was offered"),
                  C("不动产权证号", "the debtor's certificate of the property", "code"),
                  C("标的物所在地", "location", "address"), C("被执行人", "debtor", "name"),
                  C("被执行人证件号码", "debtor's ID", "id_code"), C("起拍价（元）", "starting price", "yuan_sep"),
                  C("成交价（元）", "hammer price; empty if unsold", "yuan_sep"), C("买受人", "buyer; empty if unsold", "name"),
                  C("买受人证件号码", "buyer's ID", "id_code"), C("拍卖结果", "成交 / 流拍"),
                  C("拍卖日期", "auction date", "date")),
                 (Role("debtor", "any", "被执行人", "被执行人证件号码"), Role("buyer", "any", "买受人", "买受人证件号码")),
                 fy_auction_rows, encoding="utf-8-sig", date_style="chinese",
                 mess={"id_mistyped": 0.05, "duplicate": 1}),)),
)

DEPARTMENTS: tuple[Department, ...] = (MARKET, TAXATION, LAND_REGISTRY, BUILDING, PUBLIC_SECURITY, CIVIL_AFFAIRS,
                                       SOCIAL_INSURANCE, TREASURY, *PERMITS, *UTILITY_AND_COURT)
