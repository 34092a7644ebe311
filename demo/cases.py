"""Planted suspicious cases and near misses, recorded in the answer key.

Each `plant_*` method changes the world so that one rule-level kind becomes visible in the
department exports (positives) or looks alike but is lawful (near misses).
"""
from __future__ import annotations

import datetime as dt
import random

from crossaudit.demo.activity import Events
from crossaudit.demo.config import AS_OF, HISTORY_START, MONTHS, PERIOD_END, Scale, month_index, random_date
from crossaudit.demo.enterprises import Registry
from crossaudit.demo.flows import DEED_TAX_RATE, RENTAL_RATE_ENTERPRISE, RENTAL_RATE_PERSON, add_invoice
from crossaudit.demo.names import GOODS, INDUSTRY
from crossaudit.demo.population import age
from crossaudit.demo.world import Case, Enterprise, TaxPlan, World

POSITIVE, NEAR_MISS = "positive", "near_miss"
BASIC_DEDUCTION = 5_000.0  # 个人所得税法 第六条（一）: wages above 5,000 元 a month are taxable
MATERIAL_TAXABLE_WAGES = 50_000.0  # a planted under-declaration leaves at least this much taxable wage undeclared
# The last day a planted equity transfer is dated: its IIT return was due months before the data ends.
LAST_PLANTED_TRANSFER = dt.date(2023, 6, 30)


def sellable_from(firm: Enterprise) -> dt.date:
    """The first day a person holding a share of `firm` can transfer it: the day after the
    earliest such holding began (a share is sold after it is bought), not before the history."""
    earliest = min(h.since for h in firm.holdings if h.holder_type == "person")
    return max(HISTORY_START, firm.established, earliest + dt.timedelta(days=1))


def yuan(amount: float) -> str:
    return f"{amount:,.2f} 元"


