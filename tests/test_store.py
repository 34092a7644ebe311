"""The store interface behaves the same on the embedded Ladybug engine and on Neo4j 5."""
from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from crossaudit.engine import RunStamp, SCHEMA, StoreError, UpsertResult, open_store
from crossaudit.engine.store import row_columns

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


def test_query_arrow_returns_columns_also_when_nothing_matches(store):
    load_sample(store)
    table = store.query_arrow(
        "MATCH (p:Person)-[s:SHAREHOLDER_OF]->(e:Enterprise) WHERE s.ratio >= $share "
        "RETURN p.uid AS a, e.uid AS b, s.ratio AS ratio ORDER BY b", {"share": 0.5})
    assert table.column_names == ["a", "b", "ratio"]
    assert table.to_pylist() == [
        {"a": "640104198001010011", "b": "916401000000000001", "ratio": 0.6},
        {"a": "640104198001010011", "b": "916401000000000002", "ratio": 1.0}]
    empty = store.query_arrow("MATCH (p:Person) WHERE p.uid = $uid RETURN p.uid AS a, p.name AS name",
                              {"uid": "nobody"})
    assert empty.num_rows == 0 and empty.column_names == ["a", "name"]


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


def _graph(store) -> tuple[list, list]:
    """Every Person and Enterprise and every SHAREHOLDER_OF and EMPLOYS, without last_seen."""
    def without_last_seen(value):
        return {k: v for k, v in value.items() if k != "last_seen"}
    nodes = [without_last_seen(row["n"]) for label in ("Person", "Enterprise")
             for row in store.query(f"MATCH (n:{label}) RETURN n ORDER BY n.uid")]
    rels = [without_last_seen(row["r"]) for rel_type in ("SHAREHOLDER_OF", "EMPLOYS")
            for row in store.query(f"MATCH ()-[r:{rel_type}]->() RETURN r ORDER BY r.rid")]
    return nodes, rels


def test_a_delivery_written_in_many_parallel_batches_reloads_to_the_same_graph(store_uri):
    # Batches of 7 rows, 3 at a time on Neo4j: concurrent transactions create relationships on
    # the same hub enterprise in both directions (lock waits, deadlocks the driver retries).
    options = {"batch_size": 7, **({"writers": 3} if store_uri.startswith("bolt") else {})}
    persons = [{"uid": f"P{i:03d}", "name": f"人{i}", "source_row": i} for i in range(60)]
    firms = [{"uid": f"E{i:02d}", "name": f"企业{i}", "source_row": i} for i in range(12)]
    shares = [{"from": f"P{i:03d}", "to": "E00" if i % 2 else f"E{i % 12:02d}", "ratio": i / 100} for i in range(60)]
    employs = [{"from": "E00" if i % 3 else f"E{i % 12:02d}", "to": f"P{i:03d}", "wage_base": 4000.0 + i}
               for i in range(60)]
    facts = ({"Person": [row_columns(persons)], "Enterprise": [row_columns(firms)]},
             {("SHAREHOLDER_OF", "Person", "Enterprise"): [row_columns(shares)],
              ("EMPLOYS", "Enterprise", "Person"): [row_columns(employs)]})
    with open_store(store_uri, **options) as store:
        store.apply_schema()
        assert store.upsert_facts(*facts, T1) == UpsertResult(60 + 12 + 60 + 60, 0)
        first = _graph(store)
        assert store.upsert_facts(*facts, T2) == UpsertResult(0, 60 + 12 + 60 + 60)
        assert _graph(store) == first
    assert [len(part) for part in first] == [72, 120]
    assert {(r["ratio"], r["load_run"]) for r in first[1] if r["_type"] == "SHAREHOLDER_OF"} == \
        {(i / 100, "run-1") for i in range(60)}


