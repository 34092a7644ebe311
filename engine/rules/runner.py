"""Run rules on a store and keep each result row as a Finding.

`crossaudit rules run` does, in order:

1. the parameters of each rule: header defaults (a data window such as
   `latest_full_year.start` resolved from the store), then overrides;
2. before each rule, the precompute steps it declares (`precompute: [interest_groups]`: see
   `crossaudit.engine.rules.groups`), unless they last ran with the same parameters;
3. the rule's query, read-only; the queries between two precompute steps are sent at once
   (`workers`, by default the store's `rule_workers`: 2 on Neo4j, 1 on Ladybug), the steps
   below done one rule after another in the rules' order;
4. per finding identity, one result row: the row with the largest tax at risk, ties broken by
   its canonical JSON, so the engines' row order never decides; a row whose identity columns
   are null is keyed by its flagged entities too, and a row with no identity at all fails the
   run (a silent merge of every row into one finding is worse than no finding);
5. per kept row, a Finding keyed by a fingerprint of the rule id and the identity values,
   with the row as JSON evidence, the amount and tax at risk, the competent tax office
   (`crossaudit.engine.rules.offices`), FLAGS to every entity the row names and ASSIGNED_TO
   its office; all written with the Store's upserts, so provenance and first_seen are kept
   and a re-run creates nothing twice. A finding's status is 'new' when it is created and is
   never overwritten by a later run, except that a dismissed finding whose evidence changed
   is reopened (`engine.lifecycle.reopen_changed`); a finding a later run does not produce again is kept,
   its rule_run and last_seen saying when it was last found;
6. a RuleRun node with the run's totals.

    summary = run_rules(store, load_rules(pack="invoicing"), {"window": "15 days"})
    summary.findings, summary.new_findings
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

import yaml

from crossaudit.engine.rules.groups import compute_interest_groups
from crossaudit.engine.rules.model import DATA_DEFAULTS, PRECOMPUTE_STEPS, Rule, RuleError, param_text, parse_param
from crossaudit.engine.rules.offices import OfficeResolver, values_of
from crossaudit.engine.lifecycle import reopen_changed
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, Store, plain

PRECOMPUTE = {"interest_groups": compute_interest_groups}
NO_LOWER_BOUND = dt.date(1900, 1, 1)
MONTH_PATTERN = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
# The latest month each monthly source holds; a year is full when every source holds its December.
LATEST_MONTHS = (
    "MATCH (t:TaxFiling) WHERE t.period_end IS NOT NULL RETURN max(t.period_end) AS latest",
    "MATCH (e:Enterprise)-[u:USED]->(m:UtilityUsage) RETURN max(m.period) AS latest",
    "MATCH (e:Enterprise)-[w:EMPLOYS]->(p:Person) RETURN max(w.period) AS latest",
)
Progress = Callable[[str, int, int], None]  # (what is running, done, total)


@dataclass
class RuleOutcome:
    rule_id: str
    pack: str
    rows: int = 0
    findings: int = 0
    new: int = 0
    duplicates: int = 0  # rows whose identity another row of the same run already had
    tax_at_risk: float = 0.0
    seconds: float = 0.0


@dataclass
class RunSummary:
    run_id: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    outcomes: list[RuleOutcome] = field(default_factory=list)
    precompute: dict[str, dict] = field(default_factory=dict)

    @property
    def findings(self) -> int:
        return sum(o.findings for o in self.outcomes)

    @property
    def new_findings(self) -> int:
        return sum(o.new for o in self.outcomes)

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "started_at": self.started_at.isoformat(),
                "finished_at": self.finished_at.isoformat() if self.finished_at else None,
                "findings": self.findings, "new_findings": self.new_findings, "precompute": self.precompute,
                "rules": [asdict(o) for o in self.outcomes]}


# --- parameters -----------------------------------------------------------------------------

def _coerce(rule: Rule, name: str, value: Any) -> Any:
    """An override converted to the type of the header's default; a clear error otherwise."""
    default = rule.params[name]
    data_kind = DATA_DEFAULTS.get(default) if isinstance(default, str) else None
    if data_kind == "month":
        value = str(value)
        if not MONTH_PATTERN.match(value):
            raise RuleError(f"parameter {name!r} of rule {rule.id} is a month such as 2023-01, got {value!r}")
        return value
    if data_kind == "date":
        default = dt.date.min
    if isinstance(value, str) and not isinstance(default, str):
        value = yaml.safe_load(value)
    value = parse_param(value)
    where = f"parameter {name!r} of rule {rule.id}"
    if isinstance(default, dt.timedelta):
        if isinstance(value, int) and not isinstance(value, bool):
            return dt.timedelta(days=value)
        if isinstance(value, dt.timedelta):
            return value
        raise RuleError(f"{where} is a duration such as '30 days', got {value!r}")
    if isinstance(default, dt.date):
        if isinstance(value, dt.date):
            return value
        raise RuleError(f"{where} is a date such as 2023-12-31, got {value!r}")
    if isinstance(default, (bool, list, str)):
        if type(value) is not type(default):
            raise RuleError(f"{where} expects a {type(default).__name__}, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{where} expects a number, got {value!r}")
    return float(value) if isinstance(default, float) else value


