"""Dialects: one World, written down by different department systems.

`ningxia` (the default) is the exports the shipped specs were first written for; `longxi` is the
same region as other provincial systems export it: other layouts, date and amount styles, and
other identifiers for another department's objects. Each dialect has its own specs folder.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from crossaudit.demo import longxi
from crossaudit.demo.departments import DEPARTMENTS
from crossaudit.demo.spec import Department
from crossaudit.demo.world import Case, World
from crossaudit.loaders.spec import SHIPPED_SPECS

NINGXIA_INTRO = ("A fictional region of Ningxia (宁夏回族自治区, 640000) whose departments export their data as "
                 "they would. Monthly flows cover 2023; one-off events 2021-2023; exported on 2024-03-31.")
NINGXIA_KEY_TYPES = ("credit_code, id_number, invoice, land_contract, land_supervision, property_cert, "
                     "property_unit, sale_contract, equity_transfer (code/ID/YYYYMMDD), construction_permit, lease, "
                     "payment, discharge_permit, address, phone")
KeyWriter = Callable[[Case], tuple[str, list[str]]]


def _as_planted(world: World) -> KeyWriter:
    return lambda case: (case.primary_key, case.keys)


@dataclass(frozen=True)
class Dialect:
    name: str
    departments: tuple[Department, ...]
    specs: Path  # the folder of its source specs
    intro: str  # what its data dictionary says of the region
    key_types: str  # the identifier types its answer key lists
    answer_keys: Callable[[World], KeyWriter]  # a case's identifiers as its files show them


DIALECTS: dict[str, Dialect] = {
    "ningxia": Dialect("ningxia", DEPARTMENTS, SHIPPED_SPECS, NINGXIA_INTRO, NINGXIA_KEY_TYPES, _as_planted),
    "longxi": Dialect("longxi", longxi.DEPARTMENTS, SHIPPED_SPECS / "longxi", longxi.INTRO, longxi.KEY_TYPES,
                      longxi.answer_keys),
}
DEFAULT_DIALECT = "ningxia"


def dialect(name: str) -> Dialect:
    if name not in DIALECTS:
        raise ValueError(f"unknown dialect {name!r}; choose one of {', '.join(DIALECTS)}")
    return DIALECTS[name]
