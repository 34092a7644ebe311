"""The runner on a tiny graph: findings, fingerprints, re-runs, offices, links, interest groups,
and the findings queries; every store test on both engines."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from crossaudit.engine.findings import list_findings, offices_under, show_finding
from crossaudit.engine.rules import RuleError, compute_interest_groups, fingerprint, parse_rule, resolve_params, run_rules
from crossaudit.engine.rules.offices import OfficeResolver
from crossaudit.engine.store import RunStamp, StoreError

RULE = """/*
id: revoked-firm-invoicing
title: Revoked firm still invoicing
pack: test-pack
severity: high
tax: [vat]
description: A revoked enterprise that issues invoices.
title_zh: 已吊销企业仍在开票
description_zh: 已被吊销营业执照的企业仍在开具发票。
basis: 税收征收管理法 第二十五条
sources: [amr_enterprise_register, tax_vat_invoices]
identity: [enterprise]
entities: {enterprise: Enterprise, invoices: Invoice}
office: [enterprise]
amount: amount
tax_at_risk: tax_at_risk
params: {rate: 0.1}
version: 2
*/
MATCH (e:Enterprise {status: 'revoked'})-[s:ISSUED]->(i:Invoice)
RETURN e.uid AS enterprise, collect(i.invoice_no) AS invoices, coalesce(sum(i.amount), 0) AS amount,
       coalesce(sum(i.amount), 0) * $rate AS tax_at_risk
