"""Each value graded by the sources that supplied it, not by the one a node's provenance names
(#15 item 4). Two loads (A, then B) of five departments' files, through the loader, with specs
of their own (a `--specs` folder: what their rows fill is known from the load's record):

    household_register (police, sensitive): a person's ethnicity, birth date, household number, role
    rental_leases      (housing, internal): a lessee's name
    social_insurance   (hrss, sensitive):   an employer's social insurance number (si_no)
    business_register  (amr, internal):     an enterprise's name, a shareholder and its ratio
    paid_in_capital    (amr, sensitive):    the capital a shareholder paid in (SHAREHOLDER_OF.paid_in)

张三 and 甲实业 (and 张三's shareholding) are written by the sensitive source first, 李四 and 乙商贸
(and 李四's) by the internal one first — a fact's provenance names its first writer, so one order
or the other once showed sensitive values to an internal reader. F-sourced flags all four and its
evidence repeats their values. `low` (internal) sees the names and ratios and the marker for the
rest; `zhao` (sensitive) sees everything; in findings, pages and every export format.
"""
from __future__ import annotations

import datetime as dt
import json

import openpyxl
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.access import DEFAULT_USER, govern, masked
from crossaudit.engine.store import RunStamp
from crossaudit.loaders import load_sources
from crossaudit.loaders.identifiers import make_credit_code, make_id_number
from case_fixture import planted

P1, P2 = make_id_number("640104", dt.date(1980, 3, 1), 11, "M"), make_id_number("640104", dt.date(1982, 7, 9), 22, "F")
E1, E2 = make_credit_code("640104", "MA7H2T9H"), make_credit_code("640104", "MA7H2T8K")
NAMES = {P1: "张三", P2: "李四", E1: "宁夏甲实业有限公司", E2: "宁夏乙商贸有限公司"}
PERSON = {P1: ("回族", "1980-03-01", "HH-640104-0017", "长子"), P2: ("满族", "1982-07-09", "HH-640104-0042", "长女")}
SI_NO = {E1: "SI-6401-0001", E2: "SI-6401-0002"}
PAID_IN = {(P1, E1): 300000.0, (P2, E2): 500000.0}
RATIO = {(P1, E1): 60, (P2, E2): 40}
SENSITIVE = (*(v for values in PERSON.values() for v in values), *SI_NO.values(), "300000", "500000")
INTERNAL = tuple(NAMES.values())
USERS = """users:
  low: {role: investigator, clearance: internal}
  zhao: {role: investigator, clearance: sensitive}
"""

SPECS = {
    "household_register": ("police", "sensitive", "police/户籍*.csv", """
  公民身份号码: {field: id_number, type: id_number, required: true}
  民族: {field: ethnicity}
  出生日期: {field: birth_date, type: date}
  户号: {field: household_no}
  与户主关系: {field: household_role}
nodes:
  - {role: person, label: Person, id: id_number, props: {id_number: id_number, ethnicity: ethnicity,
     birth_date: birth_date, household_no: household_no, household_role: household_role}}"""),
    "rental_leases": ("housing", "internal", "housing/租赁*.csv", """
  备案编号: {field: contract_no, required: true}
  承租人: {field: name, type: name, required: true}
  承租人证件号码: {field: id_number, type: id_number, required: true}
nodes:
  - {role: lease, label: Contract, id: contract_no, props: {contract_no: contract_no, kind: "=lease"}}
  - {role: lessee, label: Person, id: id_number, props: {id_number: id_number, name: name}}
relationships:
  - {type: PARTY_TO, from: lessee, to: lease, props: {role: "=lessee"}}"""),
    "social_insurance": ("hrss", "sensitive", "hrss/社保*.csv", """
  统一社会信用代码: {field: credit_code, type: credit_code, required: true}
  单位编号: {field: si_no, required: true}
nodes:
  - {role: employer, label: Enterprise, id: credit_code, props: {credit_code: credit_code, si_no: si_no}}"""),
    "business_register": ("amr", "internal", "amr/登记*.csv", """
  统一社会信用代码: {field: credit_code, type: credit_code, required: true}
  企业名称: {field: name, type: enterprise_name, required: true}
  股东证件号码: {field: holder, type: id_number, required: true}
  持股比例: {field: ratio, type: percent}
nodes:
  - {role: enterprise, label: Enterprise, id: credit_code, props: {credit_code: credit_code, name: name}}
  - {role: holder, label: Person, id: holder, props: {id_number: holder}}
relationships:
  - {type: SHAREHOLDER_OF, from: holder, to: enterprise, props: {ratio: ratio}}"""),
    "paid_in_capital": ("amr", "sensitive", "amr/实缴*.csv", """
  统一社会信用代码: {field: credit_code, type: credit_code, required: true}
  股东证件号码: {field: holder, type: id_number, required: true}
  实缴出资额: {field: paid_in, type: amount}
nodes:
  - {role: enterprise, label: Enterprise, id: credit_code, props: {credit_code: credit_code}}
  - {role: holder, label: Person, id: holder, props: {id_number: holder}}
relationships:
  - {type: SHAREHOLDER_OF, from: holder, to: enterprise, props: {paid_in: paid_in}}"""),
}