class Planter:
    def __init__(self, world: World, events: Events, registry: Registry, rng: random.Random, scale: Scale):
        self.world, self.events, self.registry, self.rng = world, events, registry, rng
        self.positives, self.near_misses = scale.cases_per_kind, scale.near_misses_per_kind
        self.used: set[str] = set()

    def key(self, entity_id: str) -> str:
        """'credit_code:…' or 'id_number:…', the typed form the answer key lists identifiers in."""
        return f"{'id_number' if entity_id in self.world.persons else 'credit_code'}:{entity_id}"

    def home_county(self, entity_id: str) -> str:
        """The county whose tax office answers for an enterprise or a person."""
        if entity_id in self.world.enterprises:
            return self.world.enterprises[entity_id].tax_county
        return self.events.county_of(self.world.persons[entity_id])

    def add(self, family: str, kind: str, label: str, primary: str, keys: list[str], amount: float,
            office: str, description: str) -> None:
        self.world.cases.append(Case(family, kind, label, primary, list(dict.fromkeys(keys)), round(amount, 2),
                                     office, description))

    def take(self, candidates: list, n: int, ids=lambda x: [x.code], exclude: set[str] = frozenset()) -> list:
        """n candidates whose entities no other case uses yet (then marked used), none in `exclude`
        (skipped in the draw, so the random numbers drawn stay those of the whole list)."""
        chosen = []
        for candidate in self.rng.sample(candidates, len(candidates)):
            entity_ids = ids(candidate)
            if any(e in self.used or e in exclude for e in entity_ids):
                continue
            self.used.update(entity_ids)
            for e in entity_ids:
                if e in self.world.enterprises:
                    self.world.enterprises[e].protected = True
            chosen.append(candidate)
            if len(chosen) == n:
                break
        if len(chosen) < n:
            raise RuntimeError(f"demo region too small to plant {n} cases; only {len(chosen)} candidates")
        return chosen

    def firms(self, *industries: str, whole_year: bool = True, employees: int = 0) -> list[Enterprise]:
        return [f for f in self.events.firms(*industries, whole_year=whole_year)
                if f.tax_registered and len(f.employees) >= employees]

    def all_firms(self, **kw) -> list[Enterprise]:
        return self.firms(*INDUSTRY, **kw)

    # --- land and property ------------------------------------------------------------
    def plant_land(self) -> None:
        contracts = [c for c in self.world.land_contracts if c.signed <= dt.date(2023, 9, 30)]
        for c in self.take(contracts, self.positives, lambda c: [c.buyer]):
            c.tax.filed, c.protected = False, True
            self.add("land_transfer_deed_tax", "land_transfer_without_deed_tax", POSITIVE, c.contract_no,
                     [f"land_contract:{c.contract_no}", f"land_supervision:{c.supervision_no}", self.key(c.buyer)],
                     c.price * DEED_TAX_RATE, c.county,
                     f"土地出让合同 {c.contract_no} signed {c.signed} for {yuan(c.price)} by {self.world.name_of(c.buyer)}; "
                     "no deed tax source (契税税源明细) with this 合同编号 exists and the buyer declared no deed tax for it.")
        early = [c for c in self.world.land_contracts if c.signed <= dt.date(2022, 6, 30)]
        for c in self.take(early, self.near_misses, lambda c: [c.buyer]):
            c.tax.delay_days, c.protected = self.rng.randint(150, 400), True
            self.add("land_transfer_deed_tax", "land_transfer_without_deed_tax", NEAR_MISS, c.contract_no,
                     [f"land_contract:{c.contract_no}", self.key(c.buyer)], 0.0, c.county,
                     f"Deed tax for {c.contract_no} was declared {c.tax.delay_days} days after signing: late but paid, "
                     "so a rule testing that the tax exists must not flag it.")

    def plant_property(self) -> None:
        sales = [r for r in self.world.properties if r.reason == "买卖" and r.tax and r.date <= dt.date(2023, 10, 31)]
        ids = lambda r: [r.owner, r.unit_no]  # noqa: E731
        for r in self.take(sales, self.positives, ids):
            r.tax.filed, r.protected = False, True
            self.add("property_transfer_deed_tax", "property_transfer_without_deed_tax", POSITIVE, r.cert_no,
                     [f"property_cert:{r.cert_no}", f"property_unit:{r.unit_no}", f"sale_contract:{r.contract_no}",
                      self.key(r.owner), self.key(r.seller)], r.price * DEED_TAX_RATE, r.county,
                     f"转移登记 (买卖) of {r.unit_no} to {self.world.name_of(r.owner)} on {r.date} at {yuan(r.price)}; "
                     "no deed tax source for this 不动产单元号 by the buyer.")
        for r in self.take(sales, self.positives, ids):
            r.tax.declared_ratio, r.protected = round(self.rng.uniform(0.3, 0.5), 3), True
            self.add("property_transfer_deed_tax", "property_transfer_price_underdeclared", POSITIVE, r.cert_no,
                     [f"property_cert:{r.cert_no}", f"property_unit:{r.unit_no}", self.key(r.owner)],
                     r.price * (1 - r.tax.declared_ratio) * DEED_TAX_RATE, r.county,
                     f"Registered price {yuan(r.price)} for {r.unit_no}; deed tax declared on "
                     f"{yuan(r.price * r.tax.declared_ratio)} ({r.tax.declared_ratio:.0%} of it).")
        for r in self.take(sales, self.near_misses, ids):
            r.tax.declared_ratio, r.protected = round(self.rng.uniform(0.85, 0.9), 3), True
            self.add("property_transfer_deed_tax", "property_transfer_price_underdeclared", NEAR_MISS, r.cert_no,
                     [f"property_cert:{r.cert_no}", self.key(r.owner)], 0.0, r.county,
                     f"Deed tax declared on {r.tax.declared_ratio:.0%} of the registered price (furniture and fees "
                     "deducted): within tolerance, not an under-declaration.")
        # Inheritance between parent and child is exempt from deed tax: lawful and looks alike.
        children = [p for p in self.world.persons.values() if p.father and age(p) >= 20]
        for child in self.take(children, self.near_misses, lambda p: [p.id_number, p.father]):
            record = self.events.property_sale(child.father, child.id_number, self.events.county_of(child),
                                               random_date(self.rng, HISTORY_START, dt.date(2023, 10, 31)),
                                               reason="继承")
            record.price, record.protected = None, True
            self.add("property_transfer_deed_tax", "property_transfer_without_deed_tax", NEAR_MISS, record.cert_no,
                     [f"property_cert:{record.cert_no}", self.key(child.id_number), self.key(child.father)], 0.0, record.county,
                     "转移登记 by 继承 from father to child (household register shows the kinship): legal heirs are "
                     "exempt from deed tax, so no deed tax source is expected.")

    def plant_related_property(self) -> None:
        """Spouses (婚姻登记, one 户号) sell a home to each other far below the county's price per
        m²; deed tax is declared on that price, so only the kinship shows the undervalue."""
        couples = [p for p in self.world.persons.values()
                   if p.gender == "M" and p.spouse and 25 <= age(p) <= 70 and p.local]
        for label, n, ratio in ((POSITIVE, self.positives, (0.3, 0.5)), (NEAR_MISS, self.near_misses, (0.92, 1.0))):
            for husband in self.take(couples, n, lambda p: [p.id_number, p.spouse]):
                seller, buyer = (husband.id_number, husband.spouse) if self.rng.random() < 0.5 \
                    else (husband.spouse, husband.id_number)
                date = random_date(self.rng, HISTORY_START, dt.date(2023, 10, 31))
                record = self.events.property_sale(seller, buyer, self.events.county_of(husband), date)
                market = record.price
                record.price = round(market * self.rng.uniform(*ratio) / 100) * 100.0
                record.protected = True
                keys = [f"sale_contract:{record.contract_no}", f"property_cert:{record.cert_no}",
                        f"property_unit:{record.unit_no}", self.key(buyer), self.key(seller)]
                if label == POSITIVE:
                    self.add("related_party_property", "related_party_property_below_market", POSITIVE,
                             record.contract_no, keys, (market - record.price) * DEED_TAX_RATE, record.county,
                             f"{self.world.name_of(seller)} sold {record.unit_no} to the spouse "
                             f"{self.world.name_of(buyer)} on {date} for {yuan(record.price)}, "
                             f"{record.price / market:.0%} of its market value (about {yuan(market)}); "
                             "deed tax was declared on the low price.")
                else:
                    self.add("related_party_property", "related_party_property_below_market", NEAR_MISS,
                             record.contract_no, keys, 0.0, record.county,
                             f"Spouses sold {record.unit_no} to each other at {record.price / market:.0%} of its "
                             "market value: related parties, but at the market price.")
        # Strangers selling cheaply (a quick sale) are not related parties.
        homeowners = [p for p in self.events.homeowners if p.id_number not in self.used]
        for seller, buyer in zip(*[iter(self.take(homeowners, 2 * self.near_misses, lambda p: [p.id_number]))] * 2):
            date = random_date(self.rng, HISTORY_START, dt.date(2023, 10, 31))
            record = self.events.property_sale(seller.id_number, buyer.id_number, self.events.county_of(seller), date)
            record.price, record.protected = round(record.price * self.rng.uniform(0.3, 0.5) / 100) * 100.0, True
            self.add("related_party_property", "related_party_property_below_market", NEAR_MISS, record.contract_no,
                     [f"sale_contract:{record.contract_no}", f"property_cert:{record.cert_no}",
                      self.key(buyer.id_number), self.key(seller.id_number)], 0.0, record.county,
                     f"{record.unit_no} sold cheaply between strangers (no kinship, household or control link): "
                     "not a related-party transfer.")

    def plant_auctions(self) -> None:
        """The buyer of a judicial auction declares no deed tax; near misses declare it late."""
        records = {r.unit_no: r for r in self.world.properties if r.reason == "司法裁定"}
        auctions = [a for a in self.world.auctions if a.date <= dt.date(2023, 9, 30)]
        for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
            for a in self.take(auctions, n, lambda a: [a.buyer, a.unit_no]):
                record = records[a.unit_no]
                record.protected = True
                keys = [f"auction:{a.case_no}", f"property_unit:{a.unit_no}", f"property_cert:{record.cert_no}",
                        self.key(a.buyer)]
                if label == POSITIVE:
                    record.tax.filed = False
                    # deed tax is filed where the house lies (契税暂行条例 第十条), whoever the buyer is
                    self.add("judicial_auction_deed_tax", "judicial_auction_without_deed_tax", POSITIVE, a.case_no,
                             keys, a.price * DEED_TAX_RATE, a.county,
                             f"{self.world.name_of(a.buyer)} bought {a.unit_no} at the judicial auction {a.case_no} "
                             f"on {a.date} for {yuan(a.price)}; the court's ruling transferred it, and no deed tax "
                             "source for this 不动产单元号 was declared.")
                else:
                    # declared before the departments exported (AS_OF): a filing after it is none in the data;
                    # the delay runs from the registration of the ruling (record.date), weeks after the sale
                    record.tax.delay_days = self.rng.randint(120, min(300, (AS_OF - record.date).days))
                    self.add("judicial_auction_deed_tax", "judicial_auction_without_deed_tax", NEAR_MISS, a.case_no,
                             keys, 0.0, a.county,
                             f"Deed tax for the auction {a.case_no} was declared {record.tax.delay_days} days after "
                             f"the transfer registered on {record.date}: late, but declared.")

    # --- equity -----------------------------------------------------------------------
    def equity_sellers(self) -> list:
        """Local firms a person holds a share of that the holder can sell by 2023-06-30."""
        return [f for f in self.all_firms() if f.kind == "local" and any(h.holder_type == "person" for h in f.holdings)
                and sellable_from(f) <= LAST_PLANTED_TRANSFER]

    def plant_equity(self) -> None:
        firms = self.equity_sellers()
        for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
            for firm in self.take(firms, n):
                date = random_date(self.rng, sellable_from(firm), LAST_PLANTED_TRANSFER)
                plan = TaxPlan(filed=False) if label == POSITIVE else TaxPlan(delay_days=self.rng.randint(40, 200))
                t = self.events.equity_transfer(firm, date, plan, gain=self.rng.uniform(1.5, 3.0))
                t.protected = True
                keys = [self.key(t.transferor), self.key(t.enterprise), self.key(t.transferee),
                        f"equity_transfer:{t.enterprise}/{t.transferor}/{t.date:%Y%m%d}"]
                if label == POSITIVE:
                    self.add("equity_transfer_iit", "equity_transfer_without_iit", POSITIVE, t.transferor, keys,
                             (t.price - t.cost) * 0.2, firm.tax_county,
                             f"{self.world.name_of(t.transferor)} transferred {t.amount} 万元 of {firm.name} for "
                             f"{yuan(t.price)} (cost {yuan(t.cost)}) on {t.date}; no individual income tax "
                             "(财产转让所得) filing by the transferor names this enterprise.")
                else:
                    self.add("equity_transfer_iit", "equity_transfer_without_iit", NEAR_MISS, t.transferor, keys,
                             0.0, firm.tax_county,
                             f"IIT on the equity transfer was declared {plan.delay_days} days after the change "
                             "registration: late but paid.")

    # --- cross-region contractors and unregistered operators ----------------------------
    def plant_cross_region(self) -> None:
        builders = self.firms("realestate", "manufacturing")
        for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
            for _ in range(n):
                contractor = self.registry.outsider_firm("construction")
                contractor.protected = True
                builder = self.take(builders, 1)[0]
                permits = [self.events.construction_permit(builder, contractor,
                                                           random_date(self.rng, dt.date(2022, 1, 1), dt.date(2023, 9, 30)),
                                                           report=False) for _ in range(self.rng.randint(1, 2))]
                for p in permits:
                    p.protected = True
                keys = [self.key(contractor.code)] + [f"construction_permit:{p.permit_no}" for p in permits]
                if label == POSITIVE:
                    self.add("cross_region_contractor", "cross_region_contractor_unregistered", POSITIVE,
                             contractor.code, keys, sum(p.amount for p in permits) * 0.02, builder.county,
                             f"{contractor.name} (registered in {contractor.county}) builds in {builder.county} under "
                             f"{len(permits)} construction permit(s), {yuan(sum(p.amount for p in permits))}; no tax "
                             "registration (no 跨区域涉税事项报验登记) anywhere in the region.")
                else:
                    branch = self.registry.branch(contractor, builder.county, name=f"{contractor.name}宁夏分公司")
                    branch.dormant, branch.protected = True, True
                    self.add("cross_region_contractor", "cross_region_contractor_unregistered", NEAR_MISS,
                             contractor.code, keys + [self.key(branch.code)], 0.0, builder.county,
                             f"The out-of-province contractor has a registered local branch {branch.name} "
                             "(企业登记: 隶属企业 = the contractor; tax registration 分支机构 with 总机构纳税人识别号 = the "
                             "contractor) that handles its local taxes.")

    def plant_unregistered(self) -> None:
        firms = [f for f in self.firms("trade", "services", "catering", "construction", "tech") if f.kind == "local"]
        for firm in self.take(firms, self.positives):
            firm.tax_registered = False
            self.add("unregistered_operation", "operating_without_tax_registration", POSITIVE, firm.code,
                     [self.key(firm.code)], sum(firm.revenue) * 0.03, firm.county,
                     f"{firm.name} is 存续 in the enterprise register and operates all year (social insurance for "
                     f"{len(firm.employees)} staff, electricity, purchase invoices) but has no tax registration.")
        for firm in self.take(firms, self.near_misses):
            counties = [o.division for o in self.world.offices if o.level == "county" and o.division != firm.county]
            firm.tax_county = self.rng.choice(counties)
            self.add("unregistered_operation", "operating_without_tax_registration", NEAR_MISS, firm.code,
                     [self.key(firm.code)], 0.0, firm.tax_county,
                     f"Registered for tax with the {firm.tax_county} office while the enterprise register places it in "
                     f"{firm.county}: registered, just elsewhere in the region.")

    def plant_inactive(self) -> None:
        firms = [f for f in self.all_firms() if f.kind == "local"]
        involved = self.involved()
        for kind, status, market in (("deregistered_taxpayer_operating", "注销", "存续"),
                                     ("abnormal_taxpayer_operating", "非正常", "经营异常")):
            for firm in self.take(firms, self.positives):
                date = random_date(self.rng, dt.date(2023, 3, 1), dt.date(2023, 7, 31))
                firm.tax_status, firm.tax_status_date = status, date
                firm.status, firm.status_date = market, (date if market != "存续" else None)
                after = sum(firm.revenue[month_index(date):])
                self.add("inactive_taxpayer_operating", kind, POSITIVE, firm.code, [self.key(firm.code)],
                         after * firm.vat_rate, firm.tax_county,
                         f"Tax status {status} since {date}, yet the firm keeps issuing invoices and consuming "
                         f"electricity (and paying social insurance) in the months after; undeclared sales about {yuan(after)}. "
                         "Its returns stop at that date, so payroll and electricity rules may flag it too (collateral).")
            # a near miss stops everything at its date: not a firm an event of the year (a procurement
            # payment, a lease…) names after it
            for firm in self.take(firms, self.near_misses, exclude=involved):
                date = random_date(self.rng, dt.date(2023, 4, 5), dt.date(2023, 9, 25))
                firm.tax_status, firm.tax_status_date = status, date
                firm.status, firm.status_date = ("注销", date + dt.timedelta(days=20)) if status == "注销" else ("经营异常", date)
                firm.active_until = month_index(date)
                self.add("inactive_taxpayer_operating", kind, NEAR_MISS, firm.code, [self.key(firm.code)], 0.0,
                         firm.tax_county,
                         f"Tax status {status} since {date}; all invoices, electricity and social insurance stop before "
                         "that month.")

    # --- invoice networks -------------------------------------------------------------
    def abnormal_invoices(self, seller: Enterprise, buyer: Enterprise, ratio: tuple[float, float]) -> tuple[list, float]:
        invoices, shifted = [], 0.0
        for m in sorted(self.rng.sample(range(12), 3)):
            goods = GOODS[self.rng.choice(INDUSTRY[seller.industry].goods)]
            price = goods.price * self.rng.uniform(*ratio)
            quantity = max(1, int(seller.revenue[m] * 0.25 / price))
            year, month = MONTHS[m]
            inv = add_invoice(self.world, seller.code, buyer.code, goods.name,
                              dt.date(year, month, self.rng.randint(1, 28)), price, quantity, protected=True)
            invoices.append(inv)
            shifted += (goods.price - inv.price) * quantity
        return invoices, shifted

    def set_controller(self, firm: Enterprise, person: str) -> None:
        firm.legal_rep = person
        firm.executives[0] = (person, firm.executives[0][1])
        firm.holdings[0].holder, firm.holdings[0].holder_type = person, "person"

    def plant_related(self) -> None:
        firms = sorted((f for f in self.all_firms() if f.kind == "local" and f.holdings), key=lambda f: f.rank)
        couples = [p for p in self.world.persons.values()
                   if p.gender == "M" and p.spouse and 25 <= age(p) <= 65 and p.local]
        for kind in ("related_party_abnormal_price_same_controller", "related_party_abnormal_price_family"):
            for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
                for _ in range(n):
                    seller, buyer = sorted(self.take(firms, 2), key=lambda f: f.rank)
                    if kind.endswith("same_controller"):
                        controllers = [seller.legal_rep]
                        self.set_controller(buyer, seller.legal_rep)
                        link = f"{self.world.name_of(seller.legal_rep)} is legal representative and shareholder of both"
                    else:
                        husband = self.take(couples, 1, lambda p: [p.id_number, p.spouse])[0]
                        controllers = [husband.id_number, husband.spouse]
                        self.set_controller(seller, husband.id_number)
                        self.set_controller(buyer, husband.spouse)
                        link = "the legal representatives are spouses (婚姻登记, same 户号)"
                    ratio = (0.3, 0.5) if label == POSITIVE else (0.96, 1.04)
                    invoices, shifted = self.abnormal_invoices(seller, buyer, ratio)
                    keys = [self.key(seller.code), self.key(buyer.code)] + [self.key(c) for c in controllers] + \
                        [f"invoice:{i.number}" for i in invoices]
                    if label == POSITIVE:
                        self.add("related_party_trading", kind, POSITIVE, seller.code, keys, shifted * 0.25,
                                 seller.tax_county,
                                 f"{seller.name} sells to {buyer.name} at 30-50% of the market unit price on "
                                 f"{len(invoices)} invoices; {link}. Profit shifted about {yuan(shifted)}.")
                    else:
                        self.add("related_party_trading", kind, NEAR_MISS, seller.code, keys, 0.0, seller.tax_county,
                                 f"Related parties ({link}) trading at market price (within 4%): lawful.")

    def plant_rings(self) -> None:
        traders = self.firms("trade")
        for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
            for i in range(n):
                size = 3 + (i % 2 if label == POSITIVE else 0)
                members = self.take(traders, size)
                base = self.rng.uniform(800_000, 3_000_000)
                month = self.rng.randint(1, 10)
                start = dt.date(2023, month, self.rng.randint(1, 15))
                invoices = []
                for j, seller in enumerate(members):
                    buyer = members[(j + 1) % size]
                    if label == POSITIVE:
                        goods, amount, day = GOODS["螺纹钢"], base * self.rng.uniform(0.97, 1.03), \
                            start + dt.timedelta(days=self.rng.randint(0, 9))
                    else:
                        goods = GOODS[("螺纹钢", "煤炭", "枸杞干果")[j]]
                        amount = base * (0.05, 0.4, 1.5)[j]
                        day = dt.date(2023, 1 + 4 * j + self.rng.randint(0, 2), self.rng.randint(1, 28))
                    price = goods.price * self.rng.uniform(0.96, 1.04)
                    inv = add_invoice(self.world, seller.code, buyer.code, goods.name, day, price,
                                      max(1, round(amount / price)), protected=True)
                    seller.revenue[month_index(day)] += inv.amount
                    invoices.append(inv)
                codes = sorted(m.code for m in members)
                keys = [self.key(c) for c in codes] + [f"invoice:{inv.number}" for inv in invoices]
                # A ring has no first member: the case is the primary key's, so its office is too
                # (as every other family's is the office of the entity its primary key names).
                office = min(members, key=lambda m: m.code).tax_county
                if label == POSITIVE:
                    self.add("circular_invoicing", "circular_invoicing_ring", POSITIVE, codes[0], keys,
                             sum(inv.tax for inv in invoices), office,
                             f"Ring of {size} firms invoicing each other {yuan(base)} (±3%) of 螺纹钢 within 10 days "
                             f"from {start}: A→B→…→A. primary_key is the smallest credit code in the ring.")
                else:
                    self.add("circular_invoicing", "circular_invoicing_ring", NEAR_MISS, codes[0], keys, 0.0, office,
                             "Three trading partners whose invoices close a cycle, but with different goods, amounts "
                             "differing tenfold and months apart: ordinary trade.")

    def plant_shells(self) -> None:
        buyers = [f for f in self.all_firms() if f.kind == "local"]
        seniors = [p for p in self.world.persons.values() if p.local and 60 <= age(p) <= 80]
        for kind in ("shell_cluster_shared_address", "shell_cluster_shared_phone", "shell_cluster_shared_legal_rep"):
            for _ in range(self.positives):
                county = self.rng.choice(("640104", "640106", "640105"))
                shared = {"address": self.registry.addresses.street_address(county),
                          "phone": self.registry.addresses.phone(county),
                          "legal_rep": self.take(seniors, 1, lambda p: [p.id_number])[0].id_number}
                attribute = kind.rsplit("_", 1)[1] if not kind.endswith("legal_rep") else "legal_rep"
                shells, invoices = [], []
                for _ in range(self.rng.randint(5, 6)):
                    rep = self.world.persons[shared["legal_rep"]] if attribute == "legal_rep" else None
                    firm = self.registry.local(county, self.rng.choice(("trade", "services")),
                                               random_date(self.rng, dt.date(2022, 1, 1), dt.date(2022, 12, 31)), rep)
                    firm.address = shared["address"] if attribute == "address" else firm.address
                    firm.phone = shared["phone"] if attribute == "phone" else firm.phone
                    firm.active_until, firm.kwh, firm.revenue = 12, [0] * 12, [0.0] * 12
                    firm.general_taxpayer, firm.vat_rate, firm.margin, firm.rank = True, 0.005, 0.01, -1.0
                    firm.protected = True
                    self.used.add(firm.code)
                    for buyer in self.rng.sample(buyers, 4):
                        goods = GOODS[INDUSTRY[firm.industry].goods[0]]
                        day = random_date(self.rng, dt.date(2023, 1, 1), PERIOD_END)
                        price = goods.price * self.rng.uniform(0.95, 1.05)
                        inv = add_invoice(self.world, firm.code, buyer.code, goods.name, day, price,
                                          max(1, round(self.rng.uniform(300_000, 2_000_000) / price)), protected=True)
                        firm.revenue[month_index(day)] += inv.amount
                        invoices.append(inv)
                    shells.append(firm)
                value = shared[attribute]
                prefix = {"address": "address", "phone": "phone", "legal_rep": "id_number"}[attribute]
                self.add("shell_cluster", kind, POSITIVE, value,
                         [f"{prefix}:{value}"] + [self.key(f.code) for f in shells], sum(i.tax for i in invoices), county,
                         f"{len(shells)} firms established in 2022 share one {attribute.replace('_', ' ')}; together they "
                         f"issued {len(invoices)} invoices worth {yuan(sum(i.amount for i in invoices))} in 2023 with no "
                         "social insurance contributions and no electricity.")
            self.plant_shell_near_misses(kind)

    def plant_shell_near_misses(self, kind: str) -> None:
        members = [f for f in self.all_firms(employees=1) if f.kind == "local" and any(f.kwh)]
        for n in range(self.near_misses):
            group = self.take(members, 4 if kind.endswith("legal_rep") else 5)
            if kind.endswith("address"):
                value = f"宁夏回族自治区银川市金凤区阅海湾创业孵化基地{n + 1}号楼"
                for firm in group:
                    firm.address = value
                why, typed = "an incubator's shared office address", f"address:{value}"
            elif kind.endswith("phone"):
                value = self.registry.addresses.phone("640104")
                for firm in group:
                    firm.phone = value
                why, typed = "the phone of the bookkeeping agent (代理记账) that registered them", f"phone:{value}"
            else:
                value = group[0].legal_rep
                for firm in group[1:]:
                    self.set_controller(firm, value)
                why, typed = "a group owner who runs four real subsidiaries", self.key(value)
            self.add("shell_cluster", kind, NEAR_MISS, value, [typed] +
                     [self.key(f.code) for f in group], 0.0, group[0].county,
                     f"{len(group)} firms share {why}, but all have employees, electricity and ordinary invoicing.")

    # --- payroll, electricity, procurement, leases, permits ----------------------------
    def taxable_wages(self, firm: Enterprise) -> float:
        """A year of the firm's wages above the monthly basic deduction: the part wage IIT is due on
        (个人所得税法 第六条（一）: 5,000 元 a month)."""
        return sum(max(self.world.persons[p].wage - BASIC_DEDUCTION, 0.0) for p in firm.employees) * 12

    def plant_payroll(self) -> None:
        firms = [f for f in self.all_firms(employees=2) if f.kind == "local"]
        # A positive under-declares wages IIT is due on: its staff's taxable wages are material
        # whatever share it declares (a firm of wages at the deduction owes nothing: a near miss).
        declared = (0.2, 0.4)  # the share of wages a positive declares
        taxed = [f for f in firms if self.taxable_wages(f) * (1 - declared[1]) >= MATERIAL_TAXABLE_WAGES]
        for label, n, ratio, pool in ((POSITIVE, self.positives, declared, taxed),
                                      (NEAR_MISS, self.near_misses, (0.8, 0.9), firms)):
            for firm in self.take(pool, n):
                firm.wage_ratio = round(self.rng.uniform(*ratio), 4)
                base = sum(self.world.persons[p].wage for p in firm.employees) * 12
                if label == POSITIVE:
                    self.add("payroll_underreporting", "payroll_iit_underreported", POSITIVE, firm.code, [self.key(firm.code)],
                             self.taxable_wages(firm) * (1 - firm.wage_ratio) * 0.1, firm.tax_county,
                             f"Social-insurance wage base {yuan(base)} in 2023 for {len(firm.employees)} staff; wages "
                             f"declared for IIT withholding only {firm.wage_ratio:.0%} of it.")
                else:
                    self.add("payroll_underreporting", "payroll_iit_underreported", NEAR_MISS, firm.code,
                             [self.key(firm.code)], 0.0, firm.tax_county,
                             f"Declared wages are {firm.wage_ratio:.0%} of the wage base: staff earn below the minimum "
                             "contribution base, which lifts the base above real wages.")

    def plant_electricity(self) -> None:
        firms = [f for f in self.firms("manufacturing", "food") if f.kind == "local"]
        for firm in self.take(firms, self.positives):
            expected = sum(firm.revenue)
            cut = self.rng.uniform(0.03, 0.08)
            firm.revenue = [round(r * cut, 2) for r in firm.revenue]
            self.add("electricity_revenue_mismatch", "electricity_revenue_mismatch", POSITIVE, firm.code,
                     [self.key(firm.code)], (expected - sum(firm.revenue)) * 0.13, firm.tax_county,
                     f"{sum(firm.kwh):,} kWh in 2023 ({INDUSTRY[firm.industry].name}, norm about "
                     f"{INDUSTRY[firm.industry].yuan_per_kwh} 元 of sales per kWh) but VAT sales of only "
                     f"{yuan(sum(firm.revenue))}, {cut:.0%} of what the consumption implies.")
        for firm in self.take(self.firms("metallurgy"), self.near_misses):
            self.add("electricity_revenue_mismatch", "electricity_revenue_mismatch", NEAR_MISS, firm.code,
                     [self.key(firm.code)], 0.0, firm.tax_county,
                     f"A smelter using {sum(firm.kwh):,} kWh with sales of {yuan(sum(firm.revenue))}: low sales per "
                     "kWh against all firms, normal for its energy-intensive industry.")

    def plant_procurement(self) -> None:
        units = [e for e in self.world.enterprises.values() if e.kind == "government"]
        vendors = self.events.vendors()
        for label, n in ((POSITIVE, self.positives), (NEAR_MISS, self.near_misses)):
            for vendor in self.take(vendors, n):
                unit = self.rng.choice(units)
                payments = [self.events.payment(unit, vendor, random_date(self.rng, dt.date(2023, 2, 1),
                                                                          dt.date(2023, 11, 10)),
                                                None if label == POSITIVE else self.rng.randint(20, 45))
                            for _ in range(2)]
                for p in payments:
                    p.protected = True
                keys = [self.key(vendor.code), self.key(unit.code)] + [f"payment:{p.voucher_no}" for p in payments]
                if label == POSITIVE:
                    total = sum(p.amount for p in payments)
                    self.add("procurement_without_invoice", "procurement_vendor_without_invoice", POSITIVE,
                             vendor.code, keys, total / 1.13 * 0.13, vendor.tax_county,
                             f"{unit.name} paid {vendor.name} {yuan(total)} in two procurement payments; the vendor "
                             "issued no invoice to this unit.")
                else:
                    self.add("procurement_without_invoice", "procurement_vendor_without_invoice", NEAR_MISS,
                             vendor.code, keys, 0.0, vendor.tax_county,
                             "Invoices to the paying unit were issued 20-45 days after each payment: late, but issued.")

    def plant_leases(self) -> None:
        leases = [l for l in self.world.leases if l.start <= dt.date(2023, 6, 1) and l.end >= dt.date(2023, 3, 1)]
        for lease in self.take(leases, self.positives, lambda l: [l.lessor]):
            lease.taxed, lease.protected = False, True
            person = lease.lessor in self.world.persons
            months = max(1, (min(lease.end, PERIOD_END) - lease.start).days // 30)
            self.add("lease_without_rental_tax", "lease_without_rental_tax", POSITIVE, lease.filing_no,
                     [f"lease:{lease.filing_no}", self.key(lease.lessor), self.key(lease.lessee)],
                     lease.rent * months * (RENTAL_RATE_PERSON if person else RENTAL_RATE_ENTERPRISE), lease.county,
                     f"Lease {lease.filing_no} registered at {yuan(lease.rent)} a month from {lease.start} to {lease.end}; "
                     "the lessor never declared rental income (no filing referencing the lease, no "
                     f"{'财产租赁所得' if person else '房产税从租计征'} return by the lessor).")
        owners = self.events.homeowners
        for owner in self.take(owners, self.near_misses, lambda p: [p.id_number]):
            start = random_date(self.rng, dt.date(2022, 1, 1), dt.date(2023, 6, 1)).replace(day=1)
            lease = self.events.lease(owner.id_number, self.rng.choice(owners).id_number, self.events.county_of(owner),
                                      start, 12, taxed=False, status="已注销")
            lease.end, lease.protected = start + dt.timedelta(days=20), True
            self.add("lease_without_rental_tax", "lease_without_rental_tax", NEAR_MISS, lease.filing_no,
                     [f"lease:{lease.filing_no}", self.key(owner.id_number)], 0.0, lease.county,
                     "Lease registration cancelled (备案状态 已注销) within 20 days of its start, before any rent was due.")

    def plant_discharge(self) -> None:
        permits = [p for p in self.world.discharge_permits
                   if self.world.enterprises[p.holder].active_until == 12 and self.world.enterprises[p.holder].tax_registered]
        for permit in self.take(permits, self.positives, lambda p: [p.holder]):
            permit.taxed, permit.protected = False, True
            holder = self.world.enterprises[permit.holder]
            self.add("discharge_without_env_tax", "discharge_permit_without_env_tax", POSITIVE, holder.code,
                     [self.key(holder.code), f"discharge_permit:{permit.permit_no}"],
                     (60_000 if permit.category == "重点管理" else 8_000) * 4 * 1.2, holder.tax_county,
                     f"Valid pollutant discharge permit {permit.permit_no} ({permit.category}) all 2023, the holder "
                     "operates, and it declared no environmental protection tax.")
        idle = [f for f in self.world.local_enterprises()
                if f.industry in ("manufacturing", "food") and not f.operating and f.established < dt.date(2017, 1, 1)]
        for firm in self.take(idle, self.near_misses):
            permit = self.events.discharge_permit(firm, random_date(self.rng, dt.date(2017, 1, 1), dt.date(2017, 12, 31)),
                                                  taxed=False, status="已注销")
            permit.protected = True
            self.add("discharge_without_env_tax", "discharge_permit_without_env_tax", NEAR_MISS, firm.code,
                     [self.key(firm.code), f"discharge_permit:{permit.permit_no}"], 0.0, firm.county,
                     f"Permit {permit.permit_no} expired on {permit.valid_to} and was cancelled (已注销); the firm does "
                     "not operate in 2023, so no environmental protection tax is due.")

    # --- near misses grounded in tax law ----------------------------------------------
    def plant_lawful_look_alikes(self) -> None:
        """Near misses a rule must tell from its positives by the tax law itself."""
        self.plant_equity_at_cost()
        self.plant_wages_below_threshold()
        self.plant_failed_auctions()
        self.plant_late_deed_tax()
        self.plant_first_registrations()
        self.plant_deregistered()

    def plant_equity_at_cost(self) -> None:
        """A transfer at or below the transferor's cost basis: no gain, no IIT (财产转让所得 = 0).
        Alternately the cost is the paid-in capital of the share, or the price the transferor paid
        in an earlier registered transfer (the price is then above the paid-in capital)."""
        firms = self.equity_sellers()
        bought = [t for t in self.world.equity_transfers
                  if t.date <= dt.date(2022, 12, 31) and t.price > t.cost * 1.05 and not t.protected
                  and self.world.enterprises[t.enterprise] in firms
                  and any(h.holder == t.transferee and h.since == t.date and h.amount == t.amount
                          for h in self.world.enterprises[t.enterprise].holdings)]
        for n in range(self.near_misses):
            if n % 2 == 0:
                firm = self.take(firms, 1)[0]
                date = random_date(self.rng, sellable_from(firm), LAST_PLANTED_TRANSFER)
                t = self.events.equity_transfer(firm, date, TaxPlan(filed=False), gain=self.rng.uniform(0.6, 1.0))
                basis = f"the paid-in capital of the share, {yuan(t.cost)}"
            else:
                earlier = self.take(bought, 1, lambda t: [t.enterprise, t.transferee])[0]
                firm = self.world.enterprises[earlier.enterprise]
                holding = next(h for h in firm.holdings if h.holder == earlier.transferee and h.since == earlier.date)
                date = random_date(self.rng, earlier.date + dt.timedelta(days=30), dt.date(2023, 6, 30))
                t = self.events.equity_transfer(firm, date, TaxPlan(filed=False), gain=self.rng.uniform(0.85, 1.0),
                                                holding=holding, cost=earlier.price)
                basis = f"the {yuan(earlier.price)} the transferor paid for it on {earlier.date} (registered transfer)"
            t.protected = True
            self.add("equity_transfer_iit", "equity_transfer_without_iit", NEAR_MISS, t.transferor,
                     [self.key(t.transferor), self.key(t.enterprise), self.key(t.transferee),
                      f"equity_transfer:{t.enterprise}/{t.transferor}/{t.date:%Y%m%d}"], 0.0, firm.tax_county,
                     f"{self.world.name_of(t.transferor)} transferred {t.amount} 万元 of {firm.name} on {t.date} for "
                     f"{yuan(t.price)}, not above the cost basis ({basis}): no gain, so no individual income tax "
                     "is due and none was declared.")

    def plant_wages_below_threshold(self) -> None:
        """Every employee earns below the monthly basic deduction: no wage IIT is due and the
        employer files no withholding return; social insurance is paid as usual."""
        firms = [f for f in self.all_firms(employees=2) if f.kind == "local"]
        for firm in self.take(firms, self.near_misses):
            for person in firm.employees:
                self.world.persons[person].wage = float(self.rng.randint(3_978, 4_900))
            firm.wage_ratio, firm.wage_iit_filed = 1.0, False
            self.add("payroll_underreporting", "payroll_iit_underreported", NEAR_MISS, firm.code,
                     [self.key(firm.code)], 0.0, firm.tax_county,
                     f"All {len(firm.employees)} staff earn below the 5,000 元 monthly basic deduction (wage bases "
                     "3,978-4,900 元): no individual income tax is due on wages, and no withholding return was filed.")

    def plant_failed_auctions(self) -> None:
        """A judicial auction without a bidder (流拍): nothing was sold or transferred."""
        for debtor in self.take(self.events.homeowners, self.near_misses, lambda p: [p.id_number]):
            a = self.events.failed_auction(debtor, random_date(self.rng, HISTORY_START, dt.date(2023, 9, 30)))
            self.add("judicial_auction_deed_tax", "judicial_auction_without_deed_tax", NEAR_MISS, a.case_no,
                     [f"auction:{a.case_no}", f"property_unit:{a.unit_no}", f"property_cert:{a.cert_no}",
                      self.key(a.debtor)], 0.0, a.county,
                     f"The judicial auction {a.case_no} of {a.unit_no} on {a.date} drew no bid (流拍): no buyer, no "
                     "transfer, so no deed tax.")

    def plant_late_deed_tax(self) -> None:
        """Deed tax declared and paid 91-400 days after the transfer: late, not missing."""
        sales = [r for r in self.world.properties if r.reason == "买卖" and r.tax and r.tax.filed
                 and r.tax.declared_ratio >= 0.95 and r.date <= dt.date(2023, 1, 31)]
        for r in self.take(sales, self.near_misses, lambda r: [r.owner, r.unit_no]):
            r.tax.delay_days = self.rng.randint(91, min(400, (AS_OF - r.date).days))
            r.protected = True
            self.add("property_transfer_deed_tax", "property_transfer_without_deed_tax", NEAR_MISS, r.cert_no,
                     [f"property_cert:{r.cert_no}", f"property_unit:{r.unit_no}", f"sale_contract:{r.contract_no}",
                      self.key(r.owner)], 0.0, r.county,
                     f"Deed tax for the sale of {r.unit_no} (registered {r.date}) was declared and paid "
                     f"{r.tax.delay_days} days later: late, but declared.")
        contracts = [c for c in self.world.land_contracts if c.tax.filed and not c.protected
                     and c.signed <= dt.date(2023, 6, 30)]
        for c in self.take(contracts, self.near_misses, lambda c: [c.buyer]):
            c.tax.delay_days, c.protected = self.rng.randint(91, 150), True
            self.add("land_transfer_deed_tax", "land_transfer_without_deed_tax", NEAR_MISS, c.contract_no,
                     [f"land_contract:{c.contract_no}", f"land_supervision:{c.supervision_no}", self.key(c.buyer)],
                     0.0, c.county,
                     f"Deed tax for {c.contract_no} was declared {c.tax.delay_days} days after signing, just past the "
                     "90-day grace: late, but declared.")

    def plant_first_registrations(self) -> None:
        """A developer's 首次登记 of a new unit: ownership created, not transferred; no deed tax."""
        firsts = [r for r in self.world.properties if r.kind == "首次登记" and r.date <= PERIOD_END]
        for r in self.take(firsts, self.near_misses, lambda r: [r.unit_no]):
            r.protected = True
            self.add("property_transfer_deed_tax", "property_transfer_without_deed_tax", NEAR_MISS, r.cert_no,
                     [f"property_cert:{r.cert_no}", f"property_unit:{r.unit_no}", self.key(r.owner)], 0.0, r.county,
                     f"首次登记 of the new unit {r.unit_no} by its developer {self.world.name_of(r.owner)} on {r.date}: "
                     "a first registration, not a sale, so no deed tax source is expected.")

    def involved(self) -> set[str]:
        """Enterprises an event of the region names (payments, leases, property, land, permits,
        equity) or with a branch: their activity does not simply stop with their own."""
        world = self.world
        named = {p.vendor for p in world.payments} | {l.lessor for l in world.leases} | \
            {l.lessee for l in world.leases} | {r.owner for r in world.properties} | \
            {r.seller for r in world.properties if r.seller} | {c.buyer for c in world.land_contracts} | \
            {p.builder for p in world.construction_permits} | {p.contractor for p in world.construction_permits} | \
            {t.enterprise for t in world.equity_transfers} | {p.holder for p in world.discharge_permits} | \
            {p.holder for p in world.transport_permits} | {a.buyer for a in world.auctions if a.buyer}
        return named | {e.parent for e in world.enterprises.values() if e.parent}

    def plant_deregistered(self) -> None:
        """A firm deregistered (注销) in 2023 whose social insurance, payroll returns and electricity
        stop with it: gone, not under-declaring."""
        involved = self.involved()
        for family, kind, firms in (
                ("payroll_underreporting", "payroll_iit_underreported", self.all_firms(employees=2)),
                ("electricity_revenue_mismatch", "electricity_revenue_mismatch", self.firms("manufacturing", "food"))):
            candidates = [f for f in firms if f.kind == "local" and f.code not in involved and f.general_taxpayer]
            for firm in self.take(candidates, self.near_misses):
                date = random_date(self.rng, dt.date(2023, 4, 5), dt.date(2023, 9, 25))
                firm.status, firm.status_date = "注销", date
                firm.tax_status, firm.tax_status_date = "注销", date
                firm.active_until = month_index(date)
                self.add(family, kind, NEAR_MISS, firm.code, [self.key(firm.code)], 0.0, firm.tax_county,
                         f"{firm.name} was deregistered (注销) on {date}; its social insurance, wage returns, "
                         "electricity and sales all stop that month: it no longer operates.")

    def plant_all(self) -> None:
        self.plant_land()
        self.plant_property()
        self.plant_equity()
        self.plant_cross_region()
        self.plant_unregistered()
        self.plant_inactive()
        self.plant_related()
        self.plant_rings()
        self.plant_shells()
        self.plant_payroll()
        self.plant_electricity()
        self.plant_procurement()
        self.plant_leases()
        self.plant_discharge()
        # last, so that the cases above draw the same random numbers as before these two existed
        self.plant_related_property()
        self.plant_auctions()
        self.plant_lawful_look_alikes()

