"""Push, verify and access through the CLI on both engines: a county inspector sees and
verifies only their county's findings; every read and every denial is in the audit log."""
from __future__ import annotations

import json

import click
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.access import COMMANDS, DEFAULT_USER, PERMISSIONS, govern
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


# --- the hostile review of issue #15, planted ------------------------------------------------

ROLE_USERS = {"admin": "admin", "analyst": "li", "investigator": "zhao", "inspector": "wang"}
GOVERNED_USERS = USERS + "  zhao: {role: investigator, clearance: sensitive}\n"


def _commands(group: click.Group, prefix: tuple = ()):
    """Every command a user can run, as typed: a group that runs without a sub-command counts too."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        path = prefix + (name,)
        if not isinstance(command, click.Group) or command.invoke_without_command:
            yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


def _required_args(command: click.Command, tmp_path) -> list[str]:
    """Values for the command's required parameters, enough for it to parse."""
    args = []
    for param in command.params:
        if param.name == "yes":  # a confirmation prompt comes first
            args.append("--yes")
        if not param.required:
            continue
        if isinstance(param.type, click.Choice):
            value = param.type.choices[0]
        elif isinstance(param.type, click.Path):
            value = str(tmp_path / "users.yaml") if not param.type.dir_okay else str(tmp_path)
        elif isinstance(param.type, click.types.DateTime):
            value = "2026-01-01"
        else:
            value = "x"
        args += [value] if isinstance(param, click.Argument) else [param.opts[-1], value]
    return args


@pytest.fixture
def governed(cli, tmp_path, monkeypatch):
    """The store of `cli`, governed by a users file with one user of each role."""
    users = tmp_path / "users.yaml"
    users.write_text(GOVERNED_USERS, encoding="utf-8")
    with open_store(cli.store_uri) as store:
        govern(store, users, DEFAULT_USER)
    return cli


def test_every_command_refuses_an_undeclared_user_and_the_roles_it_does_not_allow(governed, tmp_path):
    commands = dict(_commands(main_group))
    assert set(map(" ".join, commands)) == set(COMMANDS), \
        "declare which roles may run each command in crossaudit/engine/access.py COMMANDS"
    for path, command in commands.items():
        args = [*path, *_required_args(command, tmp_path)]
        result = governed("mallory", *args)
        assert result.exit_code == 1 and "unknown user 'mallory'" in result.output, (args, result.output)
        allowed = PERMISSIONS[COMMANDS[" ".join(path)]]
        for role, user in ROLE_USERS.items():
            if role not in allowed:
                result = governed(user, *args)
                assert result.exit_code == 1 and f"access denied: user {user!r} ({role})" in result.output, \
                    (args, result.output)
    entries = _audit(governed)
    assert ("wang", "rules.run", None, "denied") in entries and ("li", "store.clear", None, "denied") in entries


def test_without_a_user_name_a_users_file_runs_nothing(governed):
    result = CliRunner().invoke(main_group, ["--store", governed.store_uri, "findings", "list"])
    assert result.exit_code == 1 and "no acting user: with the users file" in result.output


def test_a_users_file_the_store_does_not_record_is_refused(governed, tmp_path, monkeypatch):
    mine = tmp_path / "mine.yaml"
    mine.write_text("users:\n  me: {role: admin, clearance: secret}\n", encoding="utf-8")
    monkeypatch.setenv("CROSSAUDIT_USERS", str(mine))
    for args in (("findings", "list"), ("store", "clear", "--yes"), ("store", "init", "--users", str(mine))):
        result = governed("me", *args)
        assert result.exit_code == 1 and f"the users file {mine}" in result.output \
            and "an admin must re-init the store" in result.output, result.output
    monkeypatch.delenv("CROSSAUDIT_USERS")  # and no users file at all: no built-in admin either
    result = CliRunner().invoke(main_group, ["--store", governed.store_uri, "store", "clear", "--yes"])
    assert result.exit_code == 1 and "governed by the users file" in result.output
    with open_store(governed.store_uri) as store:
        assert store.query("MATCH (f:Finding) RETURN count(f) AS n")[0]["n"] == 2
    monkeypatch.setenv("CROSSAUDIT_USERS", str(tmp_path / "users.yaml"))  # the admin of the recorded file re-inits
    assert governed("admin", "store", "init", "--users", str(mine)).exit_code == 0
    monkeypatch.setenv("CROSSAUDIT_USERS", str(mine))
    assert governed("me", "findings", "list").exit_code == 0


