"""Enterprises: register entries, owners, officers, branches, operating profiles."""
from __future__ import annotations

import datetime as dt
import math
import random

from crossaudit.loaders.identifiers import make_credit_code
from crossaudit.loaders.regions import DIVISIONS, NINGXIA_COUNTIES, OTHER_COUNTIES
from crossaudit.demo.config import HISTORY_START, MONTHS, PERIOD_END, month_index, random_date
from crossaudit.demo.geography import Addresses, city_of, pick_county
from crossaudit.demo.names import COMPANY_FORMS, FIRM_CHARS, FIRM_WORDS, INDUSTRIES, INDUSTRY
from crossaudit.demo.population import People, age
from crossaudit.demo.world import Enterprise, Holding, Person, World

ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
PROVINCE_SHORT = {"61": "陕西", "62": "甘肃", "15": "内蒙古", "41": "河南", "33": "浙江", "51": "四川", "11": "北京"}
MIN_WAGE_BASE = 3_978.0  # Ningxia 2023 minimum social-insurance base
MAX_WAGE_BASE = 19_890.0


def region_prefixes(county: str) -> tuple[str, ...]:
    """The prefixes a name registered in `county` may carry: 宁夏, 银川, 银川市, 永宁 …"""
    city = DIVISIONS[city_of(county)]
    prefixes = ["宁夏", city.short_name, city.name]
    if DIVISIONS[county].name[-1] in "县市":
        prefixes.append(DIVISIONS[county].short_name)
    return tuple(prefixes)


