"""One-off events of the period: land, property, equity, building, leasing, procurement, permits."""
from __future__ import annotations

import datetime as dt
import random

from crossaudit.loaders.regions import DIVISIONS
from crossaudit.demo.config import AS_OF, HISTORY_START, PERIOD_END, add_years, month_index, random_date
from crossaudit.demo.enterprises import Registry, first_active_month
from crossaudit.demo.geography import PLATE_LETTERS, city_of
from crossaudit.demo.names import GOODS, INDUSTRY, STREETS
from crossaudit.demo.population import age
from crossaudit.demo.world import (
    Auction, ConstructionPermit, DischargePermit, EquityTransfer, Holding, LandContract, Lease, Payment,
    PropertyRecord, TaxPlan, TransportPermit, Vehicle, World,
)

DEED_TAX_RATE = 0.03
LAST_EVENT = dt.date(2023, 12, 15)


def registration_authority(county: str) -> str:
    """Who issues property certificates: the city for its districts, a county (or county city) itself."""
    d = DIVISIONS[county]
    return DIVISIONS[d.parent].name if d.name.endswith("区") else d.name


def court_of(county: str) -> str:
    """The basic people's court of a county (a district's court names its city)."""
    city = registration_authority(county) if DIVISIONS[county].name.endswith("区") else ""
    return f"{city}{DIVISIONS[county].name}人民法院"


def parcel_name(rng: random.Random) -> str:
    a, b = rng.sample(STREETS, 2)
    return f"{a}以{rng.choice('东西')}、{b}以{rng.choice('南北')}地块"


