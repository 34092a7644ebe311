"""Merging entity nodes keeps every fact, on both engines."""
from __future__ import annotations

import json

import pytest

from crossaudit.engine import merge
from crossaudit.engine.merge import merge_entities
from crossaudit.engine.store import RunStamp

CODE = "91640100MA76543210"
OLD = "name:某某科技有限公司"
OLD_TOO = "name:宁夏某某科技有限公司"
PROVENANCE = {"department": "nr", "dataset": "land_transfers", "source_file": "nr/land.csv", "source_row": 7}


def _graph(store, run):
    store.upsert_nodes("Enterprise", [
        {"uid": CODE, "credit_code": CODE, "name": "某某科技有限公司"},
        {"uid": OLD, "name": "某某科技有限责任公司", "region_code": "640104", **PROVENANCE},
        {"uid": OLD_TOO, "name": "宁夏某某科技有限公司"}], run)
    store.upsert_nodes("Contract", [{"uid": "C1", "contract_no": "C1", "amount": 100.0}], run)
    store.upsert_nodes("Address", [{"text": "银川市兴庆区1号"}], run)
    store.upsert_nodes("SourceRecord", [{"record_id": "r1"}, {"record_id": "r2"}], run)
    store.upsert_relationships("PARTY_TO", "Enterprise", "Contract",
                               [{"from": OLD, "to": "C1", "role": "buyer", **PROVENANCE}], run)
    store.upsert_relationships("LOCATED_AT", "Enterprise", "Address", [{"from": OLD_TOO, "to": "银川市兴庆区1号"}], run)
    store.upsert_relationships("BRANCH_OF", "Enterprise", "Enterprise", [{"from": OLD, "to": CODE}], run)
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "r1", "to": OLD, "role": "buyer", "method": "name"},
        {"from": "r2", "to": OLD_TOO, "role": "lessee", "method": "name"}], run)


@pytest.mark.parametrize("batch", [2_000, 1], ids=["one-round", "a-round-per-node"])
def test_merge_moves_every_relationship_and_keeps_provenance(store, batch, monkeypatch):
    monkeypatch.setattr(merge, "MERGE_BATCH", batch)
    run = RunStamp.now("run-1")
    _graph(store, run)
    merged = merge_entities(store, "Enterprise", {OLD: CODE, OLD_TOO: CODE}, RunStamp.now("resolve-1"), matches={
        OLD: {"method": "probabilistic", "score": 0.995, "contributions": {"name": 9.5, "region": 1.2}},
        OLD_TOO: {"method": "judgement", "score": 1.0}})
    assert merged == 2
    enterprises = store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.name AS name, e.region_code AS region")
    # the canonical node keeps its own name and gains the region it lacked
    assert enterprises == [{"uid": CODE, "name": "某某科技有限公司", "region": "640104"}]
    party = store.query("MATCH (e:Enterprise)-[r:PARTY_TO]->(c:Contract) "
                        "RETURN e.uid AS uid, r.role AS role, r.department AS dept, r.source_row AS row")
    assert party == [{"uid": CODE, "role": "buyer", "dept": "nr", "row": 7}]
    located = store.query("MATCH (e:Enterprise)-[:LOCATED_AT]->(a:Address) RETURN e.uid AS uid, a.text AS text")
    assert located == [{"uid": CODE, "text": "银川市兴庆区1号"}]
    # the branch link between the two merged nodes would be a loop: it goes
    assert store.query("MATCH (:Enterprise)-[r:BRANCH_OF]->(:Enterprise) RETURN count(r) AS c") == [{"c": 0}]
    describes = store.query("MATCH (s:SourceRecord)-[d:DESCRIBES]->(e:Enterprise) RETURN s.record_id AS record, "
                            "e.uid AS uid, d.method AS method, d.score AS score, d.contributions AS contributions "
                            "ORDER BY record")
    assert [(d["record"], d["uid"], d["method"], d["score"]) for d in describes] == [
        ("r1", CODE, "probabilistic", 0.995), ("r2", CODE, "judgement", 1.0)]
    assert json.loads(describes[0]["contributions"]) == {"name": 9.5, "region": 1.2}
    aliases = store.query("MATCH (a:EntityAlias) RETURN a.old_uid AS old, a.uid AS uid")
    assert sorted((a["old"], a["uid"]) for a in aliases) == sorted([(OLD, CODE), (OLD_TOO, CODE)])


