"""Access by grade: values from sources graded above a reader's clearance are masked in every
output — findings list (table, json, csv) and show, the explore page, every export format —
and shown to a reader cleared for them. On both engines, on a case of its own:

    张伟 (P, police_residents: no spec, internal) ──法定代表人──> 绝密矿业 (D, court_sealed_cases: secret,
    graded by its load record) ──申报──> TF-S (tax_filings: sensitive, by the shipped spec)
    宁夏公开贸易 (E, amr_enterprise_register: internal) ──股东──> D

F-secret flags D, TF-S and P; its identity and evidence repeat D's name and TF-S's reference.
`low` (investigator, internal) may see E and P but not D, TF-S or ID numbers; `admin` sees all.
"""
from __future__ import annotations

import json
import re

import networkx as nx
import openpyxl
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.access import DEFAULT_USER, Clearance, govern, masked
from crossaudit.engine.store import RunStamp
from case_fixture import planted
from test_export import documented_schema

SECRET_NAME = "绝密矿业有限公司"
SENSITIVE_REF = "REF-敏感-0042"
P_ID = "640104198003010113"
PUBLIC_NAME = "宁夏公开贸易有限公司"
D, E = "91640100D", "91640100E"
USERS = """users:
  admin: {role: admin, clearance: secret}
  low: {role: investigator, clearance: internal}
  wang: {role: inspector, office: "16401040000", clearance: internal}
"""


def _from(department: str, dataset: str, row: int) -> dict:
    return {"department": department, "dataset": dataset, "source_file": f"{department}/{dataset}.csv",
            "source_row": row}


def plant(store) -> None:
    run = RunStamp.now("load-1")
    store.upsert_nodes("FileLoad", [{"file_load_id": "fl-1", "grade": "secret", **_from("court", "court_sealed_cases", 0)}],
                       run)
    store.upsert_nodes("Enterprise", [
        {"uid": D, "credit_code": D, "name": SECRET_NAME, "industry": "采矿", **_from("court", "court_sealed_cases", 1)},
        {"uid": E, "credit_code": E, "name": PUBLIC_NAME, **_from("amr", "amr_enterprise_register", 1)}], run)
    store.upsert_nodes("Person", [{"uid": P_ID, "id_number": P_ID, "name": "张伟",
                                   **_from("police", "police_residents", 1)}], run)
    store.upsert_nodes("TaxFiling", [{"filing_id": "TF-S", "tax_type": "vat", "reference": SENSITIVE_REF,
                                      "declared_base": 424242.0, **_from("tax", "tax_filings", 1)}], run)
    store.upsert_relationships("LEGAL_REP_OF", "Person", "Enterprise",
                               [{"from": P_ID, "to": D, **_from("amr", "amr_enterprise_register", 2)}], run)
    store.upsert_relationships("FILED", "Enterprise", "TaxFiling",
                               [{"from": D, "to": "TF-S", **_from("tax", "tax_filings", 1)}], run)
    store.upsert_relationships("SHAREHOLDER_OF", "Enterprise", "Enterprise",
                               [{"from": E, "to": D, "ratio": 0.37, **_from("court", "court_sealed_cases", 2)}], run)
    store.upsert_nodes("TaxOffice", [{"code": "16401040000", "name": "兴庆区税务局"}], run)
    store.upsert_nodes("Finding", [{
        "finding_id": "F-secret", "rule_id": "hidden-income", "rule_version": 1, "pack": "unreported", "severity": "high",
        "title": "隐匿收入", "office_code": "16401040000", "status": "new", "tax_at_risk": 5000.0,
        "identity": json.dumps({"seller": D, "seller_name": SECRET_NAME, "filing": SENSITIVE_REF}, ensure_ascii=False),
        "evidence": json.dumps({"seller_name": SECRET_NAME, "filing": SENSITIVE_REF, "declared_base": 424242.0,
                                "controller": P_ID}, ensure_ascii=False)}], run)
    store.upsert_relationships("FLAGS", "Finding", "Enterprise", [{"from": "F-secret", "to": D, "role": "seller"}], run)
    store.upsert_relationships("FLAGS", "Finding", "TaxFiling", [{"from": "F-secret", "to": "TF-S", "role": "filing"}],
                               run)
    store.upsert_relationships("FLAGS", "Finding", "Person", [{"from": "F-secret", "to": P_ID, "role": "controller"}],
                               run)
    store.upsert_relationships("ASSIGNED_TO", "Finding", "TaxOffice", [{"from": "F-secret", "to": "16401040000"}], run)


@pytest.fixture(scope="module")
def graded_uri(module_store_uri):
    """A store holding the case above, on each engine."""
    return planted(module_store_uri, plant)


@pytest.fixture(scope="module")
def cli(graded_uri, tmp_path_factory):
    users = tmp_path_factory.mktemp("users") / "users.yaml"
    users.write_text(USERS, encoding="utf-8")
    with open_store(graded_uri) as store:
        govern(store, users, DEFAULT_USER)

    def invoke(user: str, *args: str):
        result = CliRunner().invoke(main_group, ["--store", graded_uri, "--user", user, *args],
                                    env={"CROSSAUDIT_USERS": str(users), "COLUMNS": "1000"})
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


