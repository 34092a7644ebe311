"""Loaders: field parsing, readers, row checks, quarantine and load runs on both engines."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import SCHEMA, RunStamp, open_store
from crossaudit.loaders import load_sources, list_quarantine, load_specs
from crossaudit.loaders.fields import (
    FieldProblem, FieldSpec, enterprise_name_norm, legal_form, parse_column, parse_value, simplified,
)
from crossaudit.loaders.load import FactBuffer, load_file
from crossaudit.loaders.readers import detect_encoding, open_table
from crossaudit.loaders.spec import SpecError, load_spec
from crossaudit.loaders.transform import party_label, payloads

CODE_A = "91640104123456788J"  # valid credit codes (GB 32100-2015)
CODE_B = "916401058765432106"
ID_ZHANG = "640104198001010013"  # valid ID numbers (GB 11643-1999)
ID_LI = "640104198203040026"


# --- fields -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["2016-08-30", "2016/8/30", "20160830", "2016年8月30日", dt.datetime(2016, 8, 30)])
def test_dates_in_every_department_style(raw):
    assert parse_value(FieldSpec("d", "date"), raw) == dt.date(2016, 8, 30)


def test_impossible_and_malformed_dates_say_which():
    with pytest.raises(FieldProblem, match="impossible date '2019年2月30日'"):
        parse_value(FieldSpec("d", "date"), "2019年2月30日")
    with pytest.raises(FieldProblem, match="not a date"):
        parse_value(FieldSpec("d", "date"), "soon")


def test_amounts_in_yuan_and_wan_yuan():
    assert parse_value(FieldSpec("a", "amount", unit="万元"), "1.5") == 15000.0
    assert parse_value(FieldSpec("a", "amount"), "１,２３４.５０") == 1234.5  # full-width digits
    with pytest.raises(FieldProblem, match="negative amount"):
        parse_value(FieldSpec("a", "amount"), "-3")
    assert parse_value(FieldSpec("a", "amount", allow_negative=True), "-3") == -3.0


def test_identifiers_are_checked_and_normalised():
    assert parse_value(FieldSpec("c", "credit_code"), " ９１６４０１０４１２３４５６７８８ｊ ") == CODE_A
    with pytest.raises(FieldProblem, match="check character"):
        parse_value(FieldSpec("c", "credit_code"), CODE_A[:-1] + "K")
    assert parse_value(FieldSpec("i", "id_number"), ID_ZHANG) == ID_ZHANG
    with pytest.raises(FieldProblem):
        parse_value(FieldSpec("i", "id_number"), ID_ZHANG[:-1] + "9")
    assert parse_value(FieldSpec("p", "party_code"), ID_LI) == ID_LI
    assert parse_value(FieldSpec("p", "party_code"), CODE_B) == CODE_B


def test_booleans_codes_and_required_values():
    assert parse_value(FieldSpec("b", "bool"), "是") is True and parse_value(FieldSpec("b", "bool"), "否") is False
    status = FieldSpec("s", "code", codes={"存续": "operating"})
    assert parse_value(status, "存续") == "operating"
    with pytest.raises(FieldProblem, match="not in the code table"):
        parse_value(status, "歇业")
    with pytest.raises(FieldProblem, match="required value is missing"):
        parse_value(FieldSpec("n", "text", required=True), "  ")
    assert parse_value(FieldSpec("n", "text"), "") is None


def test_names_are_simplified_and_legal_forms_unified_beside_the_original():
    assert parse_value(FieldSpec("n", "enterprise_name"), "寧夏華興科技有限責任公司") == "宁夏华兴科技有限责任公司"
    assert enterprise_name_norm("寧夏華興科技有限責任公司") == "宁夏华兴科技有限公司"
    assert enterprise_name_norm("宁夏华兴科技股份公司") == "宁夏华兴科技股份有限公司"
    assert legal_form("宁夏华兴科技有限责任公司") == "有限公司" and legal_form("华兴商店") is None
    assert parse_value(FieldSpec("n", "text"), "ＡＢＣ　公司\t ") == "ABC 公司"



@pytest.mark.parametrize("text", ["宁夏华兴科技", "寧夏華興", "深沈", "乾燥", "有序", "沈阳市", "慰藉", "a-1 号"])
def test_simplified_is_opencc_t2s_whether_or_not_the_text_needs_it(text):
    import opencc

    # 深沈 → 深沉 is a phrase: 沈 alone stays (a surname), so the phrase's own entry must send it to opencc
    assert simplified(text) == opencc.OpenCC("t2s").convert(text)

def test_a_column_is_parsed_once_per_distinct_text_with_its_failures_by_row():
    values, failures = parse_column(FieldSpec("a", "amount", unit="万元"), ["1.5", "x", None, "1.5", "-2"])
    assert values.to_pylist() == [15000.0, None, None, 15000.0, None]
    assert failures == [(1, "not a number: 'x'"), (4, "negative amount '-2'")]
    dates, _ = parse_column(FieldSpec("d", "date"), [dt.datetime(2016, 8, 30), "2016年8月30日"])  # a workbook's cells
    assert dates.to_pylist() == [dt.date(2016, 8, 30)] * 2


def test_payload_is_the_row_as_json_keyed_by_header():
    rows = [["宁夏甲公司", 'a "quoted"\nline', "12.5"], ["乙", "", dt.datetime(2020, 5, 6)]]
    assert payloads(["名称", "备注", "金额"], rows).to_pylist() == [
        '{"名称": "宁夏甲公司", "备注": "a \\"quoted\\"\\nline", "金额": "12.5"}',
        '{"名称": "乙", "备注": "", "金额": "2020-05-06T00:00:00"}']


# --- readers ------------------------------------------------------------------------------

def write(path: Path, text: str, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("encoding,expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                               ("gbk", "gb18030"), ("gb18030", "gb18030")])
def test_csv_in_every_encoding(tmp_path, encoding, expected):
    path = write(tmp_path / "t.csv", '名称,备注\n宁夏甲公司,"第一行\n第二行"\n"乙, 公司",x\n', encoding)
    assert detect_encoding(path) == expected
    with open_table(path) as table:
        assert table.headers == ["名称", "备注"]
        assert list(table.rows()) == [(1, ["宁夏甲公司", "第一行\n第二行"]), (2, ["乙, 公司", "x"])]


def test_xlsx_rows_stream_with_native_values(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["证号", "日期", "金额"])
    sheet.append(["A1", dt.datetime(2020, 5, 6), 12.5])
    workbook.save(tmp_path / "t.xlsx")
    with open_table(tmp_path / "t.xlsx", format="xlsx") as table:
        assert table.headers == ["证号", "日期", "金额"]
        assert list(table.rows()) == [(1, ["A1", dt.datetime(2020, 5, 6), 12.5])]


# --- a tiny department and its spec -------------------------------------------------------

SPEC = """\
department: amr
department_name: 市场监督管理厅
dataset: amr_register
files: amr/企业*.csv
format: csv
grade: internal
columns:
  统一社会信用代码: {field: credit_code, type: credit_code, required: true}
  企业名称: {field: name, type: enterprise_name, required: true}
  法定代表人: {field: rep_name, type: name}
  法定代表人证件号码: {field: rep_id, type: id_number, on_invalid: "null"}
  注册资本(万元): {field: capital, type: amount, unit: 万元}
  成立日期: {field: established_on, type: date}
