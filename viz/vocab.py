"""Words and looks shared by pages and exports: Chinese names, captions, colours, shapes, severity weights.

    >>> LABEL_NAMES["Enterprise"], REL_NAMES["KIN_OF"], PROP_NAMES["source_row"]
    ('企业', '亲属', '行号')
    >>> rel_caption("SHAREHOLDER_OF", {"ratio": 0.3, "amount": 150000.0, "since": dt.date(2021, 1, 22)})
    '股东 30% 150,000.00元 2021-01-22'
"""
from __future__ import annotations

import datetime as dt
from typing import Any

# The node types a case shows, in legend order.
LABEL_NAMES = {
    "Enterprise": "企业", "Person": "自然人", "Property": "不动产", "Contract": "合同", "Invoice": "发票",
    "TaxRegistration": "税务登记", "TaxFiling": "纳税申报", "Permit": "许可证", "Vehicle": "车辆",
    "UtilityUsage": "用电记录", "Address": "地址", "Phone": "电话", "TaxOffice": "税务机关",
}

REL_NAMES = {
    "LEGAL_REP_OF": "法定代表人", "SHAREHOLDER_OF": "股东", "EXECUTIVE_OF": "高管", "KIN_OF": "亲属",
    "OWNS": "拥有", "PARTY_TO": "合同当事人", "CONCERNS": "涉及", "ISSUED": "开具", "RECEIVED": "取得",
    "REGISTERED_WITH": "登记于", "FILED": "申报", "LOCATED_AT": "位于", "HAS_PHONE": "电话",
    "EMPLOYS": "雇用", "HOLDS": "持有", "USED": "用电", "BRANCH_OF": "分支机构",
}

# Relationship types that are bookkeeping, not facts about the world: never part of a network.
BOOKKEEPING_RELS = ("DESCRIBES", "FLAGS", "ASSIGNED_TO", "INCLUDED", "SUBORDINATE_OF")

PROP_NAMES = {
    # keys and names
    "uid": "统一标识", "credit_code": "统一社会信用代码", "name": "名称", "name_norm": "规范名称",
    "id_number": "身份证号", "cert_no": "不动产权证号", "unit_no": "不动产单元号", "contract_no": "合同编号",
    "record_no": "网签备案号",
    "credit_code_as_written": "统一社会信用代码(原文，未通过校验)", "id_number_as_written": "身份证号(原文，未通过校验)",
    "invoice_no": "发票号码", "reg_id": "登记编号", "taxpayer_code": "纳税人识别号", "filing_id": "申报编号",
    "permit_no": "许可证号", "plate_no": "号牌号码", "usage_id": "用电记录编号", "account_no": "用电户号",
    "text": "地址", "number": "电话号码", "code": "代码", "rid": "关系编号",
    # descriptive
    "legal_form": "组织形式", "region_code": "行政区划代码", "status": "状态", "established_on": "成立日期",
    "status_changed_on": "状态变更日期", "industry": "行业", "registered_capital": "注册资本(万元)",
    "kind": "类别", "registry": "登记机关", "si_no": "社保单位编号", "interest_group": "利益关联组", "birth_date": "出生日期",
    "gender": "性别", "ethnicity": "民族", "household_no": "户号", "household_role": "与户主关系",
    "address": "坐落", "area_m2": "面积(平方米)", "use": "用途", "title": "标题", "amount": "金额(元)",
    "signed_on": "签订日期", "start_on": "开始日期", "end_on": "结束日期", "area": "面积", "ratio": "比例",
    "reserve_price": "底价(元)", "reference": "关联编号", "paid_on": "支付日期", "tax": "税额(元)",
    "cost_basis": "成本原值(元)", "paid_in": "实缴出资额(元)",
    "issued_on": "开具日期", "item": "货物或服务名称", "quantity": "数量", "unit_price": "单价(元)",
    "office_code": "税务机关代码", "registered_on": "登记日期", "taxpayer_kind": "纳税人类型",
    "project_permit_no": "施工许可证号", "tax_type": "税种", "tax_item": "税目", "period": "所属期",
    "period_start": "所属期起", "period_end": "所属期止", "declared_base": "计税依据(元)",
    "tax_paid": "实缴税额(元)", "filed_on": "申报日期", "headcount": "人数", "price": "价格(元)", "rate": "税率",
    "subject": "征税对象", "valid_from": "有效期起", "valid_until": "有效期止", "category": "类别",
    "model": "车型", "kwh": "用电量(千瓦时)", "fee": "电费(元)", "level": "级别", "parent": "上级机关",
    "since": "起始日期", "position": "职务", "share": "份额", "role": "角色", "insurance": "险种",
    "wage_base": "缴费基数(元)", "employer_paid": "单位缴费(元)", "person_paid": "个人缴费(元)",
    # provenance
    "department": "来源部门", "dataset": "数据集", "source_file": "来源文件", "source_row": "行号",
    "load_run": "加载批次", "first_seen": "首次发现", "last_seen": "最近确认",
    "registered": "已由登记部门登记(以登记为准)",
    # findings
    "finding_id": "疑点编号", "title_zh": "疑点名称", "description_zh": "疑点说明", "rule_id": "规则",
    "rule_version": "规则版本", "pack": "规则包", "severity": "风险等级",
    "tax_types": "涉及税种", "identity": "识别字段", "evidence": "证据", "evidence_hash": "证据摘要",
    "tax_at_risk": "风险税额(元)", "rule_run": "规则运行批次",
}

