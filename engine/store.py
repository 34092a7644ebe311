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
import errno
import hashlib
import os
import re
import uuid
from abc import ABC, abstractmethod
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, ContextManager, Iterable, Mapping, Sequence, Union

from crossaudit.engine.schema import (
    BOOL, DATE, FLOAT, INT, PRESERVED, PROVENANCE_NAMES, REGISTERED, SCHEMA, STORE_FILLED, STRING, TIMESTAMP,
    NodeType, Prop, RelType,
)

if TYPE_CHECKING:  # pyarrow (and numpy with it) is imported where a write needs it: reads start without it
    import pyarrow as pa


class StoreError(RuntimeError):
    """A store operation failed in a way the user can act on; the message says how."""


class StoreHeld(StoreError):
    """Another process holds the embedded store for writing; it can still be opened read-only."""


# How a full disk reads: the OS error, or its text inside an engine's message (Ladybug writes
# "IO exception: Cannot write to file … Error: No space left on device").
_DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DISK_FULL_TEXTS = tuple(os.strerror(code) for code in _DISK_FULL_ERRNOS)


def is_disk_full(exc: BaseException) -> bool:
    """Whether an error, or one it was raised from, says the disk (or quota, or file size limit) is full."""
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno in _DISK_FULL_ERRNOS:
            return True
        if any(text in str(exc) for text in _DISK_FULL_TEXTS):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


_URI_PASSWORD = re.compile(r"([A-Za-z][\w+.-]*://[^/@\s:]*):[^/@\s]*@")


def redact_uris(text: str) -> str:
    """The text with the password of every URI in it replaced, for errors and logs.

    >>> redact_uris("cannot reach Neo4j at bolt://neo4j:s3cret@db:7687 (bolt://db:7688 too)")
    'cannot reach Neo4j at bolt://neo4j:***@db:7687 (bolt://db:7688 too)'
    """
    return _URI_PASSWORD.sub(r"\1:***@", text)


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


# --- write preparation: rows or columns → one typed Arrow table per label or type ----------

@lru_cache(maxsize=1)
def _arrow_types() -> dict[str, pa.DataType]:
    import pyarrow as pa

    return {STRING: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_(),
            DATE: pa.date32(), TIMESTAMP: pa.timestamp("us")}


def __getattr__(name: str) -> Any:
    """`ARROW_TYPES`, each property type's Arrow type, made on first use."""
    if name == "ARROW_TYPES":
        return _arrow_types()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Written when a fact is created and kept afterwards: of several batches, the first one's wins.
FIRST_WRITE = tuple(name for name in PROVENANCE_NAMES if name not in STORE_FILLED)
ENDPOINT = Prop("endpoint")

Columns = Mapping[str, "list | pa.Array"]  # property name → one value per row; None (null): not given
Batch = Union[Columns, "pa.Table"]  # or a table made by node_table / rel_table


def row_columns(rows: Iterable[Mapping[str, Any]]) -> dict[str, list]:
    """Rows as columns: `row_columns([{"uid": "a"}, {"uid": "b", "name": "乙"}])` →
    `{"uid": ["a", "b"], "name": [None, "乙"]}`."""
    rows = list(rows)
    return {name: [row.get(name) for row in rows] for name in set().union(*rows)}


def typed_values(prop: Prop, values: list | pa.Array, where: str) -> list:
    """Values converted to the property's type; a column already of the exact type passes as it is."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = values.to_pylist()
    exact = _EXACT[prop.type]
    if set(map(type, values)) <= {exact, type(None)}:
        return values
    return [value if value is None or type(value) is exact else _coerce(prop, value, f"{where} row {index}")
            for index, value in enumerate(values)]


def _array(prop: Prop, values: list | pa.Array, where: str) -> pa.Array:
    """One column as its Arrow type. An Arrow array of that type is taken as it is; a list of one
    value repeated (provenance, a role) is checked and converted once."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        if values.type == _arrow_types()[prop.type]:
            return values
        values = values.to_pylist()
    if values and values[0] is values[-1] and len(set(map(id, values))) == 1:
        return pa.repeat(pa.scalar(typed_values(prop, values[:1], where)[0], _arrow_types()[prop.type]), len(values))
    return pa.array(typed_values(prop, values, where), _arrow_types()[prop.type])