def test_a_rule_that_writes_is_refused_and_rule_queries_cannot_write(governed, tmp_path):
    pack = tmp_path / "evilrules" / "evil"
    pack.mkdir(parents=True)
    (pack / "evil-rule.cypher").write_text(EVIL_RULE, encoding="utf-8")
    args = ("rules", "run", "--rules-dir", str(tmp_path / "evilrules"), "--rule", "evil-rule")
    assert "access denied: user 'wang' (inspector) may not rules.run" in governed("wang", *args).output
    refused = governed("li", *args)
    assert refused.exit_code == 1 and f"{pack / 'evil-rule.cypher'}:20: SET: a rule only reads" in str(refused.exception)
    with open_store(governed.store_uri) as store:
        assert store.query("MATCH (f:Finding) RETURN f.office_code AS o ORDER BY o") == [
            {"o": COUNTY_A}, {"o": COUNTY_B}]
        assert store.query("MATCH (a:AuditEntry) RETURN count(a) AS n")[0]["n"] > 0
        for write in ("MATCH (f:Finding) SET f.office_code = $office RETURN f.finding_id AS id",
                      "MATCH (a:AuditEntry) DETACH DELETE a", "CREATE (:Finding {finding_id: 'F-x'})"):
            with pytest.raises(Exception):
                store.query_read(write, {"office": REGION} if "$office" in write else {})
        assert store.query_read("MATCH (f:Finding) RETURN count(f) AS n") == [{"n": 2}]
        assert store.query("MATCH (a:AuditEntry) RETURN count(a) AS n")[0]["n"] > 0


EVIL_RULE = """/*
id: evil-rule
title: Evil
pack: evil
severity: low
tax: [vat]
description: Rewrites office codes.
title_zh: 篡改税务机关代码
description_zh: 改写疑点的税务机关代码。
basis: 税收征收管理法 第一条
sources: [tax_returns]
identity: [id]
entities: {id: Enterprise}
office: [id]
amount: n
tax_at_risk: n
version: 1
*/
MATCH (f:Finding)
SET f.office_code = '16401040000'
WITH f MATCH (a:AuditEntry) DETACH DELETE a
RETURN f.finding_id AS id, 0 AS n
"""


def test_clearing_the_store_keeps_the_audit_log_unless_an_admin_asks(governed, monkeypatch):
    assert governed("li", "findings", "list").exit_code == 0
    assert governed("admin", "store", "clear", "--yes").exit_code == 0
    entries = _audit(governed)
    assert ("li", "findings.list", "office (all)", "allowed") in entries
    assert ("admin", "store.clear", governed.store_uri, "allowed") in entries
    assert governed("wang", "findings", "list").exit_code == 0  # the governance record stayed too
    assert governed("admin", "store", "clear", "--yes", "--include-audit").exit_code == 0
    assert [e[1] for e in _audit(governed)] == ["store.clear"]


def test_only_an_admin_purges_the_audit_log_and_the_purge_is_recorded(governed):
    assert governed("li", "findings", "list").exit_code == 0
    denied = governed("li", "audit", "purge", "--before", "2999-01-01", "--yes")
    assert denied.exit_code == 1 and "may not audit.purge" in denied.output
    kept = governed("admin", "audit", "purge", "--before", "2000-01-01", "--yes")
    assert kept.exit_code == 0 and "0 audit entries" in kept.output
    assert ("li", "findings.list", "office (all)", "allowed") in _audit(governed)
    purged = governed("admin", "audit", "purge", "--before", "2999-01-01", "--yes")
    assert purged.exit_code == 0
    entries = _audit(governed)
    assert [(e[0], e[1], e[3]) for e in entries] == [("admin", "audit.purge", "allowed")]


OFFICES_HEADER = "税务机关代码,税务机关名称,行政区划代码,级次,上级税务机关代码\n"


def test_a_delivery_cannot_move_an_office_and_only_an_admin_replaces_the_hierarchy(governed, tmp_path):
    delivery = tmp_path / "delivery" / "tax"
    delivery.mkdir(parents=True)
    # the hostile delivery: the provincial office under county A, whose inspector would then see everything
    (delivery / "税务机关.csv").write_text(OFFICES_HEADER + f"{REGION},宁夏,640000,省级,{COUNTY_A}\n"
                                           f"{COUNTY_A},兴庆区,640104,县级,{CITY}\n", encoding="utf-8")
    loaded = governed("li", "load", str(tmp_path / "delivery"))
    assert loaded.exit_code == 2 and f"tax office {REGION} cannot be under {COUNTY_A}" in loaded.output
    assert _ids(governed("wang", "findings", "list", "--format", "json")) == ["F-a"]
    cycle = tmp_path / "cycle.csv"
    cycle.write_text(OFFICES_HEADER + f"{REGION},宁夏,640000,省级,{COUNTY_A}\n{CITY},银川,640100,市级,{REGION}\n"
                     f"{COUNTY_A},兴庆区,640104,县级,{CITY}\n", encoding="utf-8")
    assert "may not store.offices" in governed("li", "store", "offices", str(cycle)).output
    refused = governed("admin", "store", "offices", str(cycle))
    assert refused.exit_code == 1 and "the tax office hierarchy is refused" in refused.output \
        and "form a cycle" in refused.output and "exactly one root" in refused.output
    moved = tmp_path / "moved.csv"  # an admin moves county B under the region directly: a sound hierarchy
    moved.write_text(OFFICES_HEADER + f"{REGION},宁夏,640000,省级,\n{CITY},银川,640100,市级,{REGION}\n"
                     f"{COUNTY_A},兴庆区,640104,县级,{CITY}\n{COUNTY_B},西夏区,640105,县级,{REGION}\n", encoding="utf-8")
    assert governed("admin", "store", "offices", str(moved)).exit_code == 0
    assert _ids(governed("zhou", "findings", "list", "--format", "json")) == ["F-a"]
    # and a delivery now giving county B its former parent is refused: the hierarchy is the admin's
    (delivery / "税务机关.csv").write_text(OFFICES_HEADER + f"{COUNTY_B},西夏区,640105,县级,{CITY}\n", encoding="utf-8")
    assert f"tax office {COUNTY_B} is under {REGION} in the store" in governed("li", "load", str(tmp_path / "delivery")).output


