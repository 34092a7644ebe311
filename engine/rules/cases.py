"""Rule tests for rule authors: `<rule>.test.yaml` beside each `<rule>.cypher`.

A test file holds a small fixture graph and named cases, each with the exact findings the
rule must produce on the fixture (plus the case's own nodes and parameters):

    fixture:
      nodes:
        Enterprise:
          - {uid: "91640100MA0000001X", credit_code: "91640100MA0000001X", name: 甲公司}
        Contract:
          - {uid: L1, contract_no: L1, kind: land_transfer, amount: 1000000.0, signed_on: 2023-01-10}
      relationships:
        - {type: PARTY_TO, from: "Enterprise:91640100MA0000001X", to: "Contract:L1", role: buyer}
    cases:
      - name: a land grant without deed tax is flagged
        expect:
          - {contract_no: L1, tax_at_risk: 30000.0}
      - name: a declared deed tax clears it
        nodes:
          TaxFiling: [{filing_id: T1, tax_type: deed_tax}]
        relationships:
          - {type: CONCERNS, from: "TaxFiling:T1", to: "Contract:L1"}
        expect: []

A top-level `params:` gives every case parameters (a case's own win), such as a fixed window
where the rule's default is the data's latest full year and the fixture holds a few months.

An expected finding names result columns (its identity columns at least) and, if wanted,
`office_code`; it must match one finding exactly, and the rule must produce no other.
Every case runs on an emptied store, through the same runner as `crossaudit rules run`.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crossaudit.engine.rules.cypher import return_columns
from crossaudit.engine.rules.model import Rule, RuleError
from crossaudit.engine.rules.runner import canonical_json, evidence_value, run_rules
from crossaudit.engine.store import RunStamp, Store, StoreError

FILE_KEYS = {"fixture", "params", "cases"}
FIXTURE_KEYS = {"nodes", "relationships"}
CASE_KEYS = {"name", "params", "nodes", "relationships", "expect"}
FINDING_KEYS = ("office_code",)


@dataclass
class CaseResult:
    rule_id: str
    case: str
    engine: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)  # what the rule produced, comparable across engines


def _fail(path: Path, where: str, message: str) -> RuleError:
    return RuleError(f"{path}: {where}: {message}")


def load_case_file(rule: Rule) -> dict:
    """The rule's test file, checked: known keys, named cases, an `expect` list in each."""
    path = rule.test_path
    if not path.exists():
        raise RuleError(f"{rule.path}: no test file {path.name} beside it (crossaudit rules new scaffolds one)")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or set(data) - FILE_KEYS or "cases" not in data:
        raise _fail(path, "top level", f"keys must be {sorted(FILE_KEYS)} ('cases' required)")
    if not isinstance(data.get("params") or {}, dict):
        raise _fail(path, "params", "must be a mapping parameter → value")
    fixture = data.get("fixture") or {}
    if not isinstance(fixture, dict) or set(fixture) - FIXTURE_KEYS:
        raise _fail(path, "fixture", f"keys must be among {sorted(FIXTURE_KEYS)}")
    names = set()
    for index, case in enumerate(data["cases"] or []):
        where = f"case {index + 1}"
        if not isinstance(case, dict) or set(case) - CASE_KEYS or "name" not in case or "expect" not in case:
            raise _fail(path, where, f"keys must be among {sorted(CASE_KEYS)}; 'name' and 'expect' required")
        if case["name"] in names:
            raise _fail(path, where, f"duplicate case name {case['name']!r}")
        names.add(case["name"])
        if not isinstance(case["expect"], list):
            raise _fail(path, f"case {case['name']!r}", "expect must be a list of findings ([] for none)")
        allowed = {c for branch in return_columns(rule.text) for c in branch} | set(FINDING_KEYS)
        for expected in case["expect"]:
            if not isinstance(expected, dict) or not set(rule.identity) <= set(expected):
                raise _fail(path, f"case {case['name']!r}", f"an expected finding must name the identity columns "
                            f"{list(rule.identity)}, got {expected!r}")
            if set(expected) - allowed:
                raise _fail(path, f"case {case['name']!r}", f"unknown column(s) {sorted(set(expected) - allowed)}; "
                            f"the rule returns {sorted(allowed)}")
    if not names:
        raise _fail(path, "cases", "at least one case is needed")
    return data


