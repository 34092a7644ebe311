"""The graph store: one interface over the embedded Ladybug database and a Neo4j 5 server.

    store = open_store("ladybug:./crossaudit.db")      # or "bolt://127.0.0.1:7687", "neo4j://…"
    store.apply_schema()
    store.upsert_nodes("Enterprise", [{"uid": "91640100…", "name": "宁夏某某科技有限公司"}])
    store.query("MATCH (e:Enterprise) WHERE e.name = $name RETURN e.uid AS uid", {"name": "…"})

Rows come back as plain Python values on both engines (int, float, str, bool, date, datetime,
None, lists, dicts; nodes as dicts with `_label`, relationships with `_type`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Iterator, Mapping

from crossaudit.engine.schema import (
    BOOL, DATE, FLOAT, INT, PROVENANCE_NAMES, SCHEMA, STORE_FILLED, STRING, TIMESTAMP,
    NodeType, Prop, RelType,
)


class StoreError(RuntimeError):
    """A store operation failed in a way the user can act on; the message says how."""


@dataclass(frozen=True)
class RunStamp:
    """Who is writing and when: the load run id and its timestamp (naive UTC)."""

    run_id: str
    at: dt.datetime

    @classmethod
    def now(cls, run_id: str | None = None) -> "RunStamp":
        at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        return cls(run_id or f"run-{at:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}", at)


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0

    def __iadd__(self, other: "UpsertResult") -> "UpsertResult":
        self.created += other.created
        self.updated += other.updated
        return self


@dataclass
class Subgraph:
    """Nodes keyed by (label, key) and relationships keyed by (type, rid)."""

    nodes: dict[tuple[str, str], dict] = field(default_factory=dict)
    rels: dict[tuple[str, str], dict] = field(default_factory=dict)
    truncated: bool = False

    def add_node(self, node: dict) -> tuple[str, str]:
        label = node["_label"]
        ident = (label, node[SCHEMA.node(label).key])
        self.nodes.setdefault(ident, node)
        return ident


# --- values ---------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """Make a value returned by either engine a plain Python value (recursively)."""
    if value is None or isinstance(value, (bool, int, float, str, dt.date)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    to_native = getattr(value, "to_native", None)  # neo4j.time types
    if to_native is not None:
        return to_native()
    return value


# The Python types each property type takes as they are (the hot path of every upsert).
_EXACT = {STRING: str, INT: int, FLOAT: float, BOOL: bool, DATE: dt.date, TIMESTAMP: dt.datetime}


def _coerce(prop: Prop, value: Any, where: str) -> Any:
    """Check and convert one value to its declared type; a clear error otherwise."""
    if value is None or type(value) is _EXACT[prop.type]:
        return value
    try:
        if prop.type == STRING:
            return value if isinstance(value, str) else str(value)
        if prop.type == INT:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            return int(value)
        if prop.type == FLOAT:
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if prop.type == BOOL:
            if not isinstance(value, bool):
                raise ValueError
            return value
        if prop.type == DATE:
            if isinstance(value, dt.datetime):
                return value.date()
            if isinstance(value, dt.date):
                return value
            return dt.date.fromisoformat(str(value))
        if prop.type == TIMESTAMP:
            if isinstance(value, dt.datetime):
                return value.replace(tzinfo=None) if value.tzinfo is None else \
                    value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        pass
    raise StoreError(f"{where}: property {prop.name!r} expects {prop.type}, got {value!r}")


def _rid(prefix: str, to_label: str, row: Mapping[str, Any], identity: tuple[str, ...]) -> str:
    """The digest that identifies one relationship: its type and from-label (`prefix`), its
    endpoints and its identity properties."""
    text = f"{prefix}{row['from']}\x1f{to_label}\x1f{row['to']}"
    for name in identity:
        value = row.get(name)
        text += "\x1f" + ("" if value is None else str(value))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _merge_duplicates(rows: Iterable[dict], key: str) -> list[dict]:
    """Rows of one batch with the same key become one (later non-null values win)."""
    merged: dict[Any, dict] = {}
    for row in rows:
        existing = merged.get(row[key])
        if existing is None:
            merged[row[key]] = row
        else:
            existing.update({k: v for k, v in row.items() if v is not None})
    return list(merged.values())


def _typed_row(props: Mapping[str, Prop], row: Mapping[str, Any], where: str) -> dict:
    out = {}
    for name, value in row.items():
        prop = props[name]
        # The exact-type test is _coerce's own first step, inlined: this loop is every upsert's hot path.
        out[name] = value if value is None or type(value) is _EXACT[prop.type] else _coerce(prop, value, where)
    return out


def prepare_nodes(node: NodeType, rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Validate and type node rows against the schema; merge rows sharing a key."""
    props = {p.name: p for p in node.all_props if p.name not in STORE_FILLED}
    allowed = props.keys()
    prepared = []
    for index, row in enumerate(rows):
        if not row.keys() <= allowed:
            raise StoreError(f"{node.label} row {index}: unknown properties {sorted(set(row) - set(allowed))}; "
                             f"declare them in crossaudit/engine/schema.py")
        if row.get(node.key) in (None, ""):
            raise StoreError(f"{node.label} row {index}: the key {node.key!r} is missing")
        prepared.append(_typed_row(props, row, f"{node.label} row {index}"))
    return _merge_duplicates(prepared, node.key)


