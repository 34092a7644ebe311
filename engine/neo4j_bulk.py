"""Bulk initial loads into an empty Neo4j database by `neo4j-admin database import full`.

A bulk load is the transactional load made once, offline: the loader writes its checked facts
(provenance, quarantine, duplicates, the LoadRun and FileLoad records) into a `CaptureStore`,
an empty store held in memory whose writes merge repeated keys as upserts do on Neo4j (the
first write's provenance, each property's last value given); that is then written out as
node and relationship CSV files in the import tool's header format (one
file per label and per relationship pair, typed columns: dates as `date`, timestamps as
`localdatetime`), which `neo4j-admin database import full` turns into store files directly.
Each node gets its store id in the files (`--id-type=actual`: the labels' nodes numbered one
after another, a relationship naming its two ends by those numbers), so the tool maps no keys:
on the medium region mapping string keys was most of its node stage. The schema's constraints and indexes are created after the import, when
the server first runs (`crossaudit store init`, or `serve_imported`). `store copy` is the same
path from any store.

Two targets, named as a store URI:

- `neo4j-import:FOLDER`: the files are written to FOLDER and `ImportFiles.command()` is the
  exact neo4j-admin command a DBA runs on the stopped server;
- `neo4j-launch:HOME`: the files go to HOME/import and are imported into HOME/data with the
  launcher's neo4j-admin (tools/neo4j/launch.py), and the launcher can start a server over it.

    with CaptureStore() as captured:
        load_sources("region/", captured)
        files = write_import_files(captured, "import")
    print(files.command())

For a benchmark, `bulk_load_neo4j(region, home)` does a whole load into a launcher home and
returns its timings; `serve_imported(home)` starts the server over it with the schema applied.
"""
from __future__ import annotations

import importlib.util
import re
import shlex
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crossaudit.engine.schema import (
    BOOL, DATE, FLOAT, INT, PRESERVED, SCHEMA, STORE_FILLED, STRING, TIMESTAMP, NodeType, RelType,
)
from crossaudit.engine.store import (
    ARROW_TYPES, FIRST_WRITE, IMPORT_PREFIX, LAUNCH_PREFIX, RunStamp, Store, StoreError, UpsertResult, _merged,
    open_store,
)

DATABASE = "neo4j"
# The import tool's name for each property type (its header's `name:type`).
ADMIN_TYPES = {STRING: "string", INT: "long", FLOAT: "double", BOOL: "boolean", DATE: "date",
               TIMESTAMP: "localdatetime"}
LAUNCHER = Path(__file__).resolve().parent.parent / "tools" / "neo4j" / "launch.py"


@dataclass(frozen=True)
class BulkTarget:
    """Where a bulk load goes: files for a DBA (`import`) or a launcher home (`launch`)."""

    kind: str
    path: Path

    @classmethod
    def parse(cls, uri: str) -> "BulkTarget":
        for prefix, kind in ((IMPORT_PREFIX, "import"), (LAUNCH_PREFIX, "launch")):
            if uri.startswith(prefix) and uri[len(prefix):]:
                return cls(kind, Path(uri[len(prefix):]))
        raise StoreError(f"{uri!r} is no bulk target: use neo4j-import:FOLDER (import files for a DBA's server) "
                         "or neo4j-launch:HOME (a local Neo4j the launcher runs)")

    @property
    def files_folder(self) -> Path:
        return self.path if self.kind == "import" else self.path / "import"

    def check_empty(self) -> None:
        """StoreError unless the target holds no import files and no database yet: an import
        writes a new database, it never adds to one."""
        taken = [p for p in (self.files_folder / "import.args", self.path / "data" / "databases" / DATABASE)
                 if p.exists()]
        if taken:
            raise StoreError(f"{taken[0]} exists: a bulk load writes a new database. Choose a new folder, or remove "
                             f"{self.path} first")