def _endpoint(path: Path, where: str, text: Any) -> tuple[str, str]:
    label, sep, key = str(text).partition(":")
    if not sep or not key:
        raise _fail(path, where, f"relationship endpoint {text!r} must be written 'Label:key'")
    return label, key


def load_fixture(store: Store, path: Path, where: str, nodes: dict, relationships: list, run: RunStamp) -> None:
    """Write fixture nodes ({label: [rows]}) and relationships ([{type, from: 'Label:key', to, props…}]),
    one upsert per label and per relationship pair."""
    try:
        for label, rows in nodes.items():
            if rows:
                store.upsert_nodes(label, rows, run)
        grouped: dict[tuple[str, str, str], list[dict]] = {}
        for rel in relationships:
            rel = dict(rel)
            rel_type = rel.pop("type", None)
            from_label, from_key = _endpoint(path, where, rel.pop("from", None))
            to_label, to_key = _endpoint(path, where, rel.pop("to", None))
            grouped.setdefault((rel_type, from_label, to_label), []).append({"from": from_key, "to": to_key, **rel})
        for (rel_type, from_label, to_label), rows in grouped.items():
            store.upsert_relationships(rel_type, from_label, to_label, rows, run)
    except (StoreError, KeyError) as exc:
        raise _fail(path, where, str(exc).strip('"')) from exc


def _case_graph(data: dict, case: dict) -> tuple[dict, list]:
    """The file's fixture with the case's own nodes and relationships added."""
    fixture = data.get("fixture") or {}
    nodes: dict[str, list] = {}
    for part in (fixture.get("nodes") or {}, case.get("nodes") or {}):
        for label, rows in part.items():
            nodes.setdefault(label, []).extend(rows or [])
    return nodes, list(fixture.get("relationships") or []) + list(case.get("relationships") or [])


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, (int, float)) and isinstance(actual, (int, float)) \
            and not isinstance(expected, bool) and not isinstance(actual, bool):
        return math.isclose(expected, actual, rel_tol=1e-6, abs_tol=0.005)
    return expected == actual


def _matches(expected: dict, finding: dict) -> bool:
    for column, value in expected.items():
        want = json.loads(canonical_json(evidence_value(value)))
        have = finding.get(column) if column in FINDING_KEYS else finding["evidence"].get(column)
        if not _same(want, have):
            return False
    return True


def produced_findings(store: Store, rule_id: str) -> list[dict]:
    """The rule's findings in the store as comparable dicts, sorted by finding id."""
    rows = store.query("MATCH (f:Finding) WHERE f.rule_id = $rule RETURN f.finding_id AS finding_id, "
                       "f.evidence AS evidence, f.office_code AS office_code, f.amount AS amount, "
                       "f.tax_at_risk AS tax_at_risk, f.status AS status ORDER BY f.finding_id", {"rule": rule_id})
    return [{**r, "evidence": json.loads(r["evidence"])} for r in rows]


def run_case(store: Store, rule: Rule, data: dict, case: dict) -> CaseResult:
    """Empty the store, write the fixture and the case's additions, run the rule, compare."""
    path, where = rule.test_path, f"case {case['name']!r}"
    store.clear()
    load_fixture(store, path, where, *_case_graph(data, case), RunStamp.now("fixture"))
    run_rules(store, [rule], {**(data.get("params") or {}), **(case.get("params") or {})})
    findings = produced_findings(store, rule.id)
    problems, unmatched = [], list(findings)
    for expected in case["expect"]:
        hit = next((f for f in unmatched if _matches(expected, f)), None)
        if hit is None:
            problems.append(f"expected finding {expected} not produced")
        else:
            unmatched.remove(hit)
    for extra in unmatched:
        problems.append(f"unexpected finding {extra['evidence']}")
    return CaseResult(rule.id, case["name"], store.engine, not problems, problems, findings)


def run_case_file(store: Store, rule: Rule) -> list[CaseResult]:
    """Every case of the rule's test file, on `store` (emptied before each case)."""
    data = load_case_file(rule)
    return [run_case(store, rule, data, case) for case in data["cases"]]


__all__ = ["CaseResult", "load_case_file", "load_fixture", "produced_findings", "run_case", "run_case_file"]
