"""Registrations besides the period's first registrations and sales, made after everything else
(their own random stream: the rest of the region is unchanged by them).

Mortgages at purchase, changes that reissue a certificate, and the debtors' earlier registrations
of the units courts auctioned; and which registered unit a lessor lets. A register that exports
every registration kind shows them; one that exports first registrations and transfers does not.
"""
from __future__ import annotations

import datetime as dt
import random
import re

from crossaudit.demo.activity import registration_authority
from crossaudit.demo.config import AS_OF
from crossaudit.demo.world import PropertyRecord, RegisterEntry, World

BANKS = ("中国工商银行股份有限公司", "中国建设银行股份有限公司", "中国农业银行股份有限公司", "中国银行股份有限公司",
         "宁夏银行股份有限公司", "黄河农村商业银行股份有限公司")
CERT_YEAR = re.compile(r"\((\d{4})\)")


def _business_no(world: World, county: str, day: dt.date) -> str:
    return f"{county}{day.year}{world.next_number(f'biz:{county}:{day.year}'):06d}"


def _certificate(world: World, county: str, year: int, kind: str = "不动产权") -> str:
    authority = registration_authority(county)
    return f"宁({year}){authority}{kind}第{world.next_number(f'cert:{authority}:{year}'):07d}号"


def build_registrations(world: World, rng: random.Random) -> None:
    entries = world.register_entries
    for a in world.auctions:  # the debtor bought the unit years before the court sold it
        year = int(CERT_YEAR.search(a.cert_no).group(1))
        day = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        entries.append(RegisterEntry(_business_no(world, a.county, day), a.unit_no, a.cert_no, "转移登记", "买卖",
                                     a.county, a.location, "住宅", round(rng.uniform(60, 180), 2), a.debtor,
                                     world.name_of(a.debtor), None, None, day))
    for r in world.properties:
        if r.kind != "转移登记" or r.reason != "买卖" or r.owner not in world.persons:
            continue
        roll = rng.random()
        if roll < 0.4:
            bank = f"{rng.choice(BANKS)}{_branch(r.county)}"
            entries.append(RegisterEntry(_business_no(world, r.county, r.date), r.unit_no,
                                         _certificate(world, r.county, r.date.year, "不动产证明"), "抵押登记",
                                         "抵押权首次登记", r.county, r.location, r.use, r.area, None, bank, r.owner,
                                         round(r.price * rng.uniform(0.5, 0.7) / 10_000) * 10_000.0, r.date))
        elif roll < 0.43:
            day = r.date + dt.timedelta(days=rng.randint(100, 600))
            if day <= AS_OF:
                entries.append(RegisterEntry(_business_no(world, r.county, day), r.unit_no,
                                             _certificate(world, r.county, day.year), "变更登记", "坐落名称变更",
                                             r.county, r.location, r.use, r.area, r.owner, world.name_of(r.owner),
                                             None, None, day))
    entries.sort(key=lambda e: (e.date, e.business_no))
    _let_units(world)


def _branch(county: str) -> str:
    return f"{registration_authority(county).removesuffix('市')}分行"


def _let_units(world: World) -> None:
    """A person who lets a home he registered lets that unit: the lease names its location."""
    homes: dict[str, PropertyRecord] = {}
    for r in sorted(world.properties, key=lambda r: r.date):
        if r.kind == "转移登记" and r.use == "住宅":
            homes[r.owner] = r
    for lease in world.leases:
        home = homes.get(lease.lessor)
        if home is not None and home.date <= lease.start and lease.lessee not in world.enterprises:
            lease.unit_no, lease.location = home.unit_no, home.location