@dataclass
class ImportFiles:
    """The files of one import: (label, path) and (type, path) in the order written, rows per file."""

    folder: Path
    nodes: list[tuple[str, Path]] = field(default_factory=list)
    rels: list[tuple[str, Path]] = field(default_factory=list)
    multiline: list[Path] = field(default_factory=list)  # files with a line break inside a value
    rows: dict[str, int] = field(default_factory=dict)

    def arguments(self) -> list[str]:
        """The options of `neo4j-admin database import full` (before the database name)."""
        args = [f"--nodes={label}={path.resolve()}" for label, path in self.nodes]
        args += [f"--relationships={rel_type}={path.resolve()}" for rel_type, path in self.rels]
        args += ["--id-type=actual", "--bad-tolerance=0", "--skip-duplicate-nodes=false",
                 "--skip-bad-relationships=false"]
        if self.multiline:
            args += ["--multiline-fields-format=v2",
                     "--multiline-fields=" + ",".join(str(path.resolve()) for path in self.multiline)]
        return args

    def command(self, admin: str = "neo4j-admin", database: str = DATABASE) -> str:
        """The exact command a DBA runs on the stopped server (the options are also in import.args)."""
        return shlex.join([admin, "database", "import", "full", f"@{(self.folder / 'import.args').resolve()}",
                           database])

    def write_arguments(self) -> Path:
        path = self.folder / "import.args"
        path.write_text("".join(shlex.quote(arg) + "\n" for arg in self.arguments()), encoding="utf-8")
        return path


# --- the facts of a load, held in memory ------------------------------------------------------

# The reads a load makes of its store, in the two shapes a CaptureStore answers: how many nodes a
# label has (are there aliases?), and properties of nodes looked up by key (the tax offices a
# delivery names).
_COUNT = re.compile(r"MATCH \((\w+):(\w+)\) RETURN count\(\*\) AS (\w+)")
_LOOKUP = re.compile(r"UNWIND \$(\w+) AS (\w+) MATCH \((\w+):(\w+) \{(\w+): \2\}\) RETURN (.+)")
_RETURNED = re.compile(r"(\w+)\.(\w+) AS (\w+)")
# Kept from the first write of a key, as a creation writes them and an update leaves them.
_FIRST = FIRST_WRITE + tuple(name for name in STORE_FILLED if name != "last_seen")


def _empty(columns: Mapping[str, str]) -> pa.Table:
    return pa.table({name: pa.nulls(0, ARROW_TYPES[kind]) for name, kind in columns.items()})