def test_a_round_reads_only_the_relationship_patterns_its_nodes_have(store):
    """One query finds which of the label's patterns the merged nodes have (PARTY_TO out, BRANCH_OF
    out, DESCRIBES in; LOCATED_AT of the other node); the others are never read."""
    _graph(store, RunStamp.now("run-1"))
    assert merge._patterns_of(store, "Enterprise", [OLD]) == [
        ("PARTY_TO", "Enterprise", "Contract", True), ("BRANCH_OF", "Enterprise", "Enterprise", True),
        ("DESCRIBES", "SourceRecord", "Enterprise", False)]
    assert merge._patterns_of(store, "Enterprise", [OLD_TOO, CODE]) == [
        ("LOCATED_AT", "Enterprise", "Address", True), ("BRANCH_OF", "Enterprise", "Enterprise", False),
        ("DESCRIBES", "SourceRecord", "Enterprise", False)]


def test_a_register_merged_into_a_copy_gives_the_firm_its_values(store):
    """The register's row had its code mistyped, so its firm became a node of its own; the
    invoices' copy with the valid code is canonical. Merged, the firm takes the register's name,
    and a later copy does not change it."""
    run = RunStamp.now("run-1")
    store.upsert_nodes("Enterprise", [
        {"uid": CODE, "credit_code": CODE, "name": "某某科枝有限公司", "region_code": "640104"},
        {"uid": OLD, "name": "某某科技有限公司", "status": "operating", "registered": True},
        {"uid": OLD_TOO, "name": "某某科技有限公司", "industry": "软件"}], run)
    merge_entities(store, "Enterprise", {OLD_TOO: CODE, OLD: CODE}, RunStamp.now("resolve-1"))
    firm = ("MATCH (e:Enterprise) RETURN e.uid AS uid, e.name AS name, e.region_code AS region, e.status AS status, "
            "e.industry AS industry, e.registered AS registered")
    kept = [{"uid": CODE, "name": "某某科技有限公司", "region": "640104", "status": "operating", "industry": "软件",
             "registered": True}]
    assert store.query(firm) == kept
    store.upsert_nodes("Enterprise", [{"uid": CODE, "name": "某某科枝有限公司"}], RunStamp.now("run-2"))
    assert store.query(firm) == kept


def test_merging_a_node_into_itself_does_nothing(store):
    run = RunStamp.now("run-1")
    _graph(store, run)
    assert merge_entities(store, "Enterprise", {CODE: CODE}, run) == 0
    assert store.query("MATCH (e:Enterprise) RETURN count(e) AS c") == [{"c": 3}]


def test_merging_checkpoints_once_at_the_end_and_a_reopened_store_holds_the_merge(tmp_path):
    """Ladybug: merges run without a checkpoint after each transaction, then one; the database
    reopened holds the merged graph, and checkpointing after commits is on again."""
    from crossaudit.engine import open_store

    path = tmp_path / "merge.db"
    setting = "CALL current_setting('auto_checkpoint') RETURN *"
    with open_store(f"ladybug:{path}") as store:
        store.apply_schema()
        _graph(store, RunStamp.now("run-1"))
        with store.deferred_checkpoints():
            assert store.query(setting) == [{"auto_checkpoint": "False"}]
        assert merge_entities(store, "Enterprise", {OLD: CODE, OLD_TOO: CODE}, RunStamp.now("resolve-1")) == 2
        assert store.query(setting) == [{"auto_checkpoint": "True"}]
    with open_store(f"ladybug:{path}") as store:
        assert store.query("MATCH (e:Enterprise) RETURN e.uid AS uid") == [{"uid": CODE}]
        assert store.query("MATCH (:SourceRecord)-[d:DESCRIBES]->(e:Enterprise) RETURN count(d) AS c") == [{"c": 2}]
