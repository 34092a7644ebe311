"""The main job as functions: the demo region in, findings and their evaluation out.

`crossaudit demo` calls these in order; each can be used on its own:

    region = prepare_region(Path("crossaudit-demo"), "medium", seed=7)   # generate, or reuse
    load_region(store, region)                                           # skipped if already loaded
    resolve(store)                                                       # entity resolution, when present
    run_all_packs(store)                                                 # every shipped pack
    summarise(store)                                                     # by pack, severity, office
    evaluate(store, region / "answer_key.csv")                           # precision / recall per family
"""
from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from crossaudit.engine.rules import RunSummary, load_rules, run_rules
from crossaudit.engine.store import Store

# Which shipped rules answer for each family the demo region plants.
FAMILY_RULES: dict[str, tuple[str, ...]] = {
    "land_transfer_deed_tax": ("land-transfer-without-deed-tax",),
    "property_transfer_deed_tax": ("property-transfer-without-deed-tax", "property-price-underdeclared"),
    "equity_transfer_iit": ("equity-transfer-without-iit",),
    "cross_region_contractor": ("cross-region-contractor-unregistered",),
    "unregistered_operation": ("operating-without-tax-registration",),
    "inactive_taxpayer_operating": ("inactive-taxpayer-operating",),
    "related_party_trading": ("related-party-invoice-pricing",),
    "circular_invoicing": ("circular-invoicing-ring",),
    "shell_cluster": ("shell-firm-cluster",),
    "payroll_underreporting": ("payroll-iit-underreported",),
    "electricity_revenue_mismatch": ("electricity-revenue-mismatch",),
    "procurement_without_invoice": ("procurement-without-invoice",),
    "lease_without_rental_tax": ("lease-without-rental-tax",),
    "discharge_without_env_tax": ("discharge-permit-without-env-tax",),
    "related_party_property": ("related-party-property-transfer",),
    "judicial_auction_deed_tax": ("judicial-auction-without-deed-tax",),
}
# Answer-key identifiers specific to one case (documents), beside its primary key.
DOCUMENT_KEYS = ("land_contract", "land_supervision", "property_cert", "property_unit", "sale_contract", "auction",
                 "construction_permit", "lease", "payment", "discharge_permit", "invoice", "equity_change")
Progress = Callable[[str, int, int], None]


def _norm(value: Any) -> str:
    """How an identifier compares: NFKC, no spaces, dashes or brackets' width, upper case."""
    text = unicodedata.normalize("NFKC", str(value))
    return re.sub(r"[\s\-()（）]", "", text).upper()


# --- the steps ---------------------------------------------------------------------------

def region_name(scale: str, seed: int, dialect: str = "ningxia") -> str:
    """`<scale>-<seed>` for the default dialect (so existing folders and stores are reused),
    `<dialect>-<scale>-<seed>` for another."""
    from crossaudit.demo.dialects import DEFAULT_DIALECT

    return f"{scale}-{seed}" if dialect == DEFAULT_DIALECT else f"{dialect}-{scale}-{seed}"


def prepare_region(workdir: Path, scale: str = "medium", seed: int = 7, dialect: str = "ningxia") -> Path:
    """The demo region of a dialect in `workdir/region-<name>` (see region_name): generated once,
    then reused."""
    from crossaudit.demo import generate

    region = (Path(workdir) / f"region-{region_name(scale, seed, dialect)}").resolve()
    if not (region / "manifest.json").exists():
        generate(region, scale, seed, dialect)
    return region


def dialect_specs(dialect: str = "ningxia") -> Path:
    """The folder of the source specs a dialect's exports are read with."""
    from crossaudit.demo.dialects import dialect as dialect_named

    return dialect_named(dialect).specs