def latest_full_year(store: Store) -> int:
    """The last calendar year whose December every monthly source in the store holds (tax returns,
    electricity, social insurance); last year when the store holds none of them.

    Returns that end 2023-12-31, electricity to 2024-03 and contributions to 2023-12 → 2023.
    """
    years = []
    for query in LATEST_MONTHS:
        latest = store.query(query)[0]["latest"]
        if latest is None:
            continue
        if isinstance(latest, dt.date):
            year, month = latest.year, latest.month
        else:  # a YYYY-MM period
            year, month = map(int, str(latest)[:7].split("-"))
        years.append(year if month == 12 else year - 1)
    return min(years) if years else dt.date.today().year - 1


def data_defaults(year: int) -> dict[str, Any]:
    """The value of each data-window default for a given latest full year."""
    return {"latest_full_year.start": dt.date(year, 1, 1), "latest_full_year.end": dt.date(year, 12, 31),
            "latest_full_year.first_month": f"{year}-01", "latest_full_year.last_month": f"{year}-12"}


def earliest_filing(store: Store, tax_type: str) -> dt.date:
    """The earliest day a filing of `tax_type` covers or was filed on; NO_LOWER_BOUND when the store
    holds none (nothing tells how far back the returns reach: every transaction is checked)."""
    row = store.query("MATCH (t:TaxFiling {tax_type: $tax}) RETURN min(t.period_start) AS covered, "
                      "min(t.filed_on) AS filed", {"tax": tax_type})[0]
    days = [d for d in (row["covered"], row["filed"]) if d is not None]
    return min(days) if days else NO_LOWER_BOUND


def latest_filing(store: Store, tax_type: str) -> dt.date:
    """The latest day a filing of `tax_type` was filed on or covers: how far forward the returns
    delivered reach. A transaction whose grace period ends after it cannot be judged undeclared —
    its return may be in a delivery not yet made. Today when the store holds none."""
    row = store.query("MATCH (t:TaxFiling {tax_type: $tax}) RETURN max(t.filed_on) AS filed, "
                      "max(coalesce(t.period_end, t.period_start)) AS covered", {"tax": tax_type})[0]
    days = [d for d in (row["filed"], row["covered"]) if d is not None]
    return max(days) if days else dt.date.today()


def latest_invoice(store: Store) -> dt.date:
    """The latest day an invoice held was issued on: how far forward the invoices delivered
    reach. A payment whose invoicing window ends after it cannot be judged uninvoiced — its
    invoice may be in a delivery not yet made. Today when the store holds none."""
    latest = store.query("MATCH (i:Invoice) RETURN max(i.issued_on) AS latest")[0]["latest"]
    return latest if latest is not None else dt.date.today()