class CaptureStore(Store):
    """An empty store held in memory, for a bulk load: every write is kept as a typed table, and
    `node_rows` / `rel_rows` merge them as the transactional path would have written them: one
    row per key or rid, provenance and first_seen from the first write, each other property from
    the last write that gave it, last_seen from the last. A relationship whose endpoint no write
    created is an error when its file is written (`write_import_files`), as on the other stores.
    It answers the reads a load makes (a label's count, nodes by key); any other query is an
    error naming it.

        with CaptureStore() as captured:
            load_sources("region/", captured)
            captured.node_rows(SCHEMA.node("Enterprise")).num_rows"""

    engine = "capture"
    uri = "capture:"

    def __init__(self) -> None:
        super().__init__()
        self.clear()

    def apply_schema(self) -> None:
        """Nothing to create: the import's target gets its schema when its server first runs."""

    @staticmethod
    def _stamped(table: pa.Table, run: RunStamp, columns: tuple[str, ...]) -> pa.Table:
        size = table.num_rows
        stamps = {"load_run": pa.repeat(pa.scalar(run.run_id, pa.string()), size),
                  "first_seen": pa.repeat(pa.scalar(run.at, pa.timestamp("us")), size),
                  "last_seen": pa.repeat(pa.scalar(run.at, pa.timestamp("us")), size)}
        return pa.table({name: stamps[name] if name in stamps else table[name] for name in columns})

    def _write_nodes(self, node: NodeType, table: pa.Table, run: RunStamp) -> tuple[UpsertResult, pa.ChunkedArray]:
        self._nodes[node.label].append(self._stamped(table, run, tuple(p.name for p in node.all_props)))
        return UpsertResult(table.num_rows, 0), table[node.key]  # counted as written; merged when read

    def _write_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table, run: RunStamp,
                    created: Mapping[str, pa.ChunkedArray]) -> UpsertResult:
        columns = ("from", "to") + tuple(p.name for p in rel.all_props)
        self._rels[(rel.type, from_label, to_label)].append(self._stamped(table, run, columns))
        return UpsertResult(table.num_rows, 0)

    def node_rows(self, node: NodeType) -> pa.Table:
        """Every node of the label, one row per key, columns in `node.all_props` order."""
        tables = self._nodes.get(node.label)
        if not tables:
            return _empty({p.name: p.type for p in node.all_props})
        if len(tables) > 1:  # each write holds one row per key already
            self._nodes[node.label] = tables = [_merged(pa.concat_tables(tables), node.key, _FIRST)]
        return tables[0]

    def rel_rows(self, rel: RelType, from_label: str, to_label: str) -> pa.Table:
        """Every relationship of the pair, one row per rid: `from`, `to`, then `rel.all_props`
        (endpoints unchecked: writing its file finds each one's node)."""
        tables = self._rels.get((rel.type, from_label, to_label))
        if not tables:
            return _empty({"from": STRING, "to": STRING, **{p.name: p.type for p in rel.all_props}})
        return _merged(pa.concat_tables(tables), "rid", _FIRST)

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        count, lookup = _COUNT.fullmatch(cypher), _LOOKUP.fullmatch(cypher)
        if count:
            return [{count[3]: self.node_rows(SCHEMA.node(count[2])).num_rows}]
        node = SCHEMA.node(lookup[4]) if lookup else None
        returned = _RETURNED.findall(lookup[6]) if lookup else []
        if node is None or lookup[5] != node.key or ", ".join(f"{v}.{p} AS {a}" for v, p, a in returned) != lookup[6] \
                or any(v != lookup[3] for v, _, _ in returned):
            raise StoreError(f"a bulk load's in-memory store answers a label's count and nodes by key, not: {cypher}")
        rows = self.node_rows(node)
        keys = pa.array([str(key) for key in (params or {})[lookup[1]]], pa.string())
        found = rows.filter(pc.is_in(rows[node.key], value_set=keys)).select([p for _, p, _ in returned])
        return [dict(zip([a for _, _, a in returned], row.values())) for row in found.to_pylist()]

    def query_read(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        return self.query(cypher, params)

    def query_arrow(self, cypher: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        raise StoreError(f"a bulk load's in-memory store answers no query as Arrow: {cypher}")

    def clear(self, keep: Collection[str] = PRESERVED) -> None:
        self._nodes: dict[str, list[pa.Table]] = defaultdict(list)
        self._rels: dict[tuple[str, str, str], list[pa.Table]] = defaultdict(list)

    def close(self) -> None:
        self.clear()


# --- writing the files --------------------------------------------------------------------

def _column(prop_name: str, prop_type: str) -> str:
    return prop_name if prop_type == STRING else f"{prop_name}:{ADMIN_TYPES[prop_type]}"


def _csv_ready(table: pa.Table, types: dict[str, str]) -> pa.Table:
    """Columns as the import tool reads them: each cast to its type, timestamps in ISO form."""
    columns = {}
    for name, prop_type in types.items():
        values = table[name]
        if values.type != ARROW_TYPES[prop_type]:
            values = values.cast(ARROW_TYPES[prop_type])
        if prop_type == TIMESTAMP:  # few distinct values (a load's run time): each formatted once
            encoded = pc.dictionary_encode(values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values)
            values = pc.take(pc.strftime(encoded.dictionary, format="%Y-%m-%dT%H:%M:%S"),  # %S: microseconds too
                             encoded.indices)
        columns[name] = values
    return pa.table(columns)


def _has_line_breaks(path: Path, rows: int) -> bool:
    """Whether a value of the CSV file just written holds a line break: more lines than rows."""
    newlines = returns = 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 24):
            newlines, returns = newlines + block.count(b"\n"), returns + block.count(b"\r")
    return returns > 0 or newlines != rows + 1


def _write(path: Path, header: list[str], table: pa.Table) -> tuple[Path, int, bool]:
    """One CSV file: its header line, then the rows; strings always quoted (an empty text stays
    an empty text), a null as an empty field (no property). (path, rows, whether a value holds
    a line break.)"""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode("utf-8"))
        pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    return path, table.num_rows, _has_line_breaks(path, table.num_rows)


