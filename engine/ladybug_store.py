"""The embedded store: a Ladybug database in one file, no server.

Writes follow the fast paths measured in shared/ENGINES.md: find which keys exist with one
scan joined against an Arrow table (none for a fresh table, nor for relationships whose
endpoint the same write created), COPY the new rows in bulk (a batch too small to pay for a
COPY is one LOAD FROM … CREATE), and update the existing ones with one LOAD FROM … MATCH … SET
over an Arrow table. No bulk MERGE.
"""
from __future__ import annotations

import copy
import os
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, Collection, Iterable, Iterator, Mapping

import ladybug

from crossaudit.engine import cypher_gen
from crossaudit.engine.migrate import ladybug_missing_columns
from crossaudit.engine.schema import PRESERVED, REGISTERED, SCHEMA, NodeType, RelType
from crossaudit.engine.store import (
    RunStamp, Store, StoreError, StoreHeld, UpsertResult, is_disk_full, node_dict, plain, rel_dict, split_stored,
    to_created_nodes,
)

if TYPE_CHECKING:  # pyarrow is imported by the writes (engine.store): reads start without it
    import pyarrow as pa


def _holders(path: Path) -> list[str]:
    """Processes (pid and command) that hold `path` open, read from /proc where there is one."""
    target = str(path.resolve())
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc") if os.path.isdir("/proc") else []):
        if int(pid) == os.getpid():
            continue
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
            if any(os.readlink(f"/proc/{pid}/fd/{fd}").startswith(target) for fd in fds):
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"pid {pid} ({cmd.strip()[:80]})")
        except OSError:
            continue
    return found


