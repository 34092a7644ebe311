"""Explore pages: key lookup, the capped network, findings and evidence paths, masking, the page.

The graph is the small related-party case of tests/case_fixture.py, on both engines.
"""
from __future__ import annotations

import doctest
import importlib
import json
import re

import pytest
from click.testing import CliRunner

from case_fixture import A, B, C, CERT_NO, ID_NUMBERS, INV1, INV2, P, Q, R, TF, U1
from case_fixture import case_store, case_uri  # noqa: F401  (fixtures)
from crossaudit.cli import main_group
from crossaudit.engine import SCHEMA
from crossaudit.engine.access import Clearance, mask_id_number
from crossaudit.viz.case import CaseError, build_case, evidence_paths, risk
from crossaudit.viz.document import case_document
from crossaudit.viz.explore import explore
from crossaudit.viz.lookup import AmbiguousKey, LookupFailed, find_entity
from crossaudit.viz.page import explore_page, vis_data
from crossaudit.viz.subgraph import CONTEXT_PAIRS, expand
from crossaudit.viz.vocab import LABEL_NAMES, PROP_NAMES, REL_NAMES


# --- lookup ------------------------------------------------------------------------------

@pytest.mark.parametrize("key, expected", [
    ("91640100A", A), (P[1], P), (CERT_NO, U1), ("宁夏乙科技有限公司", B), ("乙科技", B), ("李娜", Q), ("INV2", INV2),
])
def test_find_entity_by_identifier_or_name(case_store, key, expected):
    assert find_entity(case_store, key).ident == expected


def test_an_ambiguous_name_lists_the_candidates(case_store):
    with pytest.raises(AmbiguousKey) as raised:
        find_entity(case_store, "张伟")
    assert sorted(c.ident for c in raised.value.candidates) == [P, R]
    masked = sorted(c.shown(cleared=False).identifier for c in raised.value.candidates)
    assert masked == [mask_id_number(P[1]), mask_id_number(R[1])] == ["6401**********0113", "6402**********0338"]


def test_an_unknown_key_is_a_clear_error(case_store):
    with pytest.raises(LookupFailed, match="nothing matches '无此企业'"):
        find_entity(case_store, "无此企业")


# --- the network -------------------------------------------------------------------------

def test_expand_walks_hop_by_hop(case_store):
    assert set(expand(case_store, [A], depth=1).nodes) == {A, P, INV1, INV2, *TF}
    assert set(expand(case_store, [A], depth=2).nodes) == {A, P, INV1, INV2, *TF, Q, B}
    network = expand(case_store, [A], depth=4)
    assert set(network.nodes) == {A, B, C, P, Q, R, U1, INV1, INV2, *TF}
    assert len(network.rels) == 13 and not network.truncated
    assert all(rel["_from"] in network.nodes and rel["_to"] in network.nodes for rel in network.rels.values())


def test_bookkeeping_nodes_are_not_part_of_the_network(case_store):
    network = expand(case_store, [A], depth=4)
    assert {label for label, _ in network.nodes} <= set(LABEL_NAMES)
    assert {rel["_type"] for rel in network.rels.values()} <= set(REL_NAMES)


def test_per_type_cap_keeps_the_first_keys_and_notes_the_rest(case_store):
    network = expand(case_store, [A], depth=1, max_per_type=2)
    assert {key for label, key in network.nodes if label == "TaxFiling"} == {"TF1", "TF2"}
    assert [(o.node, o.rel_type, o.label, o.total, o.shown) for o in network.omissions] == [
        (A, "FILED", "TaxFiling", 3, 2)]
    assert network.truncated


def test_node_cap_keeps_people_and_transactions_before_filings(case_store):
    network = expand(case_store, [A], depth=1, max_nodes=4)
    assert set(network.nodes) == {A, P, INV1, INV2}
    assert network.left_out == {"TaxFiling": 3}


def test_exploring_from_bookkeeping_is_refused(case_store):
    with pytest.raises(ValueError, match="cannot explore from a Finding node"):
        expand(case_store, [("Finding", "F-related")])


# --- findings, risk, evidence -----------------------------------------------------------

