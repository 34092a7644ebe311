"""ledger: each department's deliveries scored for quality, quantity and timeliness, per month.

Built from the FileLoad records of every load run (one per delivered file). A file delivered
again in the same month counts once (its latest load). Monthly, quarterly and yearly
deliveries are due by the DUE_DAY-th of the month they arrive in; a department's monthly
datasets are expected every month of the ledger, so a month without one counts as missing.

    rows = ledger(store, period="2026-11")
    rows[0]["department"], rows[0]["score"]
"""
from __future__ import annotations

import re
from collections import defaultdict

from crossaudit.engine.store import Store

DUE_DAY = 10


def _rate(part: int, whole: int) -> float | None:
    return None if not whole else part / whole


def deliveries(store: Store) -> list[dict]:
    """The latest load of each file in each month, with its counts."""
    rows = store.query("MATCH (f:FileLoad) RETURN f.department AS department, f.dataset AS dataset, "
                       "f.file AS file, f.delivered_on AS delivered_on, f.schedule AS schedule, f.read AS read, "
                       "f.loaded AS loaded, f.quarantined AS quarantined, f.duplicates AS duplicates, "
                       "f.id_cells AS id_cells, f.id_invalid AS id_invalid, f.required_cells AS required_cells, "
                       "f.required_missing AS required_missing, f.error AS error, f.first_seen AS loaded_at")
    latest: dict[tuple, dict] = {}
    for row in sorted(rows, key=lambda r: r["loaded_at"]):
        row["period"] = f"{row['delivered_on']:%Y-%m}"
        latest[(row["department"], row["dataset"], row["file"], row["period"])] = row
    return list(latest.values())


class LedgerError(ValueError):
    """A period the ledger cannot report: malformed, or with no deliveries; the message says which have."""


PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$")


def check_period(period: str) -> str:
    """`period` if it is a month (2026-11), a quarter (2026-Q4) or a year (2026); LedgerError otherwise.

    >>> check_period("2026-Q4")
    '2026-Q4'
    """
    if not PERIOD.match(period):
        raise LedgerError(f"period {period!r} is not a month YYYY-MM, a quarter YYYY-Qn or a year YYYY")
    return period


def ledger(store: Store, period: str | None = None) -> list[dict]:
    """One row per department and month (only `period` when given), ranked by score. A period
    with no delivery is a LedgerError naming the months that have some (never a table of zeros)."""
    files = deliveries(store)
    periods = sorted({f["period"] for f in files})
    if period is not None and period not in periods:
        check_period(period)
        raise LedgerError(f"no deliveries in period {period}; the ledger is kept by month and has "
                          + (", ".join(periods) if periods else "no deliveries yet: load data first"))
    monthly = defaultdict(set)
    names = {r["code"]: r["name"] for r in store.query("MATCH (d:Department) RETURN d.code AS code, d.name AS name")}
    for f in files:
        if (f["schedule"] or "monthly") == "monthly":
            monthly[f["department"]].add(f["dataset"])
    by_key = defaultdict(list)
    for f in files:
        by_key[(f["department"], f["period"])].append(f)
    rows = []
    for department in sorted({f["department"] for f in files}):
        for month in periods if period is None else [period]:
            got = by_key.get((department, month), [])
            rows.append(_score(department, names.get(department), month, got, monthly[department]))
    rows.sort(key=lambda r: (r["period"], -r["score"], r["department"]))
    for month in {r["period"] for r in rows}:
        ranked = [r for r in rows if r["period"] == month]
        for rank, row in enumerate(ranked, 1):
            row["rank"] = rank
    return rows


def _sum(files: list[dict], name: str) -> int:
    return sum(f[name] or 0 for f in files)


def _score(department: str, name: str | None, period: str, files: list[dict], monthly: set[str]) -> dict:
    read = _sum(files, "read")
    delivered_datasets = {f["dataset"] for f in files}
    expected = len(monthly | delivered_datasets)
    on_time = len({f["dataset"] for f in files if f["schedule"] in ("daily", "weekly")
                   or f["delivered_on"].day <= DUE_DAY})
    quality_parts = {
        "quarantine_rate": _rate(_sum(files, "quarantined"), read),
        "duplicate_rate": _rate(_sum(files, "duplicates"), read),
        "id_validity": None if not _sum(files, "id_cells") else 1 - _sum(files, "id_invalid") / _sum(files, "id_cells"),
        "completeness": None if not _sum(files, "required_cells")
        else 1 - _sum(files, "required_missing") / _sum(files, "required_cells"),
    }
    goods = [1 - quality_parts["quarantine_rate"] if quality_parts["quarantine_rate"] is not None else None,
             1 - quality_parts["duplicate_rate"] if quality_parts["duplicate_rate"] is not None else None,
             quality_parts["id_validity"], quality_parts["completeness"]]
    goods = [g for g in goods if g is not None]
    quality = sum(goods) / len(goods) if goods else 0.0
    quantity = len(delivered_datasets) / expected if expected else 0.0
    timeliness = on_time / expected if expected else 0.0
    score = 100 * (0.5 * quality + 0.2 * quantity + 0.3 * timeliness)
    return {"department": department, "department_name": name, "period": period, "files": len(files),
            "datasets_expected": expected, "datasets_delivered": len(delivered_datasets), "on_time": on_time,
            "rows_delivered": read, "rows_loaded": _sum(files, "loaded"), **quality_parts,
            "quality": round(quality, 4), "quantity": round(quantity, 4), "timeliness": round(timeliness, 4),
            "score": round(score, 1), "errors": sum(1 for f in files if f["error"])}
