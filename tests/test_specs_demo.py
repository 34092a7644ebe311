"""The shipped specs load every file of the small demo region (seed 7) exactly as its manifest
counts it, and the facts rules need are in the graph; then the whole governance loop runs on
it from the CLI. The region is generated once and loaded once per engine, through
`crossaudit load`, for the module."""
from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.access import DEFAULT_USER, govern
from crossaudit.demo import generate


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    return folder, generate(folder, "small", seed=7)


@pytest.fixture(scope="module")
def loaded(region, module_store_uri):
    """(manifest, the load report as `crossaudit load --format json` prints it, store URI)."""
    folder, manifest = region
    uri = module_store_uri
    result = CliRunner().invoke(main_group, ["--store", uri, "load", str(folder), "--delivered-on", "2026-03-08",
                                             "--format", "json"])
    assert result.exit_code == 0, result.output
    return manifest, json.loads(result.stdout), uri


@contextmanager
def opened(loaded):
    with open_store(loaded[2]) as store:
        yield store


def _entries(manifest) -> list[dict]:
    files = manifest["files"] if isinstance(manifest, dict) else manifest.files
    return [f if isinstance(f, dict) else vars(f) for f in files]


def test_every_file_is_matched_and_counted(loaded):
    manifest, report, _ = loaded
    assert report["unmatched"] == []
    by_file = {s["file"]: s for s in report["sources"]}
    for entry in _entries(manifest):
        source = by_file.get(entry["path"])
        assert source is not None, f"no spec matched {entry['path']}"
        assert source["error"] is None, source["error"]
        got = (source["read"], source["loaded"], source["quarantined"], source["duplicates"])
        want = (entry["rows"], entry["clean_rows"], entry["quarantined"], entry["duplicates"])
        assert got == want, f"{entry['path']}: (read, loaded, quarantined, duplicates) {got} != {want}"


def _count(store, cypher: str) -> int:
    return store.query(cypher)[0]["n"]


@pytest.mark.parametrize("cypher", [
    "MATCH (:Enterprise)-[:ISSUED]->(:Invoice) RETURN count(*) AS n",
    "MATCH (:Person)-[:KIN_OF {kind: 'spouse'}]->(:Person) RETURN count(*) AS n",
    "MATCH (:TaxFiling {tax_type: 'deed_tax'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
    "MATCH (:TaxFiling {tax_type: 'deed_tax'})-[:CONCERNS]->(:Contract {kind: 'land_transfer'}) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:PARTY_TO {role: 'buyer'}]->(:Contract {kind: 'land_transfer'}) RETURN count(*) AS n",
    "MATCH (:Contract {kind: 'property_sale'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:PARTY_TO {role: 'target'}]->(:Contract {kind: 'equity_transfer'}) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:REGISTERED_WITH]->(:TaxRegistration)-[:REGISTERED_WITH]->(:TaxOffice) RETURN count(*) AS n",
    "MATCH (:TaxOffice)-[:SUBORDINATE_OF]->(:TaxOffice) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:EMPLOYS]->(:Person) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:USED]->(:UtilityUsage) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:HOLDS]->(:Permit {kind: 'pollutant_discharge'}) RETURN count(*) AS n",
    "MATCH (:Person)-[:OWNS]->(:Vehicle) RETURN count(*) AS n",
    "MATCH (:Contract {kind: 'auction'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
])
def test_facts_exist(loaded, cypher):
    with opened(loaded) as store:
        assert _count(store, cypher) > 0


def test_filings_are_one_node_per_row(loaded):
    clean = {e["path"]: e["clean_rows"] for e in _entries(loaded[0])}
    with opened(loaded) as store:
        assert _count(store, "MATCH (f:TaxFiling) RETURN count(*) AS n") == (
            clean["tax/纳税申报明细.csv"] + clean["tax/契税税源明细.csv"])
        assert _count(store, "MATCH (u:UtilityUsage) RETURN count(*) AS n") == clean["power_grid/企业月度用电量.txt"]


@pytest.mark.parametrize("label", ["Enterprise", "Person"])
def test_a_party_column_yields_enterprises_and_persons(loaded, label):
    with opened(loaded) as store:
        assert _count(store, f"MATCH (a:{label})-[:PARTY_TO {{role: 'lessor'}}]->(:Contract) RETURN count(*) AS n") > 0


USERS = """users:
  admin: {role: admin, clearance: secret}
  li: {role: analyst, clearance: sensitive}
  wang: {role: inspector, office: "%s", clearance: internal}
"""