ALL = (SECRET_NAME, SENSITIVE_REF, P_ID)


def holds(text: str, value: str) -> bool:
    """The value is in the text as it is or as JSON escapes it (pages embed their data as JSON)."""
    return value in text or json.dumps(value)[1:-1] in text


def assert_masked_for_low_only(texts: dict[str, str], values=ALL) -> None:
    """`low`'s output holds none of the values (and says they are masked); admin's holds all."""
    assert not [v for v in values if holds(texts["low"], v)], texts["low"]
    assert holds(texts["low"], masked("secret")) or holds(texts["low"], masked("sensitive"))
    assert [v for v in values if holds(texts["admin"], v)] == list(values)


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_findings_list_masks_graded_values(cli, fmt):
    texts = {user: cli(user, "findings", "list", "--format", fmt) for user in ("low", "admin")}
    assert "F-secret" in texts["low"]
    assert_masked_for_low_only(texts, (SECRET_NAME, SENSITIVE_REF))
    assert D in texts["low"]  # the key identifies the entity and stays


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_findings_show_masks_graded_values(cli, fmt):
    texts = {user: cli(user, "findings", "show", "F-secret", "--format", fmt) for user in ("low", "admin")}
    assert_masked_for_low_only(texts)
    assert "6401**********0113" in texts["low"] and "张伟" in texts["low"]  # P's grade is internal


def test_findings_show_json_masks_entities_and_evidence(cli):
    shown = json.loads(cli("low", "findings", "show", "F-secret", "--format", "json"))
    seller = next(e["node"] for e in shown["entities"] if e["role"] == "seller")
    assert (seller["uid"], seller["name"], seller["industry"]) == (D, masked("secret"), masked("secret"))
    assert seller["dataset"] == "court_sealed_cases"  # provenance stays: where, not what
    evidence = shown["finding"]["evidence"]
    assert evidence == {"seller_name": masked("secret"), "filing": masked("sensitive"),
                        "declared_base": masked("sensitive"), "controller": "6401**********0113"}


def test_the_explore_page_masks_graded_values(cli, tmp_path):
    texts = {}
    for user in ("low", "admin"):
        page = tmp_path / f"{user}.html"
        cli(user, "explore", "--finding", "F-secret", "--depth", "1", "-o", str(page))
        texts[user] = page.read_text(encoding="utf-8")
    assert_masked_for_low_only(texts)
    assert holds(texts["low"], PUBLIC_NAME) and "密级高于「内部」的来源数据已屏蔽" in texts["low"]


@pytest.mark.parametrize("fmt", ["json", "graphml", "xlsx", "html"])
def test_every_export_format_masks_graded_values(cli, tmp_path, fmt):
    texts = {}
    for user in ("low", "admin"):
        path = tmp_path / f"{user}.{fmt}"
        cli(user, "export", "F-secret", "-o", str(path))
        if fmt == "xlsx":
            book = openpyxl.load_workbook(path)
            texts[user] = "\n".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True)
                                    for cell in row if cell is not None)
        else:
            texts[user] = path.read_bytes().decode("utf-8")
    assert_masked_for_low_only(texts)
    assert holds(texts["low"], PUBLIC_NAME)
    if fmt == "json":
        import jsonschema

        doc = json.loads(texts["low"])
        jsonschema.validate(doc, documented_schema())
        assert (doc["cleared"], doc["clearance"]) == (False, "internal")
    if fmt == "graphml":
        assert nx.read_graphml(tmp_path / "low.graphml").number_of_nodes() == 4


def test_mask_ids_masks_id_numbers_for_a_cleared_user(cli):
    assert P_ID in cli("admin", "findings", "show", "F-secret")
    shown = cli("admin", "findings", "show", "F-secret", "--mask-ids")
    assert P_ID not in shown and "6401**********0113" in shown and SECRET_NAME in shown


# --- the Clearance itself (no store) -------------------------------------------------------

GRADES = {"court_sealed_cases": "secret", "tax_filings": "sensitive", "amr_enterprise_register": "internal"}
# Nodes no source row describes: only the dataset their provenance names wrote them.
UNDESCRIBED = {("Enterprise", D): (), ("Enterprise", E): (), ("Person", "x"): (), ("Person", "name:张伟"): (),
               ("Person", P_ID): (), ("Phone", "13900000000"): ()}


def test_a_fact_above_clearance_keeps_only_its_key_and_provenance():
    reader = Clearance("internal", ids=True, grades=GRADES).knowing(UNDESCRIBED)
    shown = reader.fact("Enterprise", {"uid": D, "credit_code": D, "name": SECRET_NAME, "registered_capital": 80.0,
                                       "dataset": "court_sealed_cases", "source_row": 3})
    assert shown == {"uid": D, "credit_code": D, "name": masked("secret"), "registered_capital": masked("secret"),
                     "dataset": "court_sealed_cases", "source_row": 3}
    assert reader.fact("Enterprise", {"uid": E, "name": PUBLIC_NAME, "dataset": "amr_enterprise_register"})["name"] \
        == PUBLIC_NAME


