"""Findings in the store: list them with filters, show one with its evidence and provenance.

    list_findings(store, pack="invoicing", severity="critical")
    show_finding(store, "F-3f2a…")["entities"][0]["sources"]
    show_finding(store, "F-3f2a…", clearance=Clearance.of(user, grades))   # masked for its reader
"""
from __future__ import annotations

import json
from typing import Any, Iterable

from crossaudit.cypher.reads import fetch_nodes, group_by_label, per_label, relationships_between, targets
from crossaudit.engine.access import Clearance, office_scope
from crossaudit.engine.schema import PROVENANCE_NAMES, SCHEMA
from crossaudit.engine.store import Store, StoreError

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
LIST_COLUMNS = ("finding_id", "rule_id", "pack", "severity", "title", "office_code", "region_code", "amount",
                "tax_at_risk", "status", "identity", "first_seen", "last_seen", "rule_run")
# A finding's own bookkeeping, shown to every reader of it. Its other values (title, identity,
# evidence, amounts, notes) repeat values of the facts it flags, and are masked where they do.
FINDING_OWN = frozenset({"_label", "finding_id", "rule_id", "rule_version", "pack", "severity", "tax_types",
                         "office_code", "region_code", "status", "rule_run", "first_seen", "last_seen",
                         "status_changed_at", "status_changed_by", "evidence_hash", *PROVENANCE_NAMES})
# option → Cypher condition; the values travel as parameters
FILTERS = {"rule": "f.rule_id = $rule", "pack": "f.pack = $pack", "severity": "f.severity = $severity",
           "status": "f.status = $status", "office": "f.office_code IN $offices"}


def offices_under(store: Store, code: str) -> list[str]:
    """A tax office and every office below it (a city office takes its counties' findings)."""
    return sorted(office_scope(store.query("MATCH (o:TaxOffice) RETURN o.code AS code, o.parent AS parent"), code))


def list_findings(store: Store, rule: str | None = None, pack: str | None = None, severity: str | None = None,
                  office: str | None = None, status: str | None = None, limit: int | None = None) -> list[dict]:
    """Findings matching every filter given, most severe first, then by tax at risk."""
    params: dict[str, Any] = {"rule": rule, "pack": pack, "severity": severity, "status": status}
    if office:
        params["offices"] = offices_under(store, office)
    given = [name for name in FILTERS if params.get(name if name != "office" else "offices")]
    where = (" WHERE " + " AND ".join(FILTERS[name] for name in given)) if given else ""
    columns = ", ".join(f"f.{c} AS {c}" for c in LIST_COLUMNS)
    rows = store.query(f"MATCH (f:Finding){where} RETURN {columns}",
                       {k: v for k, v in params.items() if k in {"offices"} | set(given)})
    for row in rows:
        row["identity"] = json.loads(row["identity"]) if row["identity"] else {}
    rows.sort(key=lambda r: (SEVERITY_ORDER.get(r["severity"], 9), -(r["tax_at_risk"] or 0.0), r["finding_id"]))
    return rows[:limit] if limit else rows


def seen_finding(finding: dict, flagged: Iterable[tuple[str, dict]], clearance: Clearance) -> dict:
    """The finding as the reader may see it: where its values repeat values of the flagged
    (label, properties) facts the reader may not see, they are masked; so are ID numbers in it
    for a reader below their grade."""
    if clearance.sees_all:
        return finding
    shown = clearance.values({k: v for k, v in finding.items() if k not in FINDING_OWN}, list(flagged))
    return {k: v if k in FINDING_OWN else shown[k] for k, v in finding.items()}


# The entities findings flag: a branch per label a finding may flag, anchored on the finding
# (with `(n)` unlabelled, Ladybug scans every node table: 0.6 s a finding on the medium region,
# and 3-4 s for the relationships between two unlabelled ends). A finding flagging no entity of
# a label gives a row with a null key.
FLAGGED = " UNION ALL ".join(
    f"UNWIND $ids AS fid MATCH (f:Finding {{finding_id: fid}}) OPTIONAL MATCH (f)-[r:FLAGS]->(n:{label}) "
    f"RETURN fid, r.rid AS flag, r.role AS role, '{label}' AS label, n.{SCHEMA.node(label).key} AS key"
    for label in targets("FLAGS"))
# Every (from label, to label) pair and the relationship types joining it.
ALL_PAIRS = {pair: tuple(rel.type for rel in SCHEMA.rels if pair in rel.pairs)
             for pair in sorted({pair for rel in SCHEMA.rels for pair in rel.pairs})}


def flagged_entities(store: Store, finding_ids: list[str]) -> dict[str, list[dict]]:
    """Per finding, the entities it flags: {"flag": rid, "role": …, "node": properties}."""
    rows = [row for row in store.query(FLAGGED, {"ids": finding_ids}) if row["key"] is not None]
    nodes = fetch_nodes(store, [(row["label"], row["key"]) for row in rows])
    flagged: dict[str, list[dict]] = {}
    for row in rows:
        flagged.setdefault(row["fid"], []).append({"flag": row["flag"], "role": row["role"],
                                                   "node": nodes[(row["label"], row["key"])]})
    return flagged


