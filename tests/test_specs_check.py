"""`crossaudit specs check`: a delivery against its specs (headers, encoding, a parsed sample) and
the rules the specs serve; the parser of what a rule reads. Files only: no store."""
from __future__ import annotations

import json
from collections import defaultdict
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine.rules import load_rules
from crossaudit.engine.rules.reads import PropRead, RelRead, ValueRead, rule_reads
from crossaudit.loaders.check import (
    Feeds, check_delivery, check_file, feeds, filled_by_pipeline, rule_coverage,
)
from crossaudit.loaders.spec import SHIPPED_SPECS, load_spec
from crossaudit.loaders.transform import check_rows, facts


@pytest.fixture(scope="module")
def rules() -> list:
    """(id, what it reads) of every shipped rule."""
    return [(rule.id, rule_reads(rule.text)) for rule in load_rules()]


def invoke(*args: object, env: dict | None = None):
    return CliRunner().invoke(main_group, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("region")
    result = invoke("demo", "generate", "--scale", "small", "--seed", "7", "--out", folder)
    assert result.exit_code == 0, result.output
    return folder


@pytest.fixture(scope="module")
def without_leases(tmp_path_factory) -> Path:
    """The shipped specs without the housing leases."""
    folder = tmp_path_factory.mktemp("specs")
    for spec in SHIPPED_SPECS.glob("*.yaml"):
        if spec.name != "housing_leases.yaml":
            shutil.copy(spec, folder / spec.name)
    return folder


# --- what a rule reads ------------------------------------------------------------------------

def test_a_relationship_end_bound_elsewhere_takes_its_label_and_direction():
    reads = rule_reads("MATCH (c:Contract {kind: 'lease'})\n"
                       "MATCH (c)<-[p:PARTY_TO {role: 'vendor'}]-(v:Enterprise)\n"
                       "WHERE NOT EXISTS { MATCH (t:TaxFiling {tax_type: 'deed_tax'})-[r:CONCERNS]->(c) }\n"
                       "RETURN c.uid AS contract")
    clearing, = reads.alternatives  # the NOT EXISTS subquery, read apart
    assert set(reads.labels) == {"Contract", "Enterprise"} and set(clearing.labels) == {"TaxFiling", "Contract"}
    assert set(reads.rels) == {RelRead(("PARTY_TO",), "Enterprise", "Contract")}
    assert set(clearing.rels) == {RelRead(("CONCERNS",), "TaxFiling", "Contract")}
    assert set(reads.values) == {ValueRead(("Contract",), "kind", "lease"),
                                 ValueRead(RelRead(("PARTY_TO",), "Enterprise", "Contract"), "role", "vendor")}
    assert set(clearing.values) == {ValueRead(("TaxFiling",), "tax_type", "deed_tax")}


def test_a_bare_variable_may_be_any_label_its_relationship_allows():
    reads = rule_reads("MATCH (lessor)-[p:PARTY_TO]->(c:Contract)-[k:KIN_OF]-(x) RETURN lessor.name AS name")
    assert RelRead(("PARTY_TO",), None, "Contract") in reads.rels
    assert RelRead(("KIN_OF",), "Contract", None, directed=False) in reads.rels
    assert PropRead(("Enterprise", "Person"), "name") in reads.props


def test_reads_the_rule_does_without_only_weaken_it():
    reads = rule_reads("MATCH (c:Contract) WHERE coalesce(c.status, '') <> 'x' AND c.start_on <= $as_of\n"
                       "  AND (c.cost_basis IS NOT NULL OR c.amount > 0)\n"
                       "OPTIONAL MATCH (t:TaxFiling {tax_item: $item}) WHERE t.reference = c.contract_no\n"
                       "WITH c, coalesce(sum(t.declared_base), 0) AS paid\n"
                       "RETURN c.uid AS contract, paid")
    every = reads.props + tuple(read for optional in reads.optionals for read in optional.props)
    weak = {(read.owner, read.prop): read.defaulted for read in every}
    assert weak[(("Contract",), "status")] and weak[(("TaxFiling",), "reference")]
    assert weak[(("Contract",), "cost_basis")] and not weak[(("Contract",), "amount")]
    assert weak[(("TaxFiling",), "tax_item")]  # a parameter in an OPTIONAL MATCH pattern
    assert not weak[(("Contract",), "start_on")]
    assert not weak[(("TaxFiling",), "declared_base")], "coalesce(sum(…), 0) defaults the sum, not the property"


LEASE_CLEARED = ("MATCH (l)-[p:PARTY_TO {role: 'lessor'}]->(c:Contract {kind: 'lease'})-[r:CONCERNS]->(h:Property)\n"
                 "WHERE NOT EXISTS { MATCH (t:TaxFiling)-[r1:CONCERNS]->(c) }\n"
                 "  AND NOT EXISTS { MATCH (h)<-[r2:CONCERNS]-(t:TaxFiling {tax_item: 'property_lease'}) }\n"
                 "OPTIONAL MATCH (e)-[s:PARTY_TO {role: 'lessee'}]->(c)\n"
                 "RETURN c.uid AS lease, e.uid AS lessee")


def test_each_not_exists_and_optional_match_is_read_apart():
    reads = rule_reads(LEASE_CLEARED)
    assert [alternative.rels for alternative in reads.alternatives] == [
        (RelRead(("CONCERNS",), "TaxFiling", "Contract"),), (RelRead(("CONCERNS",), "TaxFiling", "Property"),)]
    assert [v.value for v in reads.alternatives[1].values] == ["property_lease"]
    assert [v.value for v in reads.optionals[0].values] == ["lessee"]
    assert RelRead(("CONCERNS",), "TaxFiling", "Contract") not in reads.rels  # not required on its own


def test_one_way_of_clearing_a_candidate_fed_is_enough_and_none_is_missing():
    def fed(*rels):
        return Feeds(labels={"Contract", "Property", "TaxFiling", "Person"},
                     rels={("PARTY_TO", "Person", "Contract"), ("CONCERNS", "Contract", "Property"), *rels},
                     props={("Contract", "uid"), ("Person", "uid")},
                     values=defaultdict(set, {(("PARTY_TO", "Person", "Contract"), "role"): {"lessor", "lessee"},
                                              ("Contract", "kind"): {"lease"},
                                              ("TaxFiling", "tax_item"): {"property_lease"}}))

    reads = rule_reads(LEASE_CLEARED)
    by_property = rule_coverage("lease", reads, fed(("CONCERNS", "TaxFiling", "Property")))
    assert by_property.covered and len(by_property.warnings) == 1
    assert "TaxFiling to Contract" in by_property.warnings[0]
    both = rule_coverage("lease", reads, fed(("CONCERNS", "TaxFiling", "Property"), ("CONCERNS", "TaxFiling", "Contract")))
    assert both.covered and not both.warnings
    neither = rule_coverage("lease", reads, fed())
    assert not neither.covered and "none of the rule's 2 ways of clearing a candidate" in neither.missing[0]


def test_compared_literals_count_and_comments_strings_and_starts_with_do_not_confuse():
    reads = rule_reads("// MATCH (x:Permit {kind: 'ignored'})\n"
                       "MATCH (e:Enterprise) WHERE e.status = 'operating' AND NOT e.credit_code STARTS WITH '11'\n"
                       "OPTIONAL MATCH (e)-[s:ISSUED]->(i:Invoice)\n"
                       "WITH e, count(i) AS n RETURN e.name AS name, 'p.x' AS text, n")
    assert set(reads.labels) == {"Enterprise", "Invoice"}
    assert reads.values == (ValueRead(("Enterprise",), "status", "operating"),)
    weak = {(read.owner, read.prop): read.defaulted for read in reads.props}
    assert weak == {(("Enterprise",), "status"): False, (("Enterprise",), "credit_code"): False,
                    (("Enterprise",), "name"): False}


def test_union_branches_bind_their_own_variables():
    reads = rule_reads("MATCH (a:Enterprise)-[l:LOCATED_AT]->(x:Address) RETURN x.text AS link\n"
                       "UNION ALL\n"
                       "MATCH (a:Enterprise)-[h:HAS_PHONE]->(x:Phone {number: '110'}) RETURN x.number AS link")
    assert {(read.owner, read.prop) for read in reads.props} == {(("Address",), "text"), (("Phone",), "number")}
    assert reads.values == (ValueRead(("Phone",), "number", "110"),)


# --- the shipped specs on the demo region ------------------------------------------------------

def test_the_shipped_specs_cover_every_rule_and_pass_every_file_of_the_demo_region(region, rules):
    report = check_delivery(region, rules=rules)
    assert report.error is None and report.unmatched == []
    assert [r.rule for r in report.rules if not r.covered] == []
    assert len(report.rules) == len(rules) >= 15
    checked = [file for spec in report.specs for file in spec.files]
    assert len(checked) == len(report.specs) == 22  # one file per spec
    for file in checked:
        assert file.ok and file.missing == [] and file.extra == [] and file.sampled > 0, file
    assert report.ok(strict=True)
    # The region plants bad values: some sampled cells fail, each with its raw value and reason.
    failures = [column for file in checked for column in file.columns if column.failed]
    assert failures and all(c.examples and c.examples[0]["reason"] for c in failures)


def test_specs_that_mark_no_register_are_noted(region, tmp_path):
    """Without `register: true` on the enterprise register, a permit's misspelt name may replace
    the register's: the check says so, and the shipped specs, which mark theirs, get no note."""
    assert check_delivery(region).notes == []
    specs = tmp_path / "specs"
    shutil.copytree(SHIPPED_SPECS, specs)
    register = specs / "amr_enterprise_register.yaml"
    register.write_text(register.read_text(encoding="utf-8").replace("    register: true\n", ""), encoding="utf-8")
    (note,) = check_delivery(region, specs).notes
    assert note.startswith("no Enterprise yield is marked `register: true`: where the ") and \
        "amr_enterprise_register" in note
    result = invoke("specs", "check", region, "--specs", specs, env={"COLUMNS": "200"})
    assert "note: no Enterprise yield is marked `register: true`" in result.output


def test_without_the_lease_spec_the_lease_rule_names_the_missing_contract_kind(region, without_leases, rules):
    report = check_delivery(region, without_leases, rules=rules)
    by_rule = {r.rule: r for r in report.rules}
    lease = by_rule["lease-without-rental-tax"]
    assert not lease.covered
    assert "no spec yields a Contract with kind 'lease'" in lease.missing
    assert "no spec yields PARTY_TO from any node to Contract with role 'lessor'" in lease.missing
    assert [r for r in report.rules if not r.covered] == [lease]
    assert report.unmatched == ["housing/房屋租赁登记备案.csv"]
    assert report.ok() and not report.ok(strict=True)


# --- one small delivery, written here ----------------------------------------------------------

SPEC = """\
department: housing
dataset: leases
files: housing/租赁*.csv
format: csv
grade: internal
{top}
columns:
  备案编号: {field: contract_no, required: true}
  类别: {field: kind, type: code, codes: {出租: lease, 出售: property_sale}}
  起始日期: {field: start_on, type: date}
  出租人证件号码: {field: lessor_code, type: party_code, on_invalid: null}
  有效期限: {field: validity, derive: {valid_until: {split: "-", part: 1, type: date, formats: ["%Y.%m.%d"]}}}
nodes:
  - {role: lease, label: Contract, id: contract_no, {when}
     props: {contract_no: contract_no, kind: kind, start_on: start_on, end_on: valid_until}}
  - {role: lessor, label: Party, id: lessor_code, props: {code: lessor_code}}
relationships:
  - {type: PARTY_TO, from: lessor, to: lease, props: {role: "=lessor"}}
"""
ROWS = """\
备案编号,类别,起始日期,出租人证件号码,有效期限,备注
Z1,出租,2023-01-05,91640104123456788J,2023.01.05-2024.01.04,
Z2,出租,2023-02-30,bad-code,2023.02.01-2024.13.01,
Z3,出售,2023-03-01,,2023.03.01-2024.02.28,
Z4,出租,not a date,,2023.04.01,
"""


def delivery(tmp_path: Path, when: str = "", rows: str = ROWS, top: str = "") -> tuple[Path, Path]:
    """(specs folder, delivery folder) with the lease spec (`when` on its Contract yield, `top`
    a line at its top) and one file of `rows`."""
    specs, region = tmp_path / "specs", tmp_path / "region"
    specs.mkdir(parents=True)
    (region / "housing").mkdir(parents=True)
    (specs / "leases.yaml").write_text(SPEC.replace("{when}", when).replace("{top}", top), encoding="utf-8")
    (region / "housing" / "租赁备案.csv").write_text(rows, encoding="gbk")
    return specs, region


def test_a_bad_date_column_shows_its_failure_rate_and_examples(tmp_path):
    specs, region = delivery(tmp_path)
    spec = load_spec(specs / "leases.yaml")
    file = check_file(region / "housing" / "租赁备案.csv", "housing/租赁备案.csv", spec, sample=500)
    assert (file.encoding, file.detected) == ("gb18030", "gb18030")
    assert file.missing == [] and file.extra == ["备注"] and file.sampled == 4
    columns = {c.column: c for c in file.columns}
    start = columns["起始日期"]
    assert (start.failed, start.rate) == (2, 0.5)
    assert start.examples == [{"raw": "2023-02-30", "reason": "impossible date '2023-02-30'"},
                              {"raw": "not a date", "reason": "not a date: 'not a date'"}]
    assert columns["有效期限→valid_until"].failed == 1  # 2024.13.01; a missing piece is blank, not a failure
    # on_invalid: null keeps the row, but the failing cell is still counted.
    assert columns["出租人证件号码"].failed == 1 and columns["出租人证件号码"].on_invalid == "null"
    assert columns["类别"].failed == 0
    assert file.quarantined == 2  # Z2 (date, derived date) and Z4 (date): what the loader would do


def test_the_sample_is_the_first_rows_only(tmp_path):
    specs, region = delivery(tmp_path)
    file = check_file(region / "housing" / "租赁备案.csv", "x.csv", load_spec(specs / "leases.yaml"), sample=1)
    assert file.sampled == 1 and all(c.failed == 0 for c in file.columns)


def test_a_missing_column_fails_the_check_and_the_others_are_still_sampled(tmp_path):
    specs, region = delivery(tmp_path, rows=ROWS.replace("起始日期", "开始日期"))
    report = check_delivery(region, specs)
    file = report.specs[0].files[0]
    assert file.missing == ["起始日期"] and "开始日期" in file.extra
    assert not file.ok and not report.ok()
    assert "起始日期" not in {c.column for c in file.columns}
    assert {c.column: c.failed for c in file.columns}["有效期限→valid_until"] == 1


def test_a_file_that_cannot_be_read_fails_the_check(tmp_path):
    specs, region = delivery(tmp_path, rows="")
    report = check_delivery(region, specs)
    file = report.specs[0].files[0]
    assert "no header row" in file.error and file.sampled == 0 and not report.ok()


def test_a_when_filter_narrows_the_values_a_code_column_feeds(tmp_path, rules):
    spec = load_spec(delivery(tmp_path)[0] / "leases.yaml")
    assert feeds([spec]).values[("Contract", "kind")] == {"lease", "property_sale"}
    sales = load_spec(delivery(tmp_path / "b", "when: {kind: property_sale},")[0] / "leases.yaml")
    fed = feeds([sales])
    assert fed.values[("Contract", "kind")] == {"property_sale"}
    coverage = rule_coverage("lease-without-rental-tax", dict(rules)["lease-without-rental-tax"], fed)
    assert "no spec yields a Contract with kind 'lease'" in coverage.missing
    assert "Contract" in fed.labels and ("PARTY_TO", "Person", "Contract") in fed.rels
    # The spec's filter and the yield's together no row can pass: no Contract, and no relationship to it.
    never = load_spec(delivery(tmp_path / "c", "when: {kind: property_sale},", top="when: {kind: lease}")[0]
                      / "leases.yaml")
    fed = feeds([never])
    assert "Contract" not in fed.labels and not any(rel[0] == "PARTY_TO" for rel in fed.rels)


def test_a_literal_and_a_party_yield_feed_both_labels():
    fed = feeds([load_spec(SHIPPED_SPECS / "housing_leases.yaml")])
    assert {("PARTY_TO", "Enterprise", "Contract"), ("PARTY_TO", "Person", "Contract")} <= fed.rels
    assert fed.values[(("PARTY_TO", "Person", "Contract"), "role")] == {"lessor", "lessee"}
    assert ("Enterprise", "credit_code") in fed.props and ("Person", "id_number") in fed.props
    assert ("Enterprise", "legal_form") in fed.props  # from the name, by the loader


def test_what_the_loader_writes_beyond_a_yield_is_declared_pipeline_filled(tmp_path):
    spec = load_spec(SHIPPED_SPECS / "amr_enterprise_register.yaml")
    headers = list(spec.columns)
    row = {"统一社会信用代码": "91640104123456788J", "企业名称": "宁夏甲科技有限公司", "法定代表人": "张伟",
           "住所": "银川市兴庆区解放东街1号", "联系电话": "0951-6012345"}
    checked = check_rows(spec, headers, [(1, [row.get(h, "") for h in headers])])
    assert not checked.quarantined, checked.quarantined
    batch = facts(spec, "amr/企业登记信息.csv", checked)
    written = {label: set(columns) for label, batches in batch.nodes.items() for columns in batches}
    assert {"Enterprise", "Person", "Address", "Phone", "SourceRecord"} <= set(written)
    for label, names in written.items():
        yielded = {p for node in spec.nodes if node.label == label for p in node.props}
        assert names - yielded <= filled_by_pipeline(label, yielded), label
    written = {rel: set(columns) - {"from", "to"}
               for (rel, _, _), batches in batch.rels.items() for columns in batches}
    assert {"LEGAL_REP_OF", "LOCATED_AT", "HAS_PHONE", "DESCRIBES"} <= set(written)
    for rel_type, names in written.items():
        yielded = {p for rel in spec.relationships if rel.type == rel_type for p in rel.props}
        assert names - yielded <= filled_by_pipeline(rel_type, yielded), rel_type


# --- the command --------------------------------------------------------------------------------

def test_cli_json_on_the_demo_region(region):
    result = invoke("specs", "check", region, "--format", "json", "--strict")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] and report["unmatched"] == []
    assert all(rule["covered"] for rule in report["rules"].values())
    register = report["specs"]["amr_enterprise_register.yaml"]["files"][0]
    assert register["file"] == "market_regulation/企业登记信息.csv" and register["missing"] == []
    assert set(register["columns"]["统一社会信用代码"]) >= {"failed", "rate", "examples"}


