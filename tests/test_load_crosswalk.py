"""Rows that name an enterprise by a department's own number (社保 单位编号) are loaded against the
enterprise the same department's register gives that number (`loaders.crosswalk`), as resolution
would fold them afterwards; a number nothing identifies, or two enterprises carry, stays for
resolution. Files of the longxi dialect's social-insurance agency, its shipped specs."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from crossaudit.engine import RunStamp
from crossaudit.loaders import load_sources
from crossaudit.loaders.identifiers import make_credit_code, make_id_number
from crossaudit.loaders.spec import SHIPPED_SPECS
from crossaudit.resolve.graph import resolve_store
from test_load_readers import _graph

CODE_A, CODE_B = make_credit_code("640104", "30000001"), make_credit_code("640302", "30000002")
CODE_D1, CODE_D2 = make_credit_code("640106", "30000003"), make_credit_code("640106", "30000004")
NO_A, NO_B, NO_C, NO_D, NO_E = "640104000101", "640302000102", "640121000103", "640106000104", "640181000105"
PEOPLE = [make_id_number("640104", dt.date(1980, 1, 1 + k), k + 1, "M") for k in range(5)]

REGISTER = ("单位编号,单位名称,统一社会信用代码,单位类型,参保日期,参保状态,所属行政区\n"
            f"{NO_A},银川甲商贸有限公司,{CODE_A},企业,2012.03.28,正常参保,银川市兴庆区\n"
            f"{NO_B},吴忠乙物流有限公司,{CODE_B},企业,2016.11.26,正常参保,吴忠市利通区\n"
            f"{NO_C},永宁丙农业合作社,,其他,2018.05.02,正常参保,永宁县\n"  # no credit code: nothing identifies NO_C
            f"{NO_D},金凤丁科技有限公司,{CODE_D1},企业,2019.01.10,正常参保,银川市金凤区\n"
            f"{NO_D},金凤戊科技有限公司,{CODE_D2},企业,2019.01.10,正常参保,银川市金凤区\n")  # one number, two firms


def _contributions(numbers: list[str]) -> str:
    rows = "".join(f"{number},{k:010d},张{'一二三四五'[k]},{PEOPLE[k]},110,2023年01月,\"3,978.00\",954.72,2023.02.15\n"
                   for k, number in enumerate(numbers))
    return ("职工养老保险缴费明细（2023年1月-12月）\n"
            "单位编号,个人编号,姓名,公民身份号码,险种,费款所属期,缴费基数,应缴金额,到账日期\n" + rows)


CONTRIBUTIONS = _contributions([NO_A, NO_B, NO_C, NO_D, NO_E])  # NO_E: no register names it


@pytest.fixture
def agency(tmp_path) -> tuple[Path, Path]:
    """The agency's shipped specs (register and contributions) in a folder of their own."""
    specs = tmp_path / "specs"
    specs.mkdir()
    for name in ("rst_employers.yaml", "rst_contributions.yaml"):
        shutil.copy(Path(SHIPPED_SPECS) / "longxi" / name, specs / name)
    return tmp_path, specs


def _write(folder: Path, register: bool = True, contributions: bool = True) -> Path:
    (folder / "rst").mkdir(parents=True)
    if register:
        (folder / "rst" / "参保单位信息.csv").write_text(REGISTER, encoding="gbk")
    if contributions:
        (folder / "rst" / "职工养老保险缴费明细.csv").write_text(CONTRIBUTIONS, encoding="utf-8")
    return folder


def _employers(store) -> dict[str, str]:
    """Employee ID number → the uid of the enterprise that employs them."""
    return {r["person"]: r["firm"] for r in store.query(
        "MATCH (e:Enterprise)-[:EMPLOYS]->(p:Person) RETURN p.uid AS person, e.uid AS firm")}


