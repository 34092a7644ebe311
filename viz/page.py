"""Self-contained HTML pages of a case: the investigator's network page and the inspector's report.

The network is drawn by vis-network, whose script and styles are inlined from the copy the
pyvis package ships (no CDN: tax office networks are often offline; pyvis itself is not imported,
as it imports IPython, a second of a command's start). Colour and
shape show the node type, size the risk (number and severity of findings), a red border the
entities a finding flags and red edges its evidence paths; every tooltip gives the provenance.

    html = explore_page(case_document(case, cleared=True), title="石嘴山泰湖实业有限公司")
"""
from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path

import jinja2

from crossaudit.viz.vocab import (
    HIGHLIGHT, LABEL_NAMES, NODE_STYLES, REL_NAMES, SEVERITY_NAMES, format_value, prop_name,
)

VIS_DIR = Path(find_spec("pyvis").submodule_search_locations[0]) / "templates" / "lib" / "vis-9.1.2"
FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"
BASE_SIZE = {"Enterprise": 20, "Person": 18}
# Sources listed in a tooltip before "… and N more".
TOOLTIP_SOURCES = 5
OPTIONS = {
    "physics": {
        "solver": "forceAtlas2Based",
        "forceAtlas2Based": {"gravitationalConstant": -80, "springLength": 110, "springConstant": 0.06,
                             "avoidOverlap": 0.4},
        "stabilization": {"enabled": True, "iterations": 800, "fit": True},
        "minVelocity": 1.0,
    },
    "interaction": {"hover": True, "tooltipDelay": 120, "multiselect": True},
    "nodes": {"font": {"face": FONT, "size": 13, "multi": False}},
    "edges": {"font": {"face": FONT, "size": 10, "align": "middle", "strokeWidth": 3},
              "smooth": {"type": "continuous"}, "color": {"color": "#9aa5b1", "highlight": "#555"}},
}


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """vis-network's script and stylesheet, to inline."""
    return ((VIS_DIR / "vis-network.min.js").read_text(encoding="utf-8"),
            (VIS_DIR / "vis-network.css").read_text(encoding="utf-8"))


def short_time(text: str | None) -> str:
    """An ISO timestamp to the second, as people read it.

    >>> short_time("2026-11-28T03:54:26.375689")
    '2026-11-28 03:54:26'
    """
    return (text or "")[:19].replace("T", " ")


def _provenance_lines(provenance: dict, departments: dict) -> list[str]:
    if not provenance.get("department") and not provenance.get("source_file"):
        return []
    department = provenance.get("department") or ""
    line = f"来源: {departments.get(department, department)} {provenance.get('dataset') or ''}".rstrip()
    where = f"{provenance.get('source_file') or '?'} 第 {provenance.get('source_row') or '?'} 行"
    first, last = short_time(provenance.get("first_seen")) or "?", short_time(provenance.get("last_seen")) or "?"
    seen = f"首次发现 {first} · 最近确认 {last}"
    return [line, where, seen]


def node_tooltip(node: dict, departments: dict) -> str:
    """Plain text: type and caption, properties, provenance, the rows it was read from, findings."""
    lines = [f"{node['type_name']} · {node['caption'].splitlines()[0]}"]
    lines += [f"{prop_name(k)}: {format_value(k, v)}" for k, v in node["properties"].items()]
    if node["flagged_roles"]:
        lines.append("疑点标记角色: " + ", ".join(node["flagged_roles"]))
    lines += ["", *_provenance_lines(node["provenance"], departments)]
    sources = node["sources"]
    if sources:
        by_department = Counter(departments.get(s["department"], s["department"]) for s in sources)
        lines.append(f"来源记录 {len(sources)} 行: " + ", ".join(f"{d} {n}" for d, n in by_department.most_common()))
        lines += [f"  {s['source_file']} 第 {s['source_row']} 行" + (f" ({s['role']})" if s["role"] else "")
                  for s in sources[:TOOLTIP_SOURCES]]
        if len(sources) > TOOLTIP_SOURCES:
            lines.append(f"  … 另 {len(sources) - TOOLTIP_SOURCES} 行")
    if node["findings"]:
        lines += ["", f"疑点 {len(node['findings'])} 个:"]
        lines += [f"  [{SEVERITY_NAMES.get(f['severity'], f['severity'])}] {f['title_zh'] or f['rule_id']} "
                  f"({f['finding_id']})" for f in node["findings"]]
    return "\n".join(lines)


def edge_tooltip(rels: list[dict], departments: dict) -> str:
    """Plain text for one drawn edge (one or more relationships of one type between two nodes)."""
    lines = [f"{rels[0]['type_name']} ({len(rels)} 条)" if len(rels) > 1 else rels[0]["caption"]]
    for rel in rels[:TOOLTIP_SOURCES]:
        if len(rels) > 1:
            lines.append("")
            lines.append(rel["caption"])
        else:
            lines += [f"{prop_name(k)}: {format_value(k, v)}" for k, v in rel["properties"].items()]
        lines += _provenance_lines(rel["provenance"], departments)
    if len(rels) > TOOLTIP_SOURCES:
        lines.append(f"… 另 {len(rels) - TOOLTIP_SOURCES} 条")
    return "\n".join(lines)


