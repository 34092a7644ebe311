"""The server store: Neo4j 5 through the official driver (bolt:// or neo4j:// routing).

Writes are UNWIND batches, sent as columns, inside managed transactions (`execute_write`
retries transient errors, deadlocks included), CROSSAUDIT_NEO4J_WRITERS of them at once;
reads run in managed read transactions, so `neo4j://` routes them in a cluster.
Credentials come from NEO4J_USER / NEO4J_PASSWORD and are never logged.
"""
from __future__ import annotations

import copy
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Collection, Mapping

import neo4j
import pyarrow as pa
import pyarrow.compute as pc
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable, SessionExpired, TransientError

from crossaudit.engine import cypher_gen
from crossaudit.engine.schema import PRESERVED, SCHEMA, NodeType, RelType
from crossaudit.engine.store import (
    RunStamp, Store, StoreError, UpsertResult, node_dict, plain, redact_uris, rel_dict, split_stored,
    to_created_nodes,
)


def _plain_value(value: Any) -> Any:
    if isinstance(value, neo4j.graph.Node):
        return node_dict(next(iter(value.labels)), dict(value))
    if isinstance(value, neo4j.graph.Relationship):
        return rel_dict(value.type, dict(value))
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    return plain(value)


# The values the driver returns as they are plain (most columns of a read hold nothing else).
_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})


def _plain_column(column: tuple) -> tuple | list:
    """A returned column as plain values; one of text, numbers, booleans and nulls as it is:
    converting value by value took 0.35 s per 676k values (longxi medium's merges read 14
    columns of that many relationships)."""
    if set(map(type, column)) <= _PLAIN_TYPES:
        return column
    return [_plain_value(v) for v in column]


def _param(value: Any) -> Any:
    """Parameters the driver cannot send as they are (Decimal) become plain numbers."""
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    if isinstance(value, dict):
        return {k: _param(v) for k, v in value.items()}
    return plain(value) if value.__class__.__name__ == "Decimal" else value


def _ranks(keys: list[str]) -> list[int]:
    """Each key's rank among the equal keys before it: `_ranks(["a", "b", "a"])` → `[0, 0, 1]`."""
    seen: dict[str, int] = {}
    ranks = []
    for key in keys:
        ranks.append(seen.get(key, 0))
        seen[key] = ranks[-1] + 1
    return ranks


# Statements whose returned names `query_arrow` keeps (a server's rules and merges use a few dozen).
COLUMNS_KEPT = 1_000


