"""Helpers the department exporters share."""
from __future__ import annotations

import datetime as dt

from crossaudit.loaders.regions import DIVISIONS
from crossaudit.demo.config import MONTHS
from crossaudit.demo.flows import active_in
from crossaudit.demo.geography import office_name, tax_office_code
from crossaudit.demo.spec import Record
from crossaudit.demo.world import World


def party(world: World, entity_id: str | None) -> tuple[str, str]:
    """(name, identifier) of an enterprise or person, as most exports name a party."""
    if not entity_id:
        return "", ""
    return world.name_of(entity_id), entity_id


def record(world: World, values: tuple, refs: tuple, protected: bool = False) -> Record:
    """A record; protected if it is evidence of a planted case or names a planted enterprise."""
    if not protected:
        protected = any(e in world.enterprises and world.enterprises[e].protected for _, e in refs if e)
    return Record(values, refs, protected)


def registered(world: World) -> list:
    """The enterprises and branches of the enterprise register."""
    return [e for e in world.enterprises.values() if e.kind in ("local", "branch")]


def holdings(world: World):
    """(enterprise, holding, its share of the subscribed capital) of every registered enterprise."""
    for e in registered(world):
        total = sum(h.amount for h in e.holdings) or 1.0
        for h in e.holdings:
            yield e, h, h.amount / total


def officers(world: World):
    """(enterprise, person, title, (name, ID number)) of every officer of a registered enterprise."""
    for e in registered(world):
        for person, title in e.executives:
            yield e, person, title, party(world, person)


def transfers(world: World):
    """(transfer, enterprise, transferor (name, id), transferee (name, id)) of every equity transfer, by date."""
    for t in sorted(world.equity_transfers, key=lambda t: (t.date, t.enterprise, t.transferor)):
        yield t, world.enterprises[t.enterprise], party(world, t.transferor), party(world, t.transferee)


def contributions(world: World):
    """(employer, employee, (year, month), date received) of every month an employer is active."""
    firms = [f for f in world.enterprises.values() if f.employees]
    for m, (year, month) in enumerate(MONTHS):
        paid = dt.date(year + month // 12, month % 12 + 1, 15)
        for firm in firms:
            if active_in(firm, m):
                for person_id in firm.employees:
                    yield firm, world.persons[person_id], (year, month), paid


def registration_office(county: str) -> str:
    d = DIVISIONS[county]
    city = DIVISIONS[d.parent]
    return f"{city.name}{d.name}市场监督管理局" if d.name.endswith("区") else f"{d.name}市场监督管理局"


__all__ = ["contributions", "holdings", "officers", "party", "record", "registered", "registration_office",
           "office_name", "tax_office_code", "transfers"]
