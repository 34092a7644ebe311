"""Find the entity a user means: by credit code, ID number, certificate number, uid or name.

Identifiers are tried first (an exact match on any of them wins); then exact names, then names
containing the text. More than one match by name is ambiguous: `AmbiguousKey` carries the
candidates so the user can pick one by its identifier.

    find_entity(store, "91640221966782231U")     # -> Candidate("Enterprise", "9164…", "石嘴山泰湖实业有限公司", …)
    find_entity(store, "泰湖")                   # -> the one enterprise whose name contains 泰湖, or AmbiguousKey
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from crossaudit.engine import SCHEMA, Store
from crossaudit.engine.access import Clearance, describing_datasets
from crossaudit.engine.merge import CO_CITED
from crossaudit.loaders.identifiers import OBJECT_IDENTIFIERS
from crossaudit.viz.subgraph import NodeId

# (label, property) pairs holding identifiers a user may type, in the order tried.
IDENTIFIER_FIELDS = (
    ("Enterprise", "credit_code"), ("Enterprise", "uid"), ("Person", "id_number"), ("Person", "uid"),
    ("Property", "cert_no"), ("Property", "unit_no"), ("Property", "uid"), ("Contract", "contract_no"),
    ("Contract", "uid"), ("Vehicle", "plate_no"), ("Invoice", "invoice_no"),
)
NAME_FIELDS = (("Enterprise", "name"), ("Person", "name"))
# Candidates listed at most for an ambiguous name.
MAX_CANDIDATES = 20


@dataclass(frozen=True)
class Candidate:
    label: str
    key: str
    name: str | None
    identifier: str | None
    region_code: str | None
    dataset: str | None = None
    described: frozenset[str] | None = None  # the datasets whose rows describe it (None: not read)

    @property
    def ident(self) -> NodeId:
        return (self.label, self.key)

    def shown(self, cleared: bool | Clearance) -> "Candidate":
        """The candidate as the user may see it (see crossaudit.engine.access.Clearance); True
        for everything, False for everything but ID numbers."""
        props = {"_label": self.label, "name": self.name, _SHOWN_ID[self.label]: self.identifier,
                 "region_code": self.region_code, "dataset": self.dataset, SCHEMA.node(self.label).key: self.key}
        clearance = Clearance.coerce(cleared)
        if self.described is not None:
            clearance = clearance.knowing({self.ident: self.described})
        seen = clearance.fact(self.label, props)
        return replace(self, key=seen[SCHEMA.node(self.label).key], name=seen["name"],
                       identifier=seen[_SHOWN_ID[self.label]], region_code=seen["region_code"])


class LookupFailed(LookupError):
    """Nothing matches the key."""


class AmbiguousKey(LookupError):
    """Several entities match the key; `candidates` lists them (at most MAX_CANDIDATES)."""

    def __init__(self, key: str, candidates: list[Candidate], more: bool) -> None:
        self.key, self.candidates, self.more = key, candidates, more
        super().__init__(f"{key!r} matches {len(candidates)}{' or more' if more else ''} entities; "
                         "run again with the identifier of one of them")


# The identifier shown beside a candidate's name.
_SHOWN_ID = {"Enterprise": "credit_code", "Person": "id_number", "Property": "cert_no", "Contract": "contract_no",
             "Vehicle": "plate_no", "Invoice": "invoice_no"}


def _candidates(store: Store, label: str, where: str, value: str, limit: int) -> list[Candidate]:
    node = SCHEMA.node(label)
    name = "n.name" if any(p.name == "name" for p in node.props) else "NULL"
    shown = _SHOWN_ID[label]
    region = "n.region_code" if any(p.name == "region_code" for p in node.props) else "NULL"
    rows = store.query(
        f"MATCH (n:{label}) WHERE {where} RETURN n.{node.key} AS key, {name} AS name, n.{shown} AS identifier, "
        f"{region} AS region_code, n.dataset AS dataset ORDER BY key LIMIT $limit", {"value": value, "limit": limit})
    return [Candidate(label, r["key"], r["name"], r["identifier"], r["region_code"], r["dataset"]) for r in rows]


def find_entities(store: Store, key: str, limit: int = MAX_CANDIDATES + 1) -> list[Candidate]:
    """Every entity the key names (up to `limit`): by identifier, else exact name, else part of a name."""
    key = key.strip()
    if not key:
        raise ValueError("the key is empty: give a credit code, ID number, certificate number or name")
    found = _found(store, key, limit)
    described = describing_datasets(store, [candidate.ident for candidate in found])
    return [replace(candidate, described=described.get(candidate.ident)) for candidate in found]


def _found(store: Store, key: str, limit: int) -> list[Candidate]:
    """The candidates `find_entities` returns, before it reads which datasets describe them."""
    found: dict[NodeId, Candidate] = {}
    for label, prop in IDENTIFIER_FIELDS:
        value = key.upper() if prop in ("credit_code", "id_number") else key
        for candidate in _candidates(store, label, f"n.{prop} = $value", value, limit):
            found.setdefault(candidate.ident, candidate)
    for label in CO_CITED:
        for candidate in _candidates(store, label, "n.uid IN $value", _object_uids(store, label, key), limit):
            found.setdefault(candidate.ident, candidate)
    if found:
        return list(found.values())
    for where in ("n.name = $value", "n.name CONTAINS $value"):
        for label, _ in NAME_FIELDS:
            for candidate in _candidates(store, label, where, key, limit):
                found.setdefault(candidate.ident, candidate)
        if found:
            return list(found.values())[:limit]
    return []


def _object_uids(store: Store, label: str, key: str) -> list[str]:
    """The uids of the properties or contracts `key` is a number of, however it is written
    (width, brackets): a node keyed by it, the node it was merged into, or the node a row cited
    it with (a certificate beside its unit number)."""
    keys = sorted({number for _, normalise in OBJECT_IDENTIFIERS[label] if (number := normalise(key))})
    return sorted({r["uid"] for r in store.query(
        f"UNWIND $keys AS k MATCH (n:{label} {{uid: k}}) RETURN n.uid AS uid "
        "UNION UNWIND $aliases AS i MATCH (a:EntityAlias {alias_id: i}) RETURN a.uid AS uid "
        "UNION UNWIND $keys AS k MATCH (c:CoCitation {other_uid: k}) WHERE c.label = $label RETURN c.uid AS uid",
        {"keys": keys, "aliases": [f"{label}:{k}" for k in keys], "label": label})})


def find_entity(store: Store, key: str) -> Candidate:
    """The one entity the key names; LookupFailed if none, AmbiguousKey if several."""
    found = find_entities(store, key)
    if not found:
        raise LookupFailed(f"nothing matches {key!r}: give a credit code, ID number, real-estate certificate "
                           "number, contract number, plate number, invoice number or a name")
    if len(found) > 1:
        raise AmbiguousKey(key, found[:MAX_CANDIDATES], more=len(found) > MAX_CANDIDATES)
    return found[0]