def test_risk_counts_open_findings_by_severity(case_store):
    case = build_case(case_store, [A], depth=4)
    everything = Clearance()
    assert risk(case.seen_findings(A, everything)) == 4 + 1  # F-related (high) + F-minor (low)
    assert risk(case.seen_findings(B, everything)) == 4
    assert risk(case.seen_findings(C, everything)) == 0  # F-dismissed does not count
    assert [f["finding_id"] for f in case.findings[A]] == ["F-related", "F-minor"]  # most severe first


def test_a_reader_sees_only_the_findings_of_their_offices(case_store):
    case = build_case(case_store, [A], depth=1)
    county = Clearance(offices=frozenset({"16401040000"}))  # F-related's office; F-minor is 16402050000's
    assert [f["finding_id"] for f in case.seen_findings(A, county)] == ["F-related"]
    node = next(n for n in case_document(case, county)["nodes"] if n["key"] == A[1])
    assert [f["finding_id"] for f in node["findings"]] == ["F-related"] and node["risk"] == 4


def test_finding_case_flags_entities_and_finds_the_evidence_paths(case_store):
    case = build_case(case_store, finding_id="F-related", depth=1)
    assert case.flagged == {A: ["seller"], B: ["buyer"], P: ["controller"], Q: ["controller"],
                            INV1: ["invoice"], INV2: ["invoice"]}
    assert case.paths == [[A, P, Q, B], [A, INV1, B], [A, INV2, B]]
    assert len(case.path_rels()) == 3 + 2 + 2
    assert case.unconnected() == []
    assert set(case.network.nodes) == {A, B, C, P, Q, INV1, INV2, *TF}


def test_control_and_kinship_paths_join_parties_a_rule_flags_without_their_people(case_store):
    graph = build_case(case_store, finding_id="F-related", depth=1).graph()
    # A rule that flags the two firms and the invoices but not the people behind them.
    assert evidence_paths(graph, [A, B, INV1, INV2]) == [[A, P, Q, B], [A, INV1, B], [A, INV2, B]]


def test_unknown_finding_is_a_clear_error(case_store):
    with pytest.raises(CaseError, match="no finding 'F-nope'"):
        build_case(case_store, finding_id="F-nope")


def test_sources_list_every_row_describing_a_node(case_store):
    case = build_case(case_store, [A], depth=0)
    assert [(s["source_file"], s["source_row"], s["role"]) for s in case.sources[A]] == [
        ("market_regulation/企业登记信息.csv", 1, "enterprise"), ("tax/invoices.csv", 1, "seller")]


# --- the document and masking -----------------------------------------------------------

def test_every_fact_in_the_document_has_its_provenance(case_store):
    doc = case_document(build_case(case_store, [A], depth=4), cleared=True)
    assert len(doc["nodes"]) == 12 and len(doc["relationships"]) == 13
    for fact in doc["nodes"] + doc["relationships"]:
        provenance = fact["provenance"]
        assert provenance["department"] and provenance["source_file"] and provenance["source_row"] >= 1, fact
        assert provenance["first_seen"] and provenance["last_seen"] and provenance["load_run"], fact


def test_uncleared_documents_mask_id_numbers_everywhere(case_store):
    case = build_case(case_store, finding_id="F-related", depth=4)
    masked = json.dumps(case_document(case, cleared=False), ensure_ascii=False)
    assert not any(number in masked for number in ID_NUMBERS)
    assert "6401**********0113" in masked and "6401**********0223" in masked
    person = next(n for n in case_document(case, cleared=False)["nodes"] if n["type"] == "Person")
    assert person["key"] == person["properties"]["id_number"] == person["properties"]["uid"]
    assert re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", person["key"])
    cleared = json.dumps(case_document(case, cleared=True), ensure_ascii=False)
    assert all(number in cleared for number in ID_NUMBERS)


def test_id_number_fields_are_masked_even_when_invalid():
    props = {"uid": "12345678901234567X", "id_number": "12345678901234567X", "name": "王"}
    shown = Clearance(ids=False).fact("Person", props)
    assert shown == {"uid": "1234**********567X", "id_number": "1234**********567X", "name": "王"}
    assert Clearance(ids=True).fact("Person", props)["id_number"] == "12345678901234567X"


# --- the page -----------------------------------------------------------------------------

