"""Bulk initial loads into an empty Neo4j database by `neo4j-admin database import full`.

A bulk load is the transactional load made once, offline: the loader writes its checked facts
(provenance, quarantine, duplicates, the LoadRun and FileLoad records) into a fresh embedded
staging store, whose upserts merge repeated keys exactly as they do on Neo4j; the staging store
is then written out as node and relationship CSV files in the import tool's header format (one
file per label and per relationship pair, an ID space per label, typed columns: dates as
`date`, timestamps as `localdatetime`), which `neo4j-admin database import full` turns into
store files directly. The schema's constraints and indexes are created after the import, when
the server first runs (`crossaudit store init`, or `serve_imported`). `store copy` is the same
path from any store.

Two targets, named as a store URI:

- `neo4j-import:FOLDER`: the files are written to FOLDER and `ImportFiles.command()` is the
  exact neo4j-admin command a DBA runs on the stopped server;
- `neo4j-launch:HOME`: the files go to HOME/import and are imported into HOME/data with the
  launcher's neo4j-admin (tools/neo4j/launch.py), and the launcher can start a server over it.

    with staging_store(folder) as staging:
        load_sources("region/", staging)
        files = write_import_files(staging, folder / "import")
    print(files.command())

For a benchmark, `bulk_load_neo4j(region, home)` does a whole load into a launcher home and
returns its timings; `serve_imported(home)` starts the server over it with the schema applied.
"""
from __future__ import annotations

import importlib.util
import shlex
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crossaudit.engine.schema import BOOL, DATE, FLOAT, INT, SCHEMA, STRING, TIMESTAMP, NodeType, RelType
from crossaudit.engine.store import ARROW_TYPES, Store, StoreError, open_store

IMPORT_PREFIX, LAUNCH_PREFIX = "neo4j-import:", "neo4j-launch:"
DATABASE = "neo4j"
# The import tool's name for each property type (its header's `name:type`).
ADMIN_TYPES = {STRING: "string", INT: "long", FLOAT: "double", BOOL: "boolean", DATE: "date",
               TIMESTAMP: "localdatetime"}
LAUNCHER = Path(__file__).resolve().parent.parent / "tools" / "neo4j" / "launch.py"


def is_bulk_target(uri: str) -> bool:
    """Whether `uri` names a bulk target (`neo4j-import:FOLDER`, `neo4j-launch:HOME`), not a store."""
    return uri.startswith((IMPORT_PREFIX, LAUNCH_PREFIX))


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
        args += ["--bad-tolerance=0", "--skip-duplicate-nodes=false", "--skip-bad-relationships=false"]
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
        if prop_type == TIMESTAMP:
            values = pc.strftime(values, format="%Y-%m-%dT%H:%M:%S")  # %S carries the microseconds
        columns[name] = values
    return pa.table(columns)


def _has_line_breaks(table: pa.Table) -> bool:
    return any(pc.any(pc.match_substring_regex(table[name], "[\r\n]")).as_py()
               for name in table.column_names if pa.types.is_string(table[name].type))