def _rows(dataset: str, person: str, enterprise: str) -> str:
    """The header and one row of `dataset` about the person or enterprise (or both)."""
    return {
        "household_register": "公民身份号码,民族,出生日期,户号,与户主关系\n" + ",".join((person, *PERSON[person])),
        "rental_leases": f"备案编号,承租人,承租人证件号码\nZL-{person[-4:]},{NAMES[person]},{person}",
        "social_insurance": f"统一社会信用代码,单位编号\n{enterprise},{SI_NO[enterprise]}",
        "business_register": f"统一社会信用代码,企业名称,股东证件号码,持股比例\n{enterprise},{NAMES[enterprise]},{person},"
                             f"{RATIO[(person, enterprise)]}",
        "paid_in_capital": f"统一社会信用代码,股东证件号码,实缴出资额\n{enterprise},{person},{PAID_IN[(person, enterprise)]}",
    }[dataset] + "\n"


# The file each load delivers of each dataset, by the person it is about (and their enterprise): load A
# writes P1 and E1 from the sensitive sources and P2 and E2 from the internal ones; load B the other way.
LOADS = {"A": {"household_register": P1, "social_insurance": P1, "paid_in_capital": P1,
               "rental_leases": P2, "business_register": P2},
         "B": {"rental_leases": P1, "business_register": P1,
               "household_register": P2, "social_insurance": P2, "paid_in_capital": P2}}
ENTERPRISE_OF = {P1: E1, P2: E2}


def plant(folder):
    def write(store) -> None:
        specs = folder / "specs"
        specs.mkdir()
        for dataset, (department, grade, files, body) in SPECS.items():
            (specs / f"{dataset}.yaml").write_text(f"department: {department}\ndataset: {dataset}\nfiles: {files}\n"
                                                   f"format: csv\ngrade: {grade}\nschedule: monthly\ncolumns:{body}\n",
                                                   encoding="utf-8")
        for load, files in LOADS.items():
            for dataset, person in files.items():
                path = folder / load / SPECS[dataset][2].replace("*", load)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(_rows(dataset, person, ENTERPRISE_OF[person]), encoding="utf-8")
            report = load_sources(folder / load, store, specs)
            assert report.totals()["loaded"] == len(files), report.totals()
        plant_finding(store)
    return write


def plant_finding(store) -> None:
    run = RunStamp.now("rules-1")
    evidence = {f"holder{i}": {"name": NAMES[p], "ethnicity": PERSON[p][0], "birth_date": PERSON[p][1],
                         "household_no": PERSON[p][2], "household_role": PERSON[p][3], "firm": NAMES[ENTERPRISE_OF[p]],
                         "si_no": SI_NO[ENTERPRISE_OF[p]], "paid_in": PAID_IN[(p, ENTERPRISE_OF[p])]} for i, p in enumerate((P1, P2))}
    store.upsert_nodes("TaxOffice", [{"code": "16401040000", "name": "兴庆区税务局"}], run)
    store.upsert_nodes("Finding", [{
        "finding_id": "F-sourced", "rule_id": "household-shareholders", "rule_version": 1, "pack": "related-party",
        "severity": "high", "title": "同户股东", "office_code": "16401040000", "status": "new",
        "identity": json.dumps({"firm": NAMES[E1], "household_no": PERSON[P1][2]}, ensure_ascii=False),
        "evidence": json.dumps(evidence, ensure_ascii=False)}], run)
    store.upsert_relationships("FLAGS", "Finding", "Person", [{"from": "F-sourced", "to": p, "role": f"holder{i}"}
                                                              for i, p in enumerate((P1, P2))], run)
    store.upsert_relationships("FLAGS", "Finding", "Enterprise", [{"from": "F-sourced", "to": e, "role": f"firm{i}"}
                                                                  for i, e in enumerate((E1, E2))], run)
    store.upsert_relationships("ASSIGNED_TO", "Finding", "TaxOffice", [{"from": "F-sourced", "to": "16401040000"}], run)


@pytest.fixture(scope="module")
def cli(module_store_uri, tmp_path_factory):
    uri = planted(module_store_uri, plant(tmp_path_factory.mktemp("sources")))
    users = tmp_path_factory.mktemp("users") / "users.yaml"
    users.write_text(USERS, encoding="utf-8")
    with open_store(uri) as store:
        govern(store, users, DEFAULT_USER)

    def invoke(user: str, *args: str) -> str:
        result = CliRunner().invoke(main_group, ["--store", uri, "--user", user, *args],
                                    env={"CROSSAUDIT_USERS": str(users), "COLUMNS": "1000"})
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def test_the_provenance_names_one_writer_sensitive_for_p1_internal_for_p2(module_store_uri, cli):
    """The premise: a node's `dataset` names one of its sources (the first to write it), a
    sensitive one for P1 and E1, an internal one for P2 and E2, though each has values of both."""
    with open_store(module_store_uri) as store:
        rows = store.query("UNWIND $ids AS i MATCH (n) WHERE n.uid = i RETURN n.uid AS uid, n.dataset AS dataset",
                           {"ids": [P1, P2, E1, E2]})
    grades = {row["uid"]: SPECS[row["dataset"]][1] for row in rows}
    assert grades == {P1: "sensitive", E1: "sensitive", P2: "internal", E2: "internal"}


