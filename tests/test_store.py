"""The store interface behaves the same on the embedded Ladybug engine and on Neo4j 5."""
from __future__ import annotations

import datetime as dt

import pytest

from crossaudit.engine import RunStamp, SCHEMA, StoreError, UpsertResult

T1 = RunStamp("run-1", dt.datetime(2026, 1, 5, 8, 0, 0))
T2 = RunStamp("run-2", dt.datetime(2026, 2, 5, 8, 0, 0))

ENTERPRISES = [
    {"uid": "916401000000000001", "credit_code": "916401000000000001", "name": "宁夏甲科技有限公司",
     "established_on": dt.date(2015, 3, 1), "registered_capital": 500.0,
     "department": "amr", "dataset": "enterprise_register", "source_file": "企业登记.csv", "source_row": 1},
    {"uid": "916401000000000002", "name": "宁夏乙商贸有限公司",
     "department": "amr", "dataset": "enterprise_register", "source_file": "企业登记.csv", "source_row": 2},
]
PERSONS = [{"uid": "640104198001010011", "name": "张三", "birth_date": dt.date(1980, 1, 1)},
           {"uid": "640104198203040022", "name": "李四"}]
SHAREHOLDINGS = [{"from": "640104198001010011", "to": "916401000000000001", "ratio": 0.6},
                 {"from": "640104198001010011", "to": "916401000000000002", "ratio": 1.0}]


def load_sample(store, run=T1):
    results = [
        store.upsert_nodes("Enterprise", ENTERPRISES, run),
        store.upsert_nodes("Person", PERSONS, run),
        store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise", SHAREHOLDINGS, run),
        store.upsert_relationships("KIN_OF", "Person", "Person",
                                   [{"from": "640104198001010011", "to": "640104198203040022", "kind": "spouse"}], run),
    ]
    return results


def test_schema_applies_twice_and_starts_empty(store):
    store.apply_schema()
    counts = store.counts()
    assert set(counts["nodes"]) == {n.label for n in SCHEMA.nodes}
    assert set(counts["relationships"]) == {r.type for r in SCHEMA.rels}
    assert sum(counts["nodes"].values()) == 0 and sum(counts["relationships"].values()) == 0


def test_upsert_twice_leaves_the_same_graph(store):
    first = load_sample(store, T1)
    after_first = store.counts()
    second = load_sample(store, T2)
    assert store.counts() == after_first
    assert after_first["nodes"]["Enterprise"] == 2 and after_first["nodes"]["Person"] == 2
    assert after_first["relationships"]["SHAREHOLDER_OF"] == 2 and after_first["relationships"]["KIN_OF"] == 1
    assert first == [UpsertResult(2, 0), UpsertResult(2, 0), UpsertResult(2, 0), UpsertResult(1, 0)]
    assert second == [UpsertResult(0, 2), UpsertResult(0, 2), UpsertResult(0, 2), UpsertResult(0, 1)]


def test_relationships_differing_in_identity_properties_are_distinct(store):
    load_sample(store)
    store.upsert_relationships("KIN_OF", "Person", "Person",
                               [{"from": "640104198001010011", "to": "640104198203040022", "kind": "sibling"}], T1)
    rows = store.query("MATCH (:Person)-[k:KIN_OF]->(:Person) RETURN k.kind AS kind ORDER BY kind")
    assert [r["kind"] for r in rows] == ["sibling", "spouse"]


def test_provenance_is_kept_and_last_seen_advances(store):
    load_sample(store, T1)
    load_sample(store, T2)
    node = store.query("MATCH (e:Enterprise {uid: $uid}) RETURN e", {"uid": "916401000000000001"})[0]["e"]
    assert (node["department"], node["dataset"], node["source_file"], node["source_row"]) == \
        ("amr", "enterprise_register", "企业登记.csv", 1)
    assert (node["load_run"], node["first_seen"], node["last_seen"]) == ("run-1", T1.at, T2.at)
    rel = store.query("MATCH (:Person)-[r:SHAREHOLDER_OF]->(e:Enterprise {uid: $uid}) RETURN r",
                      {"uid": "916401000000000002"})[0]["r"]
    assert (rel["load_run"], rel["first_seen"], rel["last_seen"], rel["ratio"]) == ("run-1", T1.at, T2.at, 1.0)


def test_reload_updates_given_properties_and_keeps_the_rest(store):
    load_sample(store, T1)
    store.upsert_nodes("Enterprise", [{"uid": "916401000000000001", "status": "deregistered"}], T2)
    node = store.query("MATCH (e:Enterprise {uid: '916401000000000001'}) RETURN e")[0]["e"]
    assert node["status"] == "deregistered" and node["name"] == "宁夏甲科技有限公司"
    assert node["established_on"] == dt.date(2015, 3, 1)