class Events:
    def __init__(self, world: World, registry: Registry, rng: random.Random):
        self.world, self.registry, self.rng = world, registry, rng
        # Only firms alive all year take part in events, so nothing happens after a deregistration.
        firms = [f for f in world.local_enterprises() if f.active_until == 12]
        self.by_industry: dict[str, list] = {}
        for firm in firms:
            self.by_industry.setdefault(firm.industry, []).append(firm)
        self.operating = firms
        self.homeowners = [p for p in world.persons.values() if p.local and 25 <= age(p) <= 70]
        self.units: list[tuple[str, str]] = []  # (unit_no, county) of every property unit made

    def firms(self, *industries: str, whole_year: bool = False) -> list:
        found = [f for i in industries for f in self.by_industry.get(i, []) if f.kind == "local"]
        return [f for f in found if f.active_until == 12 and first_active_month(f) == 0] if whole_year else found

    # --- land and property -------------------------------------------------------------
    def land_contract(self, buyer, signed: dt.date, tax: TaxPlan | None = None) -> LandContract:
        rng, county = self.rng, buyer.county
        residential = buyer.industry == "realestate"
        hectares = round(rng.uniform(1, 12) if residential else rng.uniform(2, 30), 4)
        per_ha = (6_000_000 if county[:4] == "6401" else 3_000_000) * rng.uniform(0.6, 1.4) if residential \
            else 600_000 * rng.uniform(0.8, 1.2)
        price = round(hectares * per_ha / 10_000) * 10_000.0
        city = DIVISIONS[city_of(county)]
        seq = self.world.next_number(f"land:{city.code}:{signed.year}")
        supervision = f"{county}{signed.year}B{self.world.next_number(f'landsup:{county}:{signed.year}'):05d}"
        parcel = parcel_name(rng)
        contract = LandContract(
            supervision_no=supervision, contract_no=f"{city.short_name}自然资出让〔{signed.year}〕{seq:03d}号",
            county=county, project=f"{DIVISIONS[county].name}{parcel}", location=parcel,
            use=rng.choice(("城镇住宅用地", "商服用地")) if residential else "工业用地", hectares=hectares,
            years=70 if residential else 50, method=rng.choice(("挂牌出让", "挂牌出让", "拍卖出让", "招标出让")),
            buyer=buyer.code, price=price, signed=signed, tax=tax or TaxPlan(delay_days=rng.randint(10, 60)))
        self.world.land_contracts.append(contract)
        buyer.owns_property = True
        return contract

    def new_unit(self, county: str) -> str:
        n = len(self.units) + 1
        unit = f"{county}{self.rng.randrange(1, 999):03d}{self.rng.randrange(1, 999):03d}GB{n % 100000:05d}F{n:08d}"
        self.units.append((unit, county))
        return unit

    def cert_no(self, county: str, year: int) -> str:
        authority = registration_authority(county)
        return f"宁({year}){authority}不动产权第{self.world.next_number(f'cert:{authority}:{year}'):07d}号"

    def property_record(self, unit: str, county: str, location: str, use: str, area: float, owner: str,
                        seller: str | None, price: float | None, date: dt.date, reason: str,
                        tax: TaxPlan | None) -> PropertyRecord:
        kind = "首次登记" if reason == "新建" else "转移登记"
        business = f"{county}{date.year}{self.world.next_number(f'biz:{county}:{date.year}'):06d}"
        contract = f"WQ{county}{date.year}{self.world.next_number(f'wq:{county}:{date.year}'):06d}" \
            if reason == "买卖" else None
        record = PropertyRecord(business, unit, self.cert_no(county, date.year), kind, reason, county, location,
                                use, area, owner, seller, price, contract, date, tax)
        self.world.properties.append(record)
        return record

    def property_sale(self, seller, buyer: str, county: str, date: dt.date, use: str = "住宅",
                      tax: TaxPlan | None = None, reason: str = "买卖") -> PropertyRecord:
        rng = self.rng
        unit = self.new_unit(county)
        location = self.registry.addresses.street_address(county, home=True)
        area = round(rng.uniform(60, 180) if use == "住宅" else rng.uniform(80, 800), 2)
        per_m2 = (7_000 if county[:4] == "6401" else 4_500) * (1.3 if use != "住宅" else 1.0) * rng.uniform(0.8, 1.2)
        price = round(area * per_m2 / 100) * 100.0
        if seller is not None and seller in self.world.enterprises:  # a developer's new unit
            self.property_record(unit, county, location, use, area, seller, None, None,
                                 random_date(rng, dt.date(2020, 1, 1), date - dt.timedelta(days=30)), "新建", None)
        if tax is None and reason == "买卖":
            tax = TaxPlan(delay_days=-rng.randint(0, 20), declared_ratio=round(rng.uniform(0.95, 1.0), 3))
        return self.property_record(unit, county, location, use, area, buyer, seller, price, date, reason, tax)

    def properties(self, n: int) -> None:
        rng = self.rng
        developers = self.firms("realestate")
        buyers_firms = self.operating
        for i in range(n):
            date = random_date(rng, HISTORY_START, LAST_EVENT)
            roll = i % 20
            if roll < 12 and developers:
                developer = rng.choice(developers)
                self.property_sale(developer.code, rng.choice(self.homeowners).id_number, developer.county, date)
            elif roll < 17:
                seller, buyer = rng.sample(self.homeowners, 2)
                self.property_sale(seller.id_number, buyer.id_number, self.county_of(seller), date)
            elif developers:
                developer, buyer = rng.choice(developers), rng.choice(buyers_firms)
                self.property_sale(developer.code, buyer.code, developer.county, date, use="商业")
                buyer.owns_property = True

    @staticmethod
    def county_of(person) -> str:
        """Where a person lives: 户号 starts with the county code's last four digits."""
        return "64" + person.household[:4] if person.household else person.division

    def auctions(self, n: int) -> None:
        rng = self.rng
        for _ in range(n):
            debtor = rng.choice(self.homeowners)
            county = self.county_of(debtor)
            buyer = rng.choice(self.operating).code if rng.random() < 0.3 else rng.choice(self.homeowners).id_number
            date = random_date(rng, HISTORY_START, LAST_EVENT)
            unit = self.new_unit(county)
            location = self.registry.addresses.street_address(county, home=True)
            appraised = round(rng.uniform(300_000, 3_000_000) / 100) * 100.0
            start = round(appraised * 0.7 / 100) * 100.0
            price = round(start * rng.uniform(1.0, 1.3) / 100) * 100.0
            case_no, old_cert = self.enforcement_case(county, date), self.cert_no(county, rng.randint(2012, 2020))
            self.world.auctions.append(Auction(case_no, court_of(county), unit, old_cert, location, county, start,
                                               price, buyer, debtor.id_number, date))
            self.property_record(unit, county, location, "住宅", round(rng.uniform(60, 180), 2), buyer,
                                 debtor.id_number, price, date + dt.timedelta(days=rng.randint(20, 60)), "司法裁定",
                                 TaxPlan(delay_days=-rng.randint(1, 15)))

    def enforcement_case(self, county: str, date: dt.date) -> str:
        return f"({date.year})宁{county[2:]}执{self.world.next_number(f'court:{county}:{date.year}')}号"

    def failed_auction(self, debtor, date: dt.date) -> Auction:
        """A judicial auction nobody bid at (流拍): no buyer, no price, the debtor keeps the unit."""
        rng, county = self.rng, self.county_of(debtor)
        unit = self.new_unit(county)
        location = self.registry.addresses.street_address(county, home=True)
        start = round(rng.uniform(300_000, 3_000_000) * 0.7 / 100) * 100.0
        auction = Auction(self.enforcement_case(county, date), court_of(county), unit,
                          self.cert_no(county, rng.randint(2012, 2020)), location, county, start, None, None,
                          debtor.id_number, date, status="流拍")
        self.world.auctions.append(auction)
        return auction

    def land(self, n: int) -> None:
        buyers = self.firms("realestate", "manufacturing", "metallurgy", "food")
        for _ in range(n):
            self.land_contract(self.rng.choice(buyers), random_date(self.rng, HISTORY_START, LAST_EVENT))

    # --- equity --------------------------------------------------------------------------
    def equity_transfer(self, firm, date: dt.date, tax: TaxPlan | None = None, gain: float | None = None,
                        transferee: str | None = None, holding: Holding | None = None,
                        cost: float | None = None) -> EquityTransfer | None:
        """A person's transfer of (part of) a holding acquired before `date` (none: None). The cost
        basis is what the holder paid for the share (`cost_basis`) unless `cost` says otherwise;
        `holding` given, all of it."""
        rng = self.rng
        holdings = [h for h in firm.holdings if h.holder_type == "person" and h.since < date]
        if not holdings:
            return None
        if holding is None:
            holding = rng.choice(holdings)
            part = 1.0 if rng.random() < 0.5 else round(rng.uniform(0.2, 0.8), 2)
        else:
            part = 1.0
        amount = round(holding.amount * part, 4)
        cost = round(self.cost_basis(firm, holding, amount) if cost is None else cost, 2)
        price = round(cost * (gain if gain is not None else rng.uniform(1.0, 2.5)), 2)
        if transferee is None:
            transferee = self.registry.next_rep().id_number
        transfer = EquityTransfer(firm.code, holding.holder, "person", transferee, "person", amount,
                                  round(amount / firm.capital, 4), price, cost, date,
                                  tax or TaxPlan(delay_days=-rng.randint(0, 15)))
        holding.amount = round(holding.amount - amount, 4)
        if holding.amount <= 0:
            firm.holdings.remove(holding)
        existing = next((h for h in firm.holdings if h.holder == transferee), None)
        if existing:
            existing.amount = round(existing.amount + amount, 4)
        else:
            firm.holdings.append(Holding(transferee, "person", amount, date))
        self.world.equity_transfers.append(transfer)
        return transfer

    def cost_basis(self, firm, holding: Holding, amount: float) -> float:
        """What the holder paid for `amount` 万元 of a holding (股权原值, 国家税务总局公告2014年第67号
        第十五条): the price of the registered transfer it came from, pro rata, else the paid-in capital."""
        bought = next((t for t in reversed(self.world.equity_transfers) if t.enterprise == firm.code
                       and t.transferee == holding.holder and t.date == holding.since), None)
        return bought.price * amount / bought.amount if bought else amount * 10_000

    def equity(self, n: int) -> None:
        firms = [f for f in self.operating if f.kind == "local" and f.status == "存续"]
        for _ in range(n):
            firm = self.rng.choice(firms)
            self.equity_transfer(firm, random_date(self.rng, max(HISTORY_START, firm.established), LAST_EVENT))

    # --- construction and leases --------------------------------------------------------
    def construction_permit(self, builder, contractor, date: dt.date, report: bool = True) -> ConstructionPermit:
        rng, county = self.rng, builder.county
        amount = round(rng.uniform(5_000_000, 200_000_000) / 10_000) * 10_000.0
        permit_no = f"{county}{date:%Y%m%d}{self.world.next_number(f'cp:{county}:{date}'):02d}01"
        kind = {"realestate": "住宅小区", "government": "综合楼", "manufacturing": "生产车间"}.get(
            builder.industry if builder.kind != "government" else "government", "厂房")
        permit = ConstructionPermit(permit_no, f"{builder.name.replace('有限责任公司', '').replace('有限公司', '')}{kind}项目",
                                    county, parcel_name(rng), builder.code, contractor.code, amount, date)
        self.world.construction_permits.append(permit)
        if contractor.kind == "other_province" and report:
            self.world.cross_region_reports.append(
                (contractor.code, county, date - dt.timedelta(days=rng.randint(5, 30)), permit_no))
        return permit

    def construction(self, n: int) -> None:
        rng, world = self.rng, self.world
        builders = self.firms("realestate", "manufacturing") + \
            [e for e in world.enterprises.values() if e.kind == "government"]
        contractors = self.firms("construction")
        outsiders = [e for e in world.enterprises.values() if e.kind == "other_province" and e.industry == "construction"]
        for i in range(n):
            contractor = rng.choice(outsiders) if i % 7 == 0 else rng.choice(contractors)
            self.construction_permit(rng.choice(builders), contractor, random_date(rng, HISTORY_START, LAST_EVENT))

    def lease(self, lessor: str, lessee: str, county: str, start: dt.date, term_months: int,
              taxed: bool = True, status: str | None = None) -> Lease:
        rng = self.rng
        shop = lessee in self.world.enterprises
        area = round(rng.uniform(50, 500) if shop else rng.uniform(40, 160), 2)
        rent = round(area * rng.uniform(30, 80 if shop else 40) / 50) * 50.0
        end = min(dt.date(start.year + (start.month - 1 + term_months) // 12, (start.month - 1 + term_months) % 12 + 1, 1),
                  dt.date(2030, 1, 1)) - dt.timedelta(days=1)
        lease = Lease(f"ZL{county}{start.year}{self.world.next_number(f'lease:{county}:{start.year}'):05d}",
                      self.registry.addresses.street_address(county, home=not shop), county, lessor, lessee, area,
                      rent, start, end, start - dt.timedelta(days=rng.randint(0, 10)),
                      status or ("有效" if end > AS_OF else "已到期"), taxed)
        self.world.leases.append(lease)
        return lease

    def leases(self, n: int) -> None:
        rng = self.rng
        for _ in range(n):
            if rng.random() < 0.75:
                owner = rng.choice(self.homeowners)
                lessor, county = owner.id_number, self.county_of(owner)
            else:
                firm = rng.choice(self.operating)
                lessor, county = firm.code, firm.county
            lessee = rng.choice(self.homeowners).id_number if rng.random() < 0.5 else rng.choice(self.operating).code
            if lessee == lessor:
                continue
            start = random_date(rng, HISTORY_START, dt.date(2023, 11, 1)).replace(day=1)
            self.lease(lessor, lessee, county, start, rng.choice((12, 12, 24, 36)))

    # --- procurement and permits --------------------------------------------------------
    def payment(self, unit, vendor, date: dt.date, invoice_delay: int | None) -> Payment:
        rng = self.rng
        goods = GOODS[INDUSTRY[vendor.industry].goods[0]]
        amount = round(rng.uniform(50_000, 2_000_000), 2)
        contract = f"{unit.county}ZFCG{date.year}{self.world.next_number(f'zfcg:{unit.county}'):05d}"
        payment = Payment(f"ZF{date.year}{self.world.next_number('voucher'):08d}", unit.code, vendor.code, amount,
                          date, f"{unit.name}{goods.name}采购项目", contract, invoice_delay)
        self.world.payments.append(payment)
        net = amount / (1 + goods.vat_rate)
        vendor.revenue[month_index(date)] = round(vendor.revenue[month_index(date)] + net, 2)
        return payment

    def vendors(self) -> list:
        return self.firms("trade", "tech", "construction", "services", "catering", "agriculture", whole_year=True)

    def payments(self, n: int) -> None:
        rng = self.rng
        units = [e for e in self.world.enterprises.values() if e.kind == "government"]
        vendors = self.vendors()
        for _ in range(n):
            date = random_date(rng, dt.date(2023, 2, 1), PERIOD_END)
            self.payment(rng.choice(units), rng.choice(vendors), date, -rng.randint(0, 30))

    def discharge_permit(self, holder, issued: dt.date, taxed: bool = True, status: str = "有效") -> DischargePermit:
        rng = self.rng
        category = "重点管理" if holder.industry == "metallurgy" or rng.random() < 0.4 else "简化管理"
        permit = DischargePermit(f"{holder.code}{self.world.next_number(f'pw:{holder.code}'):03d}P", holder.code,
                                 category, rng.choice(("大气污染物", "水污染物", "大气污染物,水污染物")),
                                 issued, issued, add_years(issued, 5) - dt.timedelta(days=1),
                                 status, taxed)
        self.world.discharge_permits.append(permit)
        return permit

    def discharge(self) -> None:
        rng = self.rng
        for firm in self.firms("manufacturing", "metallurgy", "food"):
            if rng.random() < 0.8:
                start = max(firm.established, dt.date(2019, 1, 1))
                issued = random_date(rng, start, max(start, dt.date(2022, 12, 31)))
                self.discharge_permit(firm, issued)

    def transport(self, n_vehicles: int) -> None:
        rng, world = self.rng, self.world
        for firm in self.firms("transport"):
            issued = random_date(rng, max(firm.established, dt.date(2020, 1, 1)), PERIOD_END)
            city = DIVISIONS[city_of(firm.county)]
            count = rng.randint(2, 30)
            world.transport_permits.append(TransportPermit(
                f"宁交运管许可{city.short_name[0]}字{firm.county}{world.next_number('transport'):06d}号", firm.code,
                rng.choice(("道路普通货物运输", "道路普通货物运输,货物专用运输(集装箱)", "道路危险货物运输")),
                count, issued, add_years(issued, 4) - dt.timedelta(days=1)))
            for _ in range(min(count, 5)):
                self.vehicle(firm.code, city_of(firm.county), truck=True)
        for person in rng.sample(self.homeowners, min(n_vehicles, len(self.homeowners))):
            self.vehicle(person.id_number, city_of(self.county_of(person)))

    def vehicle(self, owner: str, city: str, truck: bool = False) -> None:
        rng = self.rng
        while True:
            plate = f"宁{PLATE_LETTERS[city]}" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(5))
            if plate not in self.registry.addresses.used:
                self.registry.addresses.used.add(plate)
                break
        kind, model = (("重型半挂牵引车", rng.choice(("陕汽牌SX4250", "解放牌CA4250", "东风牌DFH4250"))) if truck else
                       ("小型普通客车", rng.choice(("大众牌FV7152", "丰田牌TV7250", "比亚迪牌BYD7006BEV",
                                                 "吉利牌JL7152", "长安牌SC7164", "哈弗牌CC6460"))))
        self.world.vehicles.append(Vehicle(plate, kind, model, owner, random_date(rng, dt.date(2010, 1, 1), PERIOD_END)))


def build_events(world: World, registry: Registry, rng: random.Random, enterprises: int, persons: int) -> Events:
    events = Events(world, registry, rng)
    events.land(max(40, enterprises // 30))
    events.properties(max(200, enterprises // 4))
    events.auctions(max(10, enterprises // 100))
    events.equity(max(60, enterprises // 15))
    events.construction(max(60, enterprises // 20))
    events.leases(max(150, persons // 15))
    events.payments(max(200, enterprises // 5))
    events.discharge()
    events.transport(persons // 6)
    return events

