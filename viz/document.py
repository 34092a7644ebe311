"""A case as one plain document: the JSON export, and what every other exporter and page reads.

The document is the single place where ID numbers are masked for users not cleared to see them,
and where nodes and relationships get their ids (n1…, r1…). Its schema is documented in
docs/case-export.md.

    doc = case_document(case, cleared=False)
    doc["nodes"][0]["properties"]["id_number"]      # '6402**********5323'
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from crossaudit.engine import SCHEMA
from crossaudit.engine.schema import PROVENANCE_NAMES
from crossaudit.viz.case import Case, finding_summary
from crossaudit.viz.mask import mask_props
from crossaudit.viz.subgraph import LABEL_PRIORITY, NodeId
from crossaudit.viz.vocab import LABEL_NAMES, REL_KIND_FIELDS, REL_NAMES, node_caption, rel_caption

SCHEMA_ID = "crossaudit.case/1"


def jsonable(value: Any) -> Any:
    """Dates and timestamps as ISO 8601 text; everything else as it is (recursively).

    >>> jsonable({"on": dt.date(2023, 5, 28), "at": dt.datetime(2026, 1, 2, 3, 4, 5)})
    {'on': '2023-05-28', 'at': '2026-01-02T03:04:05'}
    """
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


def case_document(case: Case, cleared: bool, generated_at: dt.datetime | None = None) -> dict:
    """The case as a JSON-ready dict (see docs/case-export.md); ID numbers masked unless `cleared`."""
    ids = node_ids(case)
    on_path = case.path_rels()
    nodes = []
    for ident, node_id in ids.items():
        label, _ = ident
        shown = mask_props(label, case.network.nodes[ident], cleared)
        key = shown[SCHEMA.node(label).key]
        properties, provenance = _split(shown, ())
        nodes.append({
            "id": node_id, "type": label, "type_name": LABEL_NAMES[label], "key": key,
            "caption": node_caption(label, shown, key), "properties": properties, "provenance": provenance,
            "sources": case.sources.get(ident, []), "findings": case.findings.get(ident, []),
            "flagged_roles": case.flagged.get(ident, []), "risk": case.risk(ident),
            "seed": ident in case.network.seeds,
        })
    rels, rel_ids = [], {}
    ordered = sorted(case.network.rels.items(), key=lambda item: (ids[item[1]["_from"]], ids[item[1]["_to"]],
                                                                  item[0]))
    for index, (rel_key, rel) in enumerate(ordered, 1):
        rel_ids[rel_key] = f"r{index}"
        shown = mask_props(rel["_type"], rel, cleared)
        properties, provenance = _split(shown, ("rid",))
        rels.append({
            "id": f"r{index}", "type": rel["_type"], "type_name": REL_NAMES[rel["_type"]], "rid": rel["rid"],
            "from": ids[rel["_from"]], "to": ids[rel["_to"]], "caption": rel_caption(rel["_type"], shown),
            "properties": properties, "provenance": provenance, "on_evidence_path": rel_key in on_path,
        })
    finding = None
    if case.finding is not None:
        finding = finding_summary(mask_props("Finding", case.finding, cleared))
    doc = {
        "schema": SCHEMA_ID,
        "generated_at": (generated_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0)).isoformat(),
        "cleared": cleared,
        "finding": finding,
        "departments": case.departments,
        "seeds": [ids[i] for i in case.network.seeds if i in ids],
        "depth": case.network.depth,
        "flagged": [{"node": ids[i], "roles": roles} for i, roles in case.flagged.items() if i in ids],
        "nodes": nodes,
        "relationships": rels,
        "evidence_paths": [_path(path, ids, case, rel_ids, nodes) for path in case.paths],
        "unconnected": [[ids[a], ids[b]] for a, b in case.unconnected()],
        "omitted": {
            "per_type": [{"node": ids[o.node], "relationship": o.rel_type, "type": o.label, "total": o.total,
                          "shown": o.shown} for o in case.network.omissions],
            "over_node_cap": dict(sorted(case.network.left_out.items())),
        },
    }
    return jsonable(doc)


def _path(path: list[NodeId], ids: dict[NodeId, str], case: Case, rel_ids: dict, nodes: list[dict]) -> dict:
    """One evidence path: its nodes, the relationships joining each step, and a line of text."""
    captions = {n["id"]: n["caption"].split("\n")[0] for n in nodes}
    text = captions[ids[path[0]]]
    step_rels = []
    for a, b in zip(path, path[1:]):
        joining = sorted((key, rel) for key, rel in case.network.rels.items() if {rel["_from"], rel["_to"]} == {a, b})
        step_rels += [rel_ids[key] for key, _ in joining]
        names = "/".join(sorted({rel_caption(rel["_type"], rel, REL_KIND_FIELDS) for _, rel in joining}))
        forward = all(rel["_from"] == a for _, rel in joining)
        text += (f" —{names}→ " if forward else f" ←{names}— ") + captions[ids[b]]
    return {"nodes": [ids[i] for i in path], "relationships": step_rels, "text": text}