def _edge_label(rels: list[dict]) -> str:
    if len(rels) == 1:
        return rels[0]["caption"]
    dates = sorted(str(v) for r in rels for k, v in r["properties"].items() if k in ("period", "since", "paid_on"))
    span = f" {dates[0]}…{dates[-1]}" if dates else ""
    return f"{rels[0]['type_name']} ×{len(rels)}{span}"


def vis_data(doc: dict) -> dict:
    """vis-network nodes, edges (directed: an arrow to `to`) and options for a case document."""
    nodes, edges = [], []
    departments = doc["departments"]
    for node in doc["nodes"]:
        colour, shape = NODE_STYLES[node["type"]]
        flagged = bool(node["flagged_roles"])
        nodes.append(dict(
            id=node["id"], label=node["caption"], title=node_tooltip(node, departments), shape=shape,
            color={"background": colour, "border": HIGHLIGHT if flagged else colour,
                   "highlight": {"background": colour, "border": "#000"}},
            size=BASE_SIZE.get(node["type"], 12) + 6 * math.sqrt(node["risk"]),
            borderWidth=4 if flagged else 1,
            font={"size": 16 if node["seed"] else 12},
            kind=node["type"], flagged=flagged, risk=node["risk"],
        ))
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for rel in doc["relationships"]:
        groups.setdefault((rel["from"], rel["to"], rel["type"]), []).append(rel)
    for (source, target, _), rels in groups.items():
        evidence = any(r["on_evidence_path"] for r in rels)
        looks = {"width": 3, "color": {"color": HIGHLIGHT, "highlight": HIGHLIGHT}} if evidence else {"width": 1}
        edges.append({"from": source, "to": target, "arrows": "to", "label": _edge_label(rels),
                      "title": edge_tooltip(rels, departments), "evidence": evidence, **looks})
    # improvedLayout (Kamada-Kawai seeding) gives up, with a console warning, on large networks.
    options = {**OPTIONS, "layout": {"randomSeed": 7, "improvedLayout": len(nodes) <= 100}}
    on_paths = {node for path in doc["evidence_paths"] for node in path["nodes"]}
    focus = [node["id"] for node in doc["nodes"] if node["flagged_roles"] or node["seed"] or node["id"] in on_paths]
    return {"nodes": nodes, "edges": edges, "options": options, "focus": focus}


def legend(doc: dict) -> list[dict]:
    """The node types present, in legend order, with their look and count."""
    counts = Counter(node["type"] for node in doc["nodes"])
    return [{"type": label, "name": name, "colour": NODE_STYLES[label][0], "shape": NODE_STYLES[label][1],
             "count": counts[label]} for label, name in LABEL_NAMES.items() if counts[label]]


def omission_notes(doc: dict) -> list[str]:
    """What the caps left out, as sentences for the page."""
    captions = {node["id"]: node["caption"].splitlines()[0] for node in doc["nodes"]}
    notes = [f"{captions[o['node']]}: {REL_NAMES[o['relationship']]} {LABEL_NAMES[o['type']]} "
             f"显示 {o['shown']} / 共 {o['total']}" for o in doc["omitted"]["per_type"]]
    over = doc["omitted"]["over_node_cap"]
    if over:
        notes.append(f"节点数达到上限, 另有 {sum(over.values())} 个节点未显示: "
                     + ", ".join(f"{LABEL_NAMES[t]} {n}" for t, n in over.items()))
    return notes


@lru_cache(maxsize=1)
def _templates() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("crossaudit.viz", "templates"),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["value"] = lambda value, name="": "" if value is None else format_value(name, value)
    env.filters["when"] = short_time
    from crossaudit.engine.access import GRADE_NAMES

    env.filters["grade"] = lambda grade: GRADE_NAMES.get(grade, grade)
    env.globals.update(LABEL_NAMES=LABEL_NAMES, SEVERITY_NAMES=SEVERITY_NAMES, prop_name=prop_name)
    return env


def _render(template: str, doc: dict, title: str) -> str:
    script, style = vis_assets()
    return _templates().get_template(template).render(
        doc=doc, title=title, network=vis_data(doc), legend=legend(doc), notes=omission_notes(doc),
        nodes_by_id={node["id"]: node for node in doc["nodes"]},
        vis_script=script, vis_style=style, font=FONT)


def explore_page(doc: dict, title: str) -> str:
    """The investigator's page: the network filling the window, legend, notes, the finding if any."""
    return _render("explore.html", doc, title)


def report_page(doc: dict, title: str) -> str:
    """The inspector's case report: summary, network picture, evidence and provenance tables; prints on A4."""
    if doc["finding"] is None:
        raise ValueError("a case report is for a finding; this case has none")
    return _render("report.html", doc, title)
