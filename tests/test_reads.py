"""Reads stay a few batched queries: a finding's network page and its case export read the store
in a number of queries that the schema bounds (labels and relationship types per hop), not the
graph — the same when the case's entities have one more invoice, filing and relative each as
when they have dozens (hubs the per-type cap cuts, and the rows describing them) — on both engines.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from case_fixture import A, B, P, plant_case, tax
from crossaudit.cypher.reads import keyed
from crossaudit.engine import open_store
from crossaudit.engine.access import Clearance
from crossaudit.viz.case import build_case, sources_by_node
from crossaudit.viz.explore import explore
from crossaudit.viz.export import export_finding

# How many each hub gains: well over the per-type caps (12 on pages, 20 in exports).
GROWTH = 40


class QueryCount:
    """Counts the statements a store runs (query, query_read, query_arrow) while it is active."""

    def __init__(self, store, monkeypatch):
        self.by_kind: Counter = Counter()
        for name in ("query", "query_read", "query_arrow"):
            original = getattr(store, name)

            def counted(cypher, params=None, _original=original, _name=name):
                self.by_kind[_name] += 1
                return _original(cypher, params)

            monkeypatch.setattr(store, name, counted)

    def during(self, read) -> int:
        self.by_kind.clear()
        read()
        return sum(self.by_kind.values())


def grow(store, first: int, last: int) -> None:
    """Invoices from A to B, filings of A and relatives of P numbered first … last - 1, each
    described by a source row."""
    numbers = range(first, last)
    invoices, filings = [f"INVX{i:03}" for i in numbers], [f"TFX{i:03}" for i in numbers]
    people = [f"64010419900101{i:04}" for i in numbers]
    store.upsert_nodes("Invoice", [{"invoice_no": key, "amount": 1000.0 + i, "issued_on": dt.date(2023, 7, 1),
                                    **tax("invoices", 10 + i)} for i, key in enumerate(invoices)])
    store.upsert_nodes("TaxFiling", [{"filing_id": key, "tax_type": "vat", "period": "2023-07",
                                      **tax("filings", 10 + i)} for i, key in enumerate(filings)])
    store.upsert_nodes("Person", [{"uid": key, "id_number": key, "name": f"亲属{i}", **tax("people", i)}
                                  for i, key in enumerate(people)])
    provenance = tax("grown", 1)
    store.upsert_relationships("ISSUED", "Enterprise", "Invoice", [{"from": A[1], "to": k, **provenance} for k in invoices])
    store.upsert_relationships("RECEIVED", "Enterprise", "Invoice", [{"from": B[1], "to": k, **provenance}
                                                                     for k in invoices])
    store.upsert_relationships("FILED", "Enterprise", "TaxFiling", [{"from": A[1], "to": k, **provenance} for k in filings])
    store.upsert_relationships("KIN_OF", "Person", "Person", [{"from": P[1], "to": k, "kind": "sibling", **provenance}
                                                              for k in people])
    described = [("Enterprise", A[1]), *[("Invoice", k) for k in invoices], *[("TaxFiling", k) for k in filings]]
    records = [(f"g{first}-{i}", label, key) for i, (label, key) in enumerate(described)]
    store.upsert_nodes("SourceRecord", [{"record_id": record, **tax("grown", first + i)}
                                        for i, (record, _, _) in enumerate(records)])
    for label in ("Enterprise", "Invoice", "TaxFiling"):
        store.upsert_relationships("DESCRIBES", "SourceRecord", label, [
            {"from": record, "to": key, "role": "grown"} for record, of, key in records if of == label])


@pytest.fixture
def case_store(store, monkeypatch):
    plant_case(store)
    return store, QueryCount(store, monkeypatch)


def test_a_findings_page_and_export_take_as_many_queries_however_large_the_network(case_store, tmp_path):
    store, count = case_store
    page = lambda: explore(store, finding_id="F-related", depth=2, cleared=Clearance())  # noqa: E731
    export = lambda: export_finding(store, "F-related", "xlsx", tmp_path / "case.xlsx", cleared=True,  # noqa: E731
                                    depth=2)
    grow(store, 0, 1)  # the network reaches the same labels at each hop as it will when grown
    before = (count.during(page), count.during(export))
    nodes_before = len(build_case(store, finding_id="F-related", depth=2).network.nodes)
    grow(store, 1, GROWTH)
    case = build_case(store, finding_id="F-related", depth=2)
    assert len(case.network.nodes) > nodes_before + 20 and case.network.omissions  # the hubs were capped
    assert (count.during(page), count.during(export)) == before
    assert max(before) < 60, before


def test_sources_are_one_query_per_label_with_every_row(case_store):
    store, count = case_store
    grow(store, 0, 2)
    nodes = [A, ("Invoice", "INVX000"), ("Invoice", "INVX001"), ("TaxFiling", "TFX000")]
    queries = count.during(lambda: sources_by_node(store, nodes))
    found = sources_by_node(store, nodes)
    assert queries == 3  # one for Enterprise, one for Invoice, one for TaxFiling
    assert [(s["source_file"], s["source_row"], s["role"]) for s in found[A]] == [
        ("market_regulation/企业登记信息.csv", 1, "enterprise"), ("tax/grown.csv", 0, "grown"),
        ("tax/invoices.csv", 1, "seller")]  # ordered by file and row
    assert [s["source_row"] for s in found[("Invoice", "INVX001")]] == [2]
    assert ("Person", P[1]) not in sources_by_node(store, [("Person", P[1])])  # no row describes P


@pytest.mark.parametrize("store_uri", ["ladybug"], indirect=True)
def test_many_distinct_statements_do_not_fill_a_small_ladybug_page_cache(store_uri, monkeypatch):
    """The ladybug package caches every prepared statement (about 4 MB of the pool each) until its
    connection closes; the store keeps the last PREPARED_KEPT, or as many as half of the pool
    holds when a server asks for more (Store.keep_statements): 200 statements run in 96 MB."""
    monkeypatch.setenv("CROSSAUDIT_LADYBUG_BUFFER_MB", "96")
    with open_store(store_uri) as store:
        store.apply_schema()
        plant_case(store)
        store.keep_statements(96, 3)  # as the console asks
        for number in range(200):
            rows = store.query(f"{keyed('Enterprise', 'uid')} OPTIONAL MATCH (n)-[r:ISSUED]->(b:Invoice) "
                               f"RETURN k, collect(b.invoice_no) AS invoices{number}", {"keys": [A[1]]})
            assert sorted(rows[0][f"invoices{number}"]) == ["INV1", "INV2"]
