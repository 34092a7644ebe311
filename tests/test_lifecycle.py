"""A finding's lifecycle on both engines: push, verify, invalid transitions, reopen on change."""
from __future__ import annotations

import json

import pytest

from crossaudit.engine.lifecycle import TransitionError, history, push, reopen_changed, verify
from crossaudit.engine.store import RunStamp

COUNTY_A, COUNTY_B = "16401040000", "16401050000"


def _findings(store):
    store.upsert_nodes("Finding", [
        {"finding_id": "F-a", "rule_id": "r", "status": "new", "office_code": COUNTY_A,
         "evidence": json.dumps({"amount": 100}), "evidence_hash": "h1"},
        {"finding_id": "F-b", "rule_id": "r", "status": "new", "office_code": COUNTY_B,
         "evidence": json.dumps({"amount": 5}), "evidence_hash": "h2"}], RunStamp.now("rules-1"))


def _status(store, finding_id):
    return store.query("MATCH (f:Finding {finding_id: $id}) RETURN f.status AS s", {"id": finding_id})[0]["s"]


def test_push_only_the_offices_asked_for(store):
    _findings(store)
    pushed = push(store, "li", offices={COUNTY_A})
    assert [f["finding_id"] for f in pushed] == ["F-a"]
    assert (_status(store, "F-a"), _status(store, "F-b")) == ("pushed", "new")
    assert push(store, "li", offices={COUNTY_A}) == []  # nothing new is left there


def test_verify_records_who_when_and_the_tax_recovered(store):
    _findings(store)
    push(store, "li")
    verify(store, "F-a", "verifying", "wang")
    verify(store, "F-a", "confirmed", "wang", recovered=80.5, note="补缴契税")
    row = store.query("MATCH (f:Finding {finding_id: 'F-a'}) RETURN f.status AS s, f.recovered AS r, "
                      "f.status_changed_by AS by, f.verification_note AS note")[0]
    assert row == {"s": "confirmed", "r": 80.5, "by": "wang", "note": "补缴契税"}
    assert [(e["from_status"], e["to_status"], e["by"]) for e in history(store, "F-a")] == [
        ("new", "pushed", "li"), ("pushed", "verifying", "wang"), ("verifying", "confirmed", "wang")]


@pytest.mark.parametrize("steps, bad, message", [
    ([], "confirmed", "is new: it cannot become confirmed; allowed: pushed"),
    (["pushed", "dismissed"], "confirmed", "is dismissed: it cannot become confirmed; allowed: none"),
    (["pushed", "confirmed"], "verifying", "is confirmed: it cannot become verifying"),
])
def test_invalid_transitions_are_rejected_and_change_nothing(store, steps, bad, message):
    _findings(store)
    for step in steps:
        push(store, "li") if step == "pushed" else verify(store, "F-a", step, "wang")
    before = _status(store, "F-a")
    with pytest.raises(TransitionError, match=message):
        verify(store, "F-a", bad, "wang")
    assert _status(store, "F-a") == before


def test_recovered_tax_only_on_a_confirmation(store):
    _findings(store)
    push(store, "li")
    with pytest.raises(TransitionError, match="recovered"):
        verify(store, "F-a", "dismissed", "wang", recovered=10)


def test_a_dismissed_finding_stays_dismissed_unless_its_evidence_changes(store):
    _findings(store)
    push(store, "li")
    verify(store, "F-a", "dismissed", "wang", note="已申报")
    same = {"F-a": {"evidence_hash": "h1", "evidence": json.dumps({"amount": 100})}}
    assert reopen_changed(store, same, "rules") == []
    assert _status(store, "F-a") == "dismissed"
    changed = {"F-a": {"evidence_hash": "h9", "evidence": json.dumps({"amount": 250})}}
    assert reopen_changed(store, changed, "rules") == ["F-a"]
    assert _status(store, "F-a") == "new"
    last = history(store, "F-a")[-1]
    assert (last["from_status"], last["to_status"]) == ("dismissed", "new")
    assert json.loads(last["change"]) == {"before": {"amount": 100}, "after": {"amount": 250}}