def _holds(text: str, value: str) -> bool:
    """As it is, as JSON escapes it (pages embed their data as JSON), or an amount as a caption writes it."""
    return value in text or json.dumps(value)[1:-1] in text or (value.isdigit() and f"{int(value):,}" in text)


def assert_graded_per_value(texts: dict[str, str]) -> None:
    """`low` sees the internal values and not one sensitive value, and the marker; `zhao` sees them all."""
    assert [v for v in SENSITIVE if _holds(texts["low"], v)] == []
    assert [v for v in INTERNAL if not _holds(texts["low"], v)] == []
    assert _holds(texts["low"], masked("sensitive"))
    assert [v for v in SENSITIVE + INTERNAL if not _holds(texts["zhao"], v)] == []
    assert not _holds(texts["zhao"], masked("sensitive"))


def _text(path) -> str:
    if path.suffix == ".xlsx":
        return "\n".join(str(cell) for sheet in openpyxl.load_workbook(path) for row in sheet.iter_rows(values_only=True)
                         for cell in row if cell is not None)
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["json", "graphml", "xlsx", "html"])
def test_every_export_format_grades_each_value_by_its_sources(cli, tmp_path, fmt):
    texts = {}
    for user in ("low", "zhao"):
        cli(user, "export", "F-sourced", "-o", str(tmp_path / f"{user}.{fmt}"))
        texts[user] = _text(tmp_path / f"{user}.{fmt}")
    assert_graded_per_value(texts)


def test_the_json_export_shows_the_internal_writers_values_and_masks_the_rest(cli, tmp_path):
    docs = {}
    for user in ("low", "zhao"):
        cli(user, "export", "F-sourced", "-o", str(tmp_path / f"{user}.json"))
        docs[user] = json.loads((tmp_path / f"{user}.json").read_text(encoding="utf-8"))
    sensitive_props = ("ethnicity", "birth_date", "household_no", "household_role")
    for person in (P1, P2):
        low, zhao = (next(n for n in docs[u]["nodes"] if n["key"].endswith(person[-4:]) and n["type"] == "Person")
                     for u in ("low", "zhao"))
        assert low["properties"]["name"] == NAMES[person]
        assert [low["properties"][p] for p in sensitive_props] == [masked("sensitive")] * 4
        assert [zhao["properties"][p] for p in sensitive_props] == list(PERSON[person])
    for enterprise in (E1, E2):
        low, zhao = (next(n for n in docs[u]["nodes"] if n["key"] == enterprise) for u in ("low", "zhao"))
        assert (low["properties"]["name"], low["properties"]["si_no"]) == (NAMES[enterprise], masked("sensitive"))
        assert zhao["properties"]["si_no"] == SI_NO[enterprise]
    for user, paid_in in (("low", [masked("sensitive")] * 2), ("zhao", [300000.0, 500000.0])):
        holdings = sorted((r["properties"]["ratio"], r["properties"]["paid_in"])
                          for r in docs[user]["relationships"] if r["type"] == "SHAREHOLDER_OF")
        assert holdings == [(0.4, paid_in[1]), (0.6, paid_in[0])]


def test_the_explore_pages_grade_each_value_by_its_sources(cli, tmp_path):
    for args in (("--finding", "F-sourced"), (NAMES[P2], "--depth", "1")):
        texts = {}
        for user in ("low", "zhao"):
            cli(user, "explore", *args, "-o", str(tmp_path / f"{user}.html"))
            texts[user] = _text(tmp_path / f"{user}.html")
        if args[0] == "--finding":
            assert_graded_per_value(texts)
        else:  # 李四's page: his values and his firm's
            assert not [v for v in (*PERSON[P2], SI_NO[E2]) if _holds(texts["low"], v)]
            assert _holds(texts["low"], NAMES[P2]) and _holds(texts["low"], NAMES[E2])
            assert [v for v in (*PERSON[P2], SI_NO[E2]) if not _holds(texts["zhao"], v)] == []


def test_findings_show_grades_the_entities_and_the_evidence_by_their_sources(cli):
    texts = {user: cli(user, "findings", "show", "F-sourced", "--format", "json") for user in ("low", "zhao")}
    assert_graded_per_value(texts)
    evidence = json.loads(texts["low"])["finding"]["evidence"]["holder0"]
    assert evidence == {"name": NAMES[P1], "ethnicity": masked("sensitive"), "birth_date": masked("sensitive"),
                        "household_no": masked("sensitive"), "household_role": masked("sensitive"),
                        "firm": NAMES[E1], "si_no": masked("sensitive"), "paid_in": masked("sensitive")}
    listed = {user: cli(user, "findings", "list", "--format", "json") for user in ("low", "zhao")}
    assert PERSON[P1][2] not in listed["low"] and NAMES[E1] in listed["low"] and PERSON[P1][2] in listed["zhao"]