def test_a_dataset_without_a_spec_is_internal():
    props = {"uid": "x", "name": "某人", "dataset": "no_such_dataset"}
    assert Clearance("public", grades=GRADES).knowing(UNDESCRIBED).fact("Person", props)["name"] == masked("internal")
    assert Clearance("internal", grades=GRADES).knowing(UNDESCRIBED).fact("Person", props)["name"] == "某人"


def test_a_node_whose_describing_datasets_were_not_read_is_graded_the_highest():
    props = {"uid": "x", "name": "某人", "dataset": "amr_enterprise_register"}
    assert Clearance("sensitive", grades=GRADES).fact("Person", props)["name"] == masked("secret")
    assert Clearance("secret", grades=GRADES).fact("Person", props)["name"] == "某人"


def test_keys_that_are_the_datum_are_masked_with_the_fact():
    reader = Clearance("internal", ids=False, grades=GRADES).knowing(UNDESCRIBED)
    assert reader.fact("Phone", {"number": "13900000000", "dataset": "tax_filings"})["number"] == masked("sensitive")
    assert reader.fact("Person", {"uid": "name:张伟", "name": "张伟", "dataset": "tax_filings"})["uid"] \
        == masked("sensitive")
    person = reader.fact("Person", {"uid": P_ID, "id_number": P_ID, "dataset": "tax_filings"})
    assert person["uid"] == person["id_number"] == "6401**********0113"


def test_source_record_payloads_above_clearance_are_masked():
    record = {"record_id": "r1", "grade": "secret", "dataset": "amr_enterprise_register",
              "payload": json.dumps({"企业名称": SECRET_NAME}, ensure_ascii=False)}
    assert Clearance("sensitive", grades=GRADES).fact("SourceRecord", record)["payload"] == masked("secret")
    assert SECRET_NAME in Clearance("secret", grades=GRADES).fact("SourceRecord", record)["payload"]


def test_a_relationship_above_clearance_keeps_its_rid():
    rel = {"_type": "SHAREHOLDER_OF", "rid": "r-1", "ratio": 0.37, "_from": ("Enterprise", E), "_to": ("Enterprise", D)}
    reader = Clearance("internal", grades=GRADES).knowing(UNDESCRIBED)
    shown = reader.fact("SHAREHOLDER_OF", {**rel, "dataset": "court_sealed_cases"})
    assert (shown["rid"], shown["ratio"]) == ("r-1", masked("secret"))
    assert reader.fact("SHAREHOLDER_OF", {**rel, "dataset": "amr_enterprise_register"})["ratio"] == 0.37


def test_the_grade_recorded_at_load_raises_a_specs_grade(graded_uri):
    from crossaudit.engine.access import dataset_grades

    with open_store(graded_uri) as store:
        grades = dataset_grades(store, {"court_sealed_cases": "internal", "tax_filings": "sensitive"})
    assert (grades["court_sealed_cases"], grades["tax_filings"]) == ("secret", "sensitive")
    assert re.fullmatch(r"［已屏蔽：\w+］", masked("secret"))


def test_stats_count_an_industry_from_a_graded_source_under_the_marker(cli):
    texts = {user: cli(user, "stats", "--format", "json") for user in ("wang", "admin")}
    assert "采矿" in json.loads(texts["admin"])["by_industry"]
    by_industry = json.loads(texts["wang"])["by_industry"]
    assert "采矿" not in by_industry and by_industry[masked("secret")]["findings"] == 1


@pytest.mark.parametrize("folder", ["", "longxi"])
def test_reads_grade_facts_by_the_specs_as_a_load_reads_them(folder):
    """`explore` and the other reads take the specs' grades and fills without validating the specs
    (loaders.fills: no Arrow, no pandas); a load validates them and records the same."""
    from crossaudit.loaders.fills import SHIPPED_SPECS, read_grades_and_fills
    from crossaudit.loaders.spec import load_specs

    specs = load_specs(SHIPPED_SPECS / folder)
    assert len(specs) > 20
    assert read_grades_and_fills(SHIPPED_SPECS / folder) == ({spec.dataset: spec.grade for spec in specs},
                                                             {spec.dataset: spec.fills() for spec in specs})


def test_an_interest_group_is_graded_by_the_sources_it_derives_from():
    """An enterprise only the (internal) register describes: its interest group comes from control
    and kinship links and household numbers, which sensitive sources (marriages, households) fill."""
    from crossaudit.cli.common import shipped_grades_and_fills

    grades, fills = shipped_grades_and_fills()
    fills = {dataset: {name: frozenset(props) for name, props in by_name.items()} for dataset, by_name in fills.items()}
    reader = Clearance("internal", grades=grades, fills=fills)
    reader = reader.knowing({("Enterprise", E): ["amr_enterprise_register"]})
    shown = reader.fact("Enterprise", {"uid": E, "name": PUBLIC_NAME, "interest_group": "G-1",
                                       "dataset": "amr_enterprise_register"})
    assert (shown["name"], shown["interest_group"]) == (PUBLIC_NAME, masked("sensitive"))
