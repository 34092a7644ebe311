"""The tax office hierarchy: reference data that only an admin changes.

Office scopes (what an inspector sees) follow it, so a department's delivery may add offices but
never move one: a load that gives an office another parent than the store holds, or a parent
its code does not nest under, is refused. An admin replaces the hierarchy, checked whole first
(11-digit codes whose levels nest, no cycle, one root):

    replace_offices(store, read_offices(Path("税务机关.csv")))       # `crossaudit store offices FILE`
    check_delivered_parents(store, [("16401040000", "16401000000")])  # the loader, per chunk
"""
from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Iterable, Mapping

from crossaudit.engine.store import Store

# The department file's headers (loaders/specs/tax_offices.yaml) or plain names → field.
COLUMNS = {"税务机关代码": "code", "上级税务机关代码": "parent", "税务机关名称": "name", "级次": "level",
           "行政区划代码": "region_code", "code": "code", "parent": "parent", "name": "name", "level": "level",
           "region_code": "region_code"}
LEVELS = {"省级": "region", "市级": "city", "县级": "county"}
ENCODINGS = ("utf-8-sig", "gb18030")

# 税务机关代码: "1", then two digits each for province, city and county, then four for the units
# below a county; an office's level is how much of its code is significant (the rest zeros).
OFFICE_CODE = re.compile(r"^1\d{10}$")
OFFICE_LEVELS = (3, 5, 7, 9, 11)


def office_level(code: str | None) -> int | None:
    """The significant length of an 11-digit tax office code (3 a region, 5 a city, 7 a county,
    9 and 11 the units below); None for a malformed code.

    >>> office_level("16401040000"), office_level("16400000000"), office_level("1640104")
    (7, 3, None)
    """
    if not OFFICE_CODE.match(code or ""):
        return None
    return next(n for n in OFFICE_LEVELS if not code[n:].strip("0"))


def nests_under(code: str, parent: str) -> bool:
    """Whether `parent` is a higher office whose code `code` continues.

    >>> nests_under("16401040000", "16401000000"), nests_under("16400000000", "16401040000")
    (True, False)
    """
    level, parent_level = office_level(code), office_level(parent)
    return level is not None and parent_level is not None and parent_level < level \
        and code[:parent_level] == parent[:parent_level]


def hierarchy_problems(offices: Iterable[Mapping[str, str | None]]) -> list[str]:
    """What is wrong with a tax office hierarchy (rows {code, parent}): a malformed code, a parent
    that is not a higher office whose code the office's continues, a parent never declared, a
    cycle, or not exactly one root. Empty when it is sound.

    >>> hierarchy_problems([{"code": "16400000000", "parent": "16401040000"},
    ...                     {"code": "16401040000", "parent": "16400000000"}])[:1]
    ['office 16400000000: its parent 16401040000 is not a higher office whose code it continues']
    """
    parents = {row["code"]: row.get("parent") or None for row in offices}
    problems = [f"office {code!r}: not an 11-digit tax office code (1, then province, city, county, unit)"
                for code in parents if office_level(code) is None]
    for code, parent in parents.items():
        if parent is None or office_level(code) is None:
            continue
        if not nests_under(code, parent):
            problems.append(f"office {code}: its parent {parent} is not a higher office whose code it continues")
        elif parent not in parents:
            problems.append(f"office {code}: its parent {parent} is not declared")
    for code in parents:
        seen, current = {code}, parents[code]
        while current is not None and current in parents:
            if current in seen:
                problems.append(f"office {code}: its parents form a cycle through {current}")
                break
            seen.add(current)
            current = parents[current]
    roots = sorted(code for code, parent in parents.items() if parent is None)
    if len(roots) != 1:
        problems.append(f"the hierarchy needs exactly one root (an office without a parent); it has {len(roots)}"
                        + (f": {', '.join(roots[:5])}" if roots else ""))
    return problems


class OfficeError(ValueError):
    """The hierarchy given is unsound, or a delivery would change it; the message says how."""


