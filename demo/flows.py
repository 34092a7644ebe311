"""Recurring flows derived from the (planted) world: invoices and tax returns.

They are derived after planting, so a planted change (a firm never registered, a
deregistration, a sales figure cut) shows consistently in every flow.
"""
from __future__ import annotations

import datetime as dt
import random

from crossaudit.demo.config import AS_OF, MONTHS, month_end, month_index
from crossaudit.demo.enterprises import first_active_month
from crossaudit.demo.names import GOODS, INDUSTRY
from crossaudit.demo.world import DeedTaxSource, Enterprise, Filing, Invoice, World

DEED_TAX_RATE = 0.03
RENTAL_RATE_PERSON = 0.10  # 个人出租住房综合征收率 (simplified)
RENTAL_RATE_ENTERPRISE = 0.12  # 房产税从租计征
ENV_TAX_PER_EQUIVALENT = 1.2
MONTHS_END = month_end(*MONTHS[-1])


def add_invoice(world: World, seller: str, buyer: str, goods: str, date: dt.date, price: float,
                quantity: float, protected: bool = False) -> Invoice:
    amount = round(price * quantity, 2)
    number = f"2364{world.next_number('invoice'):016d}"
    invoice = Invoice(number, date, seller, buyer, goods, quantity, round(price, 2), amount,
                      round(amount * GOODS[goods].vat_rate, 2), protected)
    world.invoices.append(invoice)
    return invoice


def active_in(firm: Enterprise, month: int) -> bool:
    return first_active_month(firm) <= month < firm.active_until