def load_region(store: Store, region: Path, progress: Callable[[str, int], None] | None = None,
                force: bool = False, dialect: str = "ningxia") -> dict | None:
    """Load the region with its dialect's specs unless a finished load run of the same folder is
    in the store; the load report as JSON, or None when skipped. `force` empties the store first
    (the demo's own store: a reload starts from nothing, whatever an interrupted run left)."""
    from crossaudit.loaders import load_sources

    if force:
        store.clear()
    store.apply_schema()
    if not force and store.query("MATCH (r:LoadRun) WHERE r.source_dir = $dir AND r.rows_loaded > 0 "
                                 "RETURN r.run_id AS id LIMIT 1", {"dir": str(region)}):
        return None
    return load_sources(region, store, dialect_specs(dialect), progress=progress).to_json()


def resolve(store: Store, progress: Callable[[str, str], None] | None = None) -> dict | None:
    """Entity resolution (crossaudit.resolve), if this installation has it: its report as JSON
    (records, merged and review items per label); None when resolution is not available.
    PartialLoad if the store's latest load did not finish."""
    from crossaudit.loaders import require_finished_load

    require_finished_load(store)
    try:
        from crossaudit.resolve import resolve_store
    except ImportError:
        return None
    return resolve_store(store, progress=progress).to_json()


def run_all_packs(store: Store, progress: Progress | None = None, rules_dirs: tuple[Path, ...] = ()) -> RunSummary:
    """Every shipped pack (and the rules in `rules_dirs`) on the store; PartialLoad if the store's
    latest load did not finish."""
    from crossaudit.loaders import require_finished_load

    require_finished_load(store)
    return run_rules(store, load_rules(*rules_dirs), progress=progress,
                     rules_dir=",".join(str(d) for d in rules_dirs) or None)


def latest_rule_run(store: Store) -> str | None:
    """The id of the most recent `rules run` in the store."""
    rows = store.query("MATCH (r:RuleRun) RETURN r.run_id AS id ORDER BY r.started_at DESC LIMIT 1")
    return rows[0]["id"] if rows else None


def summarise(store: Store, run_id: str | None = None) -> dict[str, Any]:
    """The findings a rule run produced (default: the latest), with their tax at risk, by pack,
    by severity and by office, and in total."""
    out: dict[str, Any] = {"rule_run": run_id or latest_rule_run(store)}
    for key, expression in (("by_pack", "f.pack"), ("by_severity", "f.severity"), ("by_office", "f.office_code")):
        rows = store.query(f"MATCH (f:Finding) WHERE f.rule_run = $run RETURN {expression} AS k, count(*) AS findings, "
                           "coalesce(sum(f.tax_at_risk), 0) AS tax_at_risk ORDER BY k", {"run": out["rule_run"]})
        out[key] = {r["k"] or "": {"findings": r["findings"], "tax_at_risk": round(float(r["tax_at_risk"]), 2)}
                    for r in rows}
    names = store.query("MATCH (o:TaxOffice) RETURN o.code AS code, o.name AS name")
    out["office_names"] = {r["code"]: r["name"] for r in names}
    out["findings"] = sum(v["findings"] for v in out["by_pack"].values())
    out["tax_at_risk"] = round(sum(v["tax_at_risk"] for v in out["by_pack"].values()), 2)
    return out


# --- evaluation against the answer key -----------------------------------------------------

@dataclass
class Case:
    case_id: str
    family: str
    kind: str
    label: str
    primary_key: str
    keys: dict[str, list[str]]
    office_code: str

    def identifiers(self) -> set[str]:
        found = {_norm(self.primary_key)}
        for kind in DOCUMENT_KEYS:
            found.update(_norm(v) for v in self.keys.get(kind, []))
        return found


def read_answer_key(path: Path) -> list[Case]:
    cases = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            keys: dict[str, list[str]] = {}
            for item in filter(None, row["keys"].split(";")):
                kind, _, value = item.partition(":")
                keys.setdefault(kind, []).append(value)
            cases.append(Case(row["case_id"], row["family"], row["kind"], row["label"], row["primary_key"], keys,
                              row["office_code"]))
    return cases


