"""Reads are never blocked by a writer (#17 item 3): while another process writes the store — the
console holding the embedded file, a load, a rule run mid-transaction on Neo4j — the CLI's read
commands still read it, as last committed, and their audit entries reach the log.
"""
from __future__ import annotations

import json
import subprocess
import sys
from contextlib import contextmanager

import pytest

from case_fixture import plant_case
from crossaudit.engine import audit
from crossaudit.engine.access import DEFAULT_USER


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from crossaudit.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)


@contextmanager
def writing(store):
    """Another writer holds the store meanwhile: on Ladybug this test process (it holds the file;
    the CLI runs in another process); on Neo4j an uncommitted transaction that has rewritten every
    finding's title, as a rule run does."""
    if store.engine == "ladybug":
        yield
        return
    with store._session() as session:  # noqa: SLF001  (the test plays a writer mid-transaction)
        transaction = session.begin_transaction()
        transaction.run("MATCH (f:Finding) SET f.title = 'being rewritten'").consume()
        try:
            yield
        finally:
            transaction.rollback()


def test_read_commands_read_the_committed_store_while_another_process_writes_it(store):
    plant_case(store)
    with writing(store):
        listed = run_cli("--store", store.uri, "findings", "list", "--format", "json")
        shown = run_cli("--store", store.uri, "findings", "show", "F-related", "--format", "json")
        info = run_cli("--store", store.uri, "store", "info", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    assert {(f["finding_id"], f["title"]) for f in json.loads(listed.stdout)} == {
        ("F-related", "关联方低价交易"), ("F-minor", "小额疑点"), ("F-dismissed", "已排除")}
    assert shown.returncode == 0 and json.loads(shown.stdout)["finding"]["finding_id"] == "F-related", shown.stderr
    assert info.returncode == 0 and json.loads(info.stdout)["nodes"]["Finding"] == 3, info.stderr
    if store.engine == "ladybug":  # read-only beside the holder, said once per command
        assert listed.stderr.count("reading it as committed now, read-only") == 1
    # The reads are in the audit log: at once on Neo4j; on Ladybug once the holder records an entry.
    audit.record(store, DEFAULT_USER, "load", "a delivery", "allowed")
    logged = [(e["action"], e["target"]) for e in audit.entries(store)]
    assert ("findings.list", "office (all)") in logged and ("findings.show", "F-related") in logged
    assert logged[0] == ("load", "a delivery")  # the newest; the queued reads came before it
    if store.engine == "ladybug":
        assert store.audit_queue.read_text() == ""  # appended once, not again with the next entry
        audit.record(store, DEFAULT_USER, "load", "another delivery", "allowed")
        assert [e["action"] for e in audit.entries(store)].count("findings.show") == 1


@pytest.mark.parametrize("store_uri", ["ladybug"], indirect=True)  # Neo4j serves writers side by side
def test_a_command_that_writes_is_still_refused_beside_the_holder(store):
    plant_case(store)
    pushed = run_cli("--store", store.uri, "findings", "push")
    assert pushed.returncode == 1 and "Only one process may write" in pushed.stderr


def test_quarantine_and_review_queues_are_read_while_another_process_writes(store):
    plant_case(store)
    store.upsert_nodes("QuarantineEntry", [{"entry_id": "Q1", "file": "tax/invoices.csv", "row": 7,
                                            "column_name": "金额", "raw_value": "十二万", "reason": "not a number",
                                            "department": "tax", "dataset": "invoices"}])
    store.upsert_nodes("ReviewItem", [{"pair_id": "Enterprise:a|b", "label": "Enterprise", "uid_a": "a", "uid_b": "b",
                                       "score": 0.7, "status": "open", "contributions": "{}"}])
    with writing(store):
        quarantined = run_cli("--store", store.uri, "quarantine", "list", "--format", "json")
        queued = run_cli("--store", store.uri, "review", "list", "--format", "json")
    assert quarantined.returncode == 0, quarantined.stderr
    assert [(q["file"], q["row"], q["raw_value"]) for q in json.loads(quarantined.stdout)] == [
        ("tax/invoices.csv", 7, "十二万")]
    assert queued.returncode == 0, queued.stderr
    assert [item["pair_id"] for item in json.loads(queued.stdout)] == ["Enterprise:a|b"]
    if store.engine == "ladybug":
        assert "read-only" in quarantined.stderr and "read-only" in queued.stderr
    audit.record(store, DEFAULT_USER, "load", "a delivery", "allowed")
    logged = [e["action"] for e in audit.entries(store)]
    assert "quarantine" in logged and "review.list" in logged