@pytest.mark.parametrize("hostile", [
    "x' OR 1=1 //", "}) DETACH DELETE n //", 'back\\slash "double" \'single\'', "MATCH (n) DETACH DELETE n",
    "宁夏\n换行\t制表",
])
def test_user_data_travels_only_as_parameters(store, hostile):
    load_sample(store)
    store.upsert_nodes("Enterprise", [{"uid": hostile, "name": hostile, "industry": hostile}])
    store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise",
                               [{"from": "640104198001010011", "to": hostile}])
    found = store.query("MATCH (e:Enterprise) WHERE e.name = $name RETURN e.uid AS uid, e.industry AS industry",
                        {"name": hostile})
    assert found == [{"uid": hostile, "industry": hostile}]
    counts = store.counts()
    assert counts["nodes"]["Enterprise"] == 3 and counts["nodes"]["Person"] == 2
    assert counts["relationships"]["SHAREHOLDER_OF"] == 3


def test_values_come_back_as_plain_python(store):
    load_sample(store)
    row = store.query(
        "MATCH (p:Person)-[s:SHAREHOLDER_OF]->(e:Enterprise) "
        "RETURN sum(s.ratio) AS ratio_sum, count(*) AS n, sum(e.source_row) AS rows, "
        "min(e.established_on) AS first_date, 'text' AS s, true AS flag, [1, 2] AS numbers")[0]
    assert row == {"ratio_sum": 1.6, "n": 2, "rows": 3, "first_date": dt.date(2015, 3, 1), "s": "text",
                   "flag": True, "numbers": [1, 2]}
    assert type(row["n"]) is int and type(row["rows"]) is int and type(row["ratio_sum"]) is float
    node = store.query("MATCH (p:Person {uid: '640104198203040022'}) RETURN p")[0]["p"]
    assert node["_label"] == "Person" and node["birth_date"] is None and node["name"] == "李四"
    assert isinstance(node["first_seen"], dt.datetime)


def test_neighbourhood_fetches_n_hops(store):
    load_sample(store)
    one = store.neighbourhood([("Enterprise", "916401000000000001")], hops=1)
    assert set(one.nodes) == {("Enterprise", "916401000000000001"), ("Person", "640104198001010011")}
    assert [(r["_type"], r["_from"], r["_to"]) for r in one.rels.values()] == \
        [("SHAREHOLDER_OF", ("Person", "640104198001010011"), ("Enterprise", "916401000000000001"))]
    two = store.neighbourhood([("Enterprise", "916401000000000001")], hops=2)
    assert set(two.nodes) == {("Enterprise", "916401000000000001"), ("Person", "640104198001010011"),
                              ("Enterprise", "916401000000000002"), ("Person", "640104198203040022")}
    assert sorted(r["_type"] for r in two.rels.values()) == ["KIN_OF", "SHAREHOLDER_OF", "SHAREHOLDER_OF"]
    capped = store.neighbourhood([("Enterprise", "916401000000000001")], hops=2, max_nodes=3)
    assert len(capped.nodes) == 3 and capped.truncated


def test_relationship_to_a_missing_node_is_refused(store):
    load_sample(store)
    with pytest.raises(StoreError, match=r"1 Person key\(s\) such as \['640000000000000000'\]"):
        store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise",
                                   [{"from": "640000000000000000", "to": "916401000000000001"}])
    assert store.counts()["relationships"]["SHAREHOLDER_OF"] == 2


def test_rows_that_break_the_schema_are_refused_with_the_reason(store):
    with pytest.raises(StoreError, match=r"unknown properties \['colour'\]"):
        store.upsert_nodes("Enterprise", [{"uid": "1", "colour": "red"}])
    with pytest.raises(StoreError, match="'registered_capital' expects DOUBLE"):
        store.upsert_nodes("Enterprise", [{"uid": "1", "registered_capital": "a lot"}])
    with pytest.raises(StoreError, match="key 'uid' is missing"):
        store.upsert_nodes("Enterprise", [{"name": "nameless"}])
    with pytest.raises(KeyError, match=r"does not join \(Property\)->\(Enterprise\)"):
        store.upsert_relationships("SHAREHOLDER_OF", "Property", "Enterprise", [{"from": "a", "to": "b"}])
    assert store.counts()["nodes"]["Enterprise"] == 0


def test_large_batches_span_several_write_batches(store):
    store.batch_size = 7
    rows = [{"uid": f"P{i:03d}", "name": f"n{i}"} for i in range(50)]
    assert store.upsert_nodes("Person", rows) == UpsertResult(50, 0)
    assert store.upsert_nodes("Person", rows + [{"uid": "P999"}]) == UpsertResult(1, 50)
    assert store.counts()["nodes"]["Person"] == 51
