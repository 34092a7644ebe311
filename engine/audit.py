"""audit: every read of findings, pages and exports, and every denial, appended to the store.

    record(store, user, "findings.show", "F-1a2b", "allowed")
    entries(store, user="wang")          # newest first
    purge(store, dt.date(2025, 1, 1), admin)   # the one way an entry is ever deleted; itself recorded

The log is append-only: rule queries run read-only, `store clear` keeps it unless an admin asks
(`--include-audit`, recorded), and only `purge` deletes entries.

A read beside the process that writes an embedded store (the console, a load) opens it read-only
and cannot write its entry: the entry waits in the store's queue file (`Store.audit_queue`), and
the next entry a writing process records appends the queued ones before it.
"""
from __future__ import annotations

import datetime as dt
import fcntl
import json
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from crossaudit.engine.access import User
from crossaudit.engine.store import RunStamp, Store


def record(store: Store, user: User, action: str, target: str | None, outcome: str,
           detail: str | None = None) -> None:
    """Append one entry (and the queued ones before it); never updates an earlier one."""
    run = RunStamp.now()
    entry = {"entry_id": f"A-{run.at:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}", "at": run.at, "user": user.name,
             "role": user.role, "action": action, "target": target, "outcome": outcome, "detail": detail}
    if store.read_only:
        with open(store.audit_queue, "a", encoding="utf-8") as queue:
            fcntl.flock(queue, fcntl.LOCK_EX)  # released on close
            queue.write(json.dumps({**entry, "at": run.at.isoformat()}, ensure_ascii=False) + "\n")
        return
    with _queued(store.audit_queue) as queued:
        store.append_nodes("AuditEntry", [*queued, entry], run)


@contextmanager
def _queued(path: Path | None) -> Iterator[list[dict]]:
    """The entries waiting in the queue file, emptied once the caller has written them (kept if it
    fails). The file is locked meanwhile, and emptied rather than removed, so that an entry queued
    at the same moment is neither lost nor written twice."""
    if path is None or not path.exists():
        yield []
        return
    with open(path, "r+", encoding="utf-8") as queue:
        fcntl.flock(queue, fcntl.LOCK_EX)
        entries = [json.loads(line) for line in queue if line.strip()]
        yield [{**entry, "at": dt.datetime.fromisoformat(entry["at"])} for entry in entries]
        queue.truncate(0)


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
