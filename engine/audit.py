"""audit: every read of findings, pages and exports, and every denial, appended to the store.

    record(store, user, "findings.show", "F-1a2b", "allowed")
    entries(store, user="wang")          # newest first
    purge(store, dt.date(2025, 1, 1), admin)   # the one way an entry is ever deleted; itself recorded

The log is append-only: rule queries run read-only, `store clear` keeps it unless an admin asks
(`--include-audit`, recorded), and only `purge` deletes entries.
"""
from __future__ import annotations

import datetime as dt
import uuid

from crossaudit.engine.access import User
from crossaudit.engine.store import RunStamp, Store


def record(store: Store, user: User, action: str, target: str | None, outcome: str,
           detail: str | None = None) -> None:
    """Append one entry; never updates an earlier one."""
    run = RunStamp.now()
    store.upsert_nodes("AuditEntry", [{
        "entry_id": f"A-{run.at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}", "at": run.at, "user": user.name,
        "role": user.role, "action": action, "target": target, "outcome": outcome, "detail": detail}], run)


def entries(store: Store, user: str | None = None, action: str | None = None, limit: int = 100) -> list[dict]:
    """The newest `limit` entries, optionally of one user or action."""
    given = {"user": user, "action": action}
    where = " AND ".join(f"a.{name} = ${name}" for name, value in given.items() if value is not None)
    rows = store.query(f"MATCH (a:AuditEntry) {'WHERE ' + where if where else ''} RETURN a.at AS at, "
                       "a.user AS user, a.role AS role, a.action AS action, a.target AS target, "
                       "a.outcome AS outcome, a.detail AS detail ORDER BY at DESC LIMIT $limit",
                       {**{k: v for k, v in given.items() if v is not None}, "limit": limit})
    return rows


def purge(store: Store, before: dt.date, by: User) -> int:
    """Delete the entries recorded before `before` (an admin's explicit purge); the purge is then
    recorded as a new entry. Returns how many were deleted."""
    by.require("audit.purge")
    cutoff = dt.datetime.combine(before, dt.time())
    old = store.query("MATCH (a:AuditEntry) WHERE a.at < $cutoff RETURN count(a) AS n", {"cutoff": cutoff})[0]["n"]
    store.query("MATCH (a:AuditEntry) WHERE a.at < $cutoff DELETE a", {"cutoff": cutoff})
    record(store, by, "audit.purge", f"before {before.isoformat()}", "allowed", f"{old} entries deleted")
    return old