def _leaves(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_leaves(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_leaves(v) for v in value)) if value else set()
    return {_norm(value)} if isinstance(value, str) else set()


@dataclass
class FamilyScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    collateral: int = 0  # findings about another family's positive case: true, but not this family's
    near_miss_hits: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)  # finding ids matching no case
    office_agreement: float | None = None

    @property
    def precision(self) -> float:
        return round(self.tp / (self.tp + self.fp), 4) if self.tp + self.fp else (1.0 if not self.fn else 0.0)

    @property
    def recall(self) -> float:
        return round(self.tp / (self.tp + self.fn), 4) if self.tp + self.fn else 1.0

    def to_json(self, detail: bool = False) -> dict:
        out = {"precision": self.precision, "recall": self.recall, "tp": self.tp, "fp": self.fp, "fn": self.fn,
               "collateral": self.collateral, "near_misses_flagged": len(self.near_miss_hits),
               "office_agreement": self.office_agreement}
        if detail:
            out.update(near_miss_hits=self.near_miss_hits, missed=self.missed, unexplained=self.unexplained)
        return out


def evaluate(store: Store, answer_key: Path, run_id: str | None = None) -> dict[str, FamilyScore]:
    """Precision and recall per family of the answer key, for the findings of a rule run
    (default: the latest; findings an earlier run produced and this one did not are left out).

    A finding of a family's rules matches a case when the case's primary key, or one of its
    document numbers, is among the finding's evidence values. tp: positive cases matched;
    fn: positive cases not matched; fp: findings matching no positive case of the family
    (near misses included), except findings about another family's positive case, which are
    counted as collateral (a deregistered firm's payroll stops being declared, too).
    """
    cases = read_answer_key(Path(answer_key))
    positives = [c for c in cases if c.label == "positive"]
    ids = {c.case_id: c.identifiers() for c in cases}
    rows = store.query("MATCH (f:Finding) WHERE f.rule_run = $run RETURN f.finding_id AS id, f.rule_id AS rule, "
                       "f.evidence AS evidence, f.office_code AS office", {"run": run_id or latest_rule_run(store)})
    by_rule: dict[str, list[dict]] = {}
    for row in rows:
        by_rule.setdefault(row["rule"], []).append(row)
    scores: dict[str, FamilyScore] = {}
    for family, rule_ids in FAMILY_RULES.items():
        score = scores[family] = FamilyScore()
        found: dict[str, list[str]] = {}
        for finding in (f for rule in rule_ids for f in by_rule.get(rule, [])):
            values = _leaves(json.loads(finding["evidence"]))
            hits = [c for c in cases if ids[c.case_id] & values]
            own = [c for c in hits if c.family == family and c.label == "positive"]
            if own:
                for case in own:
                    found.setdefault(case.case_id, []).append(finding["office"] or "")
            elif any(c.label == "positive" for c in hits):
                score.collateral += 1
            else:
                score.fp += 1
                near = [c.case_id for c in hits if c.label == "near_miss"]
                (score.near_miss_hits if near else score.unexplained).append(
                    ",".join(near) if near else finding["id"])
        family_positives = [c for c in positives if c.family == family]
        score.tp = sum(1 for c in family_positives if c.case_id in found)
        score.fn = len(family_positives) - score.tp
        score.missed = [c.case_id for c in family_positives if c.case_id not in found]
        agreed = [any(o[1:7] == c.office_code for o in found[c.case_id]) for c in family_positives
                  if c.case_id in found]
        score.office_agreement = round(sum(agreed) / len(agreed), 4) if agreed else None
    return scores


def evaluation_json(scores: dict[str, FamilyScore], detail: bool = False) -> dict[str, dict]:
    """`crossaudit demo --evaluate --format json`: an object keyed by family."""
    return {family: score.to_json(detail) for family, score in scores.items()}
