"""`crossaudit rules …` and `crossaudit findings …` through click's CliRunner."""
from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store


def invoke(*args):
    return CliRunner().invoke(main_group, [str(a) for a in args])


def test_rules_list_as_json_names_every_rule():
    result = invoke("rules", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    rules = json.loads(result.output)
    assert len(rules) >= 15
    assert all({"id", "pack", "severity", "title"} <= set(r) for r in rules)
    land = next(r for r in rules if r["id"] == "land-transfer-without-deed-tax")
    assert land["params"]["grace"] == "90 days" and land["pack"] == "unreported-transactions"


def test_a_scaffolded_rule_lints_clean_and_passes_its_own_tests(tmp_path):
    result = invoke("rules", "new", "revoked-firm", "--pack", "my-pack", "--rules-dir", tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "my-pack" / "revoked-firm.cypher").exists()
    assert (tmp_path / "my-pack" / "revoked-firm.test.yaml").exists()
    assert invoke("rules", "lint", tmp_path).exit_code == 0
    tested = invoke("rules", "test", tmp_path, "--format", "json")
    assert tested.exit_code == 0, tested.output
    cases = json.loads(tested.output)["cases"]
    assert len(cases) == 3 and all(c["passed"] for c in cases)
    again = invoke("rules", "new", "revoked-firm", "--pack", "my-pack", "--rules-dir", tmp_path)
    assert again.exit_code == 1 and "already exists" in str(again.exception)


def test_a_failing_case_and_a_lint_problem_exit_1(tmp_path):
    invoke("rules", "new", "revoked-firm", "--pack", "my-pack", "--rules-dir", tmp_path)
    cases = tmp_path / "my-pack" / "revoked-firm.test.yaml"
    cases.write_text(cases.read_text(encoding="utf-8").replace("tax_at_risk: 13.0", "tax_at_risk: 14.0"),
                     encoding="utf-8")
    tested = invoke("rules", "test", tmp_path / "my-pack")
    assert tested.exit_code == 1 and "FAIL" in tested.output and "2 passed, 1 failed" in tested.output
    rule = tmp_path / "my-pack" / "revoked-firm.cypher"
    rule.write_text(rule.read_text(encoding="utf-8").replace("WHERE e.status = $status",
                                                              "WHERE e.status = $status AND e.name = toString(1)"),
                    encoding="utf-8")
    linted = invoke("rules", "lint", tmp_path)
    assert linted.exit_code == 1 and "revoked-firm.cypher:23: function: toString(" in linted.output


def test_rules_run_then_findings_list_and_show(store_uri, tmp_path):
    with open_store(store_uri) as store:
        store.apply_schema()
        store.upsert_nodes("Enterprise", [{"uid": "E1", "name": "甲公司", "status": "abnormal",
                                           "registered_capital": 200.0},
                                          {"uid": "E2", "name": "乙公司", "status": "operating"}])
    invoke("rules", "new", "revoked-firm", "--pack", "my-pack", "--rules-dir", tmp_path)
    ran = invoke("--store", store_uri, "rules", "run", "--rules-dir", tmp_path, "--pack", "my-pack",
                 "--param", "status=abnormal", "--param", "revoked-firm.rate=0.5", "--format", "json")
    assert ran.exit_code == 0, ran.output
    summary = json.loads(ran.output)
    assert (summary["findings"], summary["new_findings"]) == (1, 1)
    assert summary["rules"][0]["tax_at_risk"] == 100.0
    listed = json.loads(invoke("--store", store_uri, "findings", "list", "--pack", "my-pack", "--format", "json").output)
    assert [(f["identity"], f["status"], f["tax_at_risk"]) for f in listed] == [({"enterprise": "E1"}, "new", 100.0)]
    as_csv = list(csv.DictReader(io.StringIO(invoke("--store", store_uri, "findings", "list", "--format", "csv").output)))
    assert [row["finding_id"] for row in as_csv] == [listed[0]["finding_id"]]
    shown = invoke("--store", store_uri, "findings", "show", listed[0]["finding_id"])
    assert shown.exit_code == 0 and "甲公司" in shown.output and "revoked-firm" in shown.output
    rerun = json.loads(invoke("--store", store_uri, "rules", "run", "--rules-dir", tmp_path, "--rule", "revoked-firm",
                              "--param", "status=abnormal", "--workers", "2", "--format", "json").output)
    assert (rerun["findings"], rerun["new_findings"]) == (1, 0)
    refused = invoke("--store", store_uri, "rules", "run", "--rules-dir", tmp_path, "--workers", "0")
    assert refused.exit_code == 2 and "--workers" in refused.output


def test_bad_parameters_are_clear_errors(tmp_path):
    store = f"ladybug:{tmp_path / 'graph.db'}"
    unknown = invoke("--store", store, "rules", "run", "--pack", "invoicing", "--param", "nothing=1")
    assert unknown.exit_code == 1 and "no selected rule has a parameter 'nothing'" in str(unknown.exception)
    malformed = invoke("--store", store, "rules", "run", "--param", "window")
    assert malformed.exit_code == 1 and "write name=value" in malformed.output