def _checked(what: str, props: Mapping[str, Prop], columns: Columns, required: tuple[str, ...],
             missing: str) -> int:
    """Check one batch of columns against the properties a caller may give; its number of rows."""
    unknown = sorted(set(columns) - props.keys())
    if unknown:
        raise StoreError(f"{what}: unknown properties {unknown}; declare them in crossaudit/engine/schema.py")
    length = len(next(iter(columns.values()), []))
    if any(len(values) != length for values in columns.values()):
        raise StoreError(f"{what}: columns of different lengths {({k: len(v) for k, v in columns.items()})}")
    for name in required:
        index = _first_blank(columns.get(name, [None] * length))
        if index is not None:
            raise StoreError(f"{what} row {index}: {missing}")
    return length


def _first_blank(values: list | pa.Array) -> int | None:
    """The index of the first None (null) or empty text, if any."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        blank = pc.is_null(values)
        if pa.types.is_string(values.type):
            blank = pc.or_(blank, pc.fill_null(pc.equal(values, ""), False))
        return pc.index(blank, True).as_py() if pc.any(blank).as_py() else None
    if None in values or "" in values:
        return next(i for i, v in enumerate(values) if v is None or v == "")
    return None


def _arrow(props: Mapping[str, Prop], columns: Columns, length: int, where: str) -> pa.Table:
    """The batch as an Arrow table with every given property, in schema order."""
    import pyarrow as pa

    return pa.table({name: _array(prop, columns[name], where) if name in columns
                     else pa.nulls(length, _arrow_types()[prop.type]) for name, prop in props.items()})


def _merged(table: pa.Table, key: str, first: tuple[str, ...] = ()) -> pa.Table:
    """Rows sharing `key` become one, as if upserted one after the other: each column's last
    non-null value, but the first value of the `first` columns; a key a register names
    (`registered`) takes the register's values, and the rows after its first register row only
    fill what was still null."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.count_distinct(table[key]).as_py() == table.num_rows:
        return table
    others = [name for name in table.column_names if name != key]
    grouped = _grouped(table, key, [(name, "first" if name in first else "last") for name in others], first)
    grouped = grouped.select([key if name == key else f"{name}_{'first' if name in first else 'last'}"
                              for name in table.column_names]).rename_columns(table.column_names)
    registered = pc.fill_null(table[REGISTERED.name], False) if REGISTERED.name in others else None
    if registered is None or not pc.any(registered).as_py():
        return grouped
    given = [name for name in others if name not in first]
    row = pa.array(range(table.num_rows), pa.int64())
    registers = table.filter(registered)
    opened = _grouped(registers.append_column("_row", row.filter(registered)), key, [("_row", "min")])
    since = pc.take(opened["_row_min"], pc.index_in(table[key], value_set=opened[key]))  # null: never registered
    after = pc.fill_null(pc.greater(row, since), False)
    before = _grouped(table.filter(pc.invert(after)), key, [(name, "last") for name in given])
    filling = _grouped(table.filter(pc.and_(after, pc.invert(registered))), key, [(name, "first") for name in given])
    by_register = _grouped(registers, key, [(name, "last") for name in given])

    def value(name: str, of: pa.Table, how: str):  # null where `of` holds no row of the key
        return pc.take(of[f"{name}_{how}"], pc.index_in(grouped[key], value_set=of[key]))

    return pa.Table.from_arrays(
        [grouped[name] if name == key or name in first else
         pc.coalesce(value(name, by_register, "last"), value(name, before, "last"), value(name, filling, "first"))
         for name in table.column_names], names=table.column_names)


def _grouped(table: pa.Table, key: str, aggregations: list[tuple[str, str]], first: tuple[str, ...] = ()) -> pa.Table:
    """One row per key in the order keys first appear: each (column, first/last/min) of its rows,
    nulls skipped except in the `first` columns (provenance: the first row's, null or not)."""
    import pyarrow.compute as pc

    aggregated = table.group_by(key, use_threads=False).aggregate(
        [(name, how, pc.ScalarAggregateOptions(skip_nulls=name not in first)) for name, how in aggregations])
    return aggregated.select([key, *(f"{name}_{how}" for name, how in aggregations)])


def _combined(tables: list[pa.Table], key: str) -> pa.Table:
    """Batches as if upserted one after the other: within a batch the last non-null values win;
    across batches provenance comes from the first batch, other properties from the last that
    gives them."""
    import pyarrow as pa

    tables = [_merged(table, key) for table in tables]
    return _merged(pa.concat_tables(tables), key, FIRST_WRITE) if len(tables) > 1 else tables[0]