def test_batches_written_together_count_as_upserted_one_after_the_other(store):
    # E1 twice in the first batch (later values win, so row 2's provenance), renamed by the second.
    first = [{"uid": "E1", "name": "甲", "source_row": 1, "department": "amr"},
             {"uid": "E1", "registered_capital": 5.0, "source_row": 2, "department": "amr"}]
    second = [{"uid": "E1", "name": "乙", "source_row": 3, "department": "tax"}, {"uid": "E2", "name": "丙"}]
    shareholding = [{"from": "P1", "to": "E1", "ratio": 0.5}]
    store.upsert_nodes("Person", [{"uid": "P1"}], T1)
    result = store.upsert_facts(
        {"Enterprise": [row_columns(first), row_columns(second)]},
        {("SHAREHOLDER_OF", "Person", "Enterprise"): [row_columns(shareholding), row_columns(shareholding)]}, T1)
    assert result == UpsertResult(3, 0)  # E1, E2 and one shareholding
    rows = store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.name AS name, e.registered_capital AS capital, "
                       "e.source_row AS source_row, e.department AS department ORDER BY uid")
    assert rows == [{"uid": "E1", "name": "乙", "capital": 5.0, "source_row": 2, "department": "amr"},
                    {"uid": "E2", "name": "丙", "capital": None, "source_row": None, "department": None}]
    assert store.counts()["relationships"]["SHAREHOLDER_OF"] == 1
    again = store.upsert_facts({"Enterprise": [row_columns(first), row_columns(second)]}, {}, T2)
    assert again == UpsertResult(0, 2)


# The enterprise register's row, and a road permit's copy of the same firm: its name misspelt
# (物留 for 物流), a county the register does not give. The transport file may load before or
# after the register, in another call or in the same one.
REGISTER = {"uid": "91640300MA76G4LX2K", "name": "吴忠黄河物流有限责任公司", "status": "operating",
            "registered": True, "department": "amr", "source_row": 7}
PERMIT = {"uid": "91640300MA76G4LX2K", "name": "吴忠黄河物留有限责任公司", "status": "cancelled",
          "region_code": "640302", "department": "transport", "source_row": 3}
KEPT = {"name": "吴忠黄河物流有限责任公司", "status": "operating", "region_code": "640302", "registered": True}


def _firm(store) -> dict:
    return store.query("MATCH (e:Enterprise) RETURN e.name AS name, e.status AS status, "
                       "e.region_code AS region_code, e.registered AS registered")[0]


@pytest.mark.parametrize("order", [(REGISTER, PERMIT), (PERMIT, REGISTER)], ids=["register first", "permit first"])
def test_a_copy_of_a_registered_firm_only_fills_what_the_register_left_empty(store, order):
    for row in order:  # one delivery after the other
        store.upsert_nodes("Enterprise", [row], T1)
    assert _firm(store) == KEPT
    store.upsert_nodes("Enterprise", [PERMIT], T2)  # the next month's permits: nothing changes
    assert _firm(store) == KEPT
    store.clear()
    store.upsert_facts({"Enterprise": [row_columns([row]) for row in order]}, {}, T1)  # both in one write
    assert _firm(store) == KEPT
    store.clear()
    store.upsert_nodes("Enterprise", list(order), T1)  # both in one batch
    assert _firm(store) == KEPT


def test_a_registers_next_delivery_renames_the_firm(store):
    store.upsert_nodes("Enterprise", [REGISTER, PERMIT], T1)
    renamed = {**REGISTER, "name": "宁夏黄河物流集团有限公司"}
    store.upsert_nodes("Enterprise", [renamed], T2)
    assert _firm(store) == {**KEPT, "name": "宁夏黄河物流集团有限公司"}
    without_register = {**PERMIT, "uid": "91640300MA76G4LX3X"}  # no register names it: the last copy wins
    store.upsert_nodes("Enterprise", [without_register, {**without_register, "name": "黄河物流"}], T2)
    assert store.query("MATCH (e:Enterprise {uid: $u}) RETURN e.name AS name, e.registered AS registered",
                       {"u": "91640300MA76G4LX3X"}) == [{"name": "黄河物流", "registered": None}]