def test_a_number_the_register_gives_one_enterprise_is_loaded_against_it(store, agency):
    tmp, specs = agency
    report = load_sources(_write(tmp / "data"), store, specs, run=RunStamp("run-1", dt.datetime(2026, 12, 5, 9)))
    assert [(s.file, s.loaded, s.quarantined) for s in report.sources] == [
        ("rst/参保单位信息.csv", 5, 0), ("rst/职工养老保险缴费明细.csv", 5, 0)]
    assert _employers(store) == {
        PEOPLE[0]: CODE_A, PEOPLE[1]: CODE_B,
        PEOPLE[2]: f"record:rst_contributions:{NO_C}",  # the register's own row of NO_C is provisional
        PEOPLE[3]: f"record:rst_contributions:{NO_D}",  # two firms carry NO_D: which one, resolution cannot tell either
        PEOPLE[4]: f"record:rst_contributions:{NO_E}"}
    provisional = {r["uid"] for r in store.query(
        "MATCH (e:Enterprise) WHERE e.uid STARTS WITH 'record:' RETURN e.uid AS uid")}
    assert provisional == {f"record:rst_employers:{NO_C}", *(f"record:rst_contributions:{n}" for n in (NO_C, NO_D, NO_E))}
    described = store.query(
        "MATCH (s:SourceRecord)-[d:DESCRIBES]->(e:Enterprise {uid: $code}) WHERE s.dataset = 'rst_contributions' "
        "RETURN s.record_id AS record, d.method AS method, d.score AS score, d.role AS role", {"code": CODE_A})
    assert described == [{"record": "rst_contributions:rst/职工养老保险缴费明细.csv:1", "method": "exact", "score": 1.0,
                          "role": "employer"}]  # the row's provenance kept, the match as resolution writes it
    firm = store.query("MATCH (e:Enterprise {uid: $code}) RETURN e.name AS name, e.si_no AS si_no", {"code": CODE_A})
    assert firm == [{"name": "银川甲商贸有限公司", "si_no": NO_A}]


def test_files_read_in_processes_are_read_through_the_register_too(store, agency):
    tmp, specs = agency
    data = _write(tmp / "data")
    graphs = []
    for readers in (0, 2):
        store.clear()
        load_sources(data, store, specs, run=RunStamp("run-1", dt.datetime(2026, 12, 5, 9)), readers=readers)
        graphs.append(_graph(store))
    assert graphs[0] == graphs[1]
    assert _employers(store)[PEOPLE[0]] == CODE_A


def test_a_later_delivery_is_read_through_the_register_the_store_holds(store, agency):
    tmp, specs = agency
    load_sources(_write(tmp / "january", contributions=False), store, specs)
    load_sources(_write(tmp / "february", register=False), store, specs)
    employers = _employers(store)
    assert (employers[PEOPLE[0]], employers[PEOPLE[1]]) == (CODE_A, CODE_B)
    assert employers[PEOPLE[3]] == f"record:rst_contributions:{NO_D}"
    assert not store.query("MATCH (e:Enterprise) WHERE e.uid IN $uids RETURN e.uid AS uid",
                           {"uids": [f"record:rst_contributions:{NO_A}", f"record:rst_contributions:{NO_B}"]})


def test_after_resolution_the_order_of_the_deliveries_makes_no_difference(store, agency):
    """Contributions delivered before the register are keyed by the number, and resolution folds
    them into the enterprise: the same facts as the register read first."""
    tmp, specs = agency
    load_sources(_write(tmp / "register-first"), store, specs)
    resolve_store(store)
    first = _employers(store)
    store.clear()
    load_sources(_write(tmp / "contributions-first", register=False), store, specs)
    assert _employers(store)[PEOPLE[0]] == f"record:rst_contributions:{NO_A}"  # nothing names NO_A yet
    load_sources(_write(tmp / "register-later", contributions=False), store, specs)
    resolve_store(store)
    assert _employers(store) == first
    assert (first[PEOPLE[0]], first[PEOPLE[1]]) == (CODE_A, CODE_B)