"""
OFFICES = [{"code": "16400000000", "level": "region", "region_code": "640000"},
           {"code": "16401000000", "level": "city", "region_code": "640100", "parent": "16400000000"},
           {"code": "16401040000", "level": "county", "region_code": "640104", "parent": "16401000000"},
           {"code": "16401060000", "level": "county", "region_code": "640106", "parent": "16401000000"}]
# 甲 is in county 640104 by its credit code, 乙 in 640105 (no county office: the city's), 丙 registered with 640106
FIRMS = [{"uid": "91640104MA0000001A", "credit_code": "91640104MA0000001A", "name": "甲", "status": "revoked"},
         {"uid": "91640105MA0000002B", "credit_code": "91640105MA0000002B", "name": "乙", "status": "revoked"},
         {"uid": "91640104MA0000003C", "credit_code": "91640104MA0000003C", "name": "丙", "status": "operating"}]
INVOICES = [{"invoice_no": f"I{n}", "amount": 1000.0 * n, "issued_on": dt.date(2023, n, 1)} for n in (1, 2, 3)]


@pytest.fixture
def rule(tmp_path):
    path = tmp_path / "test-pack" / "revoked-firm-invoicing.cypher"
    path.parent.mkdir()
    path.write_text(RULE, encoding="utf-8")
    return parse_rule(path)


@pytest.fixture
def graph(store):
    run = RunStamp.now("fixture")
    store.upsert_nodes("TaxOffice", OFFICES, run)
    store.upsert_nodes("Enterprise", FIRMS, run)
    store.upsert_nodes("Invoice", INVOICES, run)
    store.upsert_nodes("SourceRecord", [{"record_id": "tax_vat_invoices:f.csv:7", "department": "tax",
                                         "dataset": "tax_vat_invoices", "source_file": "f.csv", "source_row": 7}], run)
    store.upsert_relationships("ISSUED", "Enterprise", "Invoice", [
        {"from": "91640104MA0000001A", "to": "I1"}, {"from": "91640104MA0000001A", "to": "I2"},
        {"from": "91640105MA0000002B", "to": "I3"}], run)
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "tax_vat_invoices:f.csv:7", "to": "91640104MA0000001A", "role": "seller"}], run)
    return store


def findings_by_enterprise(store) -> dict[str, dict]:
    return {json.loads(f["identity"])["enterprise"]: f for f in
            store.query("MATCH (f:Finding) RETURN f.identity AS identity, f.finding_id AS id, f.status AS status, "
                        "f.office_code AS office, f.tax_at_risk AS tax, f.first_seen AS first_seen, "
                        "f.last_seen AS last_seen, f.rule_version AS version")}


def test_each_result_row_becomes_a_finding_with_links_and_office(graph, rule):
    summary = run_rules(graph, [rule])
    assert (summary.findings, summary.new_findings) == (2, 2)
    found = findings_by_enterprise(graph)
    assert set(found) == {"91640104MA0000001A", "91640105MA0000002B"}
    first = found["91640104MA0000001A"]
    assert first["id"] == fingerprint(rule.id, {"enterprise": "91640104MA0000001A"})
    assert (first["status"], first["office"], first["tax"], first["version"]) == ("new", "16401040000", 300.0, 2)
    assert found["91640105MA0000002B"]["office"] == "16401000000"  # no county office for 640105: the city's
    flags = graph.query("MATCH (f:Finding {finding_id: $id})-[r:FLAGS]->(n) RETURN r.role AS role, count(*) AS n "
                        "ORDER BY role", {"id": first["id"]})
    assert flags == [{"role": "enterprise", "n": 1}, {"role": "invoices", "n": 2}]
    assigned = graph.query("MATCH (f:Finding)-[a:ASSIGNED_TO]->(o:TaxOffice) RETURN o.code AS code ORDER BY code")
    assert [r["code"] for r in assigned] == ["16401000000", "16401040000"]
    run = graph.query("MATCH (r:RuleRun) RETURN r.findings AS findings, r.new_findings AS new, r.rules AS rules")
    assert run == [{"findings": 2, "new": 2, "rules": 1}]


def test_a_rerun_creates_nothing_twice_keeps_first_seen_and_reopens_only_changed_dismissals(graph, rule):
    run_rules(graph, [rule])
    before = findings_by_enterprise(graph)
    graph.query("MATCH (f:Finding {finding_id: $id}) SET f.status = 'dismissed'",
                {"id": before["91640104MA0000001A"]["id"]})
    run_rules(graph, [rule])
    assert findings_by_enterprise(graph)["91640104MA0000001A"]["status"] == "dismissed"  # same evidence: kept
    summary = run_rules(graph, [rule], {"rate": 0.2})
    after = findings_by_enterprise(graph)
    assert (summary.findings, summary.new_findings) == (2, 0)
    assert graph.query("MATCH (f:Finding) RETURN count(*) AS n") == [{"n": 2}]
    assert graph.query("MATCH (f:Finding)-[r:FLAGS]->() RETURN count(*) AS n") == [{"n": 5}]
    mine = after["91640104MA0000001A"]
    assert mine["status"] == "new"  # the evidence changed: the dismissed finding is reopened
    assert after["91640105MA0000002B"]["status"] == "new"  # never dismissed: untouched
    assert mine["first_seen"] == before["91640104MA0000001A"]["first_seen"]
    assert mine["last_seen"] > before["91640104MA0000001A"]["last_seen"]
    assert mine["tax"] == 600.0  # the evidence and amounts follow the latest run


def test_a_changed_result_drops_links_it_no_longer_names(graph, rule):
    run_rules(graph, [rule])
    graph.query("MATCH (e:Enterprise {uid: '91640104MA0000001A'})-[s:ISSUED]->(i:Invoice {invoice_no: 'I2'}) DELETE s")
    run_rules(graph, [rule])
    rows = graph.query("MATCH (f:Finding)-[r:FLAGS]->(i:Invoice) RETURN i.invoice_no AS no ORDER BY no")
    assert [r["no"] for r in rows] == ["I1", "I3"]


def test_the_registration_office_comes_before_the_region(graph):
    graph.upsert_nodes("TaxRegistration", [{"reg_id": "R3", "taxpayer_code": "91640104MA0000003C",
                                            "taxpayer_kind": "unit"}])
    graph.upsert_relationships("REGISTERED_WITH", "Enterprise", "TaxRegistration",
                               [{"from": "91640104MA0000003C", "to": "R3"}])
    graph.upsert_relationships("REGISTERED_WITH", "TaxRegistration", "TaxOffice",
                               [{"from": "R3", "to": "16401060000"}])
    resolver = OfficeResolver(graph)
    entities = {"firm": "Enterprise"}
    assert resolver.office({"firm": "91640104MA0000003C"}, ["firm"], entities) == ("16401060000", "640104")
    assert resolver.office({"firm": "91640104MA0000001A"}, ["firm"], entities) == ("16401040000", "640104")
    assert resolver.office({"region": "640106"}, ["region"], {}) == ("16401060000", "640106")
    assert resolver.office({"region": "650102"}, ["region"], {}) == ("16400000000", "650102")  # outside: the region's
    assert resolver.office({"firm": None, "region": "640104"}, ["firm", "region"], entities)[0] == "16401040000"


def test_findings_are_listed_with_filters_and_shown_with_sources(graph, rule):
    run_rules(graph, [rule])
    assert offices_under(graph, "16401000000") == ["16401000000", "16401040000", "16401060000"]
    assert len(list_findings(graph, office="16401000000")) == 2  # the city's own and its counties'
    county = list_findings(graph, office="16401040000", severity="high", rule=rule.id, pack="test-pack")
    assert [f["identity"] for f in county] == [{"enterprise": "91640104MA0000001A"}]
    assert list_findings(graph, severity="low") == [] and len(list_findings(graph, limit=1)) == 1
    shown = show_finding(graph, county[0]["finding_id"])
    assert shown["finding"]["evidence"]["invoices"] == ["I1", "I2"]
    assert shown["office"]["code"] == "16401040000"
    firm = next(e for e in shown["entities"] if e["role"] == "enterprise")
    assert firm["node"]["name"] == "甲"
    assert firm["sources"] == [{"record_id": "tax_vat_invoices:f.csv:7", "department": "tax",
                                "dataset": "tax_vat_invoices", "source_file": "f.csv", "source_row": 7,
                                "column_role": "seller"}]
    with pytest.raises(StoreError, match="no finding 'F-nothing'"):
        show_finding(graph, "F-nothing")


def test_interest_groups_join_controllers_and_kin(store):
    firms = [{"uid": u} for u in ("E1", "E2", "E3", "E4", "E5", "E6")]
    # a person whose uid is also an enterprise's stays a different node ("E4" is the supervisor)
    people = [{"uid": "P1", "household_no": "H1"}, {"uid": "P2"}, {"uid": "P3", "household_no": "H1"}, {"uid": "E4"}]
    store.upsert_nodes("Enterprise", firms)
    store.upsert_nodes("Person", people)
    store.upsert_relationships("LEGAL_REP_OF", "Person", "Enterprise", [{"from": "P1", "to": "E1"}])
    store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise", [
        {"from": "P2", "to": "E2", "ratio": 0.6}, {"from": "E4", "to": "E1", "ratio": 0.1}])
    store.upsert_relationships("SHAREHOLDER_OF", "Enterprise", "Enterprise", [{"from": "E6", "to": "E5", "ratio": 0.5}])
    store.upsert_relationships("KIN_OF", "Person", "Person", [{"from": "P1", "to": "P2", "kind": "spouse"}])
    store.upsert_relationships("EXECUTIVE_OF", "Person", "Enterprise", [
        {"from": "P3", "to": "E3", "position": "执行董事"}, {"from": "E4", "to": "E4", "position": "监事"}])
    stats = compute_interest_groups(store)
    groups = {r["uid"]: r["g"] for r in store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.interest_group AS g")}
    # E1-P1 (spouse of P2, household of P3): E1, E2, E3 in one group; a 10% share and a supervisor's
    # seat are not control; E6 holds half of E5
    assert groups == {"E1": "IG:E1", "E2": "IG:E1", "E3": "IG:E1", "E4": None, "E5": "IG:E5", "E6": "IG:E5"}
    assert (stats["groups"], stats["enterprises"], stats["largest"]) == (2, 5, 3)
    persons = {r["uid"]: r["g"] for r in store.query("MATCH (p:Person) RETURN p.uid AS uid, p.interest_group AS g")}
    assert persons == {"P1": "IG:E1", "P2": "IG:E1", "P3": "IG:E1", "E4": None}
    store.query("MATCH (p:Person)-[k:KIN_OF]->(q:Person) DELETE k")
    compute_interest_groups(store)
    groups = {r["uid"]: r["g"] for r in store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.interest_group AS g")}
    assert groups == {"E1": "IG:E1", "E2": None, "E3": "IG:E1", "E4": None, "E5": "IG:E5", "E6": "IG:E5"}  # not stale


def test_parameter_overrides_take_the_default_s_type(rule):
    assert resolve_params([rule], {"rate": "0.25"}) == {rule.id: {"rate": 0.25}}
    assert resolve_params([rule], {f"{rule.id}.rate": 1}) == {rule.id: {"rate": 1.0}}
    with pytest.raises(RuleError, match="parameter 'rate' of rule revoked-firm-invoicing expects a number"):
        resolve_params([rule], {"rate": "high"})
    with pytest.raises(RuleError, match="no selected rule has a parameter 'window'"):
        resolve_params([rule], {"window": "3 days"})


def test_durations_and_dates_are_parameters_too():
    from crossaudit.engine.rules import load_rules

    land = load_rules(rule_ids=["land-transfer-without-deed-tax"])
    params = resolve_params(land, {"grace": "30 days", "as_of": "2024-03-31"})[land[0].id]
    assert (params["grace"], params["as_of"]) == (dt.timedelta(days=30), dt.date(2024, 3, 31))
    assert resolve_params(land, {"grace": 45})[land[0].id]["grace"] == dt.timedelta(days=45)
    with pytest.raises(RuleError, match="is a date"):
        resolve_params(land, {"as_of": "soon"})


def test_fingerprints_depend_on_rule_and_identity_only():
    one = fingerprint("r", {"a": "1", "b": [1, 2]})
    assert one == fingerprint("r", {"b": [1, 2], "a": "1"}) and one.startswith("F-")
    assert one != fingerprint("s", {"a": "1", "b": [1, 2]}) and one != fingerprint("r", {"a": "2", "b": [1, 2]})


# --- identity and row choice: no silent merge, no engine-order dependence -------------------

NULL_IDENTITY_RULE = RULE.replace("identity: [enterprise]", "identity: [contract_no]").replace(
    "RETURN e.uid AS enterprise,", "RETURN e.uid AS enterprise, NULL AS contract_no,")


def _rule_file(tmp_path, text):
    path = tmp_path / "test-pack" / "revoked-firm-invoicing.cypher"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_rule(path)


def test_a_null_identity_falls_back_to_the_flagged_entities_instead_of_merging(graph, tmp_path):
    rule = _rule_file(tmp_path, NULL_IDENTITY_RULE)
    summary = run_rules(graph, [rule])
    identities = sorted(r["identity"] for r in graph.query("MATCH (f:Finding) RETURN f.identity AS identity"))
    assert summary.findings == 2 and summary.outcomes[0].duplicates == 0
    assert [json.loads(i)["enterprise"] for i in identities] == ["91640104MA0000001A", "91640105MA0000002B"]


def test_a_row_with_no_identity_at_all_fails_the_run_naming_rule_and_columns(graph, tmp_path):
    text = NULL_IDENTITY_RULE.replace("entities: {enterprise: Enterprise, invoices: Invoice}",
                                      "entities: {firm: Enterprise}").replace(
        "RETURN e.uid AS enterprise,", "RETURN e.uid AS enterprise, NULL AS firm,")
    rule = _rule_file(tmp_path, text)
    with pytest.raises(RuleError, match=r"rule revoked-firm-invoicing returned a row whose identity column\(s\) "
                                        r"\['contract_no'\] and entity column\(s\) are all null"):
        run_rules(graph, [rule])


def test_of_rows_sharing_an_identity_the_largest_tax_at_risk_is_kept_whatever_the_row_order(store, rule):
    from crossaudit.engine.rules.runner import build_findings

    rows = [{"enterprise": "91640104MA0000001A", "invoices": ["I1"], "amount": 1000.0, "tax_at_risk": 100.0},
            {"enterprise": "91640104MA0000001A", "invoices": ["I2"], "amount": 2000.0, "tax_at_risk": 200.0},
            {"enterprise": "91640104MA0000001A", "invoices": ["I0"], "amount": 2000.0, "tax_at_risk": 200.0}]
    store.upsert_nodes("Enterprise", FIRMS[:1])
    orders = (rows, rows[::-1], rows[1:] + rows[:1])
    kept = [build_findings(rule, order, OfficeResolver(store), "run") for order in orders]
    evidences = [{fid: props["evidence"] for fid, (props, _) in findings.items()} for findings, _ in kept]
    assert evidences[0] == evidences[1] == evidences[2] and [d for _, d in kept] == [2, 2, 2]
    (evidence,) = evidences[0].values()
    assert json.loads(evidence)["invoices"] == ["I0"]  # the tie at 200 goes to the smaller canonical JSON


def test_the_latest_full_year_is_the_last_december_every_monthly_source_holds(store):
    from crossaudit.engine.rules.runner import latest_full_year, resolve_data_defaults

    assert latest_full_year(store) == dt.date.today().year - 1  # nothing in the store
    store.upsert_nodes("Enterprise", [{"uid": "E1"}])
    store.upsert_nodes("Person", [{"uid": "P1"}])
    store.upsert_nodes("TaxFiling", [{"filing_id": "T1", "period_start": dt.date(2023, 12, 1),
                                      "period_end": dt.date(2023, 12, 31)}])
    store.upsert_nodes("UtilityUsage", [{"usage_id": "U1", "period": "2024-03"}])
    store.upsert_relationships("USED", "Enterprise", "UtilityUsage", [{"from": "E1", "to": "U1"}])
    assert latest_full_year(store) == 2023
    store.upsert_relationships("EMPLOYS", "Enterprise", "Person", [{"from": "E1", "to": "P1", "period": "2023-11",
                                                                     "insurance": "pension"}])
    assert latest_full_year(store) == 2022  # social insurance stops in November
    params = resolve_data_defaults({"r": {"from": "latest_full_year.start", "to": "latest_full_year.last_month",
                                          "rate": 0.1}}, store)
    assert params == {"r": {"from": dt.date(2022, 1, 1), "to": "2022-12", "rate": 0.1}}


def test_the_earliest_filing_of_a_tax_bounds_how_far_back_a_rule_looks(store):
    from crossaudit.engine.rules.runner import NO_LOWER_BOUND, resolve_data_defaults

    params = {"r": {"since": "earliest_filing.deed_tax"}}
    assert resolve_data_defaults(params, store) == {"r": {"since": NO_LOWER_BOUND}}  # no deed tax data
    store.upsert_nodes("TaxFiling", [{"filing_id": "D1", "tax_type": "deed_tax", "filed_on": dt.date(2020, 12, 16)},
                                     {"filing_id": "D2", "tax_type": "deed_tax", "period_start": dt.date(2021, 3, 1)},
                                     {"filing_id": "V1", "tax_type": "vat", "period_start": dt.date(2015, 1, 1)}])
    assert resolve_data_defaults(params, store) == {"r": {"since": dt.date(2020, 12, 16)}}


def test_the_latest_filing_of_a_tax_is_the_day_a_rule_judges_grace_periods_at(store):
    """as_of is how far forward the returns delivered reach, not the day the rule runs: a sale
    whose grace period ends after it may have its return in a delivery not yet made."""
    from crossaudit.engine.rules.runner import resolve_data_defaults

    params = {"r": {"as_of": "latest_filing.deed_tax", "grace": dt.timedelta(days=90)}}
    assert resolve_data_defaults(params, store)["r"]["as_of"] == dt.date.today()  # no deed tax data
    store.upsert_nodes("TaxFiling", [{"filing_id": "D1", "tax_type": "deed_tax", "filed_on": dt.date(2024, 3, 30)},
                                     {"filing_id": "D2", "tax_type": "deed_tax", "period_start": dt.date(2024, 1, 1),
                                      "period_end": dt.date(2024, 1, 31), "filed_on": dt.date(2024, 2, 10)},
                                     {"filing_id": "V1", "tax_type": "vat", "filed_on": dt.date(2025, 1, 15)}])
    assert resolve_data_defaults(params, store) == {"r": {"as_of": dt.date(2024, 3, 30), "grace": dt.timedelta(days=90)}}


def test_the_latest_invoice_held_is_the_day_a_rule_closes_invoicing_windows_at(store):
    """A payment made a month before the invoices delivered end may be invoiced in the next
    delivery: procurement-without-invoice waits for the invoices, not for the calendar."""
    from crossaudit.engine.rules import load_rules
    from crossaudit.engine.rules.runner import resolve_data_defaults

    (rule,) = load_rules(rule_ids=["procurement-without-invoice"])
    params = resolve_params([rule])
    assert resolve_data_defaults(params, store)[rule.id]["as_of"] == dt.date.today()  # no invoice held
    store.upsert_nodes("Invoice", [{"invoice_no": "I1", "issued_on": dt.date(2024, 6, 30)},
                                   {"invoice_no": "I2", "issued_on": dt.date(2024, 11, 2)}, {"invoice_no": "I3"}])
    assert resolve_data_defaults(params, store)[rule.id]["as_of"] == dt.date(2024, 11, 2)


def test_a_data_window_default_is_overridden_like_any_other():
    from crossaudit.engine.rules import load_rules

    payroll = load_rules(rule_ids=["payroll-iit-underreported"])
    params = resolve_params(payroll, {"from_date": "2022-01-01", "from_month": "2022-01"})[payroll[0].id]
    assert (params["from_date"], params["from_month"], params["to_month"]) == (
        dt.date(2022, 1, 1), "2022-01", "latest_full_year.last_month")
    with pytest.raises(RuleError, match="is a month such as 2023-01"):
        resolve_params(payroll, {"to_month": "December"})


def test_the_control_share_is_a_parameter_of_the_interest_groups(store):
    store.upsert_nodes("Enterprise", [{"uid": "E1"}, {"uid": "E2"}])
    store.upsert_nodes("Person", [{"uid": "P1"}])
    store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise", [
        {"from": "P1", "to": "E1", "ratio": 0.3}, {"from": "P1", "to": "E2", "ratio": 0.6}])
    assert compute_interest_groups(store)["enterprises"] == 2  # 30 % ≥ 25 %: 国家税务总局公告2016年第42号 第二条
    assert compute_interest_groups(store, control_share=0.5)["enterprises"] == 0


def _variant(tmp_path, rule_id: str, status: str, *, precompute: str = "") -> "Rule":
    """The revoked-firm rule under another id, flagging invoicing firms of `status` (any if '')."""
    text = RULE.replace("id: revoked-firm-invoicing", f"id: {rule_id}").replace(
        " {status: 'revoked'}", f" {{status: '{status}'}}" if status else "").replace("version: 2", f"version: 2{precompute}")
    if precompute:
        text = text.replace("params: {rate: 0.1}", "params: {rate: 0.1, control_share: 0.25}")
    path = tmp_path / "test-pack" / f"{rule_id}.cypher"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return parse_rule(path)


def test_rule_queries_sent_at_once_give_the_findings_of_one_at_a_time(graph, tmp_path):
    rules = [_variant(tmp_path, "revoked-a", "revoked"), _variant(tmp_path, "any-b", ""),
             _variant(tmp_path, "revoked-c", "revoked", precompute="\nprecompute: [interest_groups]")]
    one = run_rules(graph, rules, workers=1)
    found = sorted((r["rule"], r["id"], r["office"]) for r in graph.query(
        "MATCH (f:Finding) RETURN f.rule_id AS rule, f.finding_id AS id, f.office_code AS office"))
    three = run_rules(graph, rules, workers=3)
    assert [(o.rule_id, o.rows, o.findings) for o in three.outcomes] == \
        [(o.rule_id, o.rows, o.findings) for o in one.outcomes] == \
        [("revoked-a", 2, 2), ("any-b", 2, 2), ("revoked-c", 2, 2)]
    assert three.new_findings == 0 and three.precompute["interest_groups"]["enterprises"] == 0
    assert sorted((r["rule"], r["id"], r["office"]) for r in graph.query(
        "MATCH (f:Finding) RETURN f.rule_id AS rule, f.finding_id AS id, f.office_code AS office")) == found


def test_a_failing_query_among_rules_sent_at_once_ends_the_run_naming_its_file(graph, tmp_path):
    broken = _variant(tmp_path, "broken-b", "revoked")
    text = broken.path.read_text(encoding="utf-8")
    broken.path.write_text(text.replace("(i:Invoice)\n", "(i:Invoice) WHERE nowhere.x = 1\n"), encoding="utf-8")
    rules = [_variant(tmp_path, "revoked-a", "revoked"), parse_rule(broken.path),
             _variant(tmp_path, "any-c", "")]
    with pytest.raises(RuleError, match=r"broken-b\.cypher: the query failed on"):
        run_rules(graph, rules, workers=3)
    stored = {r["rule"] for r in graph.query("MATCH (f:Finding) RETURN DISTINCT f.rule_id AS rule")}
    assert stored == {"revoked-a"}  # the rule after the failure wrote nothing, though its query may have run


def test_precompute_steps_split_the_rules_into_stages_read_in_turn(tmp_path):
    from crossaudit.engine.rules.runner import _stages

    plain, grouped, again = (_variant(tmp_path, "plain-a", "revoked"),
                             _variant(tmp_path, "grouped-b", "revoked", precompute="\nprecompute: [interest_groups]"),
                             _variant(tmp_path, "grouped-c", "revoked", precompute="\nprecompute: [interest_groups]"))
    params = {rule.id: {"rate": 0.1, "control_share": 0.25} for rule in (plain, grouped, again)}
    stages = _stages([plain, grouped, again], params)
    assert [([step for step, _ in steps], [r.id for r in rules]) for steps, rules in stages] == \
        [([], ["plain-a"]), (["interest_groups"], ["grouped-b", "grouped-c"])]
    params["grouped-c"] = {"rate": 0.1, "control_share": 0.5}  # other parameters: the step runs again first
    assert [[r.id for r in rules] for _, rules in _stages([plain, grouped, again], params)] == \
        [["plain-a"], ["grouped-b"], ["grouped-c"]]
