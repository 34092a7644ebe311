"""Findings in the store: list them with filters, show one with its evidence and provenance.

    list_findings(store, pack="invoicing", severity="critical")
    show_finding(store, "F-3f2a…")["entities"][0]["sources"]
    show_finding(store, "F-3f2a…", clearance=Clearance.of(user, grades))   # masked for its reader
"""
from __future__ import annotations

import json
from typing import Any, Iterable

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


def flagged_facts(store: Store, finding_ids: list[str]) -> dict[str, list[tuple[str, dict]]]:
    """Per finding, the (label or type, properties) facts its values may repeat: the entities it
    flags, and the relationships joining two of them (their ends as `_from`, `_to`)."""
    facts: dict[str, list[tuple[str, dict]]] = {}
    for row in store.query("UNWIND $ids AS fid MATCH (f:Finding {finding_id: fid})-[:FLAGS]->(n) RETURN fid, n",
                           {"ids": finding_ids}):
        facts.setdefault(row["fid"], []).append((row["n"]["_label"], row["n"]))
    for row in store.query("UNWIND $ids AS fid MATCH (f:Finding {finding_id: fid})-[:FLAGS]->(a) "
                           "MATCH (f)-[:FLAGS]->(b) MATCH (a)-[r]->(b) RETURN fid, a, b, r", {"ids": finding_ids}):
        ends = [(node["_label"], node[SCHEMA.node(node["_label"]).key]) for node in (row["a"], row["b"])]
        facts[row["fid"]].append((row["r"]["_type"], {**row["r"], "_from": ends[0], "_to": ends[1]}))
    return facts


def seen_findings(store: Store, rows: list[dict], clearance: Clearance) -> list[dict]:
    """Listed findings (see `list_findings`) as the reader may see them (see `seen_finding`)."""
    if clearance.sees_all or not rows:
        return rows
    flagged = flagged_facts(store, [r["finding_id"] for r in rows])
    clearance = clearance.reading(store, [fact for facts in flagged.values() for fact in facts])
    return [seen_finding(row, flagged.get(row["finding_id"], []), clearance) for row in rows]


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
    flagged = store.query("MATCH (f:Finding {finding_id: $id})-[r:FLAGS]->(n) RETURN r.rid AS flag, r.role AS role, n",
                          {"id": finding_id})
    sources = store.query(
        "MATCH (f:Finding {finding_id: $id})-[r:FLAGS]->(n)<-[d:DESCRIBES]-(s:SourceRecord) "
        "RETURN r.rid AS flag, d.role AS column_role, s.record_id AS record_id, "
        "s.department AS department, s.dataset AS dataset, s.source_file AS source_file, s.source_row AS source_row "
        "ORDER BY s.record_id", {"id": finding_id})
    facts = flagged_facts(store, [finding_id]).get(finding_id, []) if not clearance.sees_all else []
    clearance = clearance.reading(store, facts)
    entities = []
    for row in sorted(flagged, key=lambda r: (r["role"], r["n"]["_label"])):
        node = row["n"]
        mine = [s for s in sources if s["flag"] == row["flag"]]
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