def read_offices(path: Path) -> list[dict]:
    """Rows {code, parent, name, level, region_code} of a tax office CSV (UTF-8 or GB18030)."""
    for encoding in ENCODINGS:
        try:
            with open(path, encoding=encoding, newline="") as handle:
                rows = list(csv.DictReader(handle))
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OfficeError(f"{path}: neither UTF-8 nor GB18030 text")
    if not rows or not {"code", "parent"} <= {COLUMNS.get(h.strip()) for h in rows[0]}:
        raise OfficeError(f"{path}: expected a header with 税务机关代码 and 上级税务机关代码 (or code and parent)")
    offices = []
    for row in rows:
        office = {COLUMNS[h.strip()]: (v or "").strip() or None for h, v in row.items() if h and h.strip() in COLUMNS}
        office["level"] = LEVELS.get(office.get("level"), office.get("level"))
        offices.append(office)
    return offices


def replace_offices(store: Store, offices: list[Mapping[str, str | None]]) -> list[Mapping[str, str | None]]:
    """Write the hierarchy `offices` (each office's parent and SUBORDINATE_OF link replaced) after
    checking it whole; OfficeError listing every problem otherwise."""
    problems = hierarchy_problems(offices)
    if problems:
        raise OfficeError("the tax office hierarchy is refused: " + "; ".join(problems[:10])
                          + (f"; and {len(problems) - 10} more" if len(problems) > 10 else ""))
    codes = [office["code"] for office in offices]
    store.query("UNWIND $codes AS c MATCH (o:TaxOffice {code: c})-[s:SUBORDINATE_OF]->(p:TaxOffice) DELETE s",
                {"codes": codes})
    store.query("UNWIND $codes AS c MATCH (o:TaxOffice {code: c}) SET o.parent = NULL", {"codes": codes})
    store.upsert_nodes("TaxOffice", [{k: v for k, v in office.items() if v is not None} for office in offices])
    store.upsert_relationships("SUBORDINATE_OF", "TaxOffice", "TaxOffice",
                               [{"from": o["code"], "to": o["parent"]} for o in offices if o.get("parent")])
    return offices


def delivered_parents(nodes: Mapping[str, list[Mapping]], rels: Mapping[tuple[str, str, str], list[Mapping]]
                      ) -> list[tuple[str, str]]:
    """The (office, parent) pairs a write in the shape of `Store.upsert_facts` would give."""
    pairs = []
    for batch in nodes.get("TaxOffice", ()):
        if "parent" in batch:
            pairs += zip(_values(batch["code"]), _values(batch["parent"]))
    for batch in rels.get(("SUBORDINATE_OF", "TaxOffice", "TaxOffice"), ()):
        pairs += zip(_values(batch["from"]), _values(batch["to"]))
    return pairs


def _values(column) -> list:
    return column.to_pylist() if hasattr(column, "to_pylist") else list(column)


def check_delivered_parents(store: Store, parents: Iterable[tuple[str, str]]) -> None:
    """A delivery's (office, parent) pairs may add to the hierarchy, never change it: OfficeError
    for a parent other than the one the store holds, or one the office's code does not nest under."""
    given = sorted({(code, parent) for code, parent in parents if code and parent})
    if not given:
        return
    stored = {row["code"]: row["parent"] for row in store.query(
        "UNWIND $codes AS c MATCH (o:TaxOffice {code: c}) RETURN o.code AS code, o.parent AS parent",
        {"codes": sorted({code for code, _ in given})})}
    for code, parent in given:
        if stored.get(code) not in (None, parent):
            raise OfficeError(f"tax office {code} is under {stored[code]} in the store, under {parent} in this "
                              "delivery: the hierarchy is reference data, an admin changes it with "
                              "`crossaudit store offices FILE`")
        if not nests_under(code, parent):
            raise OfficeError(f"tax office {code} cannot be under {parent}: an office's parent is a higher office "
                              "whose code it continues (11 digits: 1, province, city, county, unit)")
