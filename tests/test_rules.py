"""The rule registry's contract, strict header validation, and the portability lint."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from crossaudit.engine.rules import RuleError, lint_rules, lint_text, load_rules, parse_rule
from crossaudit.engine.rules.cases import load_case_file
from crossaudit.engine.rules.cypher import parameters, return_columns
from crossaudit.engine.rules.model import HEADER_KEYS, SEVERITIES, TAX_TYPES
from crossaudit.pipeline import FAMILY_RULES

RULES = load_rules()
GOOD_HEADER = """/*
id: revoked-firm-invoicing
title: Revoked firm still invoicing
pack: {pack}
severity: high
tax: [vat]
description: A revoked enterprise that issues invoices.
basis: 税收征收管理法 第二十五条
sources: [amr_enterprise_register, tax_vat_invoices]
identity: [enterprise]
entities: {{enterprise: Enterprise}}
office: [enterprise]
amount: amount
tax_at_risk: tax_at_risk
params: {{rate: 0.13}}
version: 1
title_zh: 已吊销企业仍在开票
description_zh: 已被吊销营业执照的企业仍在开具发票。
*/
"""
GOOD_QUERY = ("MATCH (e:Enterprise {status: 'revoked'})-[s:ISSUED]->(i:Invoice)\n"
              "RETURN e.uid AS enterprise, coalesce(sum(i.amount), 0) AS amount, "
              "coalesce(sum(i.amount), 0) * $rate AS tax_at_risk\n")


def write_rule(root: Path, header: str = GOOD_HEADER, query: str = GOOD_QUERY, pack: str = "my-pack") -> Path:
    path = root / pack / "revoked-firm-invoicing.cypher"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header.format(pack=pack) + query, encoding="utf-8")
    return path


# --- the shipped registry -------------------------------------------------------------------

def test_at_least_fifteen_rules_in_five_packs_with_unique_ids():
    assert len(RULES) >= 15
    assert len({r.pack for r in RULES}) >= 5
    assert len({r.id for r in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_metadata_is_complete(rule):
    assert rule.title and len(rule.description) > 80, "say what the rule finds and why"
    assert rule.title_zh and len(rule.description_zh) > 60, "say it in Chinese too, for the inspector"
    assert rule.severity in SEVERITIES and set(rule.tax) <= set(TAX_TYPES)
    assert rule.sources and rule.identity and rule.entities and rule.office and rule.version >= 1
    assert set(rule.identity) <= set(rule.declared_columns)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_declared_column_is_returned_by_every_branch(rule):
    for columns in return_columns(rule.text):
        assert set(rule.declared_columns) <= set(columns)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_rule_has_positive_and_negative_cases(rule):
    cases = load_case_file(rule)["cases"]
    assert any(c["expect"] for c in cases), "a positive case catches a rule that never fires"
    assert any(not c["expect"] for c in cases), "a negative case catches a rule that fires on everything"


def test_shipped_rules_are_portable_and_use_only_declared_names():
    assert lint_rules() == []


def test_every_demo_family_is_answered_by_shipped_rules():
    ids = {r.id for r in RULES}
    for family, rule_ids in FAMILY_RULES.items():
        assert set(rule_ids) <= ids, family


def test_packs_cover_the_issue():
    packs = {r.pack for r in RULES}
    assert {"unreported-transactions", "related-party", "missing-registration", "invoicing",
            "declared-vs-observed"} <= packs


# --- header validation ----------------------------------------------------------------------

def test_a_good_rule_parses(tmp_path):
    rule = parse_rule(write_rule(tmp_path))
    assert (rule.id, rule.pack, rule.params) == ("revoked-firm-invoicing", "my-pack", {"rate": 0.13})
    assert rule.declared_columns == ("enterprise", "amount", "tax_at_risk")


def test_an_unknown_header_key_names_file_and_line(tmp_path):
    path = write_rule(tmp_path, GOOD_HEADER.replace("version: 1", "version: 1\nauthor: me"))
    with pytest.raises(RuleError, match=r"revoked-firm-invoicing.cypher:17: unknown header key 'author'"):
        parse_rule(path)


@pytest.mark.parametrize("change, message", [
    (("severity: high", "severity: urgent"), r":5: severity: must be one of low"),
    (("tax: [vat]", "tax: [sales_tax]"), r":6: tax: must list tax types"),
    (("identity: [enterprise]", "identity: []"), r"lacks 'identity'"),
    (("version: 1", "version: one"), r":16: version: must be a positive integer"),
    (("{enterprise: Enterprise}", "{enterprise: Company}"), r"entities: column 'enterprise' names 'Company'"),
    (("id: revoked-firm-invoicing", "id: Revoked_Firm"), r":2: id: must be the rule id, kebab-case"),
])
def test_bad_header_values_are_errors(tmp_path, change, message):
    with pytest.raises(RuleError, match=message):
        parse_rule(write_rule(tmp_path, GOOD_HEADER.replace(*change)))


@pytest.mark.parametrize("key", ["title_zh", "description_zh"])
def test_the_chinese_title_and_description_are_required(tmp_path, key):
    header = "".join(line + "\n" for line in GOOD_HEADER.splitlines() if not line.startswith(key))
    with pytest.raises(RuleError, match=f"lacks '{key}'"):
        parse_rule(write_rule(tmp_path, header))


@pytest.mark.parametrize("line, message", [
    ("title_zh: 已吊销企业仍在开票", r":17: title_zh: must be the title in Chinese.*written in Chinese characters"),
    ("description_zh: 已被吊销营业执照的企业仍在开具发票。", r":18: description_zh: .*written in Chinese characters"),
])
def test_the_chinese_title_and_description_must_be_chinese(tmp_path, line, message):
    english = line.split(":")[0] + ": Revoked firm still invoicing"
    with pytest.raises(RuleError, match=message):
        parse_rule(write_rule(tmp_path, GOOD_HEADER.replace(line, english)))


def test_a_chinese_description_over_several_lines_reads_as_one(tmp_path):
    header = GOOD_HEADER.replace("description_zh: 已被吊销营业执照的企业仍在开具发票。",
                                 "description_zh: >\n  已被吊销营业执照的企业\n  仍在开具发票，税率 13 %。")
    assert parse_rule(write_rule(tmp_path, header)).description_zh == "已被吊销营业执照的企业仍在开具发票，税率 13 %。"


def test_the_pack_must_be_the_folder(tmp_path):
    path = write_rule(tmp_path)
    moved = tmp_path / "other-pack" / path.name
    moved.parent.mkdir()
    path.rename(moved)
    with pytest.raises(RuleError, match="pack: must equal the folder name 'other-pack'"):
        parse_rule(moved)


def test_a_declared_column_the_query_does_not_return_is_an_error(tmp_path):
    query = GOOD_QUERY.replace("e.uid AS enterprise", "e.uid AS firm")
    with pytest.raises(RuleError, match=r"lacks the declared column\(s\) \['enterprise'\]"):
        parse_rule(write_rule(tmp_path, query=query))


def test_parameters_must_be_declared_and_used(tmp_path):
    with pytest.raises(RuleError, match=r"undeclared parameter\(s\) \['rate'\]"):
        parse_rule(write_rule(tmp_path, GOOD_HEADER.replace("params: {{rate: 0.13}}\n", "")))
    with pytest.raises(RuleError, match=r"declared parameter\(s\) \['spare'\] are never used"):
        parse_rule(write_rule(tmp_path, GOOD_HEADER.replace("{{rate: 0.13}}", "{{rate: 0.13, spare: 1}}")))


def test_a_file_without_header_is_an_error(tmp_path):
    path = tmp_path / "p" / "x.cypher"
    path.parent.mkdir()
    path.write_text(GOOD_QUERY, encoding="utf-8")
    with pytest.raises(RuleError, match=r"x.cypher:1: the file must start with a /\* … \*/ comment"):
        parse_rule(path)


def test_a_user_rule_id_may_not_shadow_a_shipped_one(tmp_path):
    shipped = RULES[0]
    path = tmp_path / "mine" / shipped.path.name
    path.parent.mkdir()
    path.write_text(shipped.text.replace(f"pack: {shipped.pack}", "pack: mine"), encoding="utf-8")
    with pytest.raises(RuleError, match=f"rule id '{shipped.id}' is already defined"):
        load_rules(tmp_path)


def test_user_rules_load_beside_the_shipped_ones(tmp_path):
    write_rule(tmp_path)
    assert [r.id for r in load_rules(tmp_path, pack="my-pack")] == ["revoked-firm-invoicing"]
    assert len(load_rules(tmp_path)) == len(RULES) + 1
    with pytest.raises(RuleError, match="unknown rule id"):
        load_rules(rule_ids=["no-such-rule"])


# --- Cypher reading and the lint ------------------------------------------------------------

def test_return_columns_of_each_union_branch_ignore_comments_and_subqueries():
    text = ("/* RETURN x AS header */ MATCH (e:Enterprise) WHERE EXISTS { MATCH (e)-[u:USED]->(m:UtilityUsage) "
            "RETURN m } RETURN e.uid AS firm, count(*) AS n ORDER BY n\nUNION ALL\n"
            "MATCH (p:Person) RETURN DISTINCT p.uid AS firm, 0 AS n // RETURN z")
    assert return_columns(text) == [["firm", "n"], ["firm", "n"]]
    assert parameters("MATCH (e) WHERE e.x = $a AND e.y = '$not' RETURN $b AS b") == {"a", "b"}


@pytest.mark.parametrize("query, code", [
    ("MATCH (a:Enterprise)-[:ISSUED]->(i:Invoice)<-[r:RECEIVED]-(b:Enterprise) RETURN a.uid AS a",
     "unnamed-relationship"),
    ("MATCH (a:Enterprise)-[r1:ISSUED]->(i:Invoice)<-[r2:ISSUED]-(b:Enterprise) RETURN a.uid AS a",
     "relationship-reuse"),
    ("MATCH (a:Enterprise)-[r:ISSUED*1..2]->(i) RETURN a.uid AS a", "variable-length"),
    ("MATCH (a:Enterprise) RETURN COUNT { (a)-[r:ISSUED]->() } AS n", "count-subquery"),
    ("MATCH (a:Enterprise) CALL { RETURN 1 AS one } RETURN a.uid AS a", "call-subquery"),
    ("MATCH (a:Enterprise) RETURN [x IN collect(a.uid) | x] AS xs", "list-comprehension"),
    ("MATCH (a:Enterprise) RETURN [(a)-[r:ISSUED]->(i) | i.amount] AS xs", "pattern-comprehension"),
    ("MATCH (a:Enterprise) RETURN collect(a.uid)[1..3] AS xs", "list-slice"),
    ("MATCH (a:Enterprise) RETURN substring(a.uid, 2, 6) AS division", "offset-function"),
    ("MATCH (a:Enterprise) RETURN toString(a.registered_capital) AS t", "function"),
    ("MATCH (a:Contract) WHERE a.signed_on < date() + duration({days: 1}) RETURN a.uid AS c", "today"),
    ("MATCH (a:Contract) WHERE a.signed_on < duration.between(a.signed_on, a.end_on) RETURN a.uid AS c", "duration"),
    ("MATCH (a:Enterprise) RETURN a {.uid, .name} AS m", "map-projection"),
    ("MATCH (a:Enterprise) RETURN sum(a.registered_capital) AS s", "bare-sum"),
    ("MATCH (a:Enterprise:Person) RETURN a.uid AS a", "multi-label"),
    ("MATCH (a:Company) RETURN a.uid AS a", "unknown-label"),
    ("MATCH (a:Enterprise)-[r:EMPLOYED]->(p:Person) RETURN a.uid AS a", "unknown-relationship"),
    ("MATCH (a:Enterprise) RETURN a.turnover AS t", "unknown-property"),
    ("MATCH (a:Enterprise {turnover: 1}) RETURN a.uid AS a", "unknown-property"),
    ("MATCH (a:Enterprise)-[r:PARTY_TO {part: 'buyer'}]->(c:Contract) RETURN a.uid AS a", "unknown-property"),
])
def test_the_lint_flags_non_portable_cypher(query, code):
    assert code in {issue.code for issue in lint_text(query)}


def test_the_lint_accepts_the_portable_forms():
    query = ("MATCH (a:Enterprise)-[s:ISSUED]->(i:Invoice)<-[r:RECEIVED]-(b:Enterprise)\n"
             "WHERE NOT (a)-[:REGISTERED_WITH]->(:TaxRegistration) AND i.issued_on + $window <= $as_of\n"
             "  AND EXISTS { MATCH (b)-[u:USED]->(m:UtilityUsage) }\n"
             "// toString() in a comment, and in a string:\n"
             "RETURN a.uid AS a, 'substring(' AS s, coalesce(sum(i.amount), 0) AS total")
    assert lint_text(query) == []


def test_lint_reports_file_and_line(tmp_path):
    write_rule(tmp_path, query=GOOD_QUERY + "UNION ALL\nMATCH (e:Enterprise) RETURN e.uid AS enterprise, "
                                                   "toString(1) AS amount, 0 * $rate AS tax_at_risk\n")
    issues = lint_rules(tmp_path)
    assert [(Path(i.path).name, i.line, i.code) for i in issues] == [("revoked-firm-invoicing.cypher", 23, "function")]


def test_case_files_are_validated(tmp_path):
    rule = parse_rule(write_rule(tmp_path))
    rule.test_path.write_text(yaml.safe_dump({"cases": [{"name": "x", "expect": [{"amount": 1}]}]}), encoding="utf-8")
    with pytest.raises(RuleError, match="must name the identity columns"):
        load_case_file(rule)
    rule.test_path.write_text(yaml.safe_dump({"cases": [{"name": "x", "expect": [], "given": 1}]}), encoding="utf-8")
    with pytest.raises(RuleError, match="case 1: keys must be among"):
        load_case_file(rule)
    assert set(HEADER_KEYS) >= {"id", "title", "pack", "severity", "tax", "identity", "params", "version"}
