"""Merging entity nodes keeps every fact, on both engines."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from crossaudit.engine import merge
from crossaudit.engine.merge import merge_entities
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, row_columns

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


# Relationship pairs the merge below touches, dumped whole to compare two graphs.
MOVED_PAIRS = (("EMPLOYS", "Enterprise", "Person"), ("DESCRIBES", "SourceRecord", "Enterprise"),
               ("BRANCH_OF", "Enterprise", "Enterprise"))
LOADED, RESOLVED = (RunStamp(run_id, dt.datetime(2026, 3, day, 9, 30)) for run_id, day in (("load-1", 1), ("resolve-1", 2)))
INSURANCE = {"department": "rst", "dataset": "insurance", "source_file": "rst/insurance.csv"}
MATCHES = {OLD: {"method": "probabilistic", "score": 0.9, "contributions": {"name": 7.5}},
           OLD_TOO: {"method": "judgement", "score": 1}}


def _relationships(store) -> list[dict]:
    """Every relationship of MOVED_PAIRS with its ends' keys and all its properties, by rid."""
    out = []
    for rel_type, from_label, to_label in MOVED_PAIRS:
        a, b = SCHEMA.node(from_label).key, SCHEMA.node(to_label).key
        out += [{"from": row["a"], "to": row["b"], **row["r"]} for row in store.query(
            f"MATCH (a:{from_label})-[r:{rel_type}]->(b:{to_label}) RETURN a.{a} AS a, b.{b} AS b, r")]
    return sorted(out, key=lambda rel: (rel["_type"], rel["rid"]))


def _planted(store, at_old: str, at_old_too: str) -> None:
    """The facts of the canonical firm and of the firms merged into it (keyed `at_old`, `at_old_too`),
    as a load writes them: EMPLOYS of one month stored on both the canonical and a merged firm (one
    rid once merged), the same employee's month on both merged firms (two rows, one rid), a
    DESCRIBES of the same record and role on the canonical and a merged firm, branches."""
    store.upsert_nodes("Enterprise", [{"uid": uid} for uid in sorted({CODE, at_old, at_old_too, "E2", "E3"})], LOADED)
    store.upsert_nodes("Person", [{"uid": "P1"}, {"uid": "P2"}], LOADED)
    store.upsert_nodes("SourceRecord", [{"record_id": r} for r in ("r1", "r2")], LOADED)
    month = {"period": "2024-01", "insurance": "pension"}
    store.upsert_relationships("EMPLOYS", "Enterprise", "Person", [
        {"from": CODE, "to": "P1", **month, "employer_paid": 800.0, **INSURANCE, "source_row": 1}], LOADED)
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "r2", "to": CODE, "role": "buyer", "method": "exact", "department": "nr"}], LOADED)


def _moved_facts() -> dict[tuple[str, str, str], list[dict]]:
    """The facts of the merged firms, keyed `OLD` and `OLD_TOO`."""
    month = {"period": "2024-01", "insurance": "pension"}
    return {
        ("EMPLOYS", "Enterprise", "Person"): [
            {"from": OLD, "to": "P1", **month, "wage_base": 5000.0, **INSURANCE, "source_row": 2},
            {"from": OLD, "to": "P1", "period": "2024-02", "insurance": "pension", "wage_base": 5100.0, **INSURANCE,
             "source_row": 3},
            {"from": OLD, "to": "P2", **month, "wage_base": 4000.0, **INSURANCE, "source_row": 4},
            {"from": OLD_TOO, "to": "P2", **month, "employer_paid": 640.0, **INSURANCE, "source_row": 4}],
        ("DESCRIBES", "SourceRecord", "Enterprise"): [
            {"from": "r1", "to": OLD, "role": "buyer", "method": "name", "department": "nr"},
            {"from": "r2", "to": OLD_TOO, "role": "buyer", "method": "name", "department": "tax"}],
        ("BRANCH_OF", "Enterprise", "Enterprise"): [
            {"from": OLD, "to": OLD_TOO}, {"from": OLD, "to": "E2"}, {"from": "E3", "to": OLD_TOO}]}


