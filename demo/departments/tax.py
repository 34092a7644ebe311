"""国家税务总局宁夏回族自治区税务局: offices, registrations, returns, deed tax sources, invoices."""
from __future__ import annotations

from crossaudit.demo.departments.common import office_name, party, record, tax_office_code
from crossaudit.demo.names import GOODS, INDUSTRY
from crossaudit.demo.spec import Column, Department, FileSpec, Role

FOLDER = "tax"
LEVELS = {"region": "省级", "city": "市级", "county": "县级"}


def office_rows(world):
    for o in world.offices:
        yield record(world, (o.tax_code, o.name, o.division, LEVELS[o.level],
                             tax_office_code(o.parent) if o.parent else ""), ())


def registration_rows(world):
    for e in world.enterprises.values():
        if e.kind not in ("local", "branch") or not e.tax_registered:
            continue
        rep_name, rep_id = party(world, e.legal_rep)
        kind = "分支机构税务登记" if e.kind == "branch" else "单位纳税人税务登记"
        yield record(world, (e.code, e.name, kind, e.tax_status, e.tax_status_date, e.established,
                             tax_office_code(e.tax_county), office_name(e.tax_county), INDUSTRY[e.industry].name,
                             rep_name, rep_id, e.address, e.phone, e.parent or "", ""),
                     (("taxpayer", e.code), ("legal_rep", e.legal_rep), ("head_office", e.parent)))
    permits = {p.permit_no: p for p in world.construction_permits}
    for contractor, county, date, permit_no in world.cross_region_reports:
        e = world.enterprises[contractor]
        rep_name, rep_id = party(world, e.legal_rep)
        yield record(world, (e.code, e.name, "跨区域涉税事项报验登记", "正常", None, date, tax_office_code(county),
                             office_name(county), INDUSTRY[e.industry].name, rep_name, rep_id,
                             permits[permit_no].location, e.phone, "", permit_no),
                     (("taxpayer", e.code), ("legal_rep", e.legal_rep), ("head_office", None)))


def filing_rows(world):
    for f in sorted(world.filings, key=lambda f: (f.date, f.taxpayer, f.tax, f.item, f.period_start, f.ref)):
        name, code = party(world, f.taxpayer)
        yield record(world, (code, name, f.tax, f.item, f.period_start, f.period_end, f.date, f.base, f.amount,
                             f.headcount, tax_office_code(f.office), f.ref, f.related),
                     (("taxpayer", f.taxpayer), ("related", f.related or None)))


def deed_rows(world):
    for s in world.deed_tax_sources:
        name, code = party(world, s.taxpayer)
        yield record(world, (s.source_no, code, name, s.location, s.unit_no, s.contract_no, s.signed, s.obj,
                             s.method, s.price, s.base, s.rate, s.amount, s.date, tax_office_code(s.office)),
                     (("taxpayer", s.taxpayer),))


def invoice_rows(world):
    for i in world.invoices:
        seller_name, seller = party(world, i.seller)
        buyer_name, buyer = party(world, i.buyer)
        goods = GOODS[i.goods]
        yield record(world, (i.number, i.date, seller, seller_name, buyer, buyer_name, i.goods, goods.unit,
                             i.quantity, i.price, i.amount, goods.vat_rate, i.tax, round(i.amount + i.tax, 2)),
                     (("seller", i.seller), ("buyer", i.buyer)), i.protected)


