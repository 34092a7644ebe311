"""The competent tax office of a finding.

A rule's header lists, in `office:`, the result columns to try in order. A column that holds
a flagged Enterprise gives that enterprise's tax registration office if it has one, else its
region (its `region_code`, else the division in its credit code); a Person gives his or her
household's region (else the division of the ID number); a Party (an enterprise or a person,
whichever the key names) as one of those; a Contract or Property its `region_code`; any other column is read as a GB/T 2260 division code or a tax office code.
A region gives its county office, else its city office, else the region's office.

    resolver = OfficeResolver(store)
    resolver.office({"buyer": "91640205MA7PXQGC37"}, ["buyer"], {"buyer": "Enterprise"})
    # → ('16402050000', '640205')
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from crossaudit.engine.schema import PARTY_LABELS
from crossaudit.engine.store import Store

REGION_QUERIES = {
    "Enterprise": "UNWIND $keys AS k MATCH (e:Enterprise {uid: k}) "
                  "OPTIONAL MATCH (e)-[r1:REGISTERED_WITH]->(t:TaxRegistration)-[r2:REGISTERED_WITH]->(o:TaxOffice) "
                  "RETURN k, e.region_code AS region, e.credit_code AS code, t.taxpayer_kind AS kind, o.code AS office",
    "Person": "UNWIND $keys AS k MATCH (p:Person {uid: k}) "
              "RETURN k, p.region_code AS region, p.id_number AS code, NULL AS kind, NULL AS office",
    "Contract": "UNWIND $keys AS k MATCH (c:Contract {uid: k}) "
                "RETURN k, c.region_code AS region, NULL AS code, NULL AS kind, NULL AS office",
    "Property": "UNWIND $keys AS k MATCH (p:Property {uid: k}) "
                "RETURN k, p.region_code AS region, NULL AS code, NULL AS kind, NULL AS office",
}
# A unit's own registration is its competent office; a branch's or a project's comes next.
KIND_ORDER = {"unit": 0, "branch": 1, "cross_region_project": 2, None: 3}


def division_of_code(label: str, code: str | None) -> str | None:
    """The division written in an identifier: credit code characters 3-8, ID number 1-6.

    >>> division_of_code("Enterprise", "91640205MA7PXQGC37")
    '640205'
    """
    if not code or len(code) != 18:
        return None
    division = code[2:8] if label == "Enterprise" else code[:6]
    return division if division.isdigit() else None


class OfficeResolver:
    """Finds offices for findings; looks entities up in bulk (`prefetch`) and caches them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        offices = store.query("MATCH (o:TaxOffice) RETURN o.code AS code, o.level AS level, o.region_code AS region")
        self.codes = {o["code"] for o in offices}
        self.by_division = {o["region"]: o["code"] for o in offices if o["region"]}
        self.region_office = next((o["code"] for o in offices if o["level"] == "region"), None)
        self.entities: dict[tuple[str, str], tuple[str | None, str | None]] = {}
        self.looked_up: set[tuple[str, str]] = set()

    def prefetch(self, label: str, keys: Iterable[str]) -> None:
        """Look up the registration office and region of many entities at once. `Party` keys
        are looked up as enterprises and as persons (`label_of` then says which they are)."""
        keys = set(keys)
        if label == "Party":
            for actual in PARTY_LABELS:
                self.prefetch(actual, keys)
            return
        wanted = sorted(k for k in keys if k is not None and (label, k) not in self.looked_up)
        if not wanted or label not in REGION_QUERIES:
            return
        self.looked_up.update((label, k) for k in wanted)
        found: dict[str, list[dict]] = {}
        for row in self.store.query(REGION_QUERIES[label], {"keys": wanted}):
            found.setdefault(row["k"], []).append(row)
        for key, rows in found.items():
            rows.sort(key=lambda r: KIND_ORDER.get(r["kind"], 3))
            office = next((r["office"] for r in rows if r["office"] in self.codes), None)
            region = rows[0]["region"] or division_of_code(label, rows[0]["code"])
            self.entities[(label, key)] = (office, region)

    def label_of(self, label: str, key: str) -> str | None:
        """The label of a prefetched key: `label` itself, or for `Party` Enterprise or Person."""
        if label != "Party":
            return label
        return next((actual for actual in PARTY_LABELS if (actual, key) in self.entities), None)

    def for_division(self, division: str | None) -> str | None:
        """The county office of a division, else its city's, else None (outside the region)."""
        if not division or len(division) != 6:
            return None
        for candidate in (division, division[:4] + "00"):
            if candidate in self.by_division:
                return self.by_division[candidate]
        return None

    def office(self, row: Mapping[str, Any], columns: Iterable[str],
               entities: Mapping[str, str]) -> tuple[str | None, str | None]:
        """(office code, region code) for one result row; the region's office if nothing else."""
        first_region = None
        for column in columns:
            for value in values_of(row.get(column)):
                label = entities.get(column)
                if label:
                    self.prefetch(label, [value])
                    office, region = self.entities.get((self.label_of(label, value), value), (None, None))
                else:
                    office, region = (value, None) if value in self.codes else (None, value)
                first_region = first_region or region
                office = office or self.for_division(region)
                if office:
                    return office, region or first_region
        return self.region_office, first_region


def values_of(value: Any) -> list[str]:
    """A result cell as a list of keys: a list as it is, one value as a list, NULL as none."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v is not None]
    return [str(value)]