def _canonically(facts: dict, pair: tuple[str, str, str]) -> list[dict]:
    """The merged firms' facts keyed by the canonical firm, with their match details; loops left out."""
    canonical = {OLD: CODE, OLD_TOO: CODE}
    out = []
    for row in facts[pair]:
        moved = {**row, "from": canonical.get(row["from"], row["from"]), "to": canonical.get(row["to"], row["to"])}
        if pair[0] == "DESCRIBES":
            moved.update(merge._describes(MATCHES[row["to"]]))
        if moved["from"] != moved["to"]:
            out.append(moved)
    return out


def _merged(store) -> list[dict]:
    """The relationships after the facts keyed by the merged firms are loaded and the firms merged."""
    _planted(store, OLD, OLD_TOO)
    for pair, rows in _moved_facts().items():
        store.upsert_relationships(*pair, rows, LOADED)
    assert merge_entities(store, "Enterprise", {OLD: CODE, OLD_TOO: CODE}, RESOLVED, matches=MATCHES) == 2
    return _relationships(store)


@pytest.mark.parametrize("batch", [2_000, 1], ids=["one-round", "a-round-per-node"])
def test_merged_relationships_end_as_a_load_keyed_canonically_leaves_them(store, batch, monkeypatch):
    """The merge ends with each relationship (rid, properties, provenance, stamps) as upserting the
    merged firms' facts keyed by the canonical firm in the resolve run leaves it: a moved EMPLOYS
    onto the canonical firm's one of the same month keeps its first provenance and stamps and fills
    what it lacked; two merged firms' rows of one month become one; a DESCRIBES gets the match
    details; the branch between the two merged firms (a loop) goes."""
    monkeypatch.setattr(merge, "MERGE_BATCH", batch)
    _planted(store, CODE, CODE)
    facts = _moved_facts()
    for pair in facts:  # one upsert per relationship pair, as the merge moves them
        store.upsert_facts({}, {pair: [row_columns(_canonically(facts, pair))]}, RESOLVED)
    expected = _relationships(store)
    store.clear(keep=())

    assert _merged(store) == expected
    by_month = {(r["to"], r["period"]): r for r in expected if r["_type"] == "EMPLOYS"}
    assert len(expected) == 3 + 2 + 2  # EMPLOYS: P1 two months, P2 one; DESCRIBES r1, r2; branches to E2, from E3
    assert {k: by_month[("P1", "2024-01")][k] for k in ("wage_base", "employer_paid", "source_row", "load_run",
                                                         "first_seen", "last_seen")} == {
        "wage_base": 5000.0, "employer_paid": 800.0, "source_row": 1, "load_run": "load-1",
        "first_seen": LOADED.at, "last_seen": RESOLVED.at}
    assert (by_month[("P2", "2024-01")]["wage_base"], by_month[("P2", "2024-01")]["employer_paid"]) == (4000.0, 640.0)
    described = {r["from"]: r for r in expected if r["_type"] == "DESCRIBES"}
    assert [(described[r]["method"], described[r]["score"], described[r]["department"]) for r in ("r1", "r2")] == [
        ("probabilistic", 0.9, "nr"), ("judgement", 1.0, "nr")]


@pytest.mark.neo4j
@pytest.mark.parametrize("store_uri", ["neo4j"], indirect=True)
def test_moved_in_the_server_as_read_back_and_upserted(store):
    """Neo4j moves relationships in the server (`move_rels`); the graph is the one the merge left
    when it read each relationship back and upserted it at its new ends."""
    graphs = []
    for in_server in (True, False):
        store.clear(keep=())
        if not in_server:
            store.relationship_id = None  # this store's client-side path: read back, upserted
        graphs.append(_merged(store))
    assert graphs[0] == graphs[1]