def _node_query(node: NodeType) -> str:
    return f"MATCH (n:{node.label}) RETURN " + ", ".join(f"n.{p.name} AS {p.name}" for p in node.all_props)


def _rel_query(rel: RelType, from_label: str, to_label: str) -> str:
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    return (f"MATCH (a:{from_label})-[x:{rel.type}]->(b:{to_label}) RETURN a.{a.key} AS _from, b.{b.key} AS _to, "
            + ", ".join(f"x.{p.name} AS {p.name}" for p in rel.all_props))


class _NodeIds:
    """The store id each node gets in the import: the labels' nodes numbered one after another
    in the order their files are written."""

    def __init__(self) -> None:
        self.next = 0
        self._keys: dict[str, tuple[int, pa.Array]] = {}

    def number(self, label: str, keys: pa.ChunkedArray) -> pa.Array:
        """Ids for a label's nodes, `keys` in file order."""
        first, self.next = self.next, self.next + len(keys)
        self._keys[label] = (first, keys.combine_chunks())
        return pa.array(np.arange(first, self.next, dtype=np.int64))

    def of(self, label: str, keys: pa.ChunkedArray, where: str) -> pa.ChunkedArray:
        """Ids of the `label` nodes that a relationship file's `keys` name; StoreError naming
        the file (`where`) if a key has no node."""
        first, known = self._keys.get(label, (0, pa.array([], pa.string())))
        positions = pc.index_in(keys, value_set=known)
        if positions.null_count:
            missing = keys.filter(pc.is_null(positions))
            raise StoreError(f"{where}: endpoints do not exist: {len(missing)} {label} key(s) such as "
                             f"{missing.to_pylist()[:3]}. Upsert the nodes first.")
        return pc.add(positions.cast(pa.int64()), first)


def write_import_files(store: Store, folder: str | Path, threads: int = 2) -> ImportFiles:
    """Write every node and relationship of `store` as import files under `folder` (nodes/,
    relationships/, import.args); labels and pairs without rows get no file. The files are
    formatted and written `threads` at a time (Arrow works outside Python's lock); the labels'
    store ids are given one label after another first, so the files are the same whatever the
    number.

        files = write_import_files(open_store("ladybug:crossaudit.db"), "import")
        files.command()   # 'neo4j-admin database import full @/…/import/import.args neo4j'"""
    files = ImportFiles(Path(folder))
    files.folder.mkdir(parents=True, exist_ok=True)
    captured = isinstance(store, CaptureStore)
    ids = _NodeIds()
    with ThreadPoolExecutor(max(1, threads), thread_name_prefix="crossaudit-import-files") as pool:
        writes = []
        for node in SCHEMA.nodes:
            table = store.node_rows(node) if captured else store.query_arrow(_node_query(node))
            if not table.num_rows:
                continue
            types = {p.name: p.type for p in node.all_props}
            header = [":ID"] + [_column(name, kind) for name, kind in types.items()]
            path = files.folder / "nodes" / f"{node.label}.csv"
            writes.append(pool.submit(_write_nodes, path, header, table, types, ids.number(node.label, table[node.key])))
            files.nodes.append((node.label, path))
        for rel in SCHEMA.rels:
            for from_label, to_label in rel.pairs:
                table = store.rel_rows(rel, from_label, to_label) if captured else \
                    store.query_arrow(_rel_query(rel, from_label, to_label))
                if not table.num_rows:
                    continue
                path = files.folder / "relationships" / f"{rel.type}-{from_label}-{to_label}.csv"
                writes.append(pool.submit(_write_rels, path, rel, from_label, to_label, table, ids))
                files.rels.append((rel.type, path))
        for write in writes:  # an error raised in a thread is raised here
            path, rows, multiline = write.result()
            files.rows[path.name] = rows
            if multiline:
                files.multiline.append(path)
    files.write_arguments()
    return files