def resolve_data_defaults(params: dict[str, dict], store: Store) -> dict[str, dict]:
    """`params` with every data-derived default (`latest_full_year.start`, `earliest_filing.deed_tax`,
    `latest_filing.deed_tax` …) replaced by its value, each computed from the store once and only if some parameter holds it."""
    wanted = {v for values in params.values() for v in values.values() if isinstance(v, str) and v in DATA_DEFAULTS}
    values: dict[str, Any] = {}
    if any(token.startswith("latest_full_year.") for token in wanted):
        values.update(data_defaults(latest_full_year(store)))
    for token in sorted(t for t in wanted if t.startswith(("earliest_filing.", "latest_filing."))):
        bound = earliest_filing if token.startswith("earliest") else latest_filing
        values[token] = bound(store, token.partition(".")[2])
    if "latest_invoice" in wanted:
        values["latest_invoice"] = latest_invoice(store)
    return {rule_id: {k: values[v] if isinstance(v, str) and v in values else v for k, v in ps.items()}
            for rule_id, ps in params.items()}


def resolve_params(rules: Iterable[Rule], overrides: Mapping[str, Any] | None = None) -> dict[str, dict]:
    """rule id → parameters: the header's defaults, then `overrides` keyed `name` (every rule that
    declares it) or `rule-id.name` (one rule).

    >>> from crossaudit.engine.rules import load_rules
    >>> resolve_params(load_rules(rule_ids=["payroll-iit-underreported"]), {"max_ratio": "0.4"})
    {'payroll-iit-underreported': {..., 'max_ratio': 0.4, ...}}
    """
    rules = list(rules)
    resolved = {r.id: dict(r.params) for r in rules}
    for key, value in (overrides or {}).items():
        rule_id, _, name = key.rpartition(".")
        targets = [r for r in rules if (not rule_id or r.id == rule_id) and name in r.params]
        if not targets:
            raise RuleError(f"no selected rule has a parameter {key!r}; "
                            "see the params of each rule in `crossaudit rules list --format json`")
        for rule in targets:
            resolved[rule.id][name] = _coerce(rule, name, value)
    return resolved


# --- findings --------------------------------------------------------------------------------

def evidence_value(value: Any) -> Any:
    """A value as it goes into evidence: plain, floats rounded, lists sorted (engines differ in
    collect() order and in the last digits of sums)."""
    value = plain(value)
    if isinstance(value, float):  # NaN and infinity are no evidence, and no JSON either
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, list):
        items = [evidence_value(v) for v in value]
        try:
            return sorted(items, key=lambda v: (v is None, v))
        except TypeError:
            return items
    if isinstance(value, dict):
        return {k: evidence_value(v) for k, v in value.items()}
    return value


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v))


def fingerprint(rule_id: str, identity: Mapping[str, Any]) -> str:
    """The finding id: a digest of the rule id and the identity values, stable across runs.

    >>> fingerprint("land-transfer-without-deed-tax", {"contract_no": "银川自然资出让〔2023〕009号"})
    'F-...'
    """
    digest = hashlib.blake2b(canonical_json([rule_id, identity]).encode("utf-8"), digest_size=10).hexdigest()
    return f"F-{digest}"


