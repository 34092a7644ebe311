"""Spec forms a department export needs, loaded on both engines: row filters (`when`), typed
derives, numbers a store cannot hold, and percent units stated by the spec."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from crossaudit.loaders import list_quarantine, load_sources
from crossaudit.loaders.fields import FieldSpec, parse_column
from crossaudit.loaders.spec import Condition
from crossaudit.loaders.transform import passes


def _department(tmp_path: Path, spec: str, csv: str) -> tuple[Path, Path]:
    """(region folder, specs folder) holding one spec and its one file, d/t.csv."""
    specs, region = tmp_path / "specs", tmp_path / "region"
    specs.mkdir()
    (region / "d").mkdir(parents=True)
    (specs / "t.yaml").write_text(spec, encoding="utf-8")
    (region / "d" / "t.csv").write_text(csv, encoding="utf-8")
    return region, specs


def _counts(report) -> tuple[int, int, int, int]:
    (source,) = report.sources
    assert source.error is None, source.error
    return source.read, source.loaded, source.quarantined, source.duplicates


# --- row filters ---------------------------------------------------------------------------

REGISTER = """\
department: nr
dataset: register
files: d/*.csv
format: csv
grade: sensitive
when: {kind: {not: [注销登记]}}
columns:
  不动产单元号: {field: unit_no, required: true}
  登记类型: {field: kind}
  合同编号: {field: contract_no}
  买受人: {field: buyer, type: name}
nodes:
  - {role: property, label: Property, id: unit_no, props: {unit_no: unit_no}}
  - {role: sale, label: Contract, id: contract_no, when: {kind: 转移登记},
     props: {contract_no: contract_no, kind: "=property_sale"}}
  - {role: buyer, label: Person, id: buyer, props: {name: buyer}}
relationships:
  - {type: CONCERNS, from: sale, to: property}
  - {type: PARTY_TO, from: buyer, to: sale, props: {role: "=buyer"}}
"""


def test_a_filtered_row_is_loaded_but_yields_nothing_where_it_fails(store, tmp_path):
    region, specs = _department(tmp_path, REGISTER, "不动产单元号,登记类型,合同编号,买受人\n"
                                "U1,转移登记,HT1,张三\n"  # a sale: every node and relationship
                                "U2,首次登记,HT2,李四\n"  # no sale: the property and the person only
                                "U3,转移登记,HT3,王五\n"
                                "U4,注销登记,HT4,赵六\n")  # fails the spec's filter: nothing at all
    report = load_sources(region, store, specs)
    assert _counts(report) == (4, 4, 0, 0)
    counts = store.counts()
    assert counts["nodes"]["SourceRecord"] == 4
    assert (counts["nodes"]["Property"], counts["nodes"]["Person"], counts["nodes"]["Contract"]) == (3, 3, 2)
    # The relationships to the sale rows 2 and 4 did not yield are not written.
    assert (counts["relationships"]["CONCERNS"], counts["relationships"]["PARTY_TO"]) == (2, 2)
    assert counts["relationships"]["DESCRIBES"] == 3 + 3 + 2
    sold = store.query("MATCH (p:Person)-[:PARTY_TO]->(c:Contract)-[:CONCERNS]->(u:Property) "
                       "RETURN p.name AS buyer, c.kind AS kind, u.unit_no AS unit ORDER BY unit")
    assert sold == [{"buyer": "张三", "kind": "property_sale", "unit": "U1"},
                    {"buyer": "王五", "kind": "property_sale", "unit": "U3"}]


def test_a_filter_holds_where_a_value_is_one_of_none_of_given_or_blank():
    fields = {"kind": pa.array(["转移登记", "变更登记", None, "首次登记"]), "price": pa.array([1.5, None, 2.0, 100.0])}
    mask = lambda *conditions: passes(conditions, fields, 4).to_pylist()  # noqa: E731
    assert mask() == [True] * 4
    assert mask(Condition("kind", "one_of", ("转移登记", "变更登记"))) == [True, True, False, False]
    assert mask(Condition("kind", "none_of", ("转移登记", "变更登记"))) == [False, False, True, True]  # a blank passes
    assert mask(Condition("price", "given")) == [True, False, True, True]
    assert mask(Condition("price", "blank")) == [False, True, False, False]
    assert mask(Condition("price", "one_of", ("100", "1.5"))) == [True, False, False, True]  # numbers as text
    assert mask(Condition("kind", "none_of", ("变更登记",)), Condition("price", "given")) == [True, False, True, True]


# --- typed derives -------------------------------------------------------------------------

PERMITS = """\
department: env
dataset: permits
files: d/*.csv
format: csv
grade: internal
columns:
  许可证编号: {field: permit_no, required: true}
  有效期限: {field: validity, derive: {
      valid_from:  {split: "-", part: 0, type: date, formats: ["%Y.%m.%d"]},
      valid_until: {split: "-", part: 1, type: date, formats: ["%Y.%m.%d"]}}}
nodes:
  - {role: permit, label: Permit, id: permit_no, props: {valid_from: valid_from, valid_until: valid_until}}
"""


def test_a_validity_range_in_one_cell_becomes_two_dates(store, tmp_path):
    region, specs = _department(tmp_path, PERMITS, "许可证编号,有效期限\n"
                                "P1,2021.03.15-2026.03.14\n"
                                "P2,2022.01.09-2027.02.30\n")  # no 30 February: quarantined, its piece named
    assert _counts(load_sources(region, store, specs)) == (2, 1, 1, 0)
    permits = store.query("MATCH (p:Permit) RETURN p.valid_from AS valid_from, p.valid_until AS valid_until")
    assert permits == [{"valid_from": dt.date(2021, 3, 15), "valid_until": dt.date(2026, 3, 14)}]
    (entry,) = list_quarantine(store)
    assert (entry["row"], entry["column"], entry["raw_value"], entry["reason"]) == \
        (2, "有效期限→valid_until", "2027.02.30", "impossible date '2027.02.30'")


# --- numbers a store cannot hold -----------------------------------------------------------

FILINGS = """\
department: tax
dataset: vehicle_tax
files: d/*.csv
format: csv
grade: sensitive
columns:
  申报序号: {field: filing_id, required: true}
  车辆数: {field: vehicles, type: integer}
  税额(元): {field: tax_paid, type: amount}
nodes:
  - {role: filing, label: TaxFiling, id: filing_id, props: {headcount: vehicles, tax_paid: tax_paid}}
"""


def test_a_number_out_of_range_or_not_finite_is_quarantined_and_the_rest_loads(store, tmp_path):
    region, specs = _department(tmp_path, FILINGS, "申报序号,车辆数,税额(元)\n"
                                "F1,3,450.00\n"
                                "F2,1e300,10\n"
                                "F3,NaN,10\n"
                                "F4,5,inf\n"
                                "F5,5,1e300\n"
                                "F6,7,-Infinity\n"
                                "F7,2,300\n")
    assert _counts(load_sources(region, store, specs)) == (7, 2, 5, 0)
    loaded = store.query("MATCH (f:TaxFiling) RETURN f.filing_id AS id, f.headcount AS n, f.tax_paid AS tax "
                         "ORDER BY id")
    assert loaded == [{"id": "F1", "n": 3, "tax": 450.0}, {"id": "F7", "n": 2, "tax": 300.0}]
    assert [(q["row"], q["column"], q["reason"]) for q in list_quarantine(store)] == [
        (2, "车辆数", "whole number out of range: '1e300' is beyond ±9,223,372,036,854,775,807"),
        (3, "车辆数", "not a finite number: 'NaN'"),
        (4, "税额(元)", "not a finite number: 'inf'"),
        (5, "税额(元)", "amount out of range: '1e300' is beyond ±90,071,992,547,409.91 元"),
        (6, "税额(元)", "not a finite number: '-Infinity'")]


# --- percent units ---------------------------------------------------------------------------

def test_a_percent_is_read_in_the_unit_the_spec_states():
    in_percent, _ = parse_column(FieldSpec("rate", "percent"), ["1.00", "1.00%", "１.００％", "35.5", "0.5"])
    assert in_percent.to_pylist() == [0.01, 0.01, 0.01, 0.355, 0.005]
    as_fraction, _ = parse_column(FieldSpec("rate", "percent", unit="fraction"), ["0.01", "1%", "0.355", "1"])
    assert as_fraction.to_pylist() == [0.01, 0.01, 0.355, 1.0]
