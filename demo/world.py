"""The true state of the demo region, before any department writes it down.

Builders fill a `World`; cases mutate it; department exporters render it. Plain
mutable dataclasses with slots: the large scale holds hundreds of thousands of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(slots=True)
class Office:
    division: str  # GB/T 2260 code, the office's code in the graph
    tax_code: str  # 11-digit 税务机关代码
    name: str
    level: str  # region | city | county
    parent: str | None


@dataclass(slots=True)
class Person:
    id_number: str
    name: str
    gender: str  # M | F
    birth: dt.date
    division: str  # where the ID number was issued
    ethnicity: str
    local: bool  # in Ningxia's household register
    address: str
    household: str | None = None  # 户号
    relation: str | None = None  # 与户主关系
    spouse: str | None = None
    father: str | None = None
    mother: str | None = None
    employer: str | None = None
    wage: float = 0.0  # monthly social-insurance wage base


@dataclass(slots=True)
class Holding:
    holder: str  # ID number or credit code
    holder_type: str  # person | enterprise
    amount: float  # 认缴出资额, 万元
    since: dt.date


@dataclass(slots=True)
class Enterprise:
    code: str
    name: str
    county: str
    industry: str
    form: str  # 企业类型
    established: dt.date
    capital: float  # 万元
    address: str
    phone: str
    legal_rep: str
    kind: str = "local"  # local | branch | other_province | government
    parent: str | None = None
    status: str = "存续"  # 存续 | 注销 | 吊销 | 经营异常
    status_date: dt.date | None = None
    holdings: list[Holding] = field(default_factory=list)
    executives: list[tuple[str, str]] = field(default_factory=list)  # (person, title)
    tax_registered: bool = True
    tax_county: str = ""
    tax_status: str = "正常"  # 正常 | 注销 | 非正常
    tax_status_date: dt.date | None = None
    general_taxpayer: bool = False
    vat_rate: float = 0.01  # effective VAT on sales
    margin: float = 0.08
    active_until: int = 0  # months of the period [0, active_until) with activity
    dormant: bool = False  # registered, files zero returns, does nothing
    employees: list[str] = field(default_factory=list)
    wage_ratio: float = 1.15  # wages declared for IIT / social-insurance wage base
    wage_iit_filed: bool = True  # files wage withholding returns (none when no employee owes IIT)
    kwh: list[int] = field(default_factory=list)  # per month of the period
    revenue: list[float] = field(default_factory=list)  # declared sales per month, 元
    rank: float = 0.0  # invoices flow from lower to higher rank: no background cycles
    electricity_account: str = ""
    owns_property: bool = False
    protected: bool = False  # named by a planted case: left free of in-place mess

    @property
    def operating(self) -> bool:
        return self.active_until > 0


@dataclass(slots=True)
class TaxPlan:
    """How the tax on a one-off event was declared."""
    filed: bool = True
    delay_days: int = 10  # declaration date minus event date
    declared_ratio: float = 1.0  # declared price / true price


@dataclass(slots=True)
class Invoice:
    number: str
    date: dt.date
    seller: str
    buyer: str
    goods: str
    quantity: float
    price: float
    amount: float
    tax: float
    protected: bool = False


@dataclass(slots=True)
class LandContract:
    supervision_no: str
    contract_no: str
    county: str
    project: str
    location: str
    use: str
    hectares: float
    years: int
    method: str
    buyer: str
    price: float  # 元
    signed: dt.date
    tax: TaxPlan = field(default_factory=TaxPlan)
    protected: bool = False


@dataclass(slots=True)
class PropertyRecord:
    """A registration in the real-estate register (首次登记 or 转移登记)."""
    business_no: str
    unit_no: str
    cert_no: str
    kind: str  # 首次登记 | 转移登记
    reason: str  # 新建 | 买卖 | 司法裁定 | 继承
    county: str
    location: str
    use: str
    area: float
    owner: str
    seller: str | None
    price: float | None  # 元
    contract_no: str | None
    date: dt.date
    tax: TaxPlan | None = None
    protected: bool = False


@dataclass(slots=True)
class Auction:
    case_no: str
    court: str
    unit_no: str
    cert_no: str
    location: str
    county: str
    start_price: float
    price: float | None  # None: unsold (流拍)
    buyer: str | None
    debtor: str
    date: dt.date
    status: str = "成交"  # 成交 | 流拍


@dataclass(slots=True)
class EquityTransfer:
    enterprise: str
    transferor: str
    transferor_type: str
    transferee: str
    transferee_type: str
    amount: float  # 出资额, 万元
    ratio: float  # share of capital transferred, 0..1
    price: float  # 元
    cost: float  # 元
    date: dt.date
    tax: TaxPlan = field(default_factory=TaxPlan)
    protected: bool = False


@dataclass(slots=True)
class ConstructionPermit:
    permit_no: str
    project: str
    county: str
    location: str
    builder: str
    contractor: str
    amount: float  # 元
    date: dt.date
    protected: bool = False


@dataclass(slots=True)
class Lease:
    filing_no: str
    location: str
    county: str
    lessor: str
    lessee: str
    area: float
    rent: float  # per month, 元
    start: dt.date
    end: dt.date
    filed: dt.date
    status: str  # 有效 | 已到期 | 已注销
    taxed: bool = True
    protected: bool = False
    unit_no: str | None = None  # the registered unit let, when the lessor's own (see registrations.py)


@dataclass(slots=True)
class RegisterEntry:
    """A registration besides the period's 首次登记 and sales: a mortgage (抵押登记: the bank holds the
    right, the owner is the obligor; it issues a 登记证明), a change (变更登记: a new certificate), or
    the earlier registration of a unit a court later auctioned (its debtor's certificate)."""
    business_no: str
    unit_no: str
    cert_no: str  # 不动产权证书号, or 不动产登记证明号 of a mortgage
    kind: str  # 抵押登记 | 变更登记 | 转移登记
    reason: str
    county: str
    location: str
    use: str
    area: float
    holder: str | None  # the owner's entity id; None for a bank
    holder_name: str  # the right holder as registered (the bank for a mortgage)
    obligor: str | None
    amount: float | None  # 元: secured claim of a mortgage
    date: dt.date


@dataclass(slots=True)
class Payment:
    voucher_no: str
    unit: str  # the paying government unit's credit code
    vendor: str
    amount: float
    date: dt.date
    project: str
    contract_no: str
    invoice_delay: int | None = -10  # invoice date minus payment date; None: no invoice
    protected: bool = False


@dataclass(slots=True)
class DischargePermit:
    permit_no: str
    holder: str
    category: str  # 重点管理 | 简化管理
    pollutants: str
    issued: dt.date
    valid_from: dt.date
    valid_to: dt.date
    status: str  # 有效 | 已注销
    taxed: bool = True
    protected: bool = False


@dataclass(slots=True)
class TransportPermit:
    permit_no: str
    holder: str
    scope: str
    vehicles: int
    issued: dt.date
    expires: dt.date


@dataclass(slots=True)
class Vehicle:
    plate: str
    kind: str
    model: str
    owner: str
    registered: dt.date


@dataclass(slots=True)
class Marriage:
    cert_no: str
    date: dt.date
    husband: str
    wife: str
    office: str


@dataclass(slots=True)
class Filing:
    taxpayer: str
    tax: str  # 征收项目
    item: str  # 征收品目
    period_start: dt.date
    period_end: dt.date
    date: dt.date
    base: float
    amount: float
    office: str  # division code of the 主管税务机关
    ref: str = ""  # 关联凭证号: contract, lease filing, permit …
    related: str = ""  # 关联纳税人识别号: the invested enterprise, the lessee …
    headcount: int | None = None


@dataclass(slots=True)
class DeedTaxSource:
    source_no: str
    taxpayer: str
    obj: str  # 土地 | 房屋
    method: str  # 出让 | 买卖 | 司法拍卖
    unit_no: str  # 不动产单元号 or 电子监管号
    contract_no: str
    location: str
    signed: dt.date
    price: float
    base: float
    rate: float
    amount: float
    date: dt.date
    office: str


@dataclass(slots=True)
class Case:
    family: str
    kind: str
    label: str  # positive | near_miss
    primary_key: str
    keys: list[str]
    amount_at_risk: float
    office: str
    description: str


@dataclass
class World:
    seed: int
    scale: str
    offices: list[Office] = field(default_factory=list)
    persons: dict[str, Person] = field(default_factory=dict)  # insertion-ordered
    enterprises: dict[str, Enterprise] = field(default_factory=dict)
    marriages: list[Marriage] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    land_contracts: list[LandContract] = field(default_factory=list)
    properties: list[PropertyRecord] = field(default_factory=list)
    auctions: list[Auction] = field(default_factory=list)
    equity_transfers: list[EquityTransfer] = field(default_factory=list)
    construction_permits: list[ConstructionPermit] = field(default_factory=list)
    leases: list[Lease] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    discharge_permits: list[DischargePermit] = field(default_factory=list)
    transport_permits: list[TransportPermit] = field(default_factory=list)
    vehicles: list[Vehicle] = field(default_factory=list)
    cross_region_reports: list[tuple[str, str, dt.date, str]] = field(default_factory=list)  # (contractor, county, date, permit)
    filings: list[Filing] = field(default_factory=list)
    deed_tax_sources: list[DeedTaxSource] = field(default_factory=list)
    register_entries: list[RegisterEntry] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)

    def next_number(self, series: str) -> int:
        """Sequential document numbers per series, so numbering is reproducible."""
        self.counters[series] = self.counters.get(series, 0) + 1
        return self.counters[series]

    def name_of(self, entity_id: str) -> str:
        if entity_id in self.enterprises:
            return self.enterprises[entity_id].name
        return self.persons[entity_id].name

    def is_person(self, entity_id: str) -> bool:
        return entity_id in self.persons

    def local_enterprises(self) -> list[Enterprise]:
        return [e for e in self.enterprises.values() if e.kind in ("local", "branch")]