def _write(files: ImportFiles, path: Path, header: list[str], table: pa.Table) -> None:
    """One CSV file: its header line, then the rows; strings always quoted (an empty text stays
    an empty text), a null as an empty field (no property)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        handle.write((",".join(header) + "\n").encode("utf-8"))
        pacsv.write_csv(table, handle, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
    files.rows[path.name] = table.num_rows
    if _has_line_breaks(table):
        files.multiline.append(path)


def _node_query(node: NodeType) -> str:
    return f"MATCH (n:{node.label}) RETURN " + ", ".join(f"n.{p.name} AS {p.name}" for p in node.all_props)


def _rel_query(rel: RelType, from_label: str, to_label: str) -> str:
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    return (f"MATCH (a:{from_label})-[x:{rel.type}]->(b:{to_label}) RETURN a.{a.key} AS _from, b.{b.key} AS _to, "
            + ", ".join(f"x.{p.name} AS {p.name}" for p in rel.all_props))


def write_import_files(store: Store, folder: str | Path) -> ImportFiles:
    """Write every node and relationship of `store` as import files under `folder` (nodes/,
    relationships/, import.args); labels and pairs without rows get no file.

        files = write_import_files(open_store("ladybug:crossaudit.db"), "import")
        files.command()   # 'neo4j-admin database import full @/…/import/import.args neo4j'"""
    files = ImportFiles(Path(folder))
    files.folder.mkdir(parents=True, exist_ok=True)
    for node in SCHEMA.nodes:
        table = store.query_arrow(_node_query(node))
        if not table.num_rows:
            continue
        types = {p.name: p.type for p in node.all_props}
        header = [f"{name}:ID({node.label})" if name == node.key else _column(name, kind)
                  for name, kind in types.items()]
        path = files.folder / "nodes" / f"{node.label}.csv"
        _write(files, path, header, _csv_ready(table, types))
        files.nodes.append((node.label, path))
    for rel in SCHEMA.rels:
        for from_label, to_label in rel.pairs:
            table = store.query_arrow(_rel_query(rel, from_label, to_label))
            if not table.num_rows:
                continue
            types = {"_from": STRING, "_to": STRING, **{p.name: p.type for p in rel.all_props}}
            header = [f":START_ID({from_label})", f":END_ID({to_label})"] + \
                [_column(p.name, p.type) for p in rel.all_props]
            path = files.folder / "relationships" / f"{rel.type}-{from_label}-{to_label}.csv"
            _write(files, path, header, _csv_ready(table, types))
            files.rels.append((rel.type, path))
    files.write_arguments()
    return files


@contextmanager
def staging_store(folder: str | Path) -> Iterator[Store]:
    """A fresh embedded store in `folder`/staging.db for the facts of a bulk load; removed after."""
    path = Path(folder) / "staging.db"
    if path.exists():
        raise StoreError(f"{path} exists: a staging store of an earlier bulk load; remove it first")
    try:
        with open_store(f"ladybug:{path}") as staging:
            staging.apply_schema()
            yield staging
    finally:
        for leftover in path.parent.glob(path.name + "*"):  # the database file and its write-ahead log
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()


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
    its database under home/data); the tool's report."""
    launch = launcher()
    try:
        return launch.admin(Path(home), ["database", "import", "full", *files.arguments(),
                                         "--max-off-heap-memory=2G", DATABASE])
    except launch.LaunchError as exc:
        raise StoreError(str(exc)) from exc


def serve_imported(home: str | Path, port: int | None = None) -> Any:
    """Start the launcher's server over `home` (kept on stop) and create the schema's constraints
    and indexes; the running server (`.uri`, `.stop()`)."""
    launch = launcher()
    try:
        server = launch.Neo4jServer.start(home=Path(home), port=port)
    except launch.LaunchError as exc:
        raise StoreError(str(exc)) from exc
    try:
        with open_store(server.uri) as store:
            store.apply_schema()
    except BaseException:
        server.stop()
        raise
    return server


def bulk_load_neo4j(region: str | Path, home: str | Path, **load_options: Any) -> dict:
    """Load a region into a new Neo4j home by import (bench/load.py's bulk case): the staging
    load, the files, the import; the caller starts the server (`serve_imported(home)`). Returns
    {"report": LoadReport, "files": ImportFiles, "seconds": {stage: s}}.

        result = bulk_load_neo4j("region/", "graph")
        server = serve_imported("graph")"""
    from crossaudit.loaders import load_sources

    target = BulkTarget("launch", Path(home))
    target.check_empty()
    seconds = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crossaudit-staging-") as scratch, staging_store(scratch) as staging:
        report = load_sources(region, staging, **load_options)
        seconds["staging_load"] = time.perf_counter() - started
        files = write_import_files(staging, target.files_folder)
        seconds["files"] = time.perf_counter() - started - seconds["staging_load"]
    mark = time.perf_counter()
    import_into(files, target.path)
    seconds["import"] = time.perf_counter() - mark
    return {"report": report, "files": files, "seconds": seconds}