def test_pages_and_exports_never_mention_another_offices_findings(governed, tmp_path):
    with open_store(governed.store_uri) as store:
        store.upsert_nodes("Enterprise", [{"uid": "91640105B", "name": "西夏某公司"}])
        store.upsert_nodes("Finding", [{"finding_id": "F-b", "title": "B县疑点标题"}])
        store.upsert_relationships("FLAGS", "Finding", "Enterprise", [{"from": "F-b", "to": "91640105B",
                                                                         "role": "firm"}])
    page = tmp_path / "page.html"
    assert governed("wang", "explore", "91640105B", "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "F-b" not in html and "B县疑点标题" not in html
    assert governed("li", "explore", "91640105B", "-o", str(page)).exit_code == 0
    assert "F-b" in page.read_text(encoding="utf-8")  # an analyst sees every office: the page can show it


def test_quarantine_output_is_masked_like_every_other(governed, tmp_path, monkeypatch):
    users = tmp_path / "users.yaml"
    users.write_text(GOVERNED_USERS + "  qian: {role: analyst, clearance: internal}\n", encoding="utf-8")
    with open_store(governed.store_uri) as store:
        govern(store, users, DEFAULT_USER)
        store.upsert_nodes("QuarantineEntry", [
            {"entry_id": "q1", "file": "p.csv", "row": 2, "column_name": "住址", "raw_value": "银川市兴庆区某街1号",
             "reason": "地址无法解析：银川市兴庆区某街1号", "department": "police", "dataset": "police_household_register"},
            {"entry_id": "q2", "file": "t.csv", "row": 3, "column_name": "证件号码", "raw_value": "640104198003010113",
             "reason": "日期不符", "department": "tax", "dataset": "tax_returns"}])
    out = tmp_path / "quarantine.csv"
    assert governed("qian", "quarantine", "export", "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8-sig")
    assert "兴庆区某街" not in text and "640104198003010113" not in text
    assert "［已屏蔽：敏感］" in text and "6401**********0113" in text
    assert governed("li", "quarantine", "export", "-o", str(out)).exit_code == 0  # cleared: sees the values
    assert "兴庆区某街" in out.read_text(encoding="utf-8-sig")


def test_the_built_in_admin_of_a_new_store_records_its_users_file(store_uri, tmp_path, monkeypatch):
    users = tmp_path / "users.yaml"
    users.write_text(USERS, encoding="utf-8")
    monkeypatch.delenv("CROSSAUDIT_USERS", raising=False)
    monkeypatch.delenv("CROSSAUDIT_USER", raising=False)
    runner = CliRunner()
    assert runner.invoke(main_group, ["--store", store_uri, "store", "info"]).exit_code == 0  # first run: no file
    init = runner.invoke(main_group, ["--store", store_uri, "store", "init", "--users", str(users)])
    assert init.exit_code == 0 and f"the store is governed by {users}" in init.output
    refused = runner.invoke(main_group, ["--store", store_uri, "store", "info"])
    assert refused.exit_code == 1 and f"governed by the users file {users.resolve()}" in refused.output
    monkeypatch.setenv("CROSSAUDIT_USERS", str(users))
    assert runner.invoke(main_group, ["--store", store_uri, "--user", "li", "store", "info"]).exit_code == 0
    assert ("admin", "store.init", str(users), "allowed") in [
        (e["user"], e["action"], e["target"], e["outcome"]) for e in json.loads(runner.invoke(
            main_group, ["--store", store_uri, "--user", "admin", "audit", "list", "--format", "json"]).stdout)]