class Neo4jStore(Store):
    engine = "neo4j"
    round_trips = True
    relationship_id = "elementId"
    reads_only = False  # a reading handle (for_thread(reads=True)): `query` in read transactions

    # 2,000 rows a transaction: larger ones make the server collect more garbage (small region into
    # an empty server, 2 writers: 5,000 rows 58 s with 9.5 s of GC pauses, 2,000 rows 38 s with 1.3 s).
    def __init__(self, uri: str, batch_size: int = 2000, database: str | None = None,
                 writers: int | None = None) -> None:
        super().__init__(batch_size)
        # Batches of one label or type run in `writers` transactions at once (own sessions): on a
        # server with cores to spare it works on several while the client packs the next batch.
        # One by default: two deadlock on hubs (an office, a busy enterprise), and each retry
        # waits a second or more (2-core machine, client beside the server, small region re-loaded
        # in turns: 1 writer 30 s and 29 s; 2 writers 52 s with 8 deadlocks, 29 s with 6).
        self.writers = max(1, writers or int(os.environ.get("CROSSAUDIT_NEO4J_WRITERS", "1")))
        self._pool = ThreadPoolExecutor(self.writers, thread_name_prefix="crossaudit-neo4j")
        # Rule queries sent at once: the server runs each on one core (Community has no parallel
        # runtime), so a rule run keeps CROSSAUDIT_NEO4J_READERS of them busy (default 2).
        self.rule_workers = max(1, int(os.environ.get("CROSSAUDIT_NEO4J_READERS", "2")))
        self.uri = redact_uris(uri)  # what messages show; the driver gets the URI as given
        self._kept, self._kept_sessions = threading.local(), []
        self._columns: dict[str, list[str]] = {}  # query_arrow: each statement's returned names
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        user = os.environ.get("NEO4J_USER", "neo4j")
        password = os.environ.get("NEO4J_PASSWORD")
        # The server's notices (a property key no node has yet, …) would flood a user's terminal
        # through the driver's logger; the schema and `rules lint` are where such checks live.
        self._driver = GraphDatabase.driver(uri, auth=(user, password) if password else None,
                                            notifications_min_severity="OFF")
        try:
            self._driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            self._driver.close()
            raise StoreError(f"cannot reach Neo4j at {self.uri}: {redact_uris(str(exc))}. Is the server running? "
                             "(python tools/neo4j/launch.py starts one)") from exc
        except AuthError as exc:
            self._driver.close()
            raise StoreError(f"Neo4j at {self.uri} refused the credentials from NEO4J_USER / NEO4J_PASSWORD") from exc

    def _session(self):
        return self._driver.session(database=self.database)

    def _statement_session(self, access: str = neo4j.WRITE_ACCESS):
        """This thread's session for single statements of an access mode, kept open (a session is
        not thread-safe; each transaction still takes a pooled connection): a page's few dozen
        reads each opened and closed one before."""
        session = getattr(self._kept, access, None)
        if session is None:
            session = self._driver.session(database=self.database, default_access_mode=access)
            setattr(self._kept, access, session)
            self._kept_sessions.append(session)
        return session

    # --- reads ------------------------------------------------------------------------

    @staticmethod
    def _rows(tx, cypher: str, params: Mapping[str, Any] | None) -> list[dict]:
        result = tx.run(cypher, _param(dict(params or {})))
        return [{k: _plain_value(v) for k, v in record.items()} for record in result]

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        if self.reads_only:
            # One auto-commit transaction in read mode, one round trip (the server refuses a write
            # in it); a transient failure (a cluster member gone) is tried again as a managed read.
            try:
                return self._rows(self._statement_session(neo4j.READ_ACCESS), cypher, params)
            except (TransientError, SessionExpired, ServiceUnavailable):
                return self.query_read(cypher, params)
        # A statement that writes must not be routed to a reader.
        return self._statement_session().execute_write(self._rows, cypher, params)

    def query_read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        return self._statement_session().execute_read(self._rows, cypher, params)  # the server refuses a write in it

    def for_thread(self, reads: bool = False) -> "Neo4jStore":
        # The driver is thread-safe, and each thread keeps a session of its own. A reading handle's
        # statements run as auto-commit reads: the network read of a firm on the small region took
        # 43-54 ms so, 68-72 ms in managed read transactions, 46 ms in write ones (alternating runs).
        if not reads:
            return self
        handle = copy.copy(self)
        handle.reads_only = True
        return handle

    def query_arrow(self, cypher: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        # The driver builds a Record per row, which costs more than the query when a precompute
        # reads a few hundred thousand rows; the server collects them into one list instead
        # (households of the medium region, 48k rows: 2.5 s → 0.6 s). EXPLAIN gives the columns, once
        # per statement: a merge reads with the same few statements round after round.
        params = _param(dict(params or {}))

        def work(tx):
            keys = self._columns.get(cypher)
            if keys is None:
                if len(self._columns) >= COLUMNS_KEPT:
                    self._columns.clear()
                keys = self._columns[cypher] = tx.run("EXPLAIN " + cypher, params).keys()
            if not keys:
                return pa.table({})
            listed = ", ".join("`" + key.replace("`", "``") + "`" for key in keys)
            rows = tx.run(f"CALL {{ {cypher} }} RETURN collect([{listed}]) AS rows", params).single()["rows"]
            columns = zip(*rows) if rows else [()] * len(keys)
            return pa.table({key: _plain_column(column) for key, column in zip(keys, columns)})

        with self._session() as session:
            return session.execute_read(work)

    # --- writes -----------------------------------------------------------------------

    def apply_schema(self) -> None:
        # One transaction for all: created one statement each, every uniqueness constraint filled its
        # index before the next began (small region imported: 9.9-12.7 s against 6.5-8.7 s).
        def create(tx):
            for statement in cypher_gen.neo4j_schema(SCHEMA):
                tx.run(statement).consume()

        with self._session() as session:
            session.execute_write(create)
            session.run("CALL db.awaitIndexes(300)").consume()

    def _each_batch(self, rows: list | pa.Table, size: int, work: Callable, write: bool = True) -> list:
        """`work(tx, batch)` for each batch of `rows`, in managed transactions (retried when
        transient, a deadlock included), `writers` at a time; the results in batch order."""
        def one(batch):
            with self._session() as session:
                return (session.execute_write if write else session.execute_read)(work, batch)

        return list(self._pool.map(one, (rows[start:start + size] for start in range(0, len(rows), size))))

    def _holds(self, count: str) -> bool:
        """Whether the label or type (`count`, read from the count store) holds anything yet: on a
        first load nothing is stored, and no row needs looking up."""
        return self.query_read(count)[0]["c"] > 0

    def _write_batches(self, write: cypher_gen.ColumnWrite, table: pa.Table, run: RunStamp,
                       on_short: Callable[[pa.Table], StoreError] | None = None) -> list[dict]:
        """`write` for each batch of `table`; the row each batch returned."""
        def work(tx, batch: pa.Table):
            columns = {name: batch[name].to_pylist() for name in write.columns}
            returned = tx.run(write.cypher, c=columns, run=run.run_id, at=run.at).single()
            if on_short is not None and returned["c"] != batch.num_rows:
                raise on_short(batch)  # rolls this batch back
            return dict(returned)

        return self._each_batch(table, self.batch_size, work)

    # Rows are split into new and stored ones by an index lookup; new ones are CREATEd. A MERGE
    # of a relationship expands its endpoints, which is slow at a hub (measured: 750 rows/s for
    # filings of busy enterprises, against thousands with the split). Found keys come back as one
    # list per batch: a record per key cost the client more than the server's seek (a re-load of
    # the small region: client CPU 23 s → 11 s).

    def _write_nodes(self, node: NodeType, table: pa.Table, run: RunStamp) -> tuple[UpsertResult, pa.ChunkedArray]:
        new, old = table, table.slice(0, 0)
        if self._holds(cypher_gen.neo4j_count_nodes(node)):  # looked up by key alone: a new node's
            existing = cypher_gen.neo4j_existing_nodes(node)  # properties travel once, to its CREATE
            found = self._each_batch(table[node.key].to_pylist(), 10 * self.batch_size,
                                     lambda tx, keys: tx.run(existing, keys=keys).single()["found"], write=False)
            new, old = split_stored(table, node.key, pa.array([k for part in found for k in part], pa.string()))
        self._write_batches(cypher_gen.neo4j_create_nodes(node), new, run)
        self._write_batches(cypher_gen.neo4j_update_nodes(node), old, run)
        return UpsertResult(new.num_rows, old.num_rows), new[node.key]

    def _write_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table, run: RunStamp,
                    created: Mapping[str, pa.ChunkedArray]) -> UpsertResult:
        known_new = to_created_nodes(table, from_label, to_label, created)
        on_short = lambda batch: self._missing_endpoints_error(  # noqa: E731
            rel, from_label, to_label, batch["from"].to_pylist(), batch["to"].to_pylist())
        # A relationship's update carries few properties, so it is tried first and finds the stored
        # ones itself: a re-load seeks each rid once, not once to look it up and once to update it.
        looked_up, old = table.filter(pc.invert(known_new)), table.slice(0, 0)
        if looked_up.num_rows and self._holds(cypher_gen.neo4j_count_rels(rel)):
            found = self._write_batches(cypher_gen.neo4j_update_rels(rel, from_label, to_label), looked_up, run)
            looked_up, old = split_stored(looked_up, "rid",
                                          pa.array([rid for row in found for rid in row["found"]], pa.string()))
        new = pa.concat_tables([table.filter(known_new), looked_up])
        self._write_batches(cypher_gen.neo4j_create_rels(rel, from_label, to_label), new, run, on_short)
        return UpsertResult(new.num_rows, old.num_rows)

    def move_rels(self, rel: RelType, from_label: str, to_label: str, moves: Mapping[str, list], run: RunStamp) -> None:
        # Moved in the server: only what the new rids need comes back, and the properties never
        # leave it (longxi small region, 1,973 firms merged: merging 21.0-23.8 s against 23.6-26.1 s
        # read back whole and upserted; the server's creating and deleting is most of what is left).
        # Writing onto and creating in one transaction per batch took no less (longxi medium: 34.7 /
        # 36.0 s against 34.8 / 35.0 s). Rows sharing a rid go in rounds, each the next row of every
        # rid: the first created (or found stored), the later ones written onto it as an upsert
        # would combine them.
        replaced = tuple(name for name in moves if name not in ("ref", "from", "to", "rid"))
        table = pa.table({name: pa.array(values, pa.string()) if name in ("ref", "from", "to", "rid")
                          else pa.array(values) for name, values in moves.items()})
        rank = pa.array(_ranks(moves["rid"]), pa.int64())
        created: set[str] = set()
        for round_ in range(pc.max(rank).as_py() + 1 if len(rank) else 0):
            rows = table.filter(pc.equal(rank, round_))
            onto_created = pc.is_in(rows["rid"], value_set=pa.array(sorted(created), pa.string()))
            self._write_batches(cypher_gen.neo4j_move_onto_rels(rel, from_label, to_label, replaced, provenance=True),
                                rows.filter(onto_created), run)
            rows = rows.filter(pc.invert(onto_created))
            found = self._write_batches(cypher_gen.neo4j_move_onto_rels(rel, from_label, to_label, replaced),
                                        rows, run)
            new, _ = split_stored(rows, "rid", pa.array([rid for row in found for rid in row["found"]], pa.string()))
            self._write_batches(cypher_gen.neo4j_move_rels(rel, from_label, to_label, replaced), new, run,
                                lambda batch: self._missing_endpoints_error(
                                    rel, from_label, to_label, batch["from"].to_pylist(), batch["to"].to_pylist()))
            created.update(new["rid"].to_pylist())

    def clear(self, keep: Collection[str] = PRESERVED) -> None:
        # Relationships first, then nodes, in batches: a DETACH DELETE of a hub (an enterprise
        # with thousands of facts) in one transaction can exceed the server's transaction memory.
        with self._session() as session:
            for cypher in ("MATCH ()-[r]->() WITH r LIMIT 20000 DELETE r RETURN count(*) AS c",
                           "MATCH (n) WHERE NONE(label IN labels(n) WHERE label IN $keep) "
                           "WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS c"):
                while session.execute_write(lambda tx: tx.run(cypher, keep=list(keep)).single()["c"]):
                    pass

    def close(self) -> None:
        self._pool.shutdown()
        for session in self._kept_sessions:
            session.close()
        self._driver.close()