def _number(value: Any, rule: Rule, column: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(f"{rule.path}: column {column!r} must be a number, got {value!r}")
    return round(float(value), 2) if math.isfinite(value) else None  # 0/0 in a query: no amount


def _check_row(rule: Rule, row: Mapping[str, Any]) -> None:
    missing = [c for c in rule.declared_columns if c not in row]
    if missing:
        raise RuleError(f"{rule.path}: the query returned no column(s) {missing}; it returned {sorted(row)}")


def finding_identity(rule: Rule, row: Mapping[str, Any]) -> dict[str, Any]:
    """The identity values of a result row: the rule's identity columns, and where one of them is
    null, the flagged entities' keys too, so that rows lacking a number a department did not give
    are not merged into one finding. A row with no identity value at all is an error.

    identity [contract], entities {contract, buyer}: a row {contract: None, buyer: 'B1'} is
    keyed {contract: None, buyer: 'B1'}; {contract: None, buyer: None} fails the run.
    """
    identity = {c: row[c] for c in rule.identity}
    if any(v is None or v == [] for v in identity.values()):
        identity.update({c: row[c] for c in rule.entities if c not in identity and row[c] not in (None, [])})
    if all(v is None or v == [] for v in identity.values()):
        columns = list(dict.fromkeys([*rule.identity, *rule.entities]))
        raise RuleError(f"{rule.path}: rule {rule.id} returned a row whose identity column(s) {list(rule.identity)} "
                        f"and entity column(s) are all null ({columns}); its findings cannot be told apart. Check "
                        "that the sources feed the properties these columns read (`crossaudit specs check`).")
    return identity


def _kept_rows(rule: Rule, rows: list[dict]) -> tuple[dict[str, tuple[dict, dict]], int]:
    """finding_id → (identity, row) keeping, of the rows sharing an identity, the one with the
    largest tax at risk, ties broken by the smallest canonical JSON: the engines return rows in
    different orders, and the finding must not depend on it; and the number of rows left out."""
    kept: dict[str, tuple[tuple, dict, dict]] = {}
    for raw in rows:
        _check_row(rule, raw)
        row = {k: evidence_value(v) for k, v in raw.items()}
        identity = finding_identity(rule, row)
        finding_id = fingerprint(rule.id, identity)
        order = (-(_number(row[rule.tax_at_risk], rule, rule.tax_at_risk) or 0.0), canonical_json(row))
        if finding_id not in kept or order < kept[finding_id][0]:
            kept[finding_id] = (order, identity, row)
    return {fid: (identity, row) for fid, (_, identity, row) in kept.items()}, len(rows) - len(kept)


def build_findings(rule: Rule, rows: list[dict], offices: OfficeResolver, run_id: str) -> tuple[dict, int]:
    """finding_id → (finding properties, {label: [flagged keys with role]}); and the duplicate count."""
    for column, label in rule.entities.items():  # one lookup for the whole result, not one per row
        offices.prefetch(label, (v for row in rows for v in values_of(row.get(column))))
    findings: dict[str, tuple[dict, dict]] = {}
    kept, duplicates = _kept_rows(rule, rows)
    for finding_id, (identity, row) in sorted(kept.items()):
        evidence = canonical_json(row)
        office, region = offices.office(row, rule.office, rule.entities)
        flagged: dict[str, list[dict]] = {}
        for column, label in rule.entities.items():
            for value in values_of(row[column]):
                actual = offices.label_of(label, value)
                if actual is None:
                    raise RuleError(f"{rule.path}: column {column!r} names {value!r}, neither an Enterprise "
                                    "nor a Person")
                flagged.setdefault(actual, []).append({"from": finding_id, "to": value, "role": column})
        findings[finding_id] = ({
            "finding_id": finding_id, "rule_id": rule.id, "rule_version": rule.version, "pack": rule.pack,
            "severity": rule.severity, "title": rule.title, "tax_types": ",".join(rule.tax),
            "identity": canonical_json(identity), "evidence": evidence,
            "evidence_hash": hashlib.blake2b(evidence.encode("utf-8"), digest_size=10).hexdigest(),
            "amount": _number(row[rule.amount], rule, rule.amount),
            "tax_at_risk": _number(row[rule.tax_at_risk], rule, rule.tax_at_risk),
            "office_code": office, "region_code": region, "rule_run": run_id,
            "dataset": f"rule:{rule.id}", "source_file": f"{rule.pack}/{rule.path.name}",
        }, flagged)
    return findings, duplicates


def _existing(store: Store, ids: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(ids), 10_000):
        rows = store.query("MATCH (f:Finding) WHERE f.finding_id IN $ids RETURN f.finding_id AS id",
                           {"ids": ids[start:start + 10_000]})
        found.update(r["id"] for r in rows)
    return found


def _drop_stale_links(store: Store, findings: dict[str, tuple[dict, dict]], existing: set[str]) -> None:
    """Remove FLAGS and ASSIGNED_TO of re-found findings that their new result no longer names
    (the evidence or the office changed), so a finding never points at two offices."""
    ids = sorted(existing)
    if not ids:
        return
    wanted = {fid: {(row["role"], row["to"]) for rows in flagged.values() for row in rows}
              for fid, (_, flagged) in findings.items() if fid in existing}
    stale = []
    for _, label in SCHEMA.rel("FLAGS").pairs:  # typed patterns: an untyped one (returning whole
        # nodes) took 7 s of a 30 s re-run of every pack on the large region (Ladybug)
        stale += [r["rid"] for r in store.query(
            f"MATCH (f:Finding)-[r:FLAGS]->(n:{label}) WHERE f.finding_id IN $ids "
            f"RETURN f.finding_id AS f, r.rid AS rid, r.role AS role, n.{SCHEMA.node(label).key} AS key", {"ids": ids})
            if (r["role"], r["key"]) not in wanted[r["f"]]]
    if stale:
        store.query("MATCH (f:Finding)-[r:FLAGS]->(n) WHERE r.rid IN $rids DELETE r", {"rids": stale})
    moved = [r["rid"] for r in store.query(
        "MATCH (f:Finding)-[a:ASSIGNED_TO]->(o:TaxOffice) WHERE f.finding_id IN $ids "
        "RETURN f.finding_id AS f, a.rid AS rid, o.code AS code", {"ids": ids})
        if r["code"] != findings[r["f"]][0]["office_code"]]
    if moved:
        store.query("MATCH (f:Finding)-[a:ASSIGNED_TO]->(o:TaxOffice) WHERE a.rid IN $rids DELETE a", {"rids": moved})


def store_findings(store: Store, findings: dict[str, tuple[dict, dict]], run: RunStamp) -> int:
    """Upsert findings, their FLAGS and ASSIGNED_TO; returns how many are new."""
    existing = _existing(store, sorted(findings))
    _drop_stale_links(store, findings, existing)
    # A dismissed finding whose evidence changed is reopened (before its evidence is overwritten);
    # otherwise a re-run never touches a status the lifecycle set.
    reopen_changed(store, {fid: {"evidence_hash": props["evidence_hash"], "evidence": props["evidence"]}
                           for fid, (props, _) in findings.items() if fid in existing}, by="rules", run=run)
    nodes = []
    for finding_id, (props, _) in findings.items():
        nodes.append({**props, "status": None if finding_id in existing else "new"})
    store.upsert_nodes("Finding", nodes, run)
    flags: dict[str, list[dict]] = {}
    for _, flagged in findings.values():
        for label, rows in flagged.items():
            flags.setdefault(label, []).extend(rows)
    for label, rows in sorted(flags.items()):
        store.upsert_relationships("FLAGS", "Finding", label, rows, run)
    assigned = [{"from": fid, "to": props["office_code"]} for fid, (props, _) in findings.items()
                if props["office_code"]]
    if assigned:  # a store without tax offices assigns nothing
        store.upsert_relationships("ASSIGNED_TO", "Finding", "TaxOffice", assigned, run)
    return len(findings) - len(existing)


# --- the run ---------------------------------------------------------------------------------

def _stages(rules: list[Rule], params: Mapping[str, Mapping[str, Any]]
            ) -> list[tuple[list[tuple[str, dict]], list[Rule]]]:
    """The rules in stages, each stage's precompute steps first: a step runs before the first
    rule that declares it, and again only if a later rule gives it other parameters; the rules
    between two steps read the same graph, so their queries may run at once."""
    stages: list[tuple[list[tuple[str, dict]], list[Rule]]] = []
    last: dict[str, dict] = {}  # step → the parameters it last ran with
    for rule in rules:
        steps = []
        for step in rule.precompute:
            step_params = {name: params[rule.id][name] for name in PRECOMPUTE_STEPS[step]}
            if last.get(step) != step_params:
                steps.append((step, step_params))
                last[step] = step_params
        if steps or not stages:
            stages.append((steps, []))
        stages[-1][1].append(rule)
    return stages


def _reads(pool: ThreadPoolExecutor | None, store: Store, stage: list[Rule],
           params: Mapping[str, Mapping[str, Any]]) -> Iterator[tuple[list[dict], float]]:
    """Each rule's result rows and the seconds its query took, in the stage's order: with a
    pool, every query of the stage is sent at once, each on a reading handle of its own."""
    if pool is None:
        return (_read(store, rule, params[rule.id]) for rule in stage)
    reads = [pool.submit(_read, store.for_thread(reads=True), rule, params[rule.id]) for rule in stage]
    return (read.result() for read in reads)


def _read(store: Store, rule: Rule, params: Mapping[str, Any]) -> tuple[list[dict], float]:
    started = time.perf_counter()
    try:
        rows = store.query_read(rule.text, params)
    except Exception as exc:  # the engine's own message, with the file it came from
        raise RuleError(f"{rule.path}: the query failed on {store.engine}: {exc}") from exc
    return rows, time.perf_counter() - started


def _ensure_findings_schema(store: Store) -> None:
    """Apply the schema to a store created before it had findings (Ladybug needs the tables)."""
    try:
        store.query("MATCH (f:Finding)-[a:ASSIGNED_TO]->(o:TaxOffice) RETURN count(*) AS n")
    except RuntimeError:
        store.apply_schema()


def run_rules(store: Store, rules: list[Rule], overrides: Mapping[str, Any] | None = None,
              progress: Progress | None = None, rules_dir: str | None = None,
              run: RunStamp | None = None, workers: int | None = None) -> RunSummary:
    """Run `rules` on `store` and keep their findings; see the module docstring for the steps.
    `workers` rule queries run at once (default: the store's `rule_workers`), each on a reading
    handle of its own thread; findings are still built and written one rule after another, in
    the rules' order, so the run's result does not depend on it."""
    params = resolve_data_defaults(resolve_params(rules, overrides), store)
    run = run or RunStamp.now(f"rules-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}")
    summary = RunSummary(run.run_id, run.at)
    _ensure_findings_schema(store)
    total = len(rules)
    offices = OfficeResolver(store)
    done = 0
    workers = max(1, workers or store.rule_workers)
    pool = ThreadPoolExecutor(workers, thread_name_prefix="rule") if workers > 1 else None
    try:
        for steps, stage in _stages(rules, params):
            for step, step_params in steps:
                if progress:
                    progress(f"precompute {step}", done, total)
                summary.precompute[step] = PRECOMPUTE[step](store, **step_params)
            for rule, (rows, seconds) in zip(stage, _reads(pool, store, stage, params)):
                if progress:
                    progress(rule.id, done, total)
                started = time.perf_counter()
                findings, duplicates = build_findings(rule, rows, offices, run.run_id)
                new = store_findings(store, findings, run) if findings else 0
                summary.outcomes.append(RuleOutcome(
                    rule.id, rule.pack, len(rows), len(findings), new, duplicates,
                    round(sum(p["tax_at_risk"] or 0.0 for p, _ in findings.values()), 2),
                    round(seconds + time.perf_counter() - started, 3)))
                done += 1
    finally:
        if pool:  # a failed rule ends the run: the reads not yet begun never start
            pool.shutdown(cancel_futures=True)
    if progress:
        progress("done", total, total)
    summary.finished_at = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    store.upsert_nodes("RuleRun", [{
        "run_id": run.run_id, "started_at": run.at, "finished_at": summary.finished_at, "rules": len(rules),
        "findings": summary.findings, "new_findings": summary.new_findings, "rules_dir": rules_dir,
        "params": canonical_json({k: param_text(v) for k, v in (overrides or {}).items()})}], run)
    return summary


__all__ = ["RuleOutcome", "RunSummary", "build_findings", "finding_identity", "fingerprint", "latest_full_year",
           "resolve_params", "run_rules", "store_findings"]