def test_vis_data_styles_highlights_and_groups(case_store):
    doc = case_document(build_case(case_store, finding_id="F-related", depth=1), cleared=True)
    data = vis_data(doc)
    assert len(data["nodes"]) == 10
    by_kind = {n["kind"]: n for n in data["nodes"] if not n["flagged"]}
    assert by_kind["Enterprise"]["shape"] == "square" and by_kind["TaxFiling"]["shape"] == "dot"
    flagged = [n for n in data["nodes"] if n["flagged"]]
    assert len(flagged) == 6 and all(n["borderWidth"] == 4 for n in flagged)
    sizes = {n["id"]: n["size"] for n in data["nodes"]}
    a_id = next(n["id"] for n in doc["nodes"] if n["key"] == A[1])
    b_id = next(n["id"] for n in doc["nodes"] if n["key"] == B[1])
    assert sizes[a_id] > sizes[b_id]  # A carries a second finding
    assert sum(e["evidence"] for e in data["edges"]) == 7
    tooltip = next(n["title"] for n in data["nodes"] if n["id"] == a_id)
    assert "market_regulation/企业登记信息.csv 第 1 行" in tooltip and "市场监督管理厅" in tooltip
    assert "[高] 关联方低价交易 (F-related)" in tooltip and "[低] 小额疑点 (F-minor)" in tooltip
    edge = next(e for e in data["edges"] if e["label"].startswith("亲属"))
    assert edge["label"] == "亲属 配偶" and "market_regulation/企业登记信息.csv 第 104 行" in edge["title"]


def test_the_page_is_self_contained_with_legend_and_cap_notes(case_store):
    doc = case_document(build_case(case_store, [A], depth=1, max_per_type=2), cleared=True)
    html = explore_page(doc, "宁夏甲商贸有限公司")
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?:", html)
    assert "<link" not in html and "vis.Network" in html and "@version 9.1.2" in html
    assert 'id="legend"' in html and "节点大小" in html and "疑点标记的实体" not in html  # no finding shown
    assert "宁夏甲商贸有限公司: 申报 纳税申报 显示 2 / 共 3" in html
    assert f'data-nodes="{len(doc["nodes"])}"' in html


def test_explore_by_name_masks_the_page_for_uncleared_users(case_store):
    html, doc = explore(case_store, "李娜", depth=1, cleared=False)
    assert {n["type"] for n in doc["nodes"]} == {"Person", "Enterprise"}
    assert not any(number in html for number in ID_NUMBERS) and "6401**********0223" in html


# --- the CLI -----------------------------------------------------------------------------

def test_cli_explore_writes_a_page(case_uri, tmp_path):
    out = tmp_path / "page.html"
    result = CliRunner().invoke(main_group, ["--store", case_uri, "explore", "91640100A", "--depth", "1",
                                             "--finding", "F-related", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out}: 10 nodes, 11 relationships")
    assert "关联方低价交易" in out.read_text(encoding="utf-8")


def test_cli_explore_lists_candidates_of_an_ambiguous_name(case_uri, tmp_path):
    result = CliRunner().invoke(main_group, ["--store", case_uri, "explore", "张伟", "--mask-ids",
                                             "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 1
    assert "6401**********0113" in result.output and "6402**********0338" in result.output
    assert "matches 2 entities" in result.output and not (tmp_path / "x.html").exists()


def test_cli_explore_needs_a_key_or_a_finding(case_uri):
    result = CliRunner().invoke(main_group, ["--store", case_uri, "explore"])
    assert result.exit_code == 1 and "give a KEY" in result.output


# --- contracts ---------------------------------------------------------------------------

def test_every_shown_property_has_a_chinese_name():
    labels = [SCHEMA.node(label) for label in LABEL_NAMES]
    rels = [SCHEMA.rel(rel_type) for rel_type in REL_NAMES]
    names = {p.name for item in labels + rels for p in item.all_props} - {"rid"}
    assert sorted(names - set(PROP_NAMES)) == []
    assert {t for types in CONTEXT_PAIRS.values() for t in types} == set(REL_NAMES)


@pytest.mark.parametrize("module", ["vocab", "subgraph", "case", "document", "page", "export"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(f"crossaudit.viz.{module}"))
    assert result.failed == 0 and result.attempted > 0