def prepare_rels(rel: RelType, from_label: str, to_label: str,
                 rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Validate rows {from, to, props…}; add each row's rid; merge rows with the same rid."""
    SCHEMA.check_pair(rel.type, from_label, to_label)
    props = {p.name: p for p in rel.all_props if p.name not in STORE_FILLED and p.name != "rid"}
    props["from"] = props["to"] = Prop("endpoint")
    allowed = props.keys()
    prefix = "\x1f".join((rel.type, from_label, ""))
    prepared = []
    for index, row in enumerate(rows):
        where = f"{rel.type} row {index}"
        if not row.keys() <= allowed:
            raise StoreError(f"{where}: unknown properties {sorted(set(row) - set(allowed))}; "
                             "declare them in crossaudit/engine/schema.py")
        if row.get("from") in (None, "") or row.get("to") in (None, ""):
            raise StoreError(f"{where}: both 'from' and 'to' keys are required")
        out = _typed_row(props, row, where)
        out["rid"] = _rid(prefix, to_label, out, rel.identity)
        prepared.append(out)
    return _merge_duplicates(prepared, "rid")


def batches(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


# --- the interface ----------------------------------------------------------------------

class Store(ABC):
    """The operations every engine provides. Use `open_store(uri)` to get one."""

    engine: str = ""
    uri: str = ""

    def __init__(self, batch_size: int = 5000) -> None:
        self.batch_size = batch_size

    @abstractmethod
    def apply_schema(self) -> None:
        """Create the tables (Ladybug) or constraints and indexes (Neo4j); idempotent."""

    @abstractmethod
    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Run one parameterised Cypher statement; rows as dicts of plain values."""

    @abstractmethod
    def _upsert_nodes(self, node: NodeType, rows: list[dict], run: RunStamp) -> UpsertResult: ...

    @abstractmethod
    def _upsert_rels(self, rel: RelType, from_label: str, to_label: str, rows: list[dict],
                     run: RunStamp) -> UpsertResult: ...

    @abstractmethod
    def clear(self) -> None:
        """Delete every node and relationship; the schema stays."""

    @abstractmethod
    def close(self) -> None: ...

    def upsert_nodes(self, label: str, rows: Iterable[Mapping[str, Any]],
                     run: RunStamp | None = None) -> UpsertResult:
        """Create or update nodes keyed by their label's key; loading a batch twice changes
        nothing but last_seen. Provenance (department, dataset, source_file, source_row) is
        written on creation; last_seen advances on every upsert."""
        node = SCHEMA.node(label)
        prepared = prepare_nodes(node, rows)
        return self._upsert_nodes(node, prepared, run or RunStamp.now()) if prepared else UpsertResult()

    def upsert_relationships(self, rel_type: str, from_label: str, to_label: str,
                             rows: Iterable[Mapping[str, Any]], run: RunStamp | None = None) -> UpsertResult:
        """Create or update relationships between existing nodes; rows hold `from` and `to`
        (the endpoints' keys) and properties. A row naming a missing endpoint is an error."""
        rel = SCHEMA.rel(rel_type)
        prepared = prepare_rels(rel, from_label, to_label, rows)
        if not prepared:
            return UpsertResult()
        return self._upsert_rels(rel, from_label, to_label, prepared, run or RunStamp.now())

    def missing_keys(self, label: str, keys: Iterable[str]) -> list[str]:
        """The keys among `keys` that name no node of `label`."""
        node = SCHEMA.node(label)
        wanted = sorted(set(keys))
        found = self.query(f"UNWIND $keys AS k MATCH (n:{node.label} {{{node.key}: k}}) RETURN n.{node.key} AS k",
                           {"keys": wanted})
        present = {row["k"] for row in found}
        return [k for k in wanted if k not in present]

    def _missing_endpoints_error(self, rel: RelType, from_label: str, to_label: str, rows: list[dict]) -> StoreError:
        problems = []
        for label, side in ((from_label, "from"), (to_label, "to")):
            missing = self.missing_keys(label, (r[side] for r in rows))
            if missing:
                problems.append(f"{len(missing)} {label} key(s) such as {missing[:3]}")
        return StoreError(f"{rel.type} ({from_label})->({to_label}): endpoints do not exist: "
                          + "; ".join(problems) + ". Upsert the nodes first.")

    def counts(self) -> dict[str, dict[str, int]]:
        """Node counts by label and relationship counts by type (zeros included)."""
        nodes = {n.label: self.query(f"MATCH (n:{n.label}) RETURN count(n) AS c")[0]["c"] for n in SCHEMA.nodes}
        rels = {r.type: self.query(f"MATCH ()-[r:{r.type}]->() RETURN count(r) AS c")[0]["c"] for r in SCHEMA.rels}
        return {"nodes": nodes, "relationships": rels}

    def neighbourhood(self, seeds: Iterable[tuple[str, str]], hops: int = 1,
                      max_nodes: int | None = None) -> Subgraph:
        """The subgraph within `hops` relationships of the seed nodes, as (label, key) pairs.

        Expands breadth-first; with `max_nodes`, stops adding nodes at the cap and marks the
        result truncated (relationships between kept nodes are still returned)."""
        graph = Subgraph()
        frontier: dict[str, set[str]] = {}
        for label, key in seeds:
            node = SCHEMA.node(label)
            found = self.query(f"MATCH (n:{label} {{{node.key}: $k}}) RETURN n", {"k": key})
            if found:
                graph.add_node(found[0]["n"])
                frontier.setdefault(label, set()).add(key)
        for _ in range(hops):
            next_frontier: dict[str, set[str]] = {}
            for label, keys in sorted(frontier.items()):
                node = SCHEMA.node(label)
                for pattern, outgoing in (("-[r]->", True), ("<-[r]-", False)):
                    rows = self.query(
                        f"UNWIND $keys AS k MATCH (a:{label} {{{node.key}: k}}){pattern}(b) RETURN k, r, b",
                        {"keys": sorted(keys)})
                    for row in rows:
                        other = row["b"]
                        other_id = (other["_label"], other[SCHEMA.node(other["_label"]).key])
                        if other_id not in graph.nodes:
                            if max_nodes is not None and len(graph.nodes) >= max_nodes:
                                graph.truncated = True
                                continue
                            graph.add_node(other)
                            next_frontier.setdefault(other_id[0], set()).add(other_id[1])
                        this_id = (label, row["k"])
                        rel = dict(row["r"])
                        rel["_from"], rel["_to"] = (this_id, other_id) if outgoing else (other_id, this_id)
                        graph.rels.setdefault((rel["_type"], rel["rid"]), rel)
            frontier = next_frontier
        return graph

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def node_dict(label: str, props: Mapping[str, Any]) -> dict:
    """A node as a plain dict: `_label` and every declared property (None where unset)."""
    node = SCHEMA.node(label)
    out = {"_label": label}
    out.update({p.name: plain(props.get(p.name)) for p in node.all_props})
    return out


def rel_dict(rel_type: str, props: Mapping[str, Any]) -> dict:
    rel = SCHEMA.rel(rel_type)
    out = {"_type": rel_type}
    out.update({p.name: plain(props.get(p.name)) for p in rel.all_props})
    return out


def open_store(uri: str, **options: Any) -> Store:
    """Open a store by URI: `ladybug:PATH` (embedded; the default), `bolt://…`, `neo4j://…`
    (and their +s / +ssc variants); Neo4j credentials come from NEO4J_USER / NEO4J_PASSWORD."""
    if uri.startswith("ladybug:"):
        from crossaudit.engine.ladybug_store import LadybugStore

        return LadybugStore(uri[len("ladybug:"):] or "./crossaudit.db", **options)
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    if scheme in ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"):
        from crossaudit.engine.neo4j_store import Neo4jStore

        return Neo4jStore(uri, **options)
    raise StoreError(f"unknown store URI {uri!r}: use ladybug:PATH, bolt://HOST:PORT or neo4j://HOST:PORT")


__all__ = [
    "Store", "StoreError", "RunStamp", "UpsertResult", "Subgraph", "open_store", "plain", "PROVENANCE_NAMES",
]