def test_a_table_with_an_empty_chunk_between_others_is_written_whole(store):
    # Ladybug's COPY and LOAD FROM stop at the first empty chunk of an Arrow table and drop the
    # rest without a word; a table concatenated from batches may carry one.
    from crossaudit.engine.store import node_table, rel_table

    def phones(numbers):
        return node_table(SCHEMA.node("Phone"), [{"number": numbers}])

    def links(numbers):
        return rel_table(SCHEMA.rel("HAS_PHONE"), "Person", "Phone", [{"from": ["P1"] * len(numbers), "to": numbers}])

    nodes = pa.concat_tables([phones(["1", "2"]), phones([]), phones(["3"])])
    assert nodes["number"].num_chunks == 3
    store.upsert_nodes("Person", [{"uid": "P1"}], T1)
    result = store.upsert_facts({"Phone": [nodes]},
                                {("HAS_PHONE", "Person", "Phone"): [pa.concat_tables([links(["1"]), links([]),
                                                                                      links(["3"])])]}, T1)
    assert result == UpsertResult(5, 0)
    assert store.counts()["nodes"]["Phone"] == 3
    assert store.counts()["relationships"]["HAS_PHONE"] == 2


def test_columns_are_checked_like_rows(store):
    with pytest.raises(StoreError, match=r"Enterprise row 1: the key 'uid' is missing"):
        store.upsert_facts({"Enterprise": [{"uid": ["E1", ""], "name": ["甲", "乙"]}]}, {}, T1)
    with pytest.raises(StoreError, match="'source_row' expects INT64"):
        store.upsert_facts({"Enterprise": [{"uid": ["E1"], "source_row": ["first"]}]}, {}, T1)
    assert store.counts()["nodes"]["Enterprise"] == 0


def test_a_large_write_and_a_small_one_both_refuse_missing_endpoints(store):
    persons = [{"uid": f"P{i}"} for i in range(30)]
    store.upsert_nodes("Person", persons)
    store.upsert_nodes("Enterprise", [{"uid": "E1"}])
    rows = [{"from": p["uid"], "to": "E1"} for p in persons] + [{"from": "P-missing", "to": "E1"}]
    for copy_min_rows in (10, 1000):  # on Ladybug: a COPY, then a LOAD FROM … CREATE
        store.copy_min_rows = copy_min_rows
        with pytest.raises(StoreError, match=r"1 Person key\(s\) such as \['P-missing'\]"):
            store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise", rows)
        assert store.counts()["relationships"]["SHAREHOLDER_OF"] == 0


def test_amounts_read_through_a_relationship_are_the_amounts_stored(store):
    """Ladybug 0.22 with its default compression returned 0.0 for about one amount or tax in four
    hundred read from a firm through ISSUED once a table held 100k invoices (the medium and large
    regions: rules read wrong amounts); the store creates its databases uncompressed."""
    import random

    rng = random.Random(7)
    invoices = [{"invoice_no": f"I{k:07d}", "amount": round(rng.uniform(1e4, 2e6), 2)} for k in range(100_000)]
    for invoice in invoices:
        invoice["tax"] = round(invoice["amount"] * rng.choice((0.13, 0.09, 0.06, 0.03)), 2)
    firms = [f"9164{k:014d}" for k in range(5_000)]
    store.upsert_nodes("Enterprise", [{"uid": uid} for uid in firms], T1)
    store.upsert_nodes("Invoice", invoices, T1)
    store.upsert_relationships("ISSUED", "Enterprise", "Invoice", [
        {"from": firms[k * len(firms) // len(invoices)], "to": invoice["invoice_no"]}
        for k, invoice in enumerate(invoices)], T1)
    stored = {i["invoice_no"]: (i["amount"], i["tax"]) for i in invoices}
    read = [(row["no"], (row["amount"], row["tax"])) for uid in rng.sample(firms, 300) for row in store.query(
        "MATCH (v:Enterprise {uid: $uid})-[s:ISSUED]->(i:Invoice) "
        "RETURN i.invoice_no AS no, i.amount AS amount, i.tax AS tax", {"uid": uid})]
    assert len(read) == 300 * 20
    assert [(no, values) for no, values in read if values != stored[no]] == []
