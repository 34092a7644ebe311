"""Case exports: JSON against its documented schema, GraphML and JSON round trips, xlsx sheets and
columns, the HTML report, batches, and the CLI — on both engines, on tests/case_fixture.py's case.

The F-related case at depth 1 holds 10 nodes (A, B, C, P, Q, INV1, INV2, TF1-3) and the 11
relationships between them; its evidence paths are A-P-Q-B, A-INV1-B and A-INV2-B.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import jsonschema
import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

from case_fixture import ID_NUMBERS, plant_case
from case_fixture import case_store, case_uri  # noqa: F401  (fixtures)
from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.rules import chinese_texts
from crossaudit.viz.case import build_case
from crossaudit.viz.document import case_document
from crossaudit.viz.export import (
    PROVENANCE_COLUMNS, SHEET_EVIDENCE, SHEET_PROVENANCE, SHEET_RELATIONSHIPS, export_finding, export_findings,
    select_findings, write_xlsx,
)
from crossaudit.viz.page import explore_page, report_page

DOC = Path(__file__).resolve().parent.parent / "docs" / "case-export.md"


def documented_schema() -> dict:
    """The JSON Schema block at the end of docs/case-export.md."""
    text = DOC.read_text(encoding="utf-8")
    return json.loads(re.search(r"## JSON Schema\s+```json\n(.*?)```", text, re.S).group(1))


@pytest.fixture(scope="module")
def exported(case_store, tmp_path_factory):
    """The F-related case in all four formats: {format: (path, document)}."""
    folder = tmp_path_factory.mktemp("export")
    return {fmt: (folder / f"case.{fmt}", export_finding(case_store, "F-related", fmt, folder / f"case.{fmt}",
                                                         cleared=True))
            for fmt in ("json", "graphml", "xlsx", "html")}


def test_json_follows_the_documented_schema_and_reads_back(exported):
    path, doc = exported["json"]
    read = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(read, documented_schema())
    assert read == doc
    assert len(read["nodes"]) == 10 and len(read["relationships"]) == 11
    captions = {n["id"]: n["caption"] for n in read["nodes"]}
    assert [[captions[n] for n in p["nodes"]] for p in read["evidence_paths"]] == [
        ["宁夏甲商贸有限公司", "张伟", "李娜", "宁夏乙科技有限公司"],
        ["宁夏甲商贸有限公司", "INV1\n100,000.00元 2023-05-01", "宁夏乙科技有限公司"],
        ["宁夏甲商贸有限公司", "INV2\n50,000.00元 2023-06-01", "宁夏乙科技有限公司"]]
    assert read["evidence_paths"][0]["text"] == ("宁夏甲商贸有限公司 ←法定代表人— 张伟 —亲属 配偶→ 李娜 —法定代表人→ "
                                                 "宁夏乙科技有限公司")
    assert read["finding"]["identity"] == {"seller": "91640100A", "buyer": "91640100B"}
    assert read["omitted"] == {"per_type": [], "over_node_cap": {}}


def test_every_node_and_relationship_carries_provenance(exported):
    _, doc = exported["json"]
    for fact in doc["nodes"] + doc["relationships"]:
        assert fact["provenance"]["source_file"] and fact["provenance"]["source_row"], fact["id"]
        assert fact["provenance"]["first_seen"] <= fact["provenance"]["last_seen"]


def test_graphml_reads_back_with_the_same_nodes_edges_and_attributes(exported):
    path, doc = exported["graphml"]
    plain = nx.read_graphml(path)  # no parallel relationships here: a DiGraph, edge ids as `id`
    assert {(u, v, data["id"]) for u, v, data in plain.edges(data=True)} == {
        (r["from"], r["to"], r["id"]) for r in doc["relationships"]}
    graph = nx.read_graphml(path, force_multigraph=True)
    assert set(graph.nodes) == {n["id"] for n in doc["nodes"]}
    assert set(graph.edges(keys=True)) == {(r["from"], r["to"], r["id"]) for r in doc["relationships"]}
    for node in doc["nodes"]:
        attrs = graph.nodes[node["id"]]
        assert (attrs["node_type"], attrs["key"], attrs["label"]) == (node["type"], node["key"],
                                                                     node["caption"].replace("\n", " "))
        assert attrs["source_row"] == node["provenance"]["source_row"]
        assert attrs["first_seen"] == node["provenance"]["first_seen"]
        assert attrs["flagged"] == bool(node["flagged_roles"]) and attrs["risk"] == node["risk"]
    invoice = next(n for n in doc["nodes"] if n["key"] == "INV1")
    assert graph.nodes[invoice["id"]]["amount"] == 100000.0
    kin = next(r for r in doc["relationships"] if r["type"] == "KIN_OF")
    edge = graph.edges[kin["from"], kin["to"], kin["id"]]
    assert (edge["rel_type"], edge["kind"], edge["evidence"], edge["source_row"]) == ("KIN_OF", "spouse", True, 104)


def test_xlsx_has_a_sheet_per_node_type_and_chinese_headers(exported):
    path, doc = exported["xlsx"]
    sheets = pd.read_excel(path, sheet_name=None)
    assert list(sheets) == ["企业", "自然人", "发票", "纳税申报", SHEET_RELATIONSHIPS, SHEET_EVIDENCE, SHEET_PROVENANCE]
    firms = sheets["企业"]
    assert list(firms.columns[:3]) == ["编号", "统一标识", "统一社会信用代码"] and "名称" in firms.columns
    assert sorted(firms["名称"]) == ["宁夏丙建设有限公司", "宁夏乙科技有限公司", "宁夏甲商贸有限公司"]
    assert list(sheets["发票"].sort_values("发票号码")["金额(元)"]) == [100000.0, 50000.0]
    rels = sheets[SHEET_RELATIONSHIPS]
    assert len(rels) == 11 and {"起点", "终点", "类型", "证据路径"} <= set(rels.columns)
    assert (rels["证据路径"] == "是").sum() == 7
    assert rels.loc[rels["类型"] == "股东", "比例"].tolist() == [0.6]
    evidence = sheets[SHEET_EVIDENCE]
    assert list(evidence.columns) == ["类别", "项目", "内容"]
    assert (evidence["类别"] == "证据路径").sum() == 3 and (evidence["类别"] == "标记实体").sum() == 6
    provenance = sheets[SHEET_PROVENANCE]
    assert list(provenance.columns) == list(PROVENANCE_COLUMNS)
    assert len(provenance) == 10 + 11 + 2  # every fact once, and the two source rows describing A
    assert provenance["来源文件"].notna().all() and provenance["行号"].notna().all()


def test_html_report_is_self_contained_with_its_tables(exported):
    path, doc = exported["html"]
    html = path.read_text(encoding="utf-8")
    assert "<link" not in html and not re.search(r"(src|href)=[\"']?https?:", html)
    assert "疑点案卷 · 关联方低价交易" in html and "@page" in html
    evidence_rows = re.search(r'<table id="evidence-paths">.*?</table>', html, re.S).group(0).count("<tr>")
    provenance_rows = re.search(r'<table id="provenance">.*?</table>', html, re.S).group(0).count("<tr>")
    assert evidence_rows == 1 + 3 and provenance_rows == 1 + 10 + 11


def test_a_shipped_rules_case_reads_in_chinese(case_store, tmp_path):
    """The report, page and xlsx give the rule's Chinese title and description, not its English title;
    the JSON keeps both."""
    case = build_case(case_store, finding_id="F-related", depth=0)
    english = "Related parties invoicing each other far from the market price"
    case.finding = {**case.finding, "rule_id": "related-party-invoice-pricing", "title": english}
    case.findings = {node: [{**f, "title": english} for f in found] for node, found in case.findings.items()}
    doc = case_document(case, cleared=True)
    assert (doc["finding"]["title"], doc["finding"]["title_zh"]) == (english, "关联方之间开票价格明显偏离市场价格")
    assert doc["finding"]["description_zh"].startswith("发票的销售方与购买方属于同一利益关联组")
    report, page = report_page(doc, doc["finding"]["title_zh"]), explore_page(doc, doc["finding"]["title_zh"])
    assert "疑点案卷 · 关联方之间开票价格明显偏离市场价格" in report and "疑点说明" in report
    assert "利益关联组" in report and english not in report
    assert "关联方之间开票价格明显偏离市场价格 · 规则" in page and english not in page
    write_xlsx(doc, tmp_path / "case.xlsx")
    evidence = pd.read_excel(tmp_path / "case.xlsx", sheet_name=SHEET_EVIDENCE)
    assert "关联方之间开票价格明显偏离市场价格" in evidence["内容"].tolist() and english not in evidence["内容"].tolist()


def test_findings_show_gives_the_rule_in_chinese_with_lang_zh(store_uri):
    with open_store(store_uri) as store:
        store.apply_schema()
        plant_case(store)
        store.query("MATCH (f:Finding {finding_id: 'F-related'}) SET f.rule_id = 'related-party-invoice-pricing'")
    show = ["--store", store_uri, "findings", "show", "F-related"]
    english, chinese = (CliRunner().invoke(main_group, show + lang) for lang in ([], ["--lang", "zh"]))
    assert english.exit_code == chinese.exit_code == 0, english.output + chinese.output
    assert english.output.splitlines()[0] == "F-related  high  关联方低价交易"  # the title the finding carries
    assert chinese.output.splitlines()[:2] == ["F-related  high  关联方之间开票价格明显偏离市场价格",
                                               chinese_texts()["related-party-invoice-pricing"][1]]


def test_uncleared_exports_mask_id_numbers_in_every_format(case_store, tmp_path):
    for fmt in ("json", "graphml", "xlsx", "html"):
        path = tmp_path / f"case.{fmt}"
        export_finding(case_store, "F-related", fmt, path, cleared=False)
        text = path.read_bytes().decode("utf-8") if fmt != "xlsx" else json.dumps(
            {name: sheet.astype(str).values.tolist() for name, sheet in pd.read_excel(path, sheet_name=None).items()},
            ensure_ascii=False)
        assert not any(number in text for number in ID_NUMBERS), fmt
        assert "6401**********0113" in text, fmt


def test_select_findings_by_rule_or_office_leaves_dismissed_out(case_store):
    assert [f["finding_id"] for f in select_findings(case_store, rule="other-rule")] == ["F-minor"]
    assert [f["finding_id"] for f in select_findings(case_store, office="16402050000")] == ["F-minor"]
    assert [f["finding_id"] for f in select_findings(case_store, office="16401040000")] == ["F-related"]
    assert select_findings(case_store, rule="other-rule", office="16401040000") == []  # both must hold
    with pytest.raises(ValueError, match="a rule, an office or both"):
        select_findings(case_store)


def test_batch_writes_one_file_per_case_and_an_index(case_store, tmp_path):
    entries = export_findings(case_store, tmp_path / "cases", "html", cleared=True, office="16402050000")
    assert [e.finding_id for e in entries] == ["F-minor"]
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == ["F-minor.html", "index.csv", "index.html"]
    with (tmp_path / "cases" / "index.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["疑点编号"], r["文件"], r["风险等级"]) for r in rows] == [("F-minor", "F-minor.html", "low")]
    assert 'href="F-minor.html"' in (tmp_path / "cases" / "index.html").read_text(encoding="utf-8")
    assert export_findings(case_store, tmp_path / "none", "json", cleared=True, rule="no-such-rule") == []


def test_cli_export_infers_the_format_and_reports_counts(case_uri, tmp_path):
    out = tmp_path / "case.graphml"
    result = CliRunner().invoke(main_group, ["--store", case_uri, "export", "F-related", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 10 nodes, 11 relationships, 3 evidence paths"
    assert nx.read_graphml(out).number_of_nodes() == 10


def test_cli_export_batch_by_rule(case_uri, tmp_path):
    result = CliRunner().invoke(main_group, ["--store", case_uri, "export", "--rule", "related-party-test",
                                             "-f", "xlsx", "-o", str(tmp_path / "cases")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "cases").iterdir()) == ["F-related.xlsx", "index.csv"]


@pytest.mark.parametrize("args, message", [
    (["F-related", "-o", "case.pdf"], "unknown export format 'pdf'"),
    (["-o", "out"], "give exactly one of FINDING_ID, --rule R or --office CODE"),
    (["F-nope", "-o", "case.json"], "no finding 'F-nope'"),
    (["--rule", "no-such-rule", "-o", "cases"], "no findings for rule no-such-rule"),
])
def test_cli_export_errors_are_clear(case_uri, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main_group, ["--store", case_uri, "export", *args], catch_exceptions=False)
    assert result.exit_code == 1 and message in result.output


# --- spreadsheet cells are data, never formulas (issue #15) ------------------------------------

FORMULAS = ('=HYPERLINK("http://evil.example/x","查看详情")', "@SUM(1)+cmd|'/C calc'!A0", "-2+3", "+A1*2", "\tx")


def _unescaped(cells) -> list[str]:
    """CSV cells a spreadsheet would run as formulas (a plain negative number is a number)."""
    return [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")
            and not re.fullmatch(r"[+-]?\d+(\.\d+)?", cell)]


def test_department_text_that_looks_like_a_formula_stays_text_in_xlsx_and_csv(store_uri, tmp_path):
    from crossaudit.engine import open_store
    from crossaudit.engine.store import RunStamp
    from openpyxl import load_workbook

    with open_store(store_uri) as store:
        store.apply_schema()
        run = RunStamp.now()
        store.upsert_nodes("Enterprise", [{"uid": "91640100X", "name": FORMULAS[0], "industry": FORMULAS[1],
                                           "registered_capital": -5.0}], run)
        store.upsert_nodes("Finding", [{"finding_id": "F-f", "rule_id": "r", "severity": "low", "title": FORMULAS[2],
                                        "status": "new", "office_code": "16401040000", "tax_at_risk": -2.0,
                                        "identity": "{}", "evidence": json.dumps({"note": FORMULAS[3]})}], run)
        store.upsert_relationships("FLAGS", "Finding", "Enterprise", [{"from": "F-f", "to": "91640100X",
                                                                         "role": "firm"}], run)
    result = CliRunner().invoke(main_group, ["--store", store_uri, "export", "--rule", "r", "-f", "xlsx",
                                             "-o", str(tmp_path / "cases")])
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "cases" / "F-f.xlsx")
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    values = {cell.value for cell in cells}
    assert {FORMULAS[0], FORMULAS[2]} <= values  # kept as text, not lost
    assert [(cell.parent.title, cell.coordinate) for cell in cells
            if cell.value in FORMULAS and not cell.quotePrefix] == []
    assert -2.0 in values  # numbers stay numbers
    with open(tmp_path / "cases" / "index.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert not _unescaped(c for row in rows for c in row) and f"'{FORMULAS[2]}" in rows[1]
    listed = CliRunner().invoke(main_group, ["--store", store_uri, "findings", "list", "--format", "csv"])
    rows = list(csv.reader(listed.stdout.splitlines()))
    assert not _unescaped(c for row in rows for c in row) and f"'{FORMULAS[2]}" in rows[1]
    assert dict(zip(rows[0], rows[1]))["tax_at_risk"] == "-2.0"  # a number, even written as text


def test_cells_module_examples():
    import doctest

    from crossaudit.engine import cells

    assert doctest.testmod(cells).failed == 0


def test_quarantine_export_writes_formula_like_raw_values_as_text(store_uri, tmp_path):
    from crossaudit.engine import open_store

    with open_store(store_uri) as store:
        store.apply_schema()
        store.upsert_nodes("QuarantineEntry", [
            {"entry_id": f"q{i}", "file": "amr/企业登记.csv", "row": i, "column_name": "住所", "raw_value": value,
             "reason": "bad", "department": "amr", "dataset": "amr_enterprise_register"}
            for i, value in enumerate(FORMULAS[:3], 1)])
    out = tmp_path / "quarantine.csv"
    result = CliRunner().invoke(main_group, ["--store", store_uri, "quarantine", "export", "-o", str(out)])
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert [row[5] for row in rows[1:]] == ["'" + value for value in FORMULAS[:3]]
    assert not _unescaped(c for row in rows for c in row)


def test_what_the_cli_writes_is_readable_by_its_owner_only(case_uri, tmp_path):
    out = tmp_path / "cases"
    result = CliRunner().invoke(main_group, ["--store", case_uri, "export", "--rule", "related-party-test",
                                             "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o700
    assert {p.name: p.stat().st_mode & 0o777 for p in out.iterdir()} == {"F-related.xlsx": 0o600, "index.csv": 0o600}
    store = tmp_path / "new" / "graph.db"
    assert CliRunner().invoke(main_group, ["--store", f"ladybug:{store}", "store", "init"]).exit_code == 0
    assert store.stat().st_mode & 0o777 == 0o600 and store.parent.stat().st_mode & 0o777 == 0o700
