"""Case exports for tax inspectors: JSON, GraphML, xlsx and an HTML case report, one case or a batch.

Every format is written from the case document (crossaudit.viz.document), so all four carry the
same nodes, relationships, evidence and provenance, masked alike for their reader.

    export_finding(store, "7696e92b13df6f88", "xlsx", Path("case.xlsx"), cleared=Clearance.of(user, grades))
    export_findings(store, Path("cases/"), "html", rule="related-party-abnormal-price", cleared=True)
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from crossaudit.engine import SCHEMA, Store
from crossaudit.engine.access import Clearance
from crossaudit.engine.cells import inert_cell, write_csv
from crossaudit.engine.findings import list_findings
from crossaudit.viz.case import build_case
from crossaudit.viz.document import case_document
from crossaudit.viz.page import report_page
from crossaudit.viz.vocab import LABEL_NAMES, PROP_NAMES, prop_name

if TYPE_CHECKING:
    import networkx as nx
    from openpyxl import Workbook

def write_json(doc: dict, path: Path) -> None:
    path.write_text(json.dumps(finite(doc), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def finite(value):
    """JSON has no NaN or infinity (a store may hold one a query computed): written null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def _graphml_value(value):
    """GraphML holds str, int, float and bool; lists and dicts go as JSON text."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value


def to_networkx(doc: dict) -> nx.MultiDiGraph:
    """The case as a networkx multigraph: node ids n1…, edge keys r1…, properties and provenance
    as attributes (unset ones left out), `label` the caption Gephi shows."""
    import networkx as nx  # 0.2 s to import: only for this format

    graph = nx.MultiDiGraph(schema=doc["schema"], generated_at=doc["generated_at"])
    for node in doc["nodes"]:
        attrs = {**node["properties"], **{k: v for k, v in node["provenance"].items() if v is not None}}
        attrs.update(node_type=node["type"], type_name=node["type_name"], key=node["key"],
                     label=node["caption"].replace("\n", " "), risk=node["risk"],
                     findings=len(node["findings"]), flagged=bool(node["flagged_roles"]),
                     flagged_roles=",".join(node["flagged_roles"]), seed=node["seed"])
        graph.add_node(node["id"], **{k: _graphml_value(v) for k, v in attrs.items()})
    for rel in doc["relationships"]:
        attrs = {**rel["properties"], **{k: v for k, v in rel["provenance"].items() if v is not None}}
        attrs.update(rel_type=rel["type"], type_name=rel["type_name"], rid=rel["rid"], label=rel["caption"],
                     evidence=rel["on_evidence_path"])
        graph.add_edge(rel["from"], rel["to"], key=rel["id"], **{k: _graphml_value(v) for k, v in attrs.items()})
    return graph


def write_graphml(doc: dict, path: Path) -> None:
    import networkx as nx

    nx.write_graphml(to_networkx(doc), path, encoding="utf-8")


# --- xlsx ---------------------------------------------------------------------------------

SHEET_RELATIONSHIPS, SHEET_EVIDENCE, SHEET_PROVENANCE = "关系", "证据", "来源"
PROVENANCE_COLUMNS = ("编号", "事实", "类型", "内容", "依据", "来源部门", "部门名称", "数据集", "来源文件", "行号",
                      "加载批次", "首次发现", "最近确认")


def _cell(value):
    """A value as openpyxl stores it: ISO dates become dates, lists and dicts JSON text."""
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+", value):
        return dt.datetime.fromisoformat(value)
    return value


def _sheet(book: "Workbook", title: str, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet = book.create_sheet(title)
    sheet.append(header)
    for row in rows:
        sheet.append([_cell(v) for v in row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for index, name in enumerate(header, 1):
        width = max([len(str(name)) * 2] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(max(width, 8), 60)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            inert_cell(cell)
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm:ss"
            elif isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def write_xlsx(doc: dict, path: Path) -> None:
    """Sheets: one per node type (企业, 自然人 …), 关系, 证据, 来源; Chinese headers throughout."""
    from openpyxl import Workbook  # imported by the exports that write a workbook only (0.1-0.4 s)

    book = Workbook()
    book.remove(book.active)
    captions = {n["id"]: _first_line(n["caption"]) for n in doc["nodes"]}
    for label, name in LABEL_NAMES.items():
        nodes = [n for n in doc["nodes"] if n["type"] == label]
        if not nodes:
            continue
        props = [p.name for p in SCHEMA.node(label).props]
        header = ["编号", *[prop_name(p) for p in props], "疑点数", "风险分", "疑点标记角色"]
        _sheet(book, name, header, [[n["id"], *[n["properties"].get(p) for p in props], len(n["findings"]),
                                     n["risk"], ",".join(n["flagged_roles"])] for n in nodes])
    rel_props = sorted({k for r in doc["relationships"] for k in r["properties"]},
                       key=lambda k: list(PROP_NAMES).index(k) if k in PROP_NAMES else len(PROP_NAMES))
    _sheet(book, SHEET_RELATIONSHIPS,
           ["编号", "类型", "起点编号", "起点", "终点编号", "终点", "说明", *[prop_name(p) for p in rel_props], "证据路径"],
           [[r["id"], r["type_name"], r["from"], captions[r["from"]], r["to"], captions[r["to"]], r["caption"],
             *[r["properties"].get(p) for p in rel_props], "是" if r["on_evidence_path"] else "否"]
            for r in doc["relationships"]])
    _sheet(book, SHEET_EVIDENCE, ["类别", "项目", "内容"], evidence_rows(doc))
    _sheet(book, SHEET_PROVENANCE, list(PROVENANCE_COLUMNS), provenance_rows(doc))
    book.save(path)


def evidence_rows(doc: dict) -> list[list]:
    """(category, item, content) rows: the finding, its identity and evidence values, the flagged
    entities and the evidence paths."""
    finding = doc["finding"] or {}
    rows = [["疑点", prop_name(k), v] for k, v in finding.items()  # the rule's Chinese title, not the English
            if k not in ("identity", "evidence", "title") and v is not None]
    for group in ("identity", "evidence"):
        value = finding.get(group)
        items = value.items() if isinstance(value, dict) else ([("", value)] if value is not None else [])
        rows += [[prop_name(group), k, v] for k, v in items]
    nodes = {n["id"]: n for n in doc["nodes"]}
    rows += [["标记实体", ",".join(f["roles"]),
              f"{nodes[f['node']]['type_name']} {_first_line(nodes[f['node']]['caption'])} ({f['node']})"]
             for f in doc["flagged"]]
    rows += [["证据路径", f"路径 {i}", p["text"]] for i, p in enumerate(doc["evidence_paths"], 1)]
    return rows


def provenance_rows(doc: dict) -> list[list]:
    """One row per node and relationship with its own provenance, then one per source row that
    describes a node (the department files it was read from)."""
    rows = []
    for kind, items in (("节点", doc["nodes"]), ("关系", doc["relationships"])):
        for item in items:
            p = item["provenance"]
            rows.append([item["id"], kind, item["type_name"], _first_line(item["caption"]), "首次写入",
                         p["department"], doc["departments"].get(p["department"] or "", ""), p["dataset"],
                         p["source_file"], p["source_row"], p["load_run"], p["first_seen"], p["last_seen"]])
    for node in doc["nodes"]:
        for s in node["sources"]:
            rows.append([node["id"], "节点", node["type_name"], _first_line(node["caption"]),
                         f"来源记录 {s['role'] or ''}".strip(),
                         s["department"], doc["departments"].get(s["department"] or "", ""), s["dataset"],
                         s["source_file"], s["source_row"], None, None, None])
    return rows


def write_html(doc: dict, path: Path) -> None:
    finding = doc["finding"] or {}
    path.write_text(report_page(doc, finding.get("title_zh") or finding.get("finding_id") or ""), encoding="utf-8")


WRITERS: dict[str, Callable[[dict, Path], None]] = {
    "json": write_json, "graphml": write_graphml, "xlsx": write_xlsx, "html": write_html,
}
FORMATS = tuple(WRITERS)


def format_for(path: Path, fmt: str | None) -> str:
    """The format asked for, or the one the file name ends in; a clear error otherwise."""
    if fmt is None:
        fmt = path.suffix.lower().lstrip(".")
        if fmt == "htm":
            fmt = "html"
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} for {path}: use one of {', '.join(FORMATS)} "
                         "(-f, or the file name's ending)")
    return fmt


def export_finding(store: Store, finding_id: str, fmt: str, path: Path, cleared: bool | Clearance, depth: int = 1,
                   max_nodes: int = 300, max_per_type: int = 20) -> dict:
    """Write one finding's case to `path`, masked for a reader `cleared` so (see case_document);
    returns the case document."""
    case = build_case(store, finding_id=finding_id, depth=depth, max_nodes=max_nodes, max_per_type=max_per_type)
    doc = case_document(case, cleared)
    path.parent.mkdir(parents=True, exist_ok=True)
    WRITERS[fmt](doc, path)
    return doc


def select_findings(store: Store, rule: str | None = None, office: str | None = None) -> list[dict]:
    """The findings of a rule, of a tax office and the offices under it, or both, dismissed ones
    left out; most severe first (as `crossaudit findings list` orders them)."""
    if rule is None and office is None:
        raise ValueError("select findings by a rule, an office or both")
    return [f for f in list_findings(store, rule=rule, office=office) if f["status"] != "dismissed"]


@dataclass
class BatchEntry:
    finding_id: str
    rule_id: str
    severity: str
    title: str
    office_code: str
    tax_at_risk: float | None
    file: str
    nodes: int
    relationships: int


INDEX_COLUMNS = {"finding_id": "疑点编号", "rule_id": "规则", "severity": "风险等级", "title": "标题",
                 "office_code": "税务机关代码", "tax_at_risk": "风险税额(元)", "file": "文件", "nodes": "节点数",
                 "relationships": "关系数"}


def safe_file_name(text: str) -> str:
    """A file name made of the text's letters, digits, dots, dashes and underscores.

    >>> safe_file_name("rule/2024:7 f")
    'rule_2024_7_f'
    """
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "case"


def export_findings(store: Store, out_dir: Path, fmt: str, cleared: bool | Clearance, rule: str | None = None,
                    office: str | None = None, depth: int = 1, max_nodes: int = 300,
                    max_per_type: int = 20) -> list[BatchEntry]:
    """One file per finding of the rule or office in `out_dir`, and index.csv listing them
    (and index.html linking the reports, for html); nothing at all if there are no findings."""
    findings = select_findings(store, rule, office)
    if not findings:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    for finding in findings:
        name = f"{safe_file_name(finding['finding_id'])}.{fmt}"
        doc = export_finding(store, finding["finding_id"], fmt, out_dir / name, cleared, depth, max_nodes,
                             max_per_type)
        seen = doc["finding"]  # the title and tax at risk as the reader may see them
        entries.append(BatchEntry(**{k: seen.get(k) for k in ("finding_id", "rule_id", "severity", "office_code",
                                                              "tax_at_risk")}, title=seen.get("title_zh"),
                                  file=name, nodes=len(doc["nodes"]), relationships=len(doc["relationships"])))
    with (out_dir / "index.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        write_csv(handle, INDEX_COLUMNS.values(), ([getattr(e, k) for k in INDEX_COLUMNS] for e in entries))
    if fmt == "html":
        (out_dir / "index.html").write_text(index_page(entries, rule or office or ""), encoding="utf-8")
    return entries


def index_page(entries: list[BatchEntry], title: str) -> str:
    """A plain HTML table linking each case report."""
    rows = "".join(
        "<tr>" + "".join(f"<td>{escape('' if getattr(e, k) is None else str(getattr(e, k)))}</td>"
                         for k in INDEX_COLUMNS if k != "file")
        + f'<td><a href="{escape(e.file)}">{escape(e.file)}</a></td></tr>' for e in entries)
    header = "".join(f"<th>{escape(v)}</th>" for k, v in INDEX_COLUMNS.items() if k != "file") + "<th>文件</th>"
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>疑点案卷目录 · {escape(title)}</title>'
            "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #bbb;"
            f"padding:3px 6px}}</style></head><body><h1>疑点案卷目录 · {escape(title)}</h1><table><tr>{header}</tr>"
            f"{rows}</table></body></html>")