def build_invoices(world: World, rng: random.Random) -> None:
    """Background invoices flow from lower to higher rank only, so they never form a cycle."""
    invoiced: dict[tuple[str, int], float] = {}
    for inv in world.invoices:
        key = (inv.seller, month_index(inv.date))
        invoiced[key] = invoiced.get(key, 0.0) + inv.amount
    firms = sorted((f for f in world.local_enterprises() if f.operating and f.revenue and f.kwh and any(f.kwh)),
                   key=lambda f: (f.rank, f.code))
    for i, seller in enumerate(firms):
        if not seller.tax_registered:
            continue
        later = firms[i + 1:]
        for m, (year, month) in enumerate(MONTHS):
            if not later or not active_in(seller, m) or seller.revenue[m] <= 0:
                continue
            count = min(3, 1 + int(seller.revenue[m] // 300_000)) - (rng.random() < 0.25)
            budget = seller.revenue[m] * rng.uniform(0.3, 0.8) - invoiced.get((seller.code, m), 0.0)
            for _ in range(count):
                buyer = rng.choice(later)
                if not active_in(buyer, m):
                    continue
                goods = GOODS[rng.choice(INDUSTRY[seller.industry].goods)]
                price = round(goods.price * rng.uniform(0.88, 1.12), 2)
                quantity = int(budget / count / price)
                if quantity < 1:
                    continue
                day = dt.date(year, month, rng.randint(1, month_end(year, month).day))
                add_invoice(world, seller.code, buyer.code, goods.name, day, price, quantity)
    for payment in world.payments:
        if payment.invoice_delay is None:
            continue
        vendor = world.enterprises[payment.vendor]
        goods = GOODS[INDUSTRY[vendor.industry].goods[0]]
        net = round(payment.amount / (1 + goods.vat_rate), 2)
        quantity = max(1, round(net / goods.price))
        invoice = add_invoice(world, vendor.code, payment.unit, goods.name,
                              payment.date + dt.timedelta(days=payment.invoice_delay), net / quantity, quantity,
                              payment.protected)
        invoice.amount, invoice.tax = net, round(payment.amount - net, 2)
    world.invoices.sort(key=lambda inv: (inv.date, inv.number))


def filing_months(firm: Enterprise) -> int:
    """Returns are due for months before the taxpayer's deregistration or abnormal status."""
    if firm.tax_status != "正常" and firm.tax_status_date is not None:
        return max(0, min(12, month_index(firm.tax_status_date)))
    return 12


def periods(months: int, step: int) -> list[list[int]]:
    return [list(range(start, min(start + step, months))) for start in range(0, months, step)]


def build_filings(world: World, rng: random.Random) -> None:
    out = world.filings

    def file(firm_or_id: str, office: str, tax: str, item: str, months: list[int] | tuple[dt.date, dt.date],
             base: float, rate: float, ref: str = "", related: str = "", headcount: int | None = None,
             date: dt.date | None = None) -> None:
        if isinstance(months, tuple):
            start, end = months
        else:
            (y0, m0), (y1, m1) = MONTHS[months[0]], MONTHS[months[-1]]
            start, end = dt.date(y0, m0, 1), month_end(y1, m1)
        date = date or end + dt.timedelta(days=rng.randint(1, 15))
        if date <= AS_OF:
            out.append(Filing(firm_or_id, tax, item, start, end, date, round(base, 2), round(base * rate, 2),
                              office, ref, related, headcount))

    permits: dict[str, list] = {}
    for permit in world.discharge_permits:
        permits.setdefault(permit.holder, []).append(permit)
    for firm in world.local_enterprises():
        if not firm.tax_registered:
            continue
        office, months = firm.tax_county, filing_months(firm)
        if firm.dormant or not firm.operating:
            if firm.status == "存续" and firm.tax_status == "正常":
                for quarter in periods(months, 3):
                    file(firm.code, office, "增值税", "销售货物(小规模纳税人)", quarter, 0.0, 0.0)
            continue
        live = [m for m in range(months) if active_in(firm, m)]
        if not live:
            continue
        step = 1 if firm.general_taxpayer else 3
        for group in periods(12, step):
            group = [m for m in group if m in live]
            if group:
                revenue = sum(firm.revenue[m] for m in group)
                file(firm.code, office, "增值税", "销售货物" if firm.general_taxpayer else "销售货物(小规模纳税人)",
                     group, revenue, firm.vat_rate)
        for quarter in periods(12, 3):
            quarter = [m for m in quarter if m in live]
            if not quarter:
                continue
            revenue = sum(firm.revenue[m] for m in quarter)
            if firm.kind != "branch":  # branches' income tax is paid by the head office (汇总纳税)
                file(firm.code, office, "企业所得税", "应纳税所得额(预缴)", quarter, revenue * firm.margin,
                     0.05 if sum(firm.revenue) < 3_000_000 else 0.25)
            file(firm.code, office, "印花税", "买卖合同", quarter, revenue * 0.5, 0.0003)
            if firm.industry == "realestate":
                file(firm.code, office, "土地增值税", "预征", quarter, revenue, 0.02)
            for permit in permits.get(firm.code, []):
                if permit.taxed and permit.status == "有效":
                    equivalents = (60_000 if permit.category == "重点管理" else 8_000) * rng.uniform(0.7, 1.3) * len(quarter) / 3
                    file(firm.code, office, "环境保护税", permit.pollutants.split(",")[0], quarter, equivalents,
                         ENV_TAX_PER_EQUIVALENT, ref=permit.permit_no)
        if firm.owns_property:
            value = firm.capital * 10_000 * 0.6 or 2_000_000.0
            for half in periods(12, 6):
                half = [m for m in half if m in live]
                if half:
                    file(firm.code, office, "房产税", "从价计征", half, value * 0.7 * len(half) / 12, 0.012)
        if firm.employees and firm.wage_iit_filed:
            wage_base = sum(world.persons[p].wage for p in firm.employees)
            for m in live:
                file(firm.code, office, "个人所得税", "工资薪金所得(代扣代缴)", [m], wage_base * firm.wage_ratio,
                     0.015, headcount=len(firm.employees))
    _event_filings(world, rng, file)


def _event_filings(world: World, rng: random.Random, file) -> None:
    for contractor, county, date, permit_no in world.cross_region_reports:
        permit = next(p for p in world.construction_permits if p.permit_no == permit_no)
        file(contractor, county, "增值税", "建筑服务(跨区域预缴)", (date, date), permit.amount * 0.3, 0.02,
             ref=permit_no, date=date + dt.timedelta(days=rng.randint(30, 90)))
    for transfer in world.equity_transfers:
        if transfer.transferor_type == "person" and transfer.tax.filed:
            firm = world.enterprises[transfer.enterprise]
            date = transfer.date + dt.timedelta(days=transfer.tax.delay_days)
            file(transfer.transferor, firm.tax_county or firm.county, "个人所得税", "财产转让所得(股权转让)",
                 (transfer.date, transfer.date), max(0.0, transfer.price - transfer.cost), 0.20,
                 related=transfer.enterprise, date=date)
    for lease in world.leases:
        if not lease.taxed or lease.status == "已注销":
            continue
        person = lease.lessor in world.persons
        start = lease.start
        while start <= min(lease.end, MONTHS_END):
            quarter_end = month_end(start.year, ((start.month - 1) // 3) * 3 + 3)
            months = sum(1 for m in range(start.month, quarter_end.month + 1)
                         if dt.date(start.year, m, 1) <= lease.end)
            file(lease.lessor, lease.county, "个人所得税" if person else "房产税",
                 "财产租赁所得" if person else "从租计征", (start, min(quarter_end, lease.end)), lease.rent * months,
                 RENTAL_RATE_PERSON if person else RENTAL_RATE_ENTERPRISE, ref=lease.filing_no, related=lease.lessee)
            start = quarter_end + dt.timedelta(days=1)
    sources = world.deed_tax_sources

    def deed(taxpayer, obj, method, unit, contract, location, signed, price, plan, county) -> None:
        if plan is None or not plan.filed:
            return
        date = signed + dt.timedelta(days=plan.delay_days)
        if date > AS_OF:
            return
        base = round(price * plan.declared_ratio, 2)  # an under-declared deal declares a lower price
        number = f"SY{county}{date.year}{world.next_number(f'deed:{county}:{date.year}'):06d}"
        sources.append(DeedTaxSource(number, taxpayer, obj, method, unit, contract, location, signed, base, base,
                                     DEED_TAX_RATE, round(base * DEED_TAX_RATE, 2), date, county))

    for c in world.land_contracts:
        deed(c.buyer, "土地", "出让", c.supervision_no, c.contract_no, c.location, c.signed, c.price, c.tax, c.county)
    for r in world.properties:
        if r.kind == "转移登记" and r.price:
            deed(r.owner, "房屋", "司法拍卖" if r.reason == "司法裁定" else "买卖", r.unit_no, r.contract_no or "",
                 r.location, r.date, r.price, r.tax, r.county)
    sources.sort(key=lambda s: (s.date, s.source_no))