nodes:
  - {role: company, label: Enterprise, id: credit_code,
     props: {credit_code: credit_code, name: name, registered_capital: capital, established_on: established_on}}
  - {role: rep, label: Person, id: rep_id, props: {id_number: rep_id, name: rep_name}}
relationships:
  - {type: LEGAL_REP_OF, from: rep, to: company}
"""
HEADER = "统一社会信用代码,企业名称,法定代表人,法定代表人证件号码,注册资本(万元),成立日期\n"
ROWS = [
    f"{CODE_A},宁夏甲科技有限责任公司,张三,{ID_ZHANG},50,2015年3月1日\n",  # 1 loaded
    f"{CODE_B},宁夏乙商贸有限公司,李四,{ID_LI[:-1]}9,10,2016/1/2\n",  # 2 loaded; bad ID dropped
    f"{CODE_A[:-1]}K,宁夏丙有限公司,王五,,5,2017-01-01\n",  # 3 quarantined: check character
    f"{CODE_B},宁夏乙商贸有限公司,李四,{ID_LI[:-1]}9,10,2016/1/2\n",  # 4 exact duplicate of 2
    "916401000000000000,宁夏丁有限公司,赵六,,-5,2019年2月30日\n",  # 5 quarantined: three problems
    f"{CODE_B},宁夏乙商贸有限公司,李四,{ID_LI},10,2016/1/2,extra\n",  # 6 quarantined: too many fields
]


@pytest.fixture
def department(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "amr_register.yaml").write_text(SPEC, encoding="utf-8")
    data = tmp_path / "region"
    (data / "amr").mkdir(parents=True)
    write(data / "amr" / "企业登记.csv", HEADER + "".join(ROWS), "gbk")
    (data / "amr" / "readme.txt").write_text("not data", encoding="utf-8")
    return data, specs


def test_every_row_is_loaded_quarantined_or_counted_duplicate(store, department):
    data, specs = department
    report = load_sources(data, store, specs)
    (source,) = report.sources
    assert (source.read, source.loaded, source.quarantined, source.duplicates) == (6, 2, 3, 1)
    assert source.notes == 1 and source.encoding == "gb18030" and source.error is None
    assert report.unmatched == ["amr/readme.txt"]
    counts = store.counts()
    assert counts["nodes"]["Enterprise"] == 2 and counts["nodes"]["SourceRecord"] == 2
    # 李四's ID number is invalid: he is kept as a person of his own record, for resolution to link.
    assert counts["nodes"]["Person"] == 2 and counts["relationships"]["LEGAL_REP_OF"] == 2
    assert counts["relationships"]["DESCRIBES"] == 4
    methods = store.query("MATCH (:SourceRecord)-[d:DESCRIBES]->(p:Person) RETURN p.uid AS uid, d.method AS method "
                          "ORDER BY uid")
    assert methods == [{"uid": ID_ZHANG, "method": "exact"},
                       {"uid": "record:amr_register:amr/企业登记.csv:2:rep", "method": "record"}]


def test_quarantine_keeps_file_row_column_raw_value_and_reason(store, department):
    data, specs = department
    load_sources(data, store, specs)
    entries = [(q["row"], q["column"], q["raw_value"], q["reason"]) for q in list_quarantine(store)]
    assert entries[0][:3] == (3, "统一社会信用代码", CODE_A[:-1] + "K") and "check character" in entries[0][3]
    assert [e[:2] for e in entries] == [(3, "统一社会信用代码"), (5, "成立日期"), (5, "注册资本(万元)"),
                                        (5, "统一社会信用代码"), (6, None)]
    assert entries[1][3] == "impossible date '2019年2月30日'" and entries[2][3] == "negative amount '-5'"
    assert entries[4][3] == "too many fields: 7, the header has 6"
    assert all(q["file"] == "amr/企业登记.csv" and q["dataset"] == "amr_register" for q in list_quarantine(store))


def test_facts_carry_provenance_and_the_row_as_delivered(store, department):
    data, specs = department
    load_sources(data, store, specs)
    row = store.query("MATCH (r:SourceRecord)-[d:DESCRIBES]->(e:Enterprise {uid: $code}) "
                      "RETURN r.payload AS payload, r.grade AS grade, d.method AS method, e AS e", {"code": CODE_A})[0]
    assert json.loads(row["payload"])["成立日期"] == "2015年3月1日" and row["grade"] == "internal"
    assert row["method"] == "exact"
    company = row["e"]
    assert (company["department"], company["dataset"], company["source_file"], company["source_row"]) == \
        ("amr", "amr_register", "amr/企业登记.csv", 1)
    assert company["name"] == "宁夏甲科技有限责任公司" and company["name_norm"] == "宁夏甲科技有限公司"
    assert company["registered_capital"] == 500000.0 and company["established_on"] == dt.date(2015, 3, 1)


def test_loading_twice_changes_nothing_but_last_seen_and_the_run_record(store, department):
    data, specs = department
    load_sources(data, store, specs)
    first = store.counts()
    seen = store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.first_seen AS f, e.last_seen AS l ORDER BY uid")
    load_sources(data, store, specs)
    second = store.counts()
    for kind in ("nodes", "relationships"):
        for name, count in first[kind].items():
            if name not in ("LoadRun", "FileLoad", "INCLUDED"):
                assert second[kind][name] == count, name
    assert second["nodes"]["LoadRun"] == 2 and second["nodes"]["FileLoad"] == 2
    again = store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.first_seen AS f, e.last_seen AS l ORDER BY uid")
    assert [(r["uid"], r["f"]) for r in again] == [(r["uid"], r["f"]) for r in seen]
    assert all(b["l"] > a["l"] for a, b in zip(seen, again))


def test_a_broken_file_is_reported_and_the_run_goes_on(store, department, tmp_path):
    data, specs = department
    (data / "amr" / "企业登记_损坏.csv").write_bytes(b"")  # empty: no header at all
    report = load_sources(data, store, specs)
    broken = [s for s in report.sources if s.error]
    assert len(broken) == 1 and "no header row" in broken[0].error
    assert sum(s.loaded for s in report.sources) == 2


def test_undecodable_bytes_quarantine_the_row_not_the_file(store, department):
    data, specs = department
    path = data / "amr" / "企业登记.csv"
    path.write_bytes(path.read_bytes() + f"{CODE_A},宁夏".encode("gbk") + b"\x81\x20" + ",x,,1,2020-01-01\n".encode())
    report = load_sources(data, store, specs)
    (source,) = report.sources
    assert (source.read, source.loaded, source.quarantined) == (7, 2, 4)
    reasons = [q["reason"] for q in list_quarantine(store) if q["row"] == 7]
    assert reasons == ["undecodable bytes in the declared encoding"]


def test_load_and_quarantine_commands(store_uri, department, tmp_path):
    data, specs = department
    runner = CliRunner()
    result = runner.invoke(main_group, ["--store", store_uri, "load", str(data), "--specs", str(specs),
                                        "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(s["file"], s["read"], s["loaded"], s["quarantined"], s["duplicates"]) for s in report["sources"]] == \
        [("amr/企业登记.csv", 6, 2, 3, 1)]
    listed = runner.invoke(main_group, ["--store", store_uri, "quarantine", "list", "--source", "amr_register",
                                        "--format", "json"])
    assert len(json.loads(listed.stdout)) == 5
    out = tmp_path / "back.csv"
    exported = runner.invoke(main_group, ["--store", store_uri, "quarantine", "export", "-o", str(out)])
    assert exported.exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "department,dataset,file,row,column,raw_value,reason" and len(lines) == 6


def _graph(store) -> list:
    """Every node and relationship with its properties, sorted."""
    out = []
    for node in SCHEMA.nodes:
        out += [repr(sorted(r["n"].items())) for r in store.query(f"MATCH (n:{node.label}) RETURN n")]
    for rel in SCHEMA.rels:
        for a, b in rel.pairs:
            out += [repr(sorted(r["r"].items())) for r in store.query(f"MATCH (:{a})-[r:{rel.type}]->(:{b}) RETURN r")]
    return sorted(out)


def test_writing_every_chunk_at_once_or_apart_gives_the_same_graph(store, department):
    data, specs = department
    path = data / "amr" / "企业登记.csv"
    # Row 7 names company A again, renamed and without its capital, three chunks after row 1.
    path.write_bytes(path.read_bytes() + f"{CODE_A},宁夏甲科技股份公司,张三,{ID_ZHANG},,\n".encode("gbk"))
    spec, run, graphs = load_specs(specs)[0], RunStamp("run-1", dt.datetime(2026, 1, 5)), []
    for flush_rows in (1_000_000, 1):
        store.clear()
        with FactBuffer(store, run, flush_rows) as buffer:
            report = load_file(store, path, "amr/企业登记.csv", spec, run, chunk_rows=2, buffer=buffer)
        graphs.append(_graph(store))
    assert (report.read, report.loaded) == (7, 3)
    assert graphs[0] == graphs[1]
    company = store.query("MATCH (e:Enterprise {uid: $code}) RETURN e", {"code": CODE_A})[0]["e"]
    # Provenance from the row that created it; the other properties as the last row gives them.
    assert (company["source_row"], company["name"], company["registered_capital"]) == (1, "宁夏甲科技股份公司", 500000.0)


# --- a department's own number keys an employer named without its credit code ----------------

SI_SPEC = """\
department: hrss
dataset: si
files: hrss/*.csv
format: csv
grade: sensitive
columns:
  单位编号: {field: employer_no, derive: {employer_region: [2, 8]}}
  单位名称: {field: employer_name, type: enterprise_name, required: true}
  统一社会信用代码: {field: employer_code, type: credit_code, on_invalid: "null"}
  姓名: {field: employee_name, type: name, required: true}
nodes:
  - {role: employer, label: Enterprise, id: [employer_code, employer_no],
     props: {credit_code: employer_code, name: employer_name, region_code: employer_region, si_no: employer_no}}
  - {role: employee, label: Person, id: employee_name, props: {name: employee_name}}
relationships:
  - {type: EMPLOYS, from: employer, to: employee}
"""


def _si_department(tmp_path: Path, rows: str) -> Path:
    """The SI spec in tmp_path/specs and its file (header and `rows`) in tmp_path/region/hrss."""
    specs, data = tmp_path / "specs", tmp_path / "region" / "hrss"
    specs.mkdir()
    data.mkdir(parents=True)
    (specs / "si.yaml").write_text(SI_SPEC, encoding="utf-8")
    (data / "缴费.csv").write_text("单位编号,单位名称,统一社会信用代码,姓名\n" + rows, encoding="utf-8")
    return specs


def test_a_local_number_keys_an_employer_without_its_code_and_yields_its_county(store, tmp_path):
    specs = _si_department(
        tmp_path,
        f"SB640104A1,宁夏甲科技有限公司,{CODE_A},张三\n"
        "SB640104B2,宁夏乙商贸有限公司,,李四\n"  # same name, two counties: two employers, not one
        "SB640521C3,宁夏乙商贸有限公司,,王五\n"
        "SB640521C3,宁夏乙商贸有限公司,,赵六\n"  # the same employer again
        "SB64,宁夏丙有限公司,,钱七\n")  # too short for a county
    report = load_sources(tmp_path / "region", store, specs)
    assert report.totals()["loaded"] == 5
    rows = store.query("MATCH (e:Enterprise) RETURN e.uid AS uid, e.region_code AS region ORDER BY uid")
    assert rows == [{"uid": CODE_A, "region": "640104"},
                    {"uid": "record:si:SB64", "region": None},
                    {"uid": "record:si:SB640104B2", "region": "640104"},
                    {"uid": "record:si:SB640521C3", "region": "640521"}]
    methods = store.query("MATCH (:SourceRecord)-[d:DESCRIBES]->(e:Enterprise) RETURN DISTINCT e.uid AS uid, "
                          "d.method AS method ORDER BY uid")
    assert [m["method"] for m in methods] == ["exact", "record", "record", "record"]


POWER_SPEC = """\
department: power
dataset: power
files: power/*.csv
format: csv
grade: internal
columns:
  户号: {field: account_no, required: true}
  户名: {field: name, type: enterprise_name, required: true}
  统一社会信用代码: {field: credit_code, type: credit_code, on_invalid: "null"}
  用电地址: {field: address, type: address}
  电量年月: {field: period, type: month, required: true}
nodes:
  - {role: usage, label: UtilityUsage, id: [account_no, period], props: {account_no: account_no, period: period}}
  - {role: customer, label: Enterprise, id: credit_code, props: {credit_code: credit_code, name: name}}
  - {role: address, label: Address, id: address}
relationships:
  - {type: USED, from: customer, to: usage}
  - {type: LOCATED_AT, from: customer, to: address}
"""


def test_a_firm_named_without_its_code_is_keyed_by_its_name_where_its_row_places_it(store, tmp_path):
    """Namesakes (a name is unique only within its registration authority's area, and departments
    drop the legal form's 责任) keep their code-less rows apart until resolution, by address, else
    county; a row placing the firm nowhere keys the name alone."""
    specs, data = tmp_path / "specs", tmp_path / "region" / "power"
    specs.mkdir()
    data.mkdir(parents=True)
    (specs / "power.yaml").write_text(POWER_SPEC, encoding="utf-8")
    (data / "用电.csv").write_text(
        "户号,户名,统一社会信用代码,用电地址,电量年月\n"
        "A1,宁夏驼峰物流有限责任公司,,宁夏回族自治区银川市兴庆区开元大道28号703室,2023-03\n"
        "A1,宁夏驼峰物流有限公司,,银川市兴庆区开元大道28号703室,2023-04\n"  # the same firm, written two ways
        "B2,宁夏驼峰物流有限公司,,宁夏回族自治区固原市彭阳县长城中路66号708室,2023-03\n"
        "D4,宁夏驼峰物流有限公司,,宁夏回族自治区固原市彭阳县长城中路９号,2023-03\n"  # a namesake of the county
        "C3,宁夏驼峰物流有限公司,,,2023-03\n"
        "E5,宁夏驼峰物流有限公司,,宁夏回族自治区固原市文化路,2023-03\n", encoding="utf-8")  # a city, no county
    assert load_sources(tmp_path / "region", store, specs).totals()["loaded"] == 6
    rows = store.query("MATCH (e:Enterprise)-[:USED]->(u:UtilityUsage) "
                       "RETURN e.uid AS uid, count(u) AS months ORDER BY uid")
    assert rows == [{"uid": "name:宁夏驼峰物流有限公司", "months": 1},
                    {"uid": "name:宁夏驼峰物流有限公司@640104|开元大道28号703室", "months": 2},
                    {"uid": "name:宁夏驼峰物流有限公司@6404", "months": 1},
                    {"uid": "name:宁夏驼峰物流有限公司@640425|长城中路66号708室", "months": 1},
                    {"uid": "name:宁夏驼峰物流有限公司@640425|长城中路9号", "months": 1}]


def test_a_derived_field_must_be_a_start_and_an_end(tmp_path):
    path = tmp_path / "si.yaml"
    path.write_text(SI_SPEC.replace("[2, 8]", "[8, 2]"), encoding="utf-8")
    with pytest.raises(SpecError, match=r"si\.yaml line 7: derive 'employer_region' of column '单位编号'"):
        load_spec(path)


@pytest.mark.parametrize("code,name,label", [
    ("640104198001010013", "张三", "Person"),  # a valid ID number
    (CODE_A, "宁夏甲科技有限公司", "Enterprise"),
    (None, "宁夏甲科技有限公司", "Enterprise"),
    (None, "张三", "Person"),
])
def test_a_party_is_an_enterprise_or_a_person(code, name, label):
    assert party_label(code, name) == label


def test_an_id_number_that_also_passes_the_credit_code_check_names_a_person():
    from crossaudit.loaders import identifiers

    both = next(code for code in (f"6401041980{m:02d}{d:02d}{s:03d}{c}" for m in range(1, 13) for d in range(1, 29)
                                  for s in range(100, 130) for c in "0123456789X")
                if identifiers.id_number_problem(code) is None and identifiers.credit_code_problem(code) is None)
    assert party_label(both, "张三") == "Person"
    assert party_label(both, "宁夏甲科技有限公司") == "Enterprise"


def test_a_load_records_what_the_ledger_scores_and_the_ledger_reads_it(store_uri, department):
    data, specs = department
    runner = CliRunner()
    result = runner.invoke(main_group, ["--store", store_uri, "load", str(data), "--specs", str(specs),
                                        "--delivered-on", "2026-03-12", "--format", "json"])
    assert result.exit_code == 0, result.output
    with open_store(store_uri) as store:
        (file_load,) = [r["f"] for r in store.query("MATCH (f:FileLoad) RETURN f")]
    # Hand count over the 4 rows of the right shape (row 4 is a duplicate, row 6 has 7 fields):
    # credit codes on rows 1, 2, 3, 5, of which 3 and 5 fail; ID numbers on rows 1 and 2, 2 fails.
    assert (file_load["id_cells"], file_load["id_invalid"]) == (6, 3)
    assert (file_load["required_cells"], file_load["required_missing"]) == (8, 0)  # two required columns
    assert (file_load["grade"], file_load["schedule"]) == ("internal", "monthly")
    assert file_load["delivered_on"] == dt.date(2026, 3, 12)
    shown = runner.invoke(main_group, ["--store", store_uri, "ledger", "--period", "2026-03", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    (row,) = json.loads(shown.stdout)
    assert (row["department"], row["rows_delivered"], row["on_time"]) == ("amr", 6, 0)  # due by the 10th
    assert row["id_validity"] == 0.5 and row["completeness"] == 1.0
    assert row["quarantine_rate"] == 0.5 and round(row["duplicate_rate"], 4) == round(1 / 6, 4)


def test_a_reload_links_a_merged_mention_to_its_entity_not_a_new_node(store, department):
    from crossaudit.engine.merge import merge_entities

    data, specs = department
    load_sources(data, store, specs)
    mention = "record:amr_register:amr/企业登记.csv:2:rep"  # 李四, whose ID number is invalid
    run = RunStamp("resolve-1", dt.datetime(2026, 1, 6))
    store.upsert_nodes("Person", [{"uid": ID_LI, "id_number": ID_LI, "name": "李四"}], run)
    merge_entities(store, "Person", {mention: ID_LI}, run, matches={mention: {"method": "judgement", "score": 0.97}})
    before = store.counts()
    load_sources(data, store, specs)
    assert store.query("MATCH (p:Person {uid: $uid}) RETURN count(*) AS n", {"uid": mention}) == [{"n": 0}]
    described = store.query("MATCH (s:SourceRecord)-[d:DESCRIBES]->(p:Person {uid: $uid}) "
                            "RETURN s.source_row AS row, d.method AS method, d.score AS score", {"uid": ID_LI})
    assert described == [{"row": 2, "method": "judgement", "score": 0.97}]
    reps = store.query("MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise {uid: $code}) RETURN p.uid AS uid",
                       {"code": CODE_B})
    assert reps == [{"uid": ID_LI}]
    # Nothing else changed: the same nodes and relationships, but the new run's records.
    runs = ("LoadRun", "FileLoad", "INCLUDED")
    counted = lambda c: {k: v for part in c.values() for k, v in part.items() if k not in runs}  # noqa: E731
    assert counted(store.counts()) == counted(before)


def test_resolution_links_a_mention_to_the_employer_its_number_names(store, tmp_path):
    """Two firms of one name in one county: the employer number, given with the credit code on
    other rows, decides which one a row without the code names."""
    from crossaudit.resolve.graph import resolve_store

    specs = _si_department(
        tmp_path,
        f"SB640104A1,宁夏乙商贸有限公司,{CODE_A},张三\n"
        f"SB640104B2,宁夏乙商贸有限公司,{CODE_B},李四\n"
        "SB640104B2,宁夏乙商贸有限公司,,王五\n")
    load_sources(tmp_path / "region", store, specs)
    resolve_store(store)
    employers = store.query("MATCH (e:Enterprise)-[:EMPLOYS]->(p:Person) RETURN p.name AS person, e.uid AS employer "
                            "ORDER BY person")
    assert employers == [{"person": "张三", "employer": CODE_A}, {"person": "李四", "employer": CODE_B},
                         {"person": "王五", "employer": CODE_B}]
    described = store.query("MATCH (s:SourceRecord {source_row: 3})-[d:DESCRIBES]->(e:Enterprise) "
                            "RETURN e.uid AS uid, d.method AS method, d.score AS score")
    assert described == [{"uid": CODE_B, "method": "exact", "score": 1.0}]