class Registry:
    """Makes enterprises with unique names and valid, unique credit codes."""

    def __init__(self, world: World, rng: random.Random, addresses: Addresses, people: People):
        self.world, self.rng, self.addresses, self.people = world, rng, addresses, people
        self.names: set[str] = set()
        adults = [p for p in world.persons.values() if p.local and 25 <= age(p) <= 65]
        rng.shuffle(adults)
        self.rep_pool = adults
        self.rep_next = 0
        self.children: dict[str, list[str]] = {}
        for person in world.persons.values():
            for parent in (person.father, person.mother):
                if parent:
                    self.children.setdefault(parent, []).append(person.id_number)

    def next_rep(self) -> Person:
        person = self.rep_pool[self.rep_next % len(self.rep_pool)]
        self.rep_next += 1
        return person

    def credit_code(self, county: str, established: dt.date, authority: str = "9", category: str = "1") -> str:
        while True:
            if authority == "9" and established.year >= 2015:
                body = "MA7" + "".join(self.rng.choice(ORG_ALPHABET[:31]) for _ in range(5))
            else:
                body = f"{self.rng.randrange(10**8):08d}"
            code = make_credit_code(county, body, authority, category)
            if code not in self.world.enterprises:
                return code

    def firm_name(self, prefixes: tuple[str, ...], industry: str, form: str | None = None) -> str:
        words = INDUSTRY[industry].words
        while True:
            brand = self.rng.choice(FIRM_WORDS) if self.rng.random() < 0.5 else \
                "".join(self.rng.sample(FIRM_CHARS, 2))
            prefix = self.rng.choices(prefixes, weights=[4, 4, 1, 2][: len(prefixes)])[0]
            name = f"{prefix}{brand}{self.rng.choice(words)}{form or self.rng.choice(COMPANY_FORMS)}"
            if name not in self.names:
                self.names.add(name)
                return name

    def establish_date(self) -> dt.date:
        year = self.rng.choices(range(2000, 2024), weights=[1 + y for y in range(24)])[0]
        return random_date(self.rng, dt.date(year, 1, 1), min(dt.date(year, 12, 31), PERIOD_END))

    def local(self, county: str | None = None, industry: str | None = None,
              established: dt.date | None = None, legal_rep: Person | None = None) -> Enterprise:
        rng = self.rng
        county = county or pick_county(rng)
        industry = industry or rng.choices([i.key for i in INDUSTRIES], weights=[i.weight for i in INDUSTRIES])[0]
        established = established or self.establish_date()
        rep = legal_rep or self.next_rep()
        capital = float(rng.choice((10, 30, 50, 100, 100, 200, 300, 500, 500, 1000, 2000, 5000)))
        firm = Enterprise(
            code=self.credit_code(county, established), name=self.firm_name(region_prefixes(county), industry),
            county=county, industry=industry, established=established, capital=capital,
            form="有限责任公司(自然人投资或控股)", address=self.addresses.street_address(county),
            phone=self.addresses.phone(county), legal_rep=rep.id_number, tax_county=county, rank=rng.random())
        self.add_owners(firm, rep)
        self.world.enterprises[firm.code] = firm
        return firm

    def add_owners(self, firm: Enterprise, rep: Person) -> None:
        rng, persons = self.rng, self.world.persons
        holders = [rep.id_number]
        if rep.spouse and rng.random() < 0.35:
            holders.append(rep.spouse)
        children = [p for p in (persons.get(c) for c in self.children_of(rep)) if p and age(p) >= 20]
        if children and rng.random() < 0.3:
            holders.append(children[0].id_number)
        if rng.random() < 0.3:
            holders.append(self.next_rep().id_number)
        if len(holders) == 1:
            firm.form = "有限责任公司(自然人独资)"
        shares = [0.55 + 0.45 * rng.random()] if len(holders) > 1 else [1.0]
        rest = 1.0 - shares[0]
        for i in range(1, len(holders)):
            part = rest if i == len(holders) - 1 else round(rest * rng.uniform(0.3, 0.7), 2)
            shares.append(part)
            rest -= part
        since = firm.established
        for holder, share in zip(holders, shares):
            firm.holdings.append(Holding(holder, "person", round(firm.capital * share, 4), since))
        firm.executives.append((rep.id_number, rng.choice(("执行董事兼总经理", "执行董事", "董事长"))))
        supervisor = holders[1] if len(holders) > 1 else self.next_rep().id_number
        firm.executives.append((supervisor, "监事"))

    def children_of(self, person: Person) -> list[str]:
        return self.children.get(person.id_number, [])

    def branch(self, parent: Enterprise, county: str, name: str | None = None) -> Enterprise:
        rep = self.next_rep()
        established = random_date(self.rng, parent.established, PERIOD_END)
        name = name or f"{parent.name}{DIVISIONS[county].short_name}分公司"
        self.names.add(name)
        firm = Enterprise(
            code=self.credit_code(county, established), name=name, county=county, industry=parent.industry,
            form="有限责任公司分公司(自然人投资或控股)", established=established, capital=0.0,
            address=self.addresses.street_address(county), phone=self.addresses.phone(county),
            legal_rep=rep.id_number, kind="branch", parent=parent.code, tax_county=county, rank=self.rng.random())
        firm.executives.append((rep.id_number, "负责人"))
        self.world.enterprises[firm.code] = firm
        return firm

    def outsider_firm(self, industry: str, county: str | None = None) -> Enterprise:
        county = county or self.rng.choice(OTHER_COUNTIES)
        rep = self.people.outsider(county)
        established = self.establish_date()
        short = PROVINCE_SHORT[county[:2]]
        firm = Enterprise(
            code=self.credit_code(county, established), name=self.firm_name((short, short), industry, "有限公司"),
            county=county, industry=industry, form="有限责任公司(自然人投资或控股)", established=established,
            capital=float(self.rng.choice((1000, 2000, 5000, 10000))), address=rep.address.replace("号", "号院"),
            phone=self.addresses.phone(None), legal_rep=rep.id_number, kind="other_province",
            tax_registered=False, tax_county=county, rank=self.rng.random())
        firm.holdings.append(Holding(rep.id_number, "person", firm.capital, established))
        firm.executives.append((rep.id_number, "执行董事兼总经理"))
        self.world.enterprises[firm.code] = firm
        return firm

    def government_unit(self, county: str, suffix: str, category: str) -> Enterprise:
        d = DIVISIONS[county]
        name = (DIVISIONS[d.parent].name if d.name.endswith("区") else "") + d.name + suffix
        code = self.credit_code(county, dt.date(2000, 1, 1), authority="1", category=category)
        unit = Enterprise(code=code, name=name, county=county, industry="public", form="机关" if category == "1" else "事业单位",
                          established=dt.date(2000, 1, 1), capital=0.0, address=self.addresses.street_address(county),
                          phone=self.addresses.phone(county), legal_rep="", kind="government",
                          tax_registered=False, tax_county=county, rank=2.0)
        self.world.enterprises[code] = unit
        return unit


def set_status(firm: Enterprise, rng: random.Random) -> None:
    """Register and tax status; activity stops for good when either ends (so nothing looks alive)."""
    roll = rng.random()
    if roll < 0.08:
        firm.status = "注销"
    elif roll < 0.12:
        firm.status = "吊销"
    elif roll < 0.17:
        firm.status = "经营异常"
    if firm.status != "存续":
        firm.status_date = random_date(rng, max(firm.established, HISTORY_START), PERIOD_END)
        firm.tax_status = "注销" if firm.status == "注销" else "非正常"
        firm.tax_status_date = max(firm.established, firm.status_date - dt.timedelta(days=rng.randint(0, 90)))
        firm.active_until = max(0, min(12, month_index(firm.tax_status_date)))
    elif rng.random() < 0.1:
        firm.dormant = True
    else:
        firm.active_until = 12