def node_props(node: NodeType) -> dict[str, Prop]:
    """The properties a caller gives for a node, in column order (the store fills the rest)."""
    return {p.name: p for p in node.all_props if p.name not in STORE_FILLED}


def rel_props(rel: RelType) -> dict[str, Prop]:
    """`from`, `to` and the properties a caller gives for a relationship, in column order."""
    return {"from": ENDPOINT, "to": ENDPOINT,
            **{p.name: p for p in rel.all_props if p.name not in STORE_FILLED and p.name != "rid"}}


def _made(table: pa.Table, empty: pa.Table, what: str) -> pa.Table:
    if not table.schema.equals(empty.schema):
        raise StoreError(f"{what}: a batch given as a table must come from node_table / rel_table; "
                         f"its columns are {table.schema.names}")
    return table


def node_table(node: NodeType, batches: Iterable[Batch]) -> pa.Table:
    """Validate and type batches of node columns against the schema; one row per key, as if
    the batches were upserted one after the other.

        node_table(SCHEMA.node("Person"), [{"uid": ["640…", "640…"], "name": ["张三", None]}])  # one row"""
    import pyarrow as pa

    props = node_props(node)
    empty = _arrow(props, {}, 0, node.label)
    tables = []
    for batch in batches:
        if isinstance(batch, pa.Table):
            tables.append(_made(batch, empty, node.label))
            continue
        length = _checked(node.label, props, batch, (node.key,), f"the key {node.key!r} is missing")
        tables.append(_arrow(props, batch, length, node.label))
    return _combined(tables, node.key) if tables else empty


def rel_table(rel: RelType, from_label: str, to_label: str, batches: Iterable[Batch]) -> pa.Table:
    """Validate and type batches of relationship columns {from, to, props…}; add each row's rid
    (a digest of the type, the endpoints and the identity properties); one row per rid."""
    import pyarrow as pa

    SCHEMA.check_pair(rel.type, from_label, to_label)
    props = rel_props(rel)
    with_rid = {"from": ENDPOINT, "to": ENDPOINT, "rid": Prop("rid"), **props}
    empty = _arrow(with_rid, {}, 0, rel.type)
    tables = []
    for batch in batches:
        if isinstance(batch, pa.Table):
            tables.append(_made(batch, empty, rel.type))
            continue
        length = _checked(rel.type, props, batch, ("from", "to"), "both 'from' and 'to' keys are required")
        typed = {name: typed_values(props[name], batch.get(name, [None] * length), rel.type)
                 for name in ("from", "to", *rel.identity)}
        tables.append(_arrow(with_rid, {**batch, "rid": rids(rel, from_label, to_label, typed)}, length, rel.type))
    return _combined(tables, "rid") if tables else empty


def split_stored(table: pa.Table, key: str, stored: pa.Array | pa.ChunkedArray) -> tuple[pa.Table, pa.Table]:
    """(the rows whose `key` is not among the `stored` keys, the rows whose key is)."""
    import pyarrow.compute as pc

    if not len(stored):
        return table, table.slice(0, 0)
    is_stored = pc.is_in(table[key], value_set=stored)
    return table.filter(pc.invert(is_stored)), table.filter(is_stored)


