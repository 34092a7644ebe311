"""The quarantine: rows that could not be loaded, with file, row, column, raw value and reason."""
from __future__ import annotations

from crossaudit.engine.store import Store

COLUMNS = ("department", "dataset", "file", "row", "column", "raw_value", "reason")


def list_quarantine(store: Store, source: str | None = None) -> list[dict]:
    """Quarantined cells, ordered by file and row; `source` filters by dataset, department or file."""
    where = "WHERE q.dataset = $source OR q.department = $source OR q.file = $source " if source else ""
    rows = store.query(
        f"MATCH (q:QuarantineEntry) {where}"
        "RETURN q.department AS department, q.dataset AS dataset, q.file AS file, q.row AS row, "
        "q.column_name AS column_name, q.raw_value AS raw_value, q.reason AS reason "
        "ORDER BY file, row, column_name", {"source": source} if source else {})
    # `column` is a reserved word on Ladybug, so the property is column_name in the store.
    return [{**{k: v for k, v in r.items() if k != "column_name"}, "column": r["column_name"]} for r in rows]