def _write_nodes(path: Path, header: list[str], table: pa.Table, types: dict[str, str],
                 numbers: pa.Array) -> tuple[Path, int, bool]:
    return _write(path, header, _csv_ready(table, types).add_column(0, "_id", numbers))


def _write_rels(path: Path, rel: RelType, from_label: str, to_label: str, table: pa.Table,
                ids: "_NodeIds") -> tuple[Path, int, bool]:
    table = table.rename_columns(["_from", "_to", *table.column_names[2:]])
    types = {p.name: p.type for p in rel.all_props}
    where = f"{rel.type} ({from_label})->({to_label})"
    table = _csv_ready(table, types).add_column(0, "_to", ids.of(to_label, table["_to"], where)) \
        .add_column(0, "_from", ids.of(from_label, table["_from"], where))
    return _write(path, [":START_ID", ":END_ID"] + [_column(p.name, p.type) for p in rel.all_props], table)


# --- the launcher's neo4j-admin and server -------------------------------------------------

def launcher() -> Any:
    """tools/neo4j/launch.py as a module (admin, Neo4jServer); it sits beside the package in a checkout."""
    if not LAUNCHER.exists():
        raise StoreError(f"the Neo4j launcher {LAUNCHER} is missing: neo4j-launch: targets need a checkout of "
                         "crossaudit; use neo4j-import:FOLDER and your own neo4j-admin instead")
    spec = importlib.util.spec_from_file_location("crossaudit_neo4j_launch", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def import_into(files: ImportFiles, home: str | Path) -> str:
    """Run `neo4j-admin database import full` with the launcher on `home` (a new Neo4j home,
    its database under home/data), with the argument file the DBA's command names; the tool's report."""
    launch = launcher()
    try:
        return launch.admin(Path(home), ["database", "import", "full", f"@{(files.folder / 'import.args').resolve()}",
                                         "--max-off-heap-memory=2G", DATABASE])
    except launch.LaunchError as exc:
        raise StoreError(str(exc)) from exc


def serve_imported(home: str | Path, port: int | None = None, seconds: dict | None = None) -> Any:
    """Start the launcher's server over `home` (kept on stop) and create the schema's constraints
    and indexes; the running server (`.uri`, `.stop()`). `seconds`, if given, gets the time
    each took ("start", "schema": the indexes filled from the imported data)."""
    launch = launcher()
    started = time.perf_counter()
    try:
        server = launch.Neo4jServer.start(home=Path(home), port=port)
    except launch.LaunchError as exc:
        raise StoreError(str(exc)) from exc
    mark = time.perf_counter()
    try:
        with open_store(server.uri) as store:
            store.apply_schema()
    except BaseException:
        server.stop()
        raise
    if seconds is not None:
        seconds.update(start=mark - started, schema=time.perf_counter() - mark)
    return server


def bulk_load_neo4j(region: str | Path, home: str | Path, **load_options: Any) -> dict:
    """Load a region into a new Neo4j home by import (bench/load.py's bulk case): the load into
    memory, the files, the import; the caller starts the server (`serve_imported(home)`). Returns
    {"report": LoadReport, "files": ImportFiles, "seconds": {stage: s}, "admin_report": neo4j-admin's output}.

        result = bulk_load_neo4j("region/", "graph")
        server = serve_imported("graph")"""
    from crossaudit.loaders import load_sources

    target = BulkTarget("launch", Path(home))
    target.check_empty()
    seconds = {}
    started = time.perf_counter()
    with CaptureStore() as captured:
        report = load_sources(region, captured, **load_options)
        seconds["load"] = time.perf_counter() - started
        files = write_import_files(captured, target.files_folder)
        seconds["files"] = time.perf_counter() - started - seconds["load"]
    mark = time.perf_counter()
    admin_report = import_into(files, target.path)
    seconds["import"] = time.perf_counter() - mark
    return {"report": report, "files": files, "seconds": seconds, "admin_report": admin_report}