def to_created_nodes(table: pa.Table, from_label: str, to_label: str,
                     created: Mapping[str, pa.ChunkedArray]) -> pa.Array:
    """Which relationship rows touch a node this write created (keys in `created` by label):
    such a relationship is new, with no need to look it up."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hit = pa.repeat(False, table.num_rows)
    for label, side in ((from_label, "from"), (to_label, "to")):
        if label in created:
            hit = pc.or_(hit, pc.is_in(table[side], value_set=created[label]))
    return hit


def rids(rel: RelType, from_label: str, to_label: str, columns: Mapping[str, list]) -> list[str]:
    """The digest that identifies each relationship: its type, from-label, endpoints and
    identity property values (typed columns `from`, `to` and the identity properties)."""
    head = f"{rel.type}\x1f{from_label}\x1f"
    texts = [f"{head}{a}\x1f{to_label}\x1f{b}" for a, b in zip(columns["from"], columns["to"])]
    for name in rel.identity:
        texts = [f"{text}\x1f{'' if value is None else str(value)}" for text, value in zip(texts, columns[name])]
    return [hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest() for text in texts]


# --- the interface ----------------------------------------------------------------------

class Store(ABC):
    """The operations every engine provides. Use `open_store(uri)` to get one."""

    engine: str = ""
    uri: str = ""
    # Opened read-only beside the process that writes it (an embedded store); then audit entries
    # wait in `audit_queue`, a file beside the store, for a process that writes (engine.audit).
    read_only: bool = False
    audit_queue: Path | None = None
    # Rule queries a rule run sends at once (`run_rules`); one where the engine's own threads
    # already spread a query over the cores.
    rule_workers: int = 1
    # Each statement is a round trip to a server: a few larger statements beat many small ones
    # (engine.merge asks first which relationship patterns a round's nodes have).
    round_trips: bool = False
    # The Cypher function naming a stored relationship so that `move_rels` finds it again, where
    # the engine moves relationships in the server; None where a merge reads them whole to upsert.
    relationship_id: str | None = None

    def __init__(self, batch_size: int = 5000) -> None:
        self.batch_size = batch_size

    @abstractmethod
    def apply_schema(self) -> None:
        """Create the tables (Ladybug) or constraints and indexes (Neo4j); idempotent."""

    @abstractmethod
    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """Run one parameterised Cypher statement; rows as dicts of plain values."""

    @abstractmethod
    def query_read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        """`query` in a read-only transaction: a statement that would write fails on both engines
        (rule queries run this way)."""

    @abstractmethod
    def query_arrow(self, cypher: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run one read returning scalar columns, as an Arrow table (a column per returned name,
        also when no row matches): for precomputes that read a whole projection of the graph,
        where building a dict per row would cost more than the query."""

    @abstractmethod
    def _write_nodes(self, node: NodeType, table: pa.Table, run: RunStamp) -> tuple[UpsertResult, pa.ChunkedArray]:
        """Upsert a typed table with one row per key (see `node_table`); the result and the keys created."""

    @abstractmethod
    def _write_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table, run: RunStamp,
                    created: Mapping[str, pa.ChunkedArray]) -> UpsertResult:
        """Upsert a typed table with one row per rid (see `rel_table`). `created` holds the keys
        of nodes created by the same write: a relationship touching one of them is new."""

    def _writing(self) -> ContextManager[None]:
        """The scope of one upsert call; a backend may hold resources for it."""
        return nullcontext()

    @abstractmethod
    def clear(self, keep: Collection[str] = PRESERVED) -> None:
        """Delete every node and relationship but the nodes of the labels in `keep` (by default the
        audit log and the governance record); the schema stays."""

    @abstractmethod
    def close(self) -> None: ...

    def keep_statements(self, count: int, connections: int = 1) -> None:
        """Keep up to `count` prepared statements per connection of this handle and those made from
        it after, `connections` of them reading at once (a long-lived server reading with the same
        few dozen statements), fewer where they would not fit; an engine that does not prepare
        them in the client ignores it."""

    def deferred_checkpoints(self) -> AbstractContextManager[None]:
        """Many write transactions in a row (resolution's merges) with one checkpoint after them
        all, where the engine checkpoints after a transaction on its own; a no-op elsewhere."""
        return nullcontext()

    def for_thread(self, reads: bool = False) -> "Store":
        """A handle on this store for another thread of the same process (a server's workers):
        the store itself where its client is thread-safe (Neo4j's driver); never closed apart.
        `reads`: the handle only reads, its `query` in read transactions where the engine has them."""
        return self

    def upsert_nodes(self, label: str, rows: Iterable[Mapping[str, Any]],
                     run: RunStamp | None = None) -> UpsertResult:
        """Create or update nodes keyed by their label's key; loading a batch twice changes
        nothing but last_seen. Provenance (department, dataset, source_file, source_row) is
        written on creation; last_seen advances on every upsert."""
        node = SCHEMA.node(label)
        table = node_table(node, [row_columns(rows)])
        if not table.num_rows:
            return UpsertResult()
        with self._writing():
            return self._write_nodes(node, table, run or RunStamp.now())[0]

    def append_nodes(self, label: str, rows: Iterable[Mapping[str, Any]], run: RunStamp) -> None:
        """Create a few nodes of an append-only label (the audit log's entries); a row whose key
        is stored already (written before a crash emptied its queue) only advances last_seen."""
        self.upsert_nodes(label, rows, run)

    def upsert_relationships(self, rel_type: str, from_label: str, to_label: str,
                             rows: Iterable[Mapping[str, Any]], run: RunStamp | None = None) -> UpsertResult:
        """Create or update relationships between existing nodes; rows hold `from` and `to`
        (the endpoints' keys) and properties. A row naming a missing endpoint is an error."""
        rel = SCHEMA.rel(rel_type)
        table = rel_table(rel, from_label, to_label, [row_columns(rows)])
        if not table.num_rows:
            return UpsertResult()
        with self._writing():
            return self._write_rels(rel, from_label, to_label, table, run or RunStamp.now(), {})

    def upsert_facts(self, nodes: Mapping[str, Sequence[Batch]],
                     rels: Mapping[tuple[str, str, str], Sequence[Batch]], run: RunStamp) -> UpsertResult:
        """Upsert many labels and relationship types at once, nodes first: the bulk path of a load.

        Each label's (or type's) batches of columns (or tables from node_table / rel_table) count
        as if upserted one after the other, but are written together, and a relationship whose
        endpoint this call creates needs no lookup. Everything is checked before anything is
        written.

            store.upsert_facts({"Person": [{"uid": ["640104198001010013"], "name": ["张三"]}]},
                               {("LEGAL_REP_OF", "Person", "Enterprise"):
                                [{"from": ["640104198001010013"], "to": ["91640104123456788J"]}]}, run)
        """
        node_tables = [(SCHEMA.node(label), node_table(SCHEMA.node(label), batches))
                       for label, batches in nodes.items()]
        rel_tables = [(SCHEMA.rel(rel_type), from_label, to_label,
                       rel_table(SCHEMA.rel(rel_type), from_label, to_label, batches))
                      for (rel_type, from_label, to_label), batches in rels.items()]
        result, created = UpsertResult(), {}
        with self._writing():
            for node, table in node_tables:
                if table.num_rows:
                    written, created[node.label] = self._write_nodes(node, table, run)
                    result += written
            for rel, from_label, to_label, table in rel_tables:
                if table.num_rows:
                    result += self._write_rels(rel, from_label, to_label, table, run, created)
        return result

    def move_rels(self, rel: RelType, from_label: str, to_label: str, moves: Mapping[str, list], run: RunStamp) -> None:
        """Move stored relationships to new endpoints (a merge), each as upserting it there with its
        own properties would leave it, and delete it. `moves` holds columns: `ref` (the relationship,
        by `relationship_id`), `from` and `to` (the new endpoints' keys), `rid` (its new rid, as
        `rids` gives it), and any of its properties whose non-null values replace its own. Rows
        sharing a rid count as one upsert's rows: the last non-null value of each property."""
        raise NotImplementedError(f"the {self.engine} store moves no relationships in place (relationship_id is None)")

    def missing_keys(self, label: str, keys: Iterable[str]) -> list[str]:
        """The keys among `keys` that name no node of `label`."""
        node = SCHEMA.node(label)
        wanted = sorted(set(keys))
        found = self.query(f"UNWIND $keys AS k MATCH (n:{node.label} {{{node.key}: k}}) RETURN n.{node.key} AS k",
                           {"keys": wanted})
        present = {row["k"] for row in found}
        return [k for k in wanted if k not in present]

    def _missing_endpoints_error(self, rel: RelType, from_label: str, to_label: str, froms: Iterable[str],
                                 tos: Iterable[str]) -> StoreError:
        problems = []
        for label, keys in ((from_label, froms), (to_label, tos)):
            missing = self.missing_keys(label, keys)
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


# Not stores: where `load --bulk` writes a new Neo4j database's import files (engine.neo4j_bulk).
IMPORT_PREFIX, LAUNCH_PREFIX = "neo4j-import:", "neo4j-launch:"


def is_bulk_target(uri: str) -> bool:
    """Whether `uri` names a bulk target (`neo4j-import:FOLDER`, `neo4j-launch:HOME`), not a store."""
    return uri.startswith((IMPORT_PREFIX, LAUNCH_PREFIX))


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
    raise StoreError(f"unknown store URI {redact_uris(uri)!r}: use ladybug:PATH, bolt://HOST:PORT or neo4j://HOST:PORT")


__all__ = [
    "Store", "StoreError", "StoreHeld", "is_disk_full", "RunStamp", "UpsertResult", "Subgraph", "open_store", "plain", "PROVENANCE_NAMES",
]