def test_cli_table_and_exit_codes(region, without_leases, rules, tmp_path):
    table = invoke("specs", "check", region, "--specs", without_leases, env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "no spec matches housing/房屋租赁登记备案.csv" in table.output
    assert f"{len(rules) - 1} of {len(rules)} rules covered" in table.output and "kind 'lease'" in table.output
    strict = invoke("specs", "check", region, "--specs", without_leases, "--strict", "--format", "json")
    assert strict.exit_code == 1
    assert not json.loads(strict.output)["rules"]["lease-without-rental-tax"]["covered"]

    specs, small = delivery(tmp_path, rows=ROWS.replace("起始日期", "开始日期"))
    missing = invoke("specs", "check", small, "--specs", specs)
    assert missing.exit_code == 1 and "起始日期" in missing.output

    (specs / "broken.yaml").write_text("department: x\n", encoding="utf-8")
    broken = invoke("specs", "check", small, "--specs", specs, "--format", "json")
    assert broken.exit_code == 1
    assert "lacks" in json.loads(broken.output)["specs"]["broken.yaml"]["error"]


def test_cli_is_for_analysts_and_admins(tmp_path):
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  li: {role: analyst, clearance: sensitive}\n"
                     "  zhao: {role: investigator, clearance: sensitive}\n", encoding="utf-8")
    specs, small = delivery(tmp_path)
    env = {"CROSSAUDIT_USERS": str(users)}
    assert invoke("--user", "li", "specs", "check", small, "--specs", specs, env=env).exit_code == 0
    denied = invoke("--user", "zhao", "specs", "check", small, "--specs", specs, env=env)
    assert denied.exit_code == 1 and "access denied" in denied.output


def test_cli_checks_the_rules_of_rules_dir_too(region, tmp_path):
    """A rule of one's own needing a literal only free text could hold is not covered."""
    from crossaudit.engine.rules import new_rule

    rule, _ = new_rule(tmp_path, "yacht-owner", "my-pack")
    header = rule.read_text(encoding="utf-8").split("*/")[0]
    rule.write_text(header + "*/\nMATCH (e:Enterprise)-[o:OWNS]->(v:Vehicle {kind: 'yacht'})\n"
                    "WHERE e.status = $status\n"
                    "RETURN e.uid AS enterprise, 0.0 AS amount, 0.0 * $rate AS tax_at_risk\n", encoding="utf-8")
    result = invoke("specs", "check", region, "--rules-dir", tmp_path, "--format", "json", "--strict")
    assert result.exit_code == 1
    assert json.loads(result.output)["rules"]["yacht-owner"] == {
        "covered": False, "missing": ["no spec yields a Vehicle with kind 'yacht'"], "warnings": []}