def test_the_whole_loop_runs_from_the_cli_with_access_enforced_and_audited(loaded, region, tmp_path, monkeypatch):
    """Resolve, run packs (every planted family found on this engine too), push, verify,
    re-run, stats, ledger report — as an analyst and a county inspector."""
    from crossaudit.pipeline import evaluate

    uri = loaded[2]

    def cli(user: str, *args: str, ok: bool = True):
        result = CliRunner().invoke(main_group, ["--store", uri, "--user", user, *args])
        if ok:
            assert result.exit_code == 0, (args, result.output)
        return result

    users = tmp_path / "users.yaml"
    users.write_text(USERS % "", encoding="utf-8")
    monkeypatch.setenv("CROSSAUDIT_USERS", str(users))
    with open_store(uri) as store:
        govern(store, users, DEFAULT_USER)
    assert cli("wang", "resolve", ok=False).exit_code == 1  # an inspector does not resolve
    cli("li", "resolve")
    cli("li", "rules", "run", "--format", "json")
    with open_store(uri) as store:
        scores = evaluate(store, region[0] / "answer_key.csv")
    assert all(s.precision >= 0.95 and s.recall >= 0.95 for s in scores.values()), \
        {family: (s.precision, s.recall) for family, s in scores.items()}
    assert sum(s.tp for s in scores.values()) == 63  # 21 kinds x 3 positives
    every = json.loads(cli("li", "findings", "list", "--format", "json").stdout)
    offices = sorted({f["office_code"] for f in every})
    assert len(every) > 20 and len(offices) > 1
    counties = [o for o in offices if o[5:7] != "00"]  # 1 64 01 04 0000: a county office has no office below it
    county = max(counties, key=lambda o: (sum(f["office_code"] == o for f in every), o))
    wang_placed = tmp_path / "users-wang.yaml"  # a changed users file: an admin records it, as the store demands
    wang_placed.write_text(USERS % county, encoding="utf-8")
    cli("admin", "store", "init", "--users", str(wang_placed))
    monkeypatch.setenv("CROSSAUDIT_USERS", str(wang_placed))
    assert cli("wang", "findings", "push", ok=False).exit_code == 1  # inspectors do not push
    cli("li", "findings", "push")

    mine = json.loads(cli("wang", "findings", "list", "--format", "json").stdout)
    assert mine and {f["office_code"] for f in mine} == {county}
    assert len(mine) == sum(f["office_code"] == county for f in every)
    assert all(f["status"] == "pushed" for f in mine)
    other = next(f for f in every if f["finding_id"] not in {m["finding_id"] for m in mine})
    denied = cli("wang", "findings", "show", other["finding_id"], ok=False)
    assert denied.exit_code == 1 and "outside wang's office" in denied.output
    confirmed, dismissed = mine[0]["finding_id"], mine[-1]["finding_id"]
    cli("wang", "findings", "verify", confirmed, "--status", "confirmed", "--recovered", "12345.6", "--note", "补缴")
    cli("wang", "findings", "verify", dismissed, "--status", "dismissed", "--note", "已核实无误")

    cli("li", "rules", "run", "--format", "json")  # the evidence has not changed: the feedback stays
    again = {f["finding_id"]: f for f in json.loads(cli("li", "findings", "list", "--format", "json").stdout)}
    assert len(again) == len(every)
    assert (again[confirmed]["status"], again[dismissed]["status"]) == ("confirmed", "dismissed")

    totals = json.loads(cli("wang", "stats", "--format", "json").stdout)
    assert totals["recovered"] == 12345.6 and totals["findings"] == len(mine)
    report = tmp_path / "通报.html"
    cli("li", "ledger", "report", "-o", str(report))
    assert "<img" in report.read_text(encoding="utf-8")
    ledger = json.loads(cli("li", "ledger", "--period", "2026-03", "--format", "json").stdout)
    assert {row["department"] for row in ledger} == {s["department"] for s in loaded[1]["sources"]}
    assert all(row["on_time"] == row["datasets_delivered"] for row in ledger)  # delivered on the 8th
    assert cli("wang", "ledger", ok=False).exit_code == 1

    entries = {(e["user"], e["action"], e["outcome"]) for e in
               json.loads(cli("admin", "audit", "list", "--limit", "1000", "--format", "json").stdout)}
    assert {("wang", "findings.list", "allowed"), ("wang", "findings.show", "denied"),
            ("wang", "findings.verify", "allowed"), ("wang", "ledger", "denied"),
            ("li", "findings.push", "allowed"), ("wang", "findings.push", "denied")} <= entries