def assign_profile(firm: Enterprise, rng: random.Random) -> None:
    """Electricity, sales and taxes that agree with the industry's norm."""
    industry = INDUSTRY[firm.industry]
    low, high = industry.kwh
    base_kwh = math.exp(rng.uniform(math.log(low), math.log(high)))
    factor = rng.uniform(0.75, 1.35)
    first = first_active_month(firm)
    firm.kwh = [round(base_kwh * rng.uniform(0.85, 1.15)) if first <= m < firm.active_until else 0
                for m in range(len(MONTHS))]
    firm.revenue = [round(k * industry.yuan_per_kwh * factor * rng.uniform(0.9, 1.1), 2) for k in firm.kwh]
    firm.general_taxpayer = sum(firm.revenue) > 5_000_000
    firm.vat_rate = round(rng.uniform(0.02, 0.045), 4) if firm.general_taxpayer else 0.01
    firm.margin = round(rng.uniform(0.03, 0.15), 4)
    firm.wage_ratio = round(rng.uniform(1.0, 1.3), 4)
    firm.owns_property = firm.industry in ("manufacturing", "metallurgy", "food", "realestate") or rng.random() < 0.2


def first_active_month(firm: Enterprise) -> int:
    """The first month of the period the firm exists in (0 unless established during it)."""
    return max(0, month_index(firm.established))


def hire(world: World, firms: list[Enterprise], workers: list[Person], rng: random.Random) -> None:
    """Give every operating firm at least one employee; one employer per person."""
    wanted = [max(1, round(math.exp(rng.uniform(*map(math.log, INDUSTRY[f.industry].staff))))) for f in firms]
    scale = min(1.0, 0.9 * len(workers) / max(1, sum(wanted)))
    pool = iter(workers)
    for firm, n in zip(firms, wanted):
        for _ in range(max(1, round(n * scale))):
            person = next(pool, None)
            if person is None:
                return
            person.employer = firm.code
            wage = math.exp(rng.uniform(math.log(3_000), math.log(16_000)))
            person.wage = round(min(MAX_WAGE_BASE, max(MIN_WAGE_BASE, wage)), 0)
            firm.employees.append(person.id_number)


def build_enterprises(world: World, registry: Registry, rng: random.Random, count: int) -> None:
    n_other = max(12, count * 3 // 100)
    n_branch = count * 4 // 100
    for _ in range(count - n_other - n_branch):
        set_status(registry.local(), rng)
    parents = [f for f in world.local_enterprises() if f.status == "存续" and not f.dormant and f.active_until]
    for parent in rng.sample(parents, n_branch):
        county = rng.choice([c for c in NINGXIA_COUNTIES if c != parent.county])
        branch = registry.branch(parent, county)
        branch.active_until = 12 if branch.established < PERIOD_END.replace(month=7) else 0
        branch.dormant = branch.active_until == 0
    for i in range(n_other):
        registry.outsider_firm("construction" if i % 3 else "trade")
    for county in NINGXIA_COUNTIES:
        registry.government_unit(county, "教育局", "1")
        registry.government_unit(county, "卫生健康局", "1")
        registry.government_unit(county, "人民医院", "2")
    # A few corporate shareholders: local holding companies and firms from elsewhere.
    locals_ = world.local_enterprises()
    corporate = [f for f in world.enterprises.values() if f.kind == "other_province" and f.industry == "trade"]
    for firm in rng.sample([f for f in locals_ if f.kind == "local"], max(5, count // 40)):
        owner = rng.choice(corporate) if rng.random() < 0.4 else rng.choice(locals_)
        if owner.code == firm.code or owner.kind == "branch":
            continue
        firm.form = "有限责任公司(自然人投资或控股的法人独资)" if not firm.holdings else "其他有限责任公司"
        cut = round(firm.capital * 0.3, 4)
        firm.holdings[0].amount = round(firm.holdings[0].amount - cut, 4)
        firm.holdings.append(Holding(owner.code, "enterprise", cut, firm.established))
    operating = [f for f in locals_ if f.operating]
    for firm in operating:
        assign_profile(firm, rng)
    workers = [p for p in world.persons.values() if 20 <= age(p) <= 60]
    rng.shuffle(workers)
    hire(world, operating, workers, rng)
    for n, firm in enumerate(operating):
        firm.electricity_account = f"64{city_of(firm.county)[2:4]}{n + 1:06d}"
