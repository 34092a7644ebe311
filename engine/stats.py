"""stats: tax at risk and tax recovered by office, rule family (pack) and industry.

    totals = finding_stats(store)                    # {"by_office": {...}, "by_pack": {...}, ...}
"""
from __future__ import annotations

from crossaudit.engine.store import Store

DIMENSIONS = ("office", "pack", "industry")


def finding_stats(store: Store, offices: set[str] | None = None, clearance=None) -> dict:
    """Findings, tax at risk and recovered per office, pack and industry of the flagged
    enterprise (a finding flagging no enterprise counts under industry '—'). With a
    `clearance` (engine.access.Clearance), an industry from a source graded above it counts
    under the mask marker."""
    rows = store.query("MATCH (f:Finding) OPTIONAL MATCH (f)-[:FLAGS]->(e:Enterprise) "
                       "RETURN f.finding_id AS id, f.office_code AS office, f.pack AS pack, "
                       "f.tax_at_risk AS at_risk, f.recovered AS recovered, e.uid AS uid, e.industry AS industry, "
                       "e.dataset AS dataset")
    findings: dict[str, dict] = {}
    if clearance is not None:  # the industry as the reader may see it, graded by the datasets that filled it
        industries = [row for row in rows if row["industry"] is not None]
        facts = [{"uid": row["uid"], "industry": row["industry"], "dataset": row["dataset"]} for row in industries]
        clearance = clearance.reading(store, [("Enterprise", fact) for fact in facts])
        for row, fact in zip(industries, facts):
            row["industry"] = clearance.fact("Enterprise", fact)["industry"]
    for row in sorted(rows, key=lambda r: (r["id"], r["industry"] is None, r["industry"] or "")):
        findings.setdefault(row["id"], row)  # the first flagged enterprise's industry
    out: dict = {f"by_{d}": {} for d in DIMENSIONS}
    for finding in findings.values():
        if offices is not None and finding["office"] not in offices:
            continue
        for dimension in DIMENSIONS:
            key = finding[dimension] or "—"
            entry = out[f"by_{dimension}"].setdefault(key, {"findings": 0, "tax_at_risk": 0.0, "recovered": 0.0})
            entry["findings"] += 1
            entry["tax_at_risk"] += finding["at_risk"] or 0.0
            entry["recovered"] += finding["recovered"] or 0.0
    out["findings"] = sum(e["findings"] for e in out["by_pack"].values())
    out["tax_at_risk"] = sum(e["tax_at_risk"] for e in out["by_pack"].values())
    out["recovered"] = sum(e["recovered"] for e in out["by_pack"].values())
    return out
