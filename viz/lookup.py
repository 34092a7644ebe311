"""Find the entity a user means: by credit code, ID number, certificate number, uid or name.

Identifiers are tried first (an exact match on any of them wins); then exact names, then names
containing the text. More than one match by name is ambiguous: `AmbiguousKey` carries the
candidates so the user can pick one by its identifier.

    find_entity(store, "91640221966782231U")     # -> Candidate("Enterprise", "9164…", "石嘴山泰湖实业有限公司", …)
    find_entity(store, "泰湖")                   # -> the one enterprise whose name contains 泰湖, or AmbiguousKey
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from crossaudit.cypher.reads import group_by_label, per_label
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


def _columns(label: str, rank: int) -> str:
    """What a candidate query returns of `n`, the same columns for every label (a label without
    a name or a region gives '' — Ladybug types a NULL literal ANY, which a UNION refuses beside
    a STRING column — read back as None)."""
    props = {p.name for p in SCHEMA.node(label).props}
    name = "n.name" if "name" in props else "''"
    region = "n.region_code" if "region_code" in props else "''"
    return (f"{rank} AS rank, '{label}' AS label, n.{SCHEMA.node(label).key} AS key, {name} AS name, "
            f"n.{_SHOWN_ID[label]} AS identifier, {region} AS region_code, n.dataset AS dataset")


def _matching(label: str, prop: str, param: str) -> str:
    """The nodes of `label` whose `prop` is the parameter: through the key's index where it is
    the key (Ladybug indexes nothing else; Neo4j indexes every identifier, see cypher/schema)."""
    if prop == SCHEMA.node(label).key:
        return f"MATCH (n:{label} {{{prop}: ${param}}})"
    return f"MATCH (n:{label}) WHERE n.{prop} = ${param}"


def _identifier_query(codes: bool) -> str:
    """One query for every identifier a user may type: a UNION ALL branch per (label, property)
    of IDENTIFIER_FIELDS (credit codes and ID numbers only with `codes`), then per co-cited label
    (properties, contracts) the node keyed by the number as normalised, the node it was merged
    into, and the node a row cited it with."""
    branches = [f"{_matching(label, prop, 'upper' if prop in CODES else 'value')} RETURN {_columns(label, rank)}"
                for rank, (label, prop) in enumerate(IDENTIFIER_FIELDS) if codes or prop not in CODES]
    rank = len(branches)
    # The node an alias or a co-citation names is matched by a key carried by WITH: matched by
    # `{uid: a.uid}` in the next clause, Ladybug joined the label's whole table (9-13 ms a branch
    # on the medium region, 0.1-2 ms so).
    for label in CO_CITED:
        cols = _columns(label, rank)
        numbers = f"UNWIND $numbers AS r WITH r WHERE r.label = '{label}' WITH r.key AS k"
        branches += [f"{numbers} MATCH (n:{label} {{uid: k}}) RETURN {cols}",
                     f"{numbers} MATCH (a:EntityAlias {{alias_id: '{label}:' + k}}) WITH a.uid AS uid "
                     f"MATCH (n:{label} {{uid: uid}}) RETURN {cols}",
                     f"{numbers} MATCH (c:CoCitation {{other_uid: k}}) WHERE c.label = '{label}' WITH c.uid AS uid "
                     f"MATCH (n:{label} {{uid: uid}}) RETURN {cols}"]
        rank += 1
    # No LIMIT in a branch: Ladybug 0.22 crashes on some unions of limited branches (an
    # identifier names a few entities; `_distinct` keeps `limit`).
    return " UNION ALL ".join(branches)


# Credit codes and ID numbers are stored checked, in capitals and digits: text with anything else
# (a name) skips their branches, which scan their labels on Ladybug (70 ms on the medium region).
CODES = ("credit_code", "id_number")
IDENTIFIER_QUERIES = {codes: _identifier_query(codes) for codes in (True, False)}
# Per label, the names equal to the text first, then those containing it.
NAME_QUERIES = tuple(f"MATCH (n:{label}) WHERE n.{prop} CONTAINS $value RETURN {_columns(label, rank)}, "
                     f"n.{prop} = $value AS exact ORDER BY exact DESC, key LIMIT $limit"
                     for rank, (label, prop) in enumerate(NAME_FIELDS))


def _candidate(row: dict) -> Candidate:
    return Candidate(row["label"], row["key"], row["name"] or None, row["identifier"], row["region_code"] or None,
                     row["dataset"])


def _distinct(rows: list[dict], limit: int) -> list[Candidate]:
    """The rows as candidates in query order (rank, then key), each entity once, at most `limit`
    of each rank."""
    found: dict[NodeId, Candidate] = {}
    ranks: Counter = Counter()
    for row in sorted(rows, key=lambda r: (r["rank"], r["key"])):
        ranks[row["rank"]] += 1
        if ranks[row["rank"]] <= limit:
            found.setdefault((row["label"], row["key"]), _candidate(row))
    return list(found.values())


def candidates(store: Store, ids: list[NodeId]) -> list[Candidate]:
    """The entities with these (label, key) ids that exist, in the order given, with the datasets
    describing them."""
    rows = per_label(store, group_by_label(ids), lambda label, match: f"{match} RETURN {_columns(label, 0)}",
                     list(_SHOWN_ID))
    found = {(row["label"], row["key"]): _candidate(row) for row in rows}
    return _described(store, [found[ident] for ident in dict.fromkeys(ids) if ident in found])


def _described(store: Store, found: list[Candidate]) -> list[Candidate]:
    """The candidates with the datasets whose rows describe them (what grades their values)."""
    described = describing_datasets(store, [candidate.ident for candidate in found])
    return [replace(candidate, described=described.get(candidate.ident)) for candidate in found]


def find_entities(store: Store, key: str, limit: int = MAX_CANDIDATES + 1) -> list[Candidate]:
    """Every entity the key names (up to `limit`): by identifier, else exact name, else part of a name."""
    key = key.strip()
    if not key:
        raise ValueError("the key is empty: give a credit code, ID number, certificate number or name")
    return _described(store, _found(store, key, limit))


def _found(store: Store, key: str, limit: int) -> list[Candidate]:
    """The candidates `find_entities` returns, before it reads which datasets describe them: one
    query for the identifiers, then one per label with names."""
    # the numbers of each co-cited label in one list parameter (Neo4j plans again per size class of each)
    numbers = [{"label": label, "key": number} for label in CO_CITED
               for number in sorted(set(filter(None, (normalise(key) for _, normalise in OBJECT_IDENTIFIERS[label]))))]
    query = IDENTIFIER_QUERIES[key.upper().isascii() and key.upper().isalnum()]
    found = _distinct(store.query(query, {"value": key, "upper": key.upper(), "numbers": numbers}), limit)
    if found:
        return found
    rows = [row for query in NAME_QUERIES for row in store.query(query, {"value": key, "limit": limit})]
    exact = [row for row in rows if row["exact"]]
    return _distinct(exact or rows, limit)[:limit]


def find_entity(store: Store, key: str) -> Candidate:
    """The one entity the key names; LookupFailed if none, AmbiguousKey if several."""
    found = find_entities(store, key)
    if not found:
        raise LookupFailed(f"nothing matches {key!r}: give a credit code, ID number, real-estate certificate "
                           "number, contract number, plate number, invoice number or a name")
    if len(found) > 1:
        raise AmbiguousKey(key, found[:MAX_CANDIDATES], more=len(found) > MAX_CANDIDATES)
    return found[0]