def _plain_value(value: Any) -> Any:
    """Ladybug returns nodes and relationships as dicts with _ID/_LABEL (and _SRC/_DST)."""
    if isinstance(value, dict) and "_LABEL" in value and "_ID" in value:
        if "_SRC" in value:
            return rel_dict(value["_LABEL"], value)
        return node_dict(value["_LABEL"], value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    return plain(value)


def buffer_pool_bytes() -> int:
    """Ladybug's page cache, and the memory its queries work in. Its own default is 80% of the
    machine's memory; crossaudit takes half (CROSSAUDIT_LADYBUG_BUFFER_MB overrides), leaving
    room for the loader's chunks and other processes. Resolving the medium region needs more
    than 2 GB of it."""
    given = os.environ.get("CROSSAUDIT_LADYBUG_BUFFER_MB")
    if given:
        return int(given) * 1024 * 1024
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2


# The ladybug package caches every statement it prepares on a connection, without bound, and
# each holds about 4 MB of the buffer pool until the connection closes: a network page's few
# dozen distinct statements took 200 MB and filled a 256 MB pool ("the buffer pool is full";
# with 2 GB on the medium region). The most recently prepared few are kept.
PREPARED_KEPT = 8
STATEMENT_BYTES = 4 * 1024 * 1024


def _forget_prepared(conn: ladybug.Connection, kept: int = PREPARED_KEPT) -> None:
    """Close all but the `kept` most recently prepared statements the connection caches (the
    package's own cache, a private attribute: nothing to do if a version has none)."""
    cache = getattr(conn, "_pybind_implicit_prepared_cache", None)
    if cache is None or len(cache) <= kept:
        return
    with conn._prepared_cache_lock:
        while len(cache) > kept:
            close = getattr(cache.pop(next(iter(cache))), "close", None)
            if callable(close):
                with suppress(RuntimeError):  # its connection may be gone already
                    close()


class LadybugStore(Store):
    engine = "ladybug"

    prepared_kept = PREPARED_KEPT
    # Below this many new rows, one LOAD FROM … CREATE (about 20 µs a row) is cheaper than a COPY,
    # which costs a checkpoint, tenths of a second whatever its size.
    copy_min_rows = 5_000

    def __init__(self, path: str | os.PathLike, batch_size: int = 1_000_000, read_only: bool = False) -> None:
        super().__init__(batch_size)
        self.path = Path(path)
        self.uri = f"ladybug:{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # Uncompressed: with its default compression, Ladybug 0.22 returned 0.0 for about one amount
            # or tax in four hundred that a query read through a relationship (MATCH (firm)-[:ISSUED]->(i)
            # RETURN i.amount) once a table held some 100k rows, while a scan read them right; the medium
            # and large regions' rules read wrong invoice amounts so (test_store has the case).
            self._db = ladybug.Database(str(self.path), read_only=read_only, buffer_pool_size=buffer_pool_bytes(),
                                        compression=False)
        except RuntimeError as exc:
            if is_disk_full(exc):
                raise StoreError(f"cannot open the Ladybug database {self.path}: the disk is full ({exc}). Free space "
                                 "on its disk and open it again; committed data is recovered then.") from exc
            holders = _holders(self.path)
            held = f" It is held by {', '.join(holders)}." if holders else ""
            error = StoreHeld if "Could not set lock" in str(exc) else StoreError
            raise error(f"cannot open the Ladybug database {self.path}: {exc}.{held} "
                             "Only one process may write to it; close the other one, or open it read-only.") from exc
        self.read_only, self.audit_queue = read_only, Path(f"{self.path}.audit-queue")
        self._conn = ladybug.Connection(self._db)
        self._writes: ladybug.Connection | None = None
        self._node_copies: ladybug.Connection | None = None

    def for_thread(self, reads: bool = False) -> "LadybugStore":
        """Another handle on this open database with connections of its own: a Ladybug connection
        serves one thread at a time, the database many (reads run beside a write; a second write
        transaction is refused while one runs). Its reads run on one thread: a server's threads
        already keep the cores busy, and a network read of a few dozen small statements took 58 ms
        of CPU on one thread against 69-83 ms on two (medium region)."""
        handle = copy.copy(self)
        handle._conn, handle._writes = ladybug.Connection(self._db, num_threads=1), None
        return handle

    def keep_statements(self, count: int, connections: int = 1) -> None:
        # A statement prepared again costs 1.5 ms and runs colder: a console's network read (about
        # 60 distinct statements) took 362 ms with 8 kept, 185 ms with 100 (medium region). Kept
        # statements take the page cache (about 4 MB each: 3 connections keeping 96 filled a
        # 1 GB cache, "the buffer pool is full"), so they get half of it at most. (A quarter kept
        # 42 a connection of 3 in a 2 GB cache, fewer than the 86 distinct statements of the
        # console's search, expand and finding page: each was prepared again on every use, first
        # in first out, a third of a network read's time.)
        fits = buffer_pool_bytes() // (2 * STATEMENT_BYTES * connections)
        self.prepared_kept = max(PREPARED_KEPT, min(count, fits))

    # --- reads ------------------------------------------------------------------------

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        result = self._conn.execute(cypher, dict(params or {}))
        try:
            columns = result.get_column_names()
            return [dict(zip(columns, (_plain_value(v) for v in row))) for row in result.get_all()]
        finally:
            result.close()
            _forget_prepared(self._conn, self.prepared_kept)

    def query_read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        # Ladybug refuses any write (SET, CREATE, COPY, DDL …) inside a read-only transaction.
        self._conn.execute("BEGIN TRANSACTION READ ONLY")
        try:
            rows = self.query(cypher, params)
        except RuntimeError:
            try:
                self._conn.execute("ROLLBACK")  # a refused write leaves the transaction open …
            except RuntimeError:
                pass  # … a statement that did not bind has ended it already
            raise
        self._conn.execute("COMMIT")
        return rows

    def query_arrow(self, cypher: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        result = self._conn.execute(cypher, dict(params or {}))
        try:
            return result.get_as_arrow()
        finally:
            result.close()
            _forget_prepared(self._conn, self.prepared_kept)

    # --- writes -----------------------------------------------------------------------

    def append_nodes(self, label: str, rows: Iterable[Mapping[str, Any]], run: RunStamp) -> None:
        # One MERGE by parameters each, not an Arrow table: a read command records its audit
        # entry without importing pyarrow, numpy and pandas (0.3 s of `explore` on the medium region).
        node = SCHEMA.node(label)
        for row in rows:
            given = tuple(name for name, value in row.items() if value is not None)
            self.query(cypher_gen.ladybug_append_node(node, given),
                       {**{f"v_{name}": row[name] for name in given}, "run": run.run_id, "at": run.at})

    def apply_schema(self) -> None:
        for statement in cypher_gen.ladybug_ddl(SCHEMA):
            self._conn.execute(statement)
        for statement in ladybug_missing_columns(self.query):  # a store made by an older version
            self._conn.execute(statement)

    @contextmanager
    def deferred_checkpoints(self) -> Iterator[None]:
        # Ladybug checkpoints when a commit leaves enough log behind: rewriting the medium region's
        # files each time, it took half of merging 18,805 firms (209 s; 110 s with one checkpoint
        # at the end, 11 s of it). A crash meanwhile loses nothing committed: the log is replayed.
        self._conn.execute("CALL auto_checkpoint=false")
        try:
            yield
        finally:
            self._conn.execute("CALL auto_checkpoint=true")
            self._conn.execute("CHECKPOINT")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        # A connection of its own: Ladybug keeps every statement a connection ran, with the Arrow
        # tables it scanned, until the connection closes.
        if self._writes is not None:
            yield
            return
        self._writes = ladybug.Connection(self._db)
        # Ladybug 0.22 can deadlock in a node COPY run on several threads: its primary-key index
        # builder waits on itself for some key sets (LadybugDB/ladybug#643; 200,000 tax-filing keys
        # of the longxi medium region hang on every run with 2 threads, and load in 5 s on one).
        # Node COPYs run on a connection of one thread; relationship COPYs keep every thread.
        self._node_copies = ladybug.Connection(self._db, num_threads=1)
        try:
            yield
        finally:
            self._node_copies.close()
            self._writes.close()
            self._writes = self._node_copies = None

    def _run(self, cypher: str, connection: ladybug.Connection | None = None, **tables: pa.Table) -> Any:
        """Execute a statement of a write (on the write connection unless another is given); it may
        scan Arrow tables given as parameters (`LOAD FROM $rows`). Each table goes as one chunk:
        Ladybug's COPY and LOAD FROM stop at the first empty chunk and silently drop the rows after it."""
        return (connection or self._writes).execute(cypher, {name: table.combine_chunks()
                                                             for name, table in tables.items()})

    def _size(self, pattern: str) -> int:
        """How many nodes or relationships match `pattern` (`(n:Enterprise)`)."""
        result = self._run(f"MATCH {pattern} RETURN count(*)")
        try:
            return result.get_next()[0]
        finally:
            result.close()

    def _stored(self, cypher: str, keys: pa.ChunkedArray, size: int) -> pa.Table | None:
        """The stored properties of the rows whose keys are in `keys` (the lookup `cypher` scans the
        Arrow table `$keys`, column k); None without a lookup when the table is empty (`size` 0)."""
        import pyarrow as pa

        if not len(keys) or not size:
            return None
        result = self._run(cypher, keys=pa.table({"k": keys}))
        try:
            return result.get_as_arrow()
        finally:
            result.close()

    @staticmethod
    def _split(batch: pa.Table, key: str, stored: pa.Table | None) -> tuple[pa.Table, pa.Table]:
        """(new rows, rows already stored)."""
        import pyarrow as pa

        return split_stored(batch, key, stored["_key"] if stored is not None else pa.array([], pa.string()))

    @staticmethod
    def _stamped(columns: tuple[str, ...], table: pa.Table, run: RunStamp) -> pa.Table:
        """New rows in the target table's column order, stamped with the run."""
        import pyarrow as pa

        size = table.num_rows
        stamps = {"load_run": pa.repeat(pa.scalar(run.run_id, pa.string()), size),
                  "first_seen": pa.repeat(pa.scalar(run.at, pa.timestamp("us")), size),
                  "last_seen": pa.repeat(pa.scalar(run.at, pa.timestamp("us")), size)}
        return pa.table({name: stamps[name] if name in stamps else table[name] for name in columns})


    def _count(self, cypher: str, table: pa.Table) -> int:
        """Run a LOAD FROM $new_rows … RETURN count(*) over the table with columns renamed v_<name>."""
        result = self._run(cypher, new_rows=table.rename_columns([f"v_{name}" for name in table.column_names]))
        try:
            return result.get_next()[0] if result.has_next() else table.num_rows
        finally:
            result.close()

    def _apply_existing(self, compared: list[str], key: str, old: pa.Table, stored: pa.Table, run: RunStamp,
                        touch: str, update: str) -> None:
        """Advance last_seen on rows that change nothing else (one SET is several times faster
        than many on Ladybug); update the properties of rows that change some."""
        import pyarrow as pa
        import pyarrow.compute as pc

        stored = stored.rename_columns([f"stored_{name}" for name in stored.column_names])
        joined = old.join(stored, keys=key, right_keys="stored__key", join_type="inner", use_threads=False)
        if REGISTERED.name in compared:  # a copy of a registered entity only fills what the register left null
            copy = pc.and_(pc.fill_null(joined[f"stored_{REGISTERED.name}"], False), pc.is_null(joined[REGISTERED.name]))
            for name in compared:
                joined = joined.set_column(joined.schema.get_field_index(name), name, pc.if_else(
                    copy, pc.coalesce(joined[f"stored_{name}"], joined[name]), joined[name]))
        changed = pa.repeat(False, joined.num_rows)
        for name in compared:  # a given value that differs from the stored one (or fills a gap)
            differs = pc.fill_null(pc.not_equal(joined[name], joined[f"stored_{name}"]), True)
            changed = pc.or_(changed, pc.and_(pc.is_valid(joined[name]), differs))
        at = pa.repeat(pa.scalar(run.at, pa.timestamp("us")), joined.num_rows)
        joined = joined.append_column("last_seen_now", at)
        n_changed = pc.sum(changed).as_py() or 0
        if n_changed < joined.num_rows:
            self._run(touch, updates=pa.table({f"v_{key}": joined[key], "v_last_seen": joined["last_seen_now"]}))
        if n_changed:
            rows = joined.filter(changed)
            self._run(update, updates=pa.table({f"v_{name}": rows[name] for name in [key, *compared]}
                                               | {"v_last_seen": rows["last_seen_now"]}))

    def _write_nodes(self, node: NodeType, table: pa.Table, run: RunStamp) -> tuple[UpsertResult, pa.ChunkedArray]:
        import pyarrow as pa

        result, created = UpsertResult(), []
        for start in range(0, table.num_rows, self.batch_size):
            batch = table.slice(start, self.batch_size)
            size = self._size(f"(n:{node.label})")
            stored = self._stored(cypher_gen.ladybug_existing_nodes(node), batch[node.key], size)
            new, old = self._split(batch, node.key, stored)
            if new.num_rows:
                new_rows = self._stamped(tuple(p.name for p in node.all_props), new, run)
                if new.num_rows >= self.copy_min_rows:
                    self._run(f"COPY {node.label} FROM $new_rows", self._node_copies, new_rows=new_rows)
                else:
                    self._count(cypher_gen.ladybug_create_nodes(node), new_rows)
                created.append(new[node.key].combine_chunks())
            if old.num_rows:
                self._apply_existing([p.name for p in node.props if p.name != node.key], node.key, old, stored, run,
                                     cypher_gen.ladybug_touch_nodes(node), cypher_gen.ladybug_update_nodes(node))
            result += UpsertResult(new.num_rows, old.num_rows)
        return result, pa.chunked_array(created, pa.string())

    def _write_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table, run: RunStamp,
                    created: Mapping[str, pa.ChunkedArray]) -> UpsertResult:
        import pyarrow.compute as pc

        result = UpsertResult()
        columns = ("from", "to") + tuple(p.name for p in rel.all_props)
        for start in range(0, table.num_rows, self.batch_size):
            batch = table.slice(start, self.batch_size)
            known_new = to_created_nodes(batch, from_label, to_label, created)
            size = self._size(f"(:{from_label})-[:{rel.type}]->(:{to_label})")
            stored = self._stored(cypher_gen.ladybug_existing_rels(rel, from_label, to_label),
                                  batch.filter(pc.invert(known_new))["rid"], size)
            new, old = self._split(batch, "rid", stored)
            if new.num_rows:
                self._create_rels(rel, from_label, to_label, self._stamped(columns, new, run))
            if old.num_rows:
                self._apply_existing([p.name for p in rel.props], "rid", old, stored, run,
                                     cypher_gen.ladybug_touch_rels(rel, from_label, to_label),
                                     cypher_gen.ladybug_update_rels(rel, from_label, to_label))
            result += UpsertResult(new.num_rows, old.num_rows)
        return result

    def _create_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table) -> None:
        """COPY or CREATE new relationships; nothing is written if an endpoint is missing."""
        if table.num_rows >= self.copy_min_rows:
            try:
                self._run(f"COPY {rel.type} FROM $new_rows (from='{from_label}', to='{to_label}')", new_rows=table)
                return
            except RuntimeError as exc:  # the COPY is atomic: nothing was written
                if "Unable to find primary key" not in str(exc):
                    raise
                missing = exc
        else:
            self._run("BEGIN TRANSACTION")  # a statement that fails rolls it back itself
            if self._count(cypher_gen.ladybug_create_rels(rel, from_label, to_label), table) == table.num_rows:
                self._run("COMMIT")
                return
            self._run("ROLLBACK")
            missing = None
        raise self._missing_endpoints_error(rel, from_label, to_label, table["from"].to_pylist(),
                                            table["to"].to_pylist()) from missing

    def clear(self, keep: Collection[str] = PRESERVED) -> None:
        # Dropped and re-created: Ladybug 0.22 crashes on a COPY that brings back the keys of a
        # table emptied by MATCH (n) DELETE n.
        for rel in SCHEMA.rels:
            self._conn.execute(f"DROP TABLE IF EXISTS {rel.type}")
        for node in SCHEMA.nodes:
            if node.label not in keep:
                self._conn.execute(f"DROP TABLE IF EXISTS {node.label}")
        self.apply_schema()

    def close(self) -> None:
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
            self._db.close()
            self._conn = None