# Codes the departments deliver in English, as an inspector reads them.
VALUE_NAMES = {
    "spouse": "配偶", "parent": "父母", "child": "子女", "sibling": "兄弟姐妹", "household": "同户",
    "buyer": "买方", "seller": "卖方", "builder": "建设单位", "contractor": "施工单位", "lessor": "出租方",
    "lessee": "承租方", "vendor": "供应商", "purchaser": "采购人", "bidder": "竞买人", "target": "标的企业",
    "debtor": "被执行人", "transferor": "转让方", "transferee": "受让方",
    "operating": "存续", "revoked": "吊销", "abnormal": "经营异常", "deregistered": "注销", "normal": "正常",
    "male": "男", "female": "女",
    "unit": "单位纳税人", "branch": "分支机构", "cross_region_project": "跨区域项目",
    "vat": "增值税", "deed_tax": "契税", "individual_income_tax": "个人所得税", "property_tax": "房产税",
    "enterprise_income_tax": "企业所得税", "stamp_duty": "印花税", "land_vat": "土地增值税",
    "environmental_protection_tax": "环境保护税",
    "pollutant_discharge": "排污许可", "road_transport": "道路运输许可", "construction": "施工",
    "auction": "司法拍卖", "lease": "租赁", "equity_transfer": "股权转让", "procurement": "政府采购",
    "property_sale": "房屋买卖", "land_transfer": "土地出让",
}

SEVERITY_NAMES = {"low": "低", "medium": "中", "high": "高", "critical": "严重"}
# How much one finding of each severity adds to a node's risk score (and so to its size).
SEVERITY_WEIGHTS = {"low": 1, "medium": 2, "high": 4, "critical": 8}

# vis-network looks: (colour, shape) per node type. Only shapes drawn beside their label, whose
# size can show the risk.
NODE_STYLES = {
    "Enterprise": ("#1f77b4", "square"), "Person": ("#ff7f0e", "dot"), "Property": ("#2ca02c", "hexagon"),
    "Contract": ("#9467bd", "diamond"), "Invoice": ("#8c564b", "triangle"),
    "TaxRegistration": ("#17becf", "triangleDown"), "TaxFiling": ("#7f7f7f", "dot"),
    "Permit": ("#bcbd22", "star"), "Vehicle": ("#e377c2", "triangleDown"), "UtilityUsage": ("#9ecae1", "dot"),
    "Address": ("#98df8a", "hexagon"), "Phone": ("#c5b0d5", "diamond"), "TaxOffice": ("#393b79", "star"),
}
HIGHLIGHT = "#d62728"


