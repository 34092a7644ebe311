"""Helpers the department exporters share."""
from __future__ import annotations

from crossaudit.loaders.regions import DIVISIONS
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


def registration_office(county: str) -> str:
    d = DIVISIONS[county]
    city = DIVISIONS[d.parent]
    return f"{city.name}{d.name}市场监督管理局" if d.name.endswith("区") else f"{d.name}市场监督管理局"


__all__ = ["party", "record", "registration_office", "office_name", "tax_office_code"]
