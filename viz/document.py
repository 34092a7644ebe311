"""A case as one plain document: the JSON export, and what every other exporter and page reads.

The document is the single place where exports and pages are masked for their reader (see
crossaudit.engine.access: values from sources above the reader's clearance, ID numbers), and
where nodes and relationships get their ids (n1…, r1…). Its schema is documented in
docs/case-export.md.

    doc = case_document(case, cleared=Clearance.of(user, grades))
    doc["nodes"][0]["properties"]["id_number"]      # '6402**********5323'
    doc["nodes"][0]["properties"]["name"]           # '［已屏蔽：敏感］' for an `internal` reader
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from crossaudit.engine import SCHEMA
from crossaudit.engine.access import Clearance
from crossaudit.engine.findings import seen_finding
from crossaudit.engine.schema import PROVENANCE_NAMES
from crossaudit.viz.case import Case, finding_summary, risk
from crossaudit.viz.subgraph import LABEL_PRIORITY, NodeId
from crossaudit.viz.vocab import LABEL_NAMES, REL_KIND_FIELDS, REL_NAMES, node_caption, rel_caption

SCHEMA_ID = "crossaudit.case/1"
_SCALARS = frozenset({str, int, float, bool})


def jsonable(value: Any) -> Any:
    """Dates and timestamps as ISO 8601 text; everything else as it is (recursively).

    >>> jsonable({"on": dt.date(2023, 5, 28), "at": dt.datetime(2026, 1, 2, 3, 4, 5)})
    {'on': '2023-05-28', 'at': '2026-01-02T03:04:05'}
    """
    if value is None or type(value) in _SCALARS:  # most values: first, with one check
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def _split(props: dict, skip: tuple[str, ...]) -> tuple[dict, dict]:
    """(declared properties that are set, provenance), internal fields dropped."""
    properties = {k: v for k, v in props.items()
                  if not k.startswith("_") and k not in PROVENANCE_NAMES and k not in skip and v is not None}
    return properties, {k: props.get(k) for k in PROVENANCE_NAMES}


def node_ids(case: Case) -> dict[NodeId, str]:
    """n1, n2 … in a stable order: seeds' types first, then by type and key."""
    ordered = sorted(case.network.nodes, key=lambda i: (LABEL_PRIORITY.get(i[0], 99), i[0], i[1]))
    return {ident: f"n{index}" for index, ident in enumerate(ordered, 1)}


def case_document(case: Case, cleared: bool | Clearance, generated_at: dt.datetime | None = None) -> dict:
    """The case as a JSON-ready dict (see docs/case-export.md) as a reader `cleared` so may see it:
    a Clearance, or True (everything) / False (everything but ID numbers)."""
    clearance = Clearance.coerce(cleared).knowing(  # the datasets describing each node grade its values
        {ident: [source["dataset"] for source in case.sources.get(ident, ())] for ident in case.network.nodes})
    ids = node_ids(case)
    on_path = case.path_rels()
    nodes = []
    for ident, node_id in ids.items():
        label, _ = ident
        shown = clearance.fact(label, case.network.nodes[ident])
        key = shown[SCHEMA.node(label).key]
        properties, provenance = _split(shown, ())
        findings = case.seen_findings(ident, clearance)  # out of the reader's office scope: not mentioned
        nodes.append({
            "id": node_id, "type": label, "type_name": LABEL_NAMES[label], "key": key,
            "caption": node_caption(label, shown, key), "properties": properties, "provenance": provenance,
            "sources": case.sources.get(ident, []), "findings": findings,
            "flagged_roles": case.flagged.get(ident, []), "risk": risk(findings),
            "seed": ident in case.network.seeds,
        })
    rels, rel_ids, shown_rels = [], {}, {}
    ordered = sorted(case.network.rels.items(), key=lambda item: (ids[item[1]["_from"]], ids[item[1]["_to"]],
                                                                  item[0]))
    for index, (rel_key, rel) in enumerate(ordered, 1):
        rel_ids[rel_key] = f"r{index}"
        shown = shown_rels[rel_key] = clearance.fact(rel["_type"], rel)
        properties, provenance = _split(shown, ("rid",))
        rels.append({
            "id": f"r{index}", "type": rel["_type"], "type_name": REL_NAMES[rel["_type"]], "rid": rel["rid"],
            "from": ids[rel["_from"]], "to": ids[rel["_to"]], "caption": rel_caption(rel["_type"], shown),
            "properties": properties, "provenance": provenance, "on_evidence_path": rel_key in on_path,
        })
    finding = None
    if case.finding is not None:
        flagged = [(label, case.network.nodes[(label, key)]) for label, key in case.flagged
                   if (label, key) in case.network.nodes]
        flagged += [(rel["_type"], rel) for rel in case.network.rels.values()  # the finding's own facts
                    if rel["_from"] in case.flagged and rel["_to"] in case.flagged]
        finding = seen_finding(finding_summary(case.finding), flagged, clearance)
    doc = {
        "schema": SCHEMA_ID,
        "generated_at": (generated_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)).isoformat(),
        "cleared": clearance.ids,
        "clearance": clearance.grade,
        "finding": finding,
        "departments": case.departments,
        "seeds": [ids[i] for i in case.network.seeds if i in ids],
        "depth": case.network.depth,
        "flagged": [{"node": ids[i], "roles": roles} for i, roles in case.flagged.items() if i in ids],
        "nodes": nodes,
        "relationships": rels,
        "evidence_paths": [_path(path, ids, case, rel_ids, shown_rels, nodes) for path in case.paths],
        "unconnected": [[ids[a], ids[b]] for a, b in case.unconnected()],
        "omitted": {
            "per_type": [{"node": ids[o.node], "relationship": o.rel_type, "type": o.label, "total": o.total,
                          "shown": o.shown} for o in case.network.omissions],
            "over_node_cap": dict(sorted(case.network.left_out.items())),
        },
    }
    return jsonable(doc)


def _path(path: list[NodeId], ids: dict[NodeId, str], case: Case, rel_ids: dict, shown_rels: dict,
          nodes: list[dict]) -> dict:
    """One evidence path: its nodes, the relationships joining each step (as the reader may see
    them), and a line of text."""
    captions = {n["id"]: n["caption"].split("\n")[0] for n in nodes}
    text = captions[ids[path[0]]]
    step_rels = []
    for a, b in zip(path, path[1:]):
        joining = sorted((key, rel) for key, rel in case.network.rels.items() if {rel["_from"], rel["_to"]} == {a, b})
        step_rels += [rel_ids[key] for key, _ in joining]
        names = "/".join(sorted({rel_caption(rel["_type"], shown_rels[key], REL_KIND_FIELDS) for key, rel in joining}))
        forward = all(rel["_from"] == a for _, rel in joining)
        text += (f" —{names}→ " if forward else f" ←{names}— ") + captions[ids[b]]
    return {"nodes": [ids[i] for i in path], "relationships": step_rels, "text": text}