def prop_name(name: str) -> str:
    """The Chinese header of a property, the property's own name where none is known."""
    return PROP_NAMES.get(name, name)


# What a node's caption shows: the first of its name fields, then its details.
CAPTION_FIELDS = {
    "Enterprise": (("name", "credit_code"), ()), "Person": (("name",), ()),
    "Property": (("address", "cert_no", "unit_no"), ("area_m2",)),
    "Contract": (("title", "contract_no", "reference"), ("amount", "signed_on")),
    "Invoice": (("invoice_no",), ("amount", "issued_on")),
    "TaxRegistration": (("taxpayer_code",), ("office_code", "status")),
    "TaxFiling": (("tax_type",), ("period", "period_start", "tax_paid")),
    "Permit": (("name", "kind"), ("permit_no",)), "Vehicle": (("plate_no",), ("model",)),
    "UtilityUsage": (("period",), ("kwh",)), "Address": (("text",), ()), "Phone": (("number",), ()),
    "TaxOffice": (("name", "code"), ()),
}
# What a relationship's caption shows after its type.
REL_DETAIL_FIELDS = ("role", "kind", "position", "ratio", "share", "amount", "since", "period", "wage_base",
                     "paid_on")
# The fields that say what kind of relationship it is, without amounts and dates.
REL_KIND_FIELDS = ("role", "kind", "position")
MONEY = {"amount", "tax", "tax_paid", "declared_base", "price", "unit_price", "reserve_price", "wage_base",
         "employer_paid", "person_paid", "fee", "tax_at_risk", "cost_basis", "paid_in"}


def format_value(name: str, value: Any) -> str:
    """A property value as a caption shows it: money with 元, ratios as percentages, codes in Chinese.

    >>> format_value("amount", 677499.05), format_value("ratio", 0.3), format_value("kind", "spouse")
    ('677,499.05元', '30%', '配偶')
    >>> format_value("tax_types", "vat,deed_tax"), format_value("invoices", ["2364…01", "2364…02"])
    ('增值税、契税', '2364…01、2364…02')
    >>> format_value("registered", True), format_value("registered", False)
    ('是', '否')
    """
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(format_value(name, v) for v in value)
    if name == "tax_types" and isinstance(value, str) and "," in value:
        return format_value(name, [v.strip() for v in value.split(",") if v.strip()])
    if isinstance(value, float) and name in MONEY:
        return f"{value:,.2f}元"
    if isinstance(value, float) and name in ("ratio", "share"):
        return f"{value:.0%}" if value <= 1 else f"{value:g}%"
    if isinstance(value, float) and name == "kwh":
        return f"{value:,.0f}千瓦时"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat(sep=" ", timespec="seconds") if isinstance(value, dt.datetime) else value.isoformat()
    return VALUE_NAMES.get(value, str(value)) if isinstance(value, str) else str(value)


def node_caption(label: str, props: dict, key: str) -> str:
    """Two lines at most: the node's name (its key where it has none), then its details.

    >>> print(node_caption("Invoice", {"invoice_no": "2364", "amount": 10.0, "issued_on": dt.date(2023, 5, 28)}, ""))
    2364
    10.00元 2023-05-28
    """
    names, details = CAPTION_FIELDS.get(label, ((), ()))
    head = next((format_value(n, props[n]) for n in names if props.get(n) not in (None, "")), key)
    shown = [format_value(n, props[n]) for n in details if props.get(n) not in (None, "")]
    return head + ("\n" + " ".join(shown) if shown else "")


def rel_caption(rel_type: str, props: dict, fields: tuple[str, ...] = REL_DETAIL_FIELDS) -> str:
    """The relationship's Chinese type and its role, share, amount and date (or the `fields` given).

    >>> rel_caption("KIN_OF", {"kind": "spouse", "since": dt.date(2010, 5, 1)}, fields=REL_KIND_FIELDS)
    '亲属 配偶'
    """
    details = [format_value(name, props[name]) for name in fields if props.get(name) not in (None, "")]
    return " ".join([REL_NAMES.get(rel_type, rel_type), *details])
