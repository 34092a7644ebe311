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
    BOOL, DATE, FLOAT, INT, SCHEMA, STRING, TIMESTAMP, NodeType, Prop, RelType,
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

    @staticmethod
    def _new_rows(props, rows: list[dict], run: RunStamp) -> pa.Table:
        """An Arrow table of brand-new rows in table column order, stamped with the run."""
        schema = pa.schema([(p.name, ARROW_TYPES[p.type]) for p in props])
        table = pa.Table.from_pylist(rows, schema=schema)
        stamp = {"load_run": pa.array([run.run_id] * len(rows), pa.string()),
                 "first_seen": pa.array([run.at] * len(rows), pa.timestamp("us")),
                 "last_seen": pa.array([run.at] * len(rows), pa.timestamp("us"))}
        for name, column in stamp.items():
            table = table.set_column(schema.get_field_index(name), name, column)
        return table

    def _is_empty(self, pattern: str) -> bool:
        result = self._conn.execute(f"MATCH {pattern} RETURN count(*)")
        try:
            return result.get_next()[0] == 0
        finally:
            result.close()

    def _existing(self, cypher: str, keys: list[str], pattern: str) -> dict[str, dict]:
        """Run a lookup over the Arrow table `keys` (column k); the first column keys the rows.
        A fresh table (nothing matches `pattern`) needs no lookup."""
        if self._is_empty(pattern):
            return {}
        keys = pa.table({"k": pa.array(keys, type=pa.string())})  # noqa: F841  (scanned by name)
        result = self._conn.execute(cypher)
        try:
            found = result.get_as_arrow().to_pylist()
        finally:
            result.close()
        return {row.pop("_key"): row for row in found}

    def _copy(self, target: str, table: pa.Table, options: str = "") -> None:
        new_rows = table  # noqa: F841  (scanned by name)
        self._conn.execute(f"COPY {target} FROM new_rows{options}")

    def _update(self, cypher: str, table: pa.Table) -> None:
        updates = table  # noqa: F841  (scanned by name)
        self._conn.execute(cypher)

    def _apply_existing(self, props, key: str, old: list[dict], existing: dict[str, dict], run: RunStamp,
                        touch: str, update: str) -> None:
        """Advance last_seen on rows that change nothing else (one SET is several times faster
        than many on Ladybug); update the properties of rows that change some."""
        compared = [p.name for p in props if p.name != key]
        changed = [r for r in old if any(r.get(name) is not None and r[name] != existing[r[key]][name]
                                         for name in compared)]
        if len(changed) < len(old):
            self._update(touch, self._table([(f"v_{key}", STRING, [r[key] for r in old]),
                                             ("v_last_seen", TIMESTAMP, [run.at] * len(old))]))
        if changed:
            columns = [(f"v_{key}", STRING, [r[key] for r in changed])]
            columns += [(f"v_{p.name}", p.type, [r.get(p.name) for r in changed]) for p in props if p.name != key]
            columns.append(("v_last_seen", TIMESTAMP, [run.at] * len(changed)))
            self._update(update, self._table(columns))

    def _upsert_nodes(self, node: NodeType, rows: list[dict], run: RunStamp) -> UpsertResult:
        result = UpsertResult()
        for batch in batches(rows, self.batch_size):
            existing = self._existing(cypher_gen.ladybug_existing_nodes(node), [r[node.key] for r in batch],
                                      f"(n:{node.label})")
            new = [r for r in batch if r[node.key] not in existing]
            old = [r for r in batch if r[node.key] in existing]
            if new:
                self._copy(node.label, self._new_rows(node.all_props, new, run))
            if old:
                self._apply_existing(node.props, node.key, old, existing, run,
                                     cypher_gen.ladybug_touch_nodes(node), cypher_gen.ladybug_update_nodes(node))
            result += UpsertResult(len(new), len(old))
        return result

    def _upsert_rels(self, rel: RelType, from_label: str, to_label: str, rows: list[dict],
                     run: RunStamp) -> UpsertResult:
        result = UpsertResult()
        for batch in batches(rows, self.batch_size):
            existing = self._existing(cypher_gen.ladybug_existing_rels(rel, from_label, to_label),
                                      [r["rid"] for r in batch], f"(:{from_label})-[:{rel.type}]->(:{to_label})")
            new = [r for r in batch if r["rid"] not in existing]
            old = [r for r in batch if r["rid"] in existing]
            if new:
                endpoints = (Prop("from"), Prop("to"))
                try:
                    self._copy(rel.type, self._new_rows(endpoints + rel.all_props, new, run),
                               f" (from='{from_label}', to='{to_label}')")
                except RuntimeError as exc:  # the COPY is atomic: nothing was written
                    if "Unable to find primary key" in str(exc):
                        raise self._missing_endpoints_error(rel, from_label, to_label, new) from exc
                    raise
            if old:
                self._apply_existing((Prop("rid"),) + rel.props, "rid", old, existing, run,
                                     cypher_gen.ladybug_touch_rels(rel, from_label, to_label),
                                     cypher_gen.ladybug_update_rels(rel, from_label, to_label))
            result += UpsertResult(len(new), len(old))
        return result

    def clear(self) -> None:
        self.apply_schema()  # a fresh file has no tables to empty yet
        for rel in SCHEMA.rels:
            self._conn.execute(f"MATCH ()-[r:{rel.type}]->() DELETE r")
        for node in SCHEMA.nodes:
            self._conn.execute(f"MATCH (n:{node.label}) DELETE n")

    def close(self) -> None:
        if getattr(self, "_conn", None) is not None:
            self._conn.close()
            self._db.close()
            self._conn = None