def flagged_facts(store: Store, finding_ids: list[str],
                  flagged: dict[str, list[dict]] | None = None) -> dict[str, list[tuple[str, dict]]]:
    """Per finding, the (label or type, properties) facts its values may repeat: the entities it
    flags, and the relationships joining two of them (their ends as `_from`, `_to`). `flagged`:
    what `flagged_entities` read already."""
    flagged = flagged_entities(store, finding_ids) if flagged is None else flagged
    idents = {fid: {(e["node"]["_label"], e["node"][SCHEMA.node(e["node"]["_label"]).key]) for e in entities}
              for fid, entities in flagged.items()}
    rels = relationships_between(store, set().union(*idents.values()), ALL_PAIRS)
    return {fid: [(e["node"]["_label"], e["node"]) for e in flagged[fid]]
            + [(rel["_type"], rel) for rel in rels.values() if rel["_from"] in mine and rel["_to"] in mine]
            for fid, mine in idents.items()}


def seen_findings(store: Store, rows: list[dict], clearance: Clearance) -> list[dict]:
    """Listed findings (see `list_findings`) as the reader may see them (see `seen_finding`)."""
    if clearance.sees_all or not rows:
        return rows
    flagged = flagged_facts(store, [r["finding_id"] for r in rows])
    clearance = clearance.reading(store, [fact for facts in flagged.values() for fact in facts])
    return [seen_finding(row, flagged.get(row["finding_id"], []), clearance) for row in rows]


def flagged_sources(store: Store, flagged: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """The rows describing each flagged entity (see `flagged_entities`), ordered by record id."""
    keys = group_by_label((e["node"]["_label"], e["node"][SCHEMA.node(e["node"]["_label"]).key]) for e in flagged)
    rows = per_label(store, keys, lambda label, match: (
        f"{match} OPTIONAL MATCH (n)<-[d:DESCRIBES]-(s:SourceRecord) RETURN '{label}' AS label, k, "
        "d.role AS column_role, s.record_id AS record_id, s.department AS department, s.dataset AS dataset, "
        "s.source_file AS source_file, s.source_row AS source_row"), targets("DESCRIBES"))
    sources: dict[tuple[str, str], list[dict]] = {}
    for row in sorted((row for row in rows if row["record_id"] is not None), key=lambda row: row["record_id"]):
        sources.setdefault((row.pop("label"), row.pop("k")), []).append(row)
    return sources


def show_finding(store: Store, finding_id: str, max_sources: int = 20, clearance: Clearance | None = None) -> dict:
    """One finding: its properties, evidence, office, the entities it flags, and for each entity
    the source rows (department, dataset, file, row) that describe it; as `clearance` may see
    them when given (the flagged entities masked as facts, the finding as `seen_finding`)."""
    clearance = clearance or Clearance()
    found = store.query("MATCH (f:Finding {finding_id: $id}) RETURN f", {"id": finding_id})
    if not found:
        raise StoreError(f"no finding {finding_id!r}; `crossaudit findings list` shows the ids")
    finding = found[0]["f"]
    for key in ("identity", "evidence"):
        finding[key] = json.loads(finding[key]) if finding[key] else {}
    office = store.query("MATCH (f:Finding {finding_id: $id})-[a:ASSIGNED_TO]->(o:TaxOffice) "
                         "RETURN o.code AS code, o.name AS name, o.level AS level", {"id": finding_id})
    flagged = flagged_entities(store, [finding_id])
    sources = flagged_sources(store, flagged.get(finding_id, []))
    facts = flagged_facts(store, [finding_id], flagged).get(finding_id, []) if not clearance.sees_all else []
    clearance = clearance.reading(store, facts)
    entities = []
    for row in sorted(flagged.get(finding_id, []), key=lambda r: (r["role"], r["node"]["_label"])):
        node = row["node"]
        mine = sources.get((node["_label"], node[SCHEMA.node(node["_label"]).key]), [])
        entities.append({"role": row["role"], "label": node["_label"], "node": clearance.fact(node["_label"], node),
                         "sources_total": len(mine),
                         "sources": [{k: s[k] for k in ("record_id", "department", "dataset", "source_file",
                                                        "source_row", "column_role")} for s in mine[:max_sources]]})
    finding = seen_finding(finding, facts, clearance)
    return {"finding": finding, "office": office[0] if office else None, "entities": entities}


def rule_stats(store: Store, offices: list[str] | set[str] | None = None) -> list[dict]:
    """Per rule: findings, confirmed, dismissed, precision from feedback (confirmed among the
    verified), tax at risk and tax recovered; only the findings of `offices` when given."""
    rows = store.query("MATCH (f:Finding) RETURN f.rule_id AS rule_id, f.pack AS pack, f.status AS status, "
                       "f.tax_at_risk AS tax_at_risk, f.recovered AS recovered, f.office_code AS office_code")
    if offices is not None:
        rows = [r for r in rows if r["office_code"] in set(offices)]
    stats: dict[str, dict] = {}
    for row in rows:
        entry = stats.setdefault(row["rule_id"], {"rule_id": row["rule_id"], "pack": row["pack"], "findings": 0,
                                                  "confirmed": 0, "dismissed": 0, "tax_at_risk": 0.0,
                                                  "recovered": 0.0})
        entry["findings"] += 1
        entry["confirmed"] += row["status"] == "confirmed"
        entry["dismissed"] += row["status"] == "dismissed"
        entry["tax_at_risk"] += row["tax_at_risk"] or 0.0
        entry["recovered"] += row["recovered"] or 0.0
    for entry in stats.values():
        verified = entry["confirmed"] + entry["dismissed"]
        entry["precision"] = None if not verified else entry["confirmed"] / verified
    return sorted(stats.values(), key=lambda e: (e["pack"] or "", e["rule_id"]))
