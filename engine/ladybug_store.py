"""The embedded store: a Ladybug database in one file, no server.

Writes follow the fast paths measured in shared/ENGINES.md: find which keys exist with one
scan joined against an Arrow table, COPY the new rows in bulk, and update the existing ones
with one LOAD FROM … MATCH … SET over an Arrow table. No bulk MERGE.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping

import ladybug
import pyarrow as pa

from crossaudit.engine import cypher_gen
from crossaudit.engine.schema import (
    BOOL, DATE, FLOAT, INT, SCHEMA, STRING, TIMESTAMP, NodeType, RelType,
)
from crossaudit.engine.store import (
    RunStamp, Store, StoreError, UpsertResult, batches, node_dict, plain, rel_dict,
)

ARROW_TYPES = {STRING: pa.string(), INT: pa.int64(), FLOAT: pa.float64(), BOOL: pa.bool_(),
               DATE: pa.date32(), TIMESTAMP: pa.timestamp("us")}


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


class LadybugStore(Store):
    engine = "ladybug"

    def __init__(self, path: str | os.PathLike, batch_size: int = 100_000, read_only: bool = False) -> None:
        super().__init__(batch_size)
        self.path = Path(path)
        self.uri = f"ladybug:{self.path}"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = ladybug.Database(str(self.path), read_only=read_only)
        except RuntimeError as exc:
            holders = _holders(self.path)
            held = f" It is held by {', '.join(holders)}." if holders else ""
            raise StoreError(f"cannot open the Ladybug database {self.path}: {exc}.{held} "
                             "Only one process may write to it; close the other one, or open it read-only.") from exc
        self._conn = ladybug.Connection(self._db)

    # --- reads ------------------------------------------------------------------------

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        result = self._conn.execute(cypher, dict(params or {}))
        try:
            columns = result.get_column_names()
            return [dict(zip(columns, (_plain_value(v) for v in row))) for row in result.get_all()]
        finally:
            result.close()

    # --- writes -----------------------------------------------------------------------

    def apply_schema(self) -> None:
        for statement in cypher_gen.ladybug_ddl(SCHEMA):
            self._conn.execute(statement)

    @staticmethod
    def _table(columns: list[tuple[str, str, list]]) -> pa.Table:
        return pa.table({name: pa.array(values, type=ARROW_TYPES[kind]) for name, kind, values in columns})

    def _existing(self, cypher: str, keys: list[str]) -> set:
        keys = pa.table({"k": pa.array(keys, type=pa.string())})  # noqa: F841  (scanned by name)
        result = self._conn.execute(cypher)
        try:
            return set(result.get_as_arrow().column(0).to_pylist())
        finally:
            result.close()

    def _copy(self, target: str, table: pa.Table, options: str = "") -> None:
        new_rows = table  # noqa: F841  (scanned by name)
        self._conn.execute(f"COPY {target} FROM new_rows{options}")

    def _update(self, cypher: str, table: pa.Table) -> None:
        updates = table  # noqa: F841  (scanned by name)
        self._conn.execute(cypher)

    def _upsert_nodes(self, node: NodeType, rows: list[dict], run: RunStamp) -> UpsertResult:
        result = UpsertResult()
        for batch in batches(rows, self.batch_size):
            existing = self._existing(cypher_gen.ladybug_existing_nodes(node), [r[node.key] for r in batch])
            new = [r for r in batch if r[node.key] not in existing]
            old = [r for r in batch if r[node.key] in existing]
            if new:
                stamp = {"load_run": run.run_id, "first_seen": run.at, "last_seen": run.at}
                self._copy(node.label, self._table(
                    [(p.name, p.type, [stamp.get(p.name, r.get(p.name)) for r in new]) for p in node.all_props]))
            if old:
                columns = [(f"v_{p.name}", p.type, [r.get(p.name) for r in old]) for p in node.props]
                columns.append(("v_last_seen", TIMESTAMP, [run.at] * len(old)))
                self._update(cypher_gen.ladybug_update_nodes(node), self._table(columns))
            result += UpsertResult(len(new), len(old))
        return result

    def _upsert_rels(self, rel: RelType, from_label: str, to_label: str, rows: list[dict],
                     run: RunStamp) -> UpsertResult:
        result = UpsertResult()
        a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
        for batch in batches(rows, self.batch_size):
            for label, node, side in ((from_label, a, "from"), (to_label, b, "to")):
                wanted = {r[side] for r in batch}
                if len(self._existing(cypher_gen.ladybug_existing_nodes(node), sorted(wanted))) != len(wanted):
                    raise self._missing_endpoints_error(rel, from_label, to_label, batch)
            existing = self._existing(cypher_gen.ladybug_existing_rels(rel, from_label, to_label),
                                      [r["rid"] for r in batch])
            new = [r for r in batch if r["rid"] not in existing]
            old = [r for r in batch if r["rid"] in existing]
            if new:
                stamp = {"load_run": run.run_id, "first_seen": run.at, "last_seen": run.at}
                columns = [("from", STRING, [r["from"] for r in new]), ("to", STRING, [r["to"] for r in new])]
                columns += [(p.name, p.type, [stamp.get(p.name, r.get(p.name)) for r in new]) for p in rel.all_props]
                self._copy(rel.type, self._table(columns), f" (from='{from_label}', to='{to_label}')")
            if old:
                columns = [("v_rid", STRING, [r["rid"] for r in old])]
                columns += [(f"v_{p.name}", p.type, [r.get(p.name) for r in old]) for p in rel.props]
                columns.append(("v_last_seen", TIMESTAMP, [run.at] * len(old)))
                self._update(cypher_gen.ladybug_update_rels(rel, from_label, to_label), self._table(columns))
            result += UpsertResult(len(new), len(old))
        return result

    def clear(self) -> None:
        for rel in SCHEMA.rels:
            self._conn.execute(f"MATCH ()-[r:{rel.type}]->() DELETE r")
        for node in SCHEMA.nodes:
            self._conn.execute(f"MATCH (n:{node.label}) DELETE n")

    def close(self) -> None:
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
            self._db.close()
            self._conn = None

