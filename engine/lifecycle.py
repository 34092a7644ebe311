"""lifecycle: a finding's way from the rule run to the tax office's verdict.

    new ──push──► pushed ──► verifying ──► confirmed | dismissed
                     └──────────────────► confirmed | dismissed

Every change is a FindingEvent (who, when, note, recovered tax). A dismissed finding stays
dismissed on later rule runs unless its evidence changes; then `reopen_changed` puts it back
to `new` with the evidence before and after in the event.

    push(store, by="li", offices={"16401040000"})
    verify(store, "F-…", "confirmed", by="wang", recovered=120_000, note="补缴契税")
"""
from __future__ import annotations

import json
import uuid
from typing import Iterable, Mapping

from crossaudit.engine.store import RunStamp, Store

STATUSES = ("new", "pushed", "verifying", "confirmed", "dismissed")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"pushed"}),
    "pushed": frozenset({"verifying", "confirmed", "dismissed"}),
    "verifying": frozenset({"confirmed", "dismissed"}),
    "confirmed": frozenset(),
    "dismissed": frozenset(),
}
VERDICTS = ("verifying", "confirmed", "dismissed")


class TransitionError(ValueError):
    """A status change the lifecycle does not allow; the message says which are allowed."""


def _event(finding_id: str, before: str | None, after: str, by: str, run: RunStamp, **extra) -> dict:
    return {"event_id": f"E-{uuid.uuid4().hex[:16]}", "finding_id": finding_id, "from_status": before,
            "to_status": after, "by": by, "at": run.at, **{k: v for k, v in extra.items() if v is not None}}


def _change(store: Store, rows: list[dict], events: list[dict], run: RunStamp) -> None:
    store.upsert_nodes("Finding", rows, run)
    store.upsert_nodes("FindingEvent", events, run)


def check_transition(finding_id: str, before: str, after: str) -> None:
    if after not in TRANSITIONS.get(before, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(before, ()))) or "none (it is closed)"
        raise TransitionError(f"finding {finding_id} is {before}: it cannot become {after}; allowed: {allowed}")


def push(store: Store, by: str, offices: Iterable[str] | None = None, run: RunStamp | None = None,
         finding_ids: Iterable[str] | None = None) -> list[dict]:
    """Push every new finding (of `offices` only, of `finding_ids` only, when given) to its competent office."""
    run = run or RunStamp.now()
    found = store.query("MATCH (f:Finding) WHERE f.status = 'new' RETURN f.finding_id AS finding_id, "
                        "f.office_code AS office_code")
    if offices is not None:
        scope = set(offices)
        found = [f for f in found if f["office_code"] in scope]
    if finding_ids is not None:
        wanted = set(finding_ids)
        found = [f for f in found if f["finding_id"] in wanted]
    found.sort(key=lambda f: f["finding_id"])
    _change(store, [{"finding_id": f["finding_id"], "status": "pushed", "status_changed_at": run.at,
                     "status_changed_by": by} for f in found],
            [_event(f["finding_id"], "new", "pushed", by, run, note=f"to office {f['office_code']}") for f in found],
            run)
    return found


def verify(store: Store, finding_id: str, status: str, by: str, recovered: float | None = None,
           note: str | None = None, run: RunStamp | None = None) -> dict:
    """Record an office's verification step or verdict on one finding."""
    run = run or RunStamp.now()
    if status not in VERDICTS:
        raise TransitionError(f"status {status!r}: use one of {', '.join(VERDICTS)}")
    if recovered is not None and (status != "confirmed" or recovered < 0):
        raise TransitionError("--recovered is the tax recovered on a confirmed finding (>= 0)")
    found = store.query("MATCH (f:Finding {finding_id: $id}) RETURN f.status AS status", {"id": finding_id})
    if not found:
        raise TransitionError(f"no finding {finding_id!r}; see `crossaudit findings list`")
    before = found[0]["status"]
    check_transition(finding_id, before, status)
    row = {"finding_id": finding_id, "status": status, "status_changed_at": run.at, "status_changed_by": by,
           "recovered": recovered, "verification_note": note}
    _change(store, [{k: v for k, v in row.items() if v is not None}],
            [_event(finding_id, before, status, by, run, note=note, recovered=recovered)], run)
    return {"finding_id": finding_id, "from": before, "to": status}


def reopen_changed(store: Store, results: Mapping[str, Mapping[str, str]], by: str,
                   run: RunStamp | None = None) -> list[str]:
    """Reopen dismissed findings whose evidence changed. `results` maps a finding id to the new
    run's {evidence_hash, evidence}; returns the ids reopened."""
    run = run or RunStamp.now()
    if not results:
        return []
    stored = store.query("UNWIND $ids AS id MATCH (f:Finding {finding_id: id}) WHERE f.status = 'dismissed' "
                         "RETURN f.finding_id AS finding_id, f.evidence_hash AS hash, f.evidence AS evidence",
                         {"ids": sorted(results)})
    changed = [f for f in stored if f["hash"] != results[f["finding_id"]]["evidence_hash"]]
    _change(store, [{"finding_id": f["finding_id"], "status": "new", "status_changed_at": run.at,
                     "status_changed_by": by} for f in changed],
            [_event(f["finding_id"], "dismissed", "new", by, run, note="reopened: the evidence changed",
                    change=json.dumps({"before": json.loads(f["evidence"] or "{}"),
                                       "after": json.loads(results[f["finding_id"]]["evidence"] or "{}")},
                                      ensure_ascii=False, sort_keys=True)) for f in changed], run)
    return [f["finding_id"] for f in changed]


def history(store: Store, finding_id: str) -> list[dict]:
    """The status changes of a finding, oldest first."""
    rows = store.query("MATCH (e:FindingEvent) WHERE e.finding_id = $id RETURN e.from_status AS from_status, "
                       "e.to_status AS to_status, e.by AS by, e.at AS at, e.note AS note, e.recovered AS recovered, "
                       "e.change AS change", {"id": finding_id})
    return sorted(rows, key=lambda e: e["at"])