TAXPAYER_ANY = Role("taxpayer", "any", "纳税人名称", "纳税人识别号")
DEPARTMENT = Department(FOLDER, "国家税务总局宁夏回族自治区税务局", (
    FileSpec(FOLDER, "税务机关.csv", "税务机关", "The region's tax offices at three levels.",
             (Column("税务机关代码", "11-digit office code: 1 + division code + 0000", "code"),
              Column("税务机关名称", "office name", "name"),
              Column("行政区划代码", "GB/T 2260 code of the office's division", "code"),
              Column("级次", "省级 / 市级 / 县级"), Column("上级税务机关代码", "parent office", "code")),
             (), office_rows, encoding="utf-8"),
    FileSpec(FOLDER, "纳税人登记信息.csv", "纳税人登记信息",
             "Tax registrations: enterprises, branches (分支机构) and out-of-province firms reporting a local "
             "project (跨区域涉税事项报验, one row per project).",
             (Column("纳税人识别号", "taxpayer's credit code", "credit_code"), Column("纳税人名称", "name", "name"),
              Column("登记类别", "单位纳税人税务登记 / 分支机构税务登记 / 跨区域涉税事项报验登记"),
              Column("纳税人状态", "正常 / 注销 / 非正常"), Column("状态变更日期", "date of 注销 or 非正常", "date"),
              Column("登记日期", "registration date", "date"),
              Column("主管税务机关代码", "competent office", "code"), Column("主管税务机关", "its name"),
              Column("行业", "industry"), Column("法定代表人", "legal representative", "name"),
              Column("法定代表人身份证件号码", "his or her ID number", "id_number"),
              Column("生产经营地址", "business address", "address"), Column("联系电话", "phone", "phone"),
              Column("总机构纳税人识别号", "a branch's head office", "credit_code"),
              Column("跨区域项目施工许可证编号", "the reported project (跨区域报验 only)", "code")),
             (Role("taxpayer", "enterprise", "纳税人名称", "纳税人识别号"),
              Role("legal_rep", "person", "法定代表人", "法定代表人身份证件号码"),
              Role("head_office", "enterprise", None, "总机构纳税人识别号")),
             registration_rows, encoding="utf-8-sig",
             mess={"id_missing": 0.03, "fullwidth": 0.01, "duplicate": 0.003}, messy_roles=("legal_rep",)),
    FileSpec(FOLDER, "纳税申报明细.csv", "纳税申报明细",
             "Returns by tax (征收项目) and item (征收品目) and period: VAT, enterprise income tax, individual income "
             "tax (wages withheld, equity transfers, rental income), property tax, stamp duty, land VAT, "
             "environmental protection tax.",
             (Column("纳税人识别号", "credit code, or ID number of a person taxpayer", "id_code"),
              Column("纳税人名称", "taxpayer", "name"), Column("征收项目", "tax"), Column("征收品目", "item"),
              Column("税款所属期起", "period start", "date"), Column("税款所属期止", "period end", "date"),
              Column("申报日期", "declaration date", "date"),
              Column("计税依据(元)", "tax base: sales, wages paid, gain, rent, pollution equivalents …", "yuan"),
              Column("应纳税额(元)", "tax due", "yuan"),
              Column("人数", "employees in a wage withholding return", "integer"),
              Column("主管税务机关代码", "competent office", "code"),
              Column("关联凭证号", "lease 备案编号, discharge permit or construction permit number", "code"),
              Column("关联纳税人识别号", "invested enterprise (equity transfer) or lessee (rent)", "id_code")),
             (TAXPAYER_ANY, Role("related", "any", None, "关联纳税人识别号")), filing_rows,
             mess={"duplicate": 0.002, "negative_amount": 3, "impossible_date": 2}),
    FileSpec(FOLDER, "契税税源明细.csv", "契税税源明细",
             "Deed tax declarations (财产和行为税税源明细, 契税): land grants, house sales, judicial auctions.",
             (Column("税源编号", "declaration number", "code"),
              Column("纳税人识别号", "buyer's credit code or ID number", "id_code"),
              Column("纳税人名称", "buyer", "name"), Column("土地房屋坐落", "location", "address"),
              Column("不动产单元号", "property unit (houses) or 电子监管号 (land grants)", "code"),
              Column("合同编号", "land grant contract or online sale contract number", "code"),
              Column("合同签订日期", "contract / transfer date", "date"),
              Column("权属转移对象", "土地 / 房屋"), Column("权属转移方式", "出让 / 买卖 / 司法拍卖"),
              Column("成交价格(元)", "declared price", "yuan"), Column("计税价格(元)", "tax base", "yuan"),
              Column("适用税率", "rate", "number"), Column("应纳税额(元)", "tax due", "yuan"),
              Column("申报日期", "declaration date", "date"), Column("主管税务机关代码", "office", "code")),
             (TAXPAYER_ANY,), deed_rows, encoding="utf-8-sig",
             mess={"id_mistyped": 0.02, "name_variant": 0.03, "duplicate": 1}),
    FileSpec(FOLDER, "增值税发票.csv", "增值税发票",
             "VAT invoices (数电票), one line each; unit price before VAT, so price deviation per goods is measurable.",
             (Column("发票号码", "20-digit invoice number", "code"), Column("开票日期", "issue date", "date"),
              Column("销方纳税人识别号", "seller", "credit_code"), Column("销方名称", "seller", "name"),
              Column("购方纳税人识别号", "buyer", "credit_code"), Column("购方名称", "buyer", "name"),
              Column("货物或应税劳务名称", "goods or service"), Column("单位", "unit of quantity"),
              Column("数量", "quantity", "number"), Column("单价", "unit price before VAT, 元", "number"),
              Column("金额", "amount before VAT, 元", "yuan"), Column("税率", "VAT rate", "number"),
              Column("税额", "VAT, 元", "yuan"), Column("价税合计", "amount with VAT, 元", "yuan")),
             (Role("seller", "enterprise", "销方名称", "销方纳税人识别号"),
              Role("buyer", "enterprise", "购方名称", "购方纳税人识别号")), invoice_rows, encoding="gb18030",
             mess={"name_variant": 0.02, "duplicate": 0.001}, messy_roles=("buyer",)),
))
