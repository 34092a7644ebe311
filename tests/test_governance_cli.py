"""Push, verify and access through the CLI on both engines: a county inspector sees and
verifies only their county's findings; every read and every denial is in the audit log."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.access import DEFAULT_USER, govern
from crossaudit.engine.store import RunStamp

REGION, CITY, COUNTY_A, COUNTY_B = "16400000000", "16401000000", "16401040000", "16401050000"
USERS = """users:
  admin: {role: admin, clearance: secret}
  li: {role: analyst, clearance: sensitive}
  wang: {role: inspector, office: "16401040000", clearance: internal}
  zhou: {role: inspector, office: "16401000000", clearance: internal}
"""


@pytest.fixture
def cli(store_uri, tmp_path, monkeypatch):
    users = tmp_path / "users.yaml"
    users.write_text(USERS, encoding="utf-8")
    monkeypatch.setenv("CROSSAUDIT_USERS", str(users))
    with open_store(store_uri) as store:
        store.apply_schema()
        govern(store, users, DEFAULT_USER)  # as `crossaudit store init --users users.yaml` does
        run = RunStamp.now("rules-1")
        store.upsert_nodes("TaxOffice", [{"code": REGION}, {"code": CITY, "parent": REGION},
                                         {"code": COUNTY_A, "parent": CITY}, {"code": COUNTY_B, "parent": CITY}], run)
        store.upsert_relationships("SUBORDINATE_OF", "TaxOffice", "TaxOffice", [
            {"from": CITY, "to": REGION}, {"from": COUNTY_A, "to": CITY}, {"from": COUNTY_B, "to": CITY}], run)
        store.upsert_nodes("Finding", [
            {"finding_id": "F-a", "rule_id": "r", "pack": "p", "severity": "high", "status": "new",
             "office_code": COUNTY_A, "tax_at_risk": 10.0, "identity": "{}", "evidence": "{}"},
            {"finding_id": "F-b", "rule_id": "r", "pack": "p", "severity": "high", "status": "new",
             "office_code": COUNTY_B, "tax_at_risk": 20.0, "identity": "{}", "evidence": "{}"}], run)

    def invoke(user: str, *args: str):
        return CliRunner().invoke(main_group, ["--store", store_uri, "--user", user, *args])

    invoke.store_uri = store_uri
    return invoke


def _audit(cli):
    result = cli("admin", "audit", "list", "--format", "json")
    assert result.exit_code == 0, result.output
    return [(e["user"], e["action"], e["target"], e["outcome"]) for e in json.loads(result.stdout)]


def _ids(result):
    assert result.exit_code == 0, result.output
    return sorted(f["finding_id"] for f in json.loads(result.stdout))


def test_an_inspector_lists_only_their_office_and_those_below(cli):
    assert _ids(cli("wang", "findings", "list", "--format", "json")) == ["F-a"]
    assert _ids(cli("zhou", "findings", "list", "--format", "json")) == ["F-a", "F-b"]
    assert _ids(cli("li", "findings", "list", "--format", "json")) == ["F-a", "F-b"]
    denied = cli("wang", "findings", "list", "--office", COUNTY_B)
    assert denied.exit_code == 1 and "access denied" in denied.output
    assert ("wang", "findings.list", f"office {COUNTY_B}", "denied") in _audit(cli)


def test_an_inspector_cannot_show_or_verify_another_countys_finding(cli):
    assert cli("li", "findings", "push").exit_code == 0
    for args in (("findings", "show", "F-b"), ("findings", "verify", "F-b", "--status", "dismissed")):
        result = cli("wang", *args)
        assert result.exit_code == 1 and "outside wang's office" in result.output
    assert cli("wang", "findings", "show", "F-a").exit_code == 0
    entries = _audit(cli)
    assert ("wang", "findings.show", "F-b", "denied") in entries
    assert ("wang", "findings.verify", "F-b", "denied") in entries
    assert ("wang", "findings.show", "F-a", "allowed") in entries


def test_push_then_verify_with_recovered_tax(cli):
    assert cli("wang", "findings", "push").exit_code == 1  # inspectors do not push
    pushed = cli("li", "findings", "push", "--office", COUNTY_A)
    assert pushed.exit_code == 0 and "1 findings pushed" in pushed.output
    confirmed = cli("wang", "findings", "verify", "F-a", "--status", "confirmed", "--recovered", "8.5",
                    "--note", "补缴")
    assert confirmed.exit_code == 0, confirmed.output
    with open_store(cli.store_uri) as store:
        rows = store.query("MATCH (f:Finding) RETURN f.finding_id AS id, f.status AS s, f.recovered AS r "
                           "ORDER BY id")
    assert rows == [{"id": "F-a", "s": "confirmed", "r": 8.5}, {"id": "F-b", "s": "new", "r": None}]
    invalid = cli("wang", "findings", "verify", "F-a", "--status", "dismissed")
    assert invalid.exit_code == 1 and "is confirmed: it cannot become dismissed" in invalid.output
    stats = json.loads(cli("li", "rules", "stats", "--format", "json").stdout)
    assert stats == [{"rule_id": "r", "pack": "p", "findings": 2, "confirmed": 1, "dismissed": 0,
                      "tax_at_risk": 30.0, "recovered": 8.5, "precision": 1.0}]
    totals = json.loads(cli("li", "stats", "--format", "json").stdout)
    assert totals["by_office"] == {COUNTY_A: {"findings": 1, "tax_at_risk": 10.0, "recovered": 8.5},
                                   COUNTY_B: {"findings": 1, "tax_at_risk": 20.0, "recovered": 0.0}}
    assert (totals["tax_at_risk"], totals["recovered"]) == (30.0, 8.5)
    # an inspector's statistics cover their office only
    assert json.loads(cli("wang", "stats", "--format", "json").stdout)["by_office"].keys() == {COUNTY_A}
    assert json.loads(cli("wang", "rules", "stats", "--format", "json").stdout)[0]["findings"] == 1


def test_only_admins_read_the_audit_log(cli):
    result = cli("li", "audit", "list")
    assert result.exit_code == 1 and "may not audit.list" in result.output
    assert ("li", "audit.list", None, "denied") in _audit(cli)


def test_an_inspector_cannot_explore_or_export_another_countys_finding(cli, tmp_path):
    for args in (("explore", "--finding", "F-b", "-o", str(tmp_path / "page.html")),
                 ("export", "F-b", "-o", str(tmp_path / "case.json")),
                 ("export", "--office", COUNTY_B, "-o", str(tmp_path / "cases"))):
        result = cli("wang", *args)
        assert result.exit_code == 1 and "access denied" in result.output, args
    assert not (tmp_path / "page.html").exists() and not (tmp_path / "case.json").exists()
    entries = _audit(cli)
    assert ("wang", "explore", "F-b", "denied") in entries
    assert ("wang", "export", "F-b", "denied") in entries
    assert ("wang", "export", f"office {COUNTY_B}", "denied") in entries


@pytest.mark.parametrize("command", [("resolve",), ("review", "list"), ("review", "accept", "pair-1"),
                                     ("resolve", "explain", "a", "b"), ("quarantine", "list")])
def test_an_inspector_may_not_resolve_review_or_read_quarantine(cli, command):
    result = cli("wang", *command)
    assert result.exit_code == 1 and "access denied: user 'wang' (inspector)" in result.output
    assert [e for e in _audit(cli) if e[0] == "wang" and e[3] == "denied"]


def test_an_inspector_may_not_load(cli, tmp_path):
    result = cli("wang", "load", str(tmp_path))
    assert result.exit_code == 1 and "may not load" in result.output
    assert ("wang", "load", str(tmp_path), "denied") in _audit(cli)
    assert cli("li", "load", str(tmp_path)).exit_code == 0  # an analyst may (an empty folder)
    assert ("li", "load", str(tmp_path), "allowed") in _audit(cli)
