"""Malformed input, file by file: each case is a tiny department file with its expected outcome
(issue #15, "Nothing lost in silence"), loaded through the public API into a real store.

An outcome is one of: the file fails with a clear error (naming the file and the reason), rows
are quarantined with a given reason (row, column), the rows load (with a remark or a note where
the reader changed something), or the spec itself is refused (a SpecError naming the spec file
and line). Every file that loads is accounted for: read = loaded + quarantined + duplicates,
and "read" equals an independent count of the file's records — Python's csv module over the raw
bytes (decoded as Latin-1, so the count owes nothing to the loader's encoding detection), or
openpyxl in its full (not read-only) mode over every visible sheet. Where the csv module itself
is fooled (a quote left open swallows the records after it), the count is of physical lines.

The table runs on Ladybug, in one store for the module (each case its own dataset, so its
counts and quarantine are its own): ~70 loads on the embedded engine take seconds, while the
same on Neo4j would dominate CI time. The reader and the checks are the same on both engines —
only the writes differ — so a representative handful (a quote left open, a GBK row, a formula,
merged cells, a non-finite amount) also runs on both engines through the `store` fixture.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import RunStamp, open_store
from crossaudit.engine.store import is_disk_full
from crossaudit.loaders import PartialLoad, SpecError, list_quarantine, load_sources, require_finished_load
from crossaudit.loaders.identifiers import make_id_number
from crossaudit.loaders.readers import MAX_FIELD_CHARS, RAW_KEPT

ID = make_id_number("640104", dt.date(1980, 1, 1), 1, "M")
FIRMS = "甲乙丙丁戊己庚辛壬癸"
HEADER = "名称,日期,金额,证件号,备注"
COLUMNS = {
    "名称": "{field: name, type: enterprise_name, required: true}",
    "日期": "{field: founded, type: date}",
    "金额": "{field: capital, type: amount}",
    "证件号": "{field: rep_id, type: id_number}",
    "备注": "{field: remark}",
}


def spec(format: str = "csv", top: str = "", **columns: str) -> str:
    """The department's spec: enterprises with a founding date, capital and representative.
    `columns` replace a column's options; `top` adds top-level keys (`sheet: 明细`)."""
    declared = "\n".join(f"  {header}: {options}" for header, options in {**COLUMNS, **columns}.items())
    return f"""\
department: t
dataset: DATASET
files: "d/*"
format: {format}
grade: public
{top}columns:
{declared}
nodes:
  - {{role: firm, label: Enterprise, id: name, props: {{name: name, established_on: founded, registered_capital: capital}}}}
  - {{role: rep, label: Person, id: rep_id, props: {{id_number: rep_id}}}}
relationships:
  - {{type: LEGAL_REP_OF, from: rep, to: firm}}
"""


def row(i: int = 0, day: str = "2020-01-02", amount: str = "100", id_number: str = ID, remark: str = "") -> str:
    """One CSV line of firm `i` (宁夏甲有限公司, 宁夏乙有限公司 …; beyond ten, numbered)."""
    name = f"宁夏{FIRMS[i]}有限公司" if i < len(FIRMS) else f"宁夏第{i}号有限公司"
    return f"{name},{day},{amount},{id_number},{remark}\n"


def text(*lines: str, header: str = HEADER) -> bytes:
    return (header + "\n" + "".join(lines)).encode("utf-8")


def good(count: int) -> str:
    return "".join(row(i) for i in range(count))


# --- outcomes ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Loads:
    """Every row loads (or is an exact duplicate); `remark` is a fragment of one of the file's
    remarks, `notes` the values dropped; `values` (row → {property: value}) checked in the store."""
    rows: int
    duplicates: int = 0
    remark: str | None = None
    notes: int = 0
    values: dict[int, dict] = field(default_factory=dict)


@dataclass(frozen=True)
class Quarantines:
    """These problems (row, column or None, reason fragment), in order; `loaded` rows load,
    numbered `loaded_rows` when given."""
    problems: tuple[tuple[int, str | None, str], ...]
    loaded: int
    loaded_rows: tuple[int, ...] | None = None
    raw: str | None = None  # a fragment of the first problem's raw value


@dataclass(frozen=True)
class FileFails:
    """The file is not loaded; its error names the file and holds `reason`."""
    reason: str


@dataclass(frozen=True)
class SpecFails:
    """The spec is refused: a SpecError naming the spec file, `line` and `reason`."""
    reason: str
    line: int


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes | Callable[[Path], None]  # CSV bytes, or a builder writing the workbook
    expect: Loads | Quarantines | FileFails | SpecFails
    spec: str | bytes = field(default_factory=spec)
    by_lines: bool = False  # count records as physical lines (the csv module is fooled too)

    @property
    def file_name(self) -> str:
        return f"{self.name}.{'csv' if isinstance(self.data, bytes) else 'xlsx'}"


# --- workbooks --------------------------------------------------------------------------------

def workbook(*sheets: tuple[str, list[list]], hidden: tuple[str, ...] = (), then=None) -> Callable[[Path], None]:
    """A builder of a workbook of `sheets` (title, rows), `hidden` ones hidden, each sheet
    object passed to `then` (merge cells, write formulas) before saving."""
    def build(path: Path) -> None:
        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets:
            sheet = book.create_sheet(title)
            for values in rows:
                sheet.append(values)
            sheet.sheet_state = "hidden" if title in hidden else "visible"
            if then:
                then(sheet)
        book.save(path)
    return build


def edited(build: Callable[[Path], None], edit: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    """A workbook whose first sheet's XML is changed by `edit` (what Excel, or a broken exporter, writes)."""
    def build_edited(path: Path) -> None:
        build(path)
        with zipfile.ZipFile(path) as archive:
            parts = {name: archive.read(name) for name in archive.namelist()}
        changed = edit(parts["xl/worksheets/sheet1.xml"])
        assert changed != parts["xl/worksheets/sheet1.xml"], "the edit found nothing to change"
        parts["xl/worksheets/sheet1.xml"] = changed
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
    return build_edited


def cells(i: int = 0, day=dt.datetime(2020, 1, 2), amount=100, id_number: str = ID, remark=None) -> list:
    name = f"宁夏{FIRMS[i]}有限公司"
    return [name, day, amount, id_number, remark]


SHEET = [HEADER.split(","), cells(0), cells(1), cells(2)]


def merge_names(sheet) -> None:
    if sheet.title == "明细":
        sheet.merge_cells("A3:A4")  # the name of row 3 (data row 2) spans data row 3 too


def formula(sheet) -> None:
    sheet["C3"] = "=C2*2"  # openpyxl saves no value for it: Excel would on saving


def div_zero(sheet) -> None:
    sheet["C3"] = "#DIV/0!"


def na_remark(sheet) -> None:
    sheet["E2"] = "#N/A"


def title_row(sheet) -> None:
    sheet.insert_rows(1)
    sheet["A1"] = "2023年企业登记信息"
    sheet.merge_cells("A1:E1")


# --- the table --------------------------------------------------------------------------------

LONG = "长" * (MAX_FIELD_CHARS + 10)
INTEGER_HEADER = """\
department: t
dataset: DATASET
files: "d/*"
format: csv
grade: public
columns:
  2023: {field: staff, type: integer}
  名称: {field: name, type: enterprise_name, required: true}
nodes:
  - {role: firm, label: Enterprise, id: name, props: {name: name}}
"""
GBK_ROW = row(1, remark="备注").encode("gbk")

CASES = [
    # CSV structure
    Case("clean", text(good(3)), Loads(3)),
    Case("clean-gbk", text(good(3)).decode().encode("gbk"), Loads(3)),
    Case("clean-bom", b"\xef\xbb\xbf" + text(good(3)), Loads(3)),
    Case("crlf-and-a-field-over-two-lines", text(row(0, remark='"第一行\n第二行"'), row(1)).replace(b"\n", b"\r\n"),
         Loads(2)),
    Case("field-over-two-lines", text(row(0, remark='"第一行\n第二行"'), row(1), row(2, remark='"a,b"')), Loads(3)),
    Case("quote-left-open-mid-file", text(good(2), row(2, remark='"未闭合'), "".join(row(i) for i in range(3, 10))),
         Quarantines(((3, None, "unclosed quote: a quoted field in this row runs into the next line"),), 9,
                     (1, 2, 4, 5, 6, 7, 8, 9, 10), raw="未闭合"), by_lines=True),
    Case("quote-left-open-then-closed-later",  # the csv module alone swallows rows 3-5 into row 2
         text(row(0), row(1, remark='"未闭合'), row(2), row(3), row(4, remark='"有,逗号"'), row(5)),
         Quarantines(((2, None, "unclosed quote"),), 5, (1, 3, 4, 5, 6)), by_lines=True),
    Case("quote-left-open-at-the-end", text(good(3), row(3, remark='"未闭合')),
         Quarantines(((4, None, "runs to the end of the file"),), 3), by_lines=True),
    Case("too-many-fields", text(row(0), row(1, remark="a,b"), row(2)),
         Quarantines(((2, None, "too many fields: 6, the header has 5"),), 2)),
    Case("too-few-fields", text(row(0), "宁夏乙有限公司,2020-01-02\n", row(2)),
         Quarantines(((2, None, "too few fields: 2, the header has 5"),), 2)),
    Case("exact-duplicate-rows", text(row(0), row(1), row(0), row(0)), Loads(2, duplicates=2)),
    Case("blank-lines-carry-no-data", text(row(0), "\n\n", row(1), "\n"), Loads(2)),
    Case("header-only", text(), Loads(0)),
    Case("empty-file", b"", FileFails("no header row")),
    Case("header-repeated", text("宁夏甲有限公司,2020-01-02,100,,,宁夏乙有限公司\n", header=HEADER + ",名称"),
         FileFails("column '名称' appears 2 times in the header, at columns 1 and 6")),
    Case("column-missing", text("宁夏甲有限公司,2020-01-02\n", header="名称,日期"),
         FileFails("column(s) ['金额', '证件号', '备注'] missing")),
    Case("semicolons-read-with-commas", text(good(1)).replace(b",", b";"), FileFails("missing")),
    # encodings
    Case("one-gbk-row-in-utf8", text(row(0)) + GBK_ROW + row(2).encode(),
         Quarantines(((2, "名称", "not valid UTF-8 (GBK?)"), (2, "备注", "not valid UTF-8 (GBK?)")), 2, (1, 3),
                     raw="宁夏乙有限公司")),
    Case("one-gbk-row-after-64-kib", text("".join(row(i) for i in range(10, 1510))) + GBK_ROW,
         Quarantines(((1501, "名称", "not valid UTF-8 (GBK?)"), (1501, "备注", "not valid UTF-8 (GBK?)")), 1500)),
    Case("field-larger-than-the-limit", text(row(0), row(1, remark=LONG), row(2)),
         Quarantines(((2, "备注", f"field larger than {MAX_FIELD_CHARS:,} characters"),), 2,
                     raw=f"({len(LONG):,} characters in all)")),
    Case("nul-in-a-name", text(row(0), "宁夏乙\x00有限公司,2020-01-02,100,,\n", row(2)),
         Quarantines(((2, "名称", "control character U+0000"),), 2)),
    Case("escape-in-a-remark", text(row(0), row(1, remark="a\x1bb")),
         Quarantines(((2, "备注", "control character U+001B"),), 1)),
    Case("nul-in-a-remark-kept-with-a-note", text(row(0), row(1, remark="a\x00b")),
         Loads(2, notes=1), spec=spec(备注="{field: remark, on_invalid: null}")),
    # dates
    Case("date-of-six-digits", text(row(0), row(1, day="202312")),
         Quarantines(((2, "日期", "not a date: '202312' (a date without separators has 8 digits"),), 1)),
    Case("date-of-seven-digits", text(row(0), row(1, day="2023130")),
         Quarantines(((2, "日期", "not a date: '2023130'"),), 1)),
    Case("date-of-eight-digits", text(row(5, day="20231201")), Loads(1, values={1: {"founded": dt.date(2023, 12, 1)}})),
    Case("date-impossible", text(row(0, day="2023-02-30")), Quarantines(((1, "日期", "impossible date"),), 0)),
    Case("date-9999-12-31", text(row(0, day="9999-12-31"), row(1)),
         Quarantines(((1, "日期", "date 9999-12-31 is outside 1900-01-01 .."),), 1)),
    Case("date-before-1900", text(row(0, day="1899-12-31"), row(1)),
         Quarantines(((1, "日期", "date 1899-12-31 is outside"),), 1)),
    Case("date-9999-12-31-in-a-widened-range", text(row(6, day="9999-12-31")),
         Loads(1, values={1: {"founded": dt.date(9999, 12, 31)}}),
         spec=spec(日期="{field: founded, type: date, date_range: [1900-01-01, 9999-12-31]}")),
    # amounts
    Case("amount-nan", text(row(0), row(1, amount="NaN")), Quarantines(((2, "金额", "not a finite number: 'NaN'"),), 1)),
    Case("amount-inf", text(row(0, amount="-inf")), Quarantines(((1, "金额", "not a finite number"),), 0)),
    Case("amount-1e300", text(row(0, amount="1e300")), Quarantines(((1, "金额", "amount out of range"),), 0)),
    Case("amount-ungrouped-separators", text(row(0, amount='"1,2,3"')),
         Quarantines(((1, "金额", "thousands separators group three digits"),), 0)),
    Case("amount-underscore", text(row(0, amount="1_000")), Quarantines(((1, "金额", "not a number: '1_000'"),), 0)),
    Case("amount-two-points", text(row(0, amount="1.2.3")), Quarantines(((1, "金额", "not a number"),), 0)),
    Case("amount-negative", text(row(0, amount="-5")), Quarantines(((1, "金额", "negative amount"),), 0)),
    Case("amount-grouped", text(row(7, amount='"1,234,567.50"')), Loads(1, values={1: {"capital": 1234567.5}})),
    Case("amount-full-width", text(row(8, amount="１，２３４")), Loads(1, values={1: {"capital": 1234.0}})),
    Case("amount-in-wan-yuan", text(row(9, amount="1.5")), Loads(1, values={1: {"capital": 15000.0}}),
         spec=spec(金额="{field: capital, type: amount, unit: 万元}")),
    # identifiers and required values
    Case("id-number-with-a-superscript-two", text(row(0), row(1, id_number=ID[:16] + "²" + ID[17])),
         Quarantines(((2, "证件号", "ID number must be 17 digits"),), 1)),
    Case("id-number-with-an-arabic-indic-digit", text(row(0, id_number=ID[:15] + "٣" + ID[16:])),
         Quarantines(((1, "证件号", "ID number must be 17 digits"),), 0)),
    Case("id-number-with-a-wrong-check", text(row(0, id_number=ID[:17] + ("1" if ID[17] != "1" else "2"))),
         Quarantines(((1, "证件号", "bad ID number check character"),), 0)),
    Case("name-missing", text(row(0), ",2020-01-02,100,,\n"), Quarantines(((2, "名称", "required value is missing"),), 1)),
    Case("several-problems-in-one-row", text(row(0, day="202312", amount="NaN")),
         Quarantines(((1, "日期", "8 digits"), (1, "金额", "not a finite number")), 0)),
    # specs
    Case("spec-required-no-as-text", text(good(1)), SpecFails("required must be true or false", 7),
         spec=spec(名称="{field: name, type: enterprise_name, required: 'no'}")),
    Case("spec-allow-negative-no-as-text", text(good(1)), SpecFails("allow_negative must be true or false", 9),
         spec=spec(金额='{field: capital, type: amount, allow_negative: "no"}')),
    Case("spec-codes-as-a-list", text(good(1)), SpecFails("codes must map each code to its value", 11),
         spec=spec(备注="{field: remark, type: code, codes: [a, b]}")),
    Case("spec-saved-in-gbk", text(good(1)), SpecFails("not UTF-8 (saved as GBK?)", 7), spec=spec().encode("gbk")),
    Case("spec-date-range-on-a-text-column", text(good(1)), SpecFails("date_range goes with type: date", 11),
         spec=spec(备注="{field: remark, date_range: [1900-01-01, 2000-01-01]}")),
    Case("spec-date-range-not-dates", text(good(1)), SpecFails("date_range", 8),
         spec=spec(日期="{field: founded, type: date, date_range: [soon, later]}")),
    Case("spec-integer-column-header", "2023,名称\n5,宁夏甲有限公司\n".encode(), Loads(1), spec=INTEGER_HEADER),
    # workbooks
    Case("xlsx-clean", workbook(("明细", SHEET)), Loads(3)),
    Case("xlsx-formula-without-a-saved-value", workbook(("明细", SHEET), then=formula),
         Quarantines(((2, "金额", "formula without a saved value"),), 2, raw="=C2*2")),
    Case("xlsx-formula-with-its-saved-value",
         edited(workbook(("明细", SHEET), then=formula), lambda xml: xml.replace(b"<f>C2*2</f><v />", b"<f>C2*2</f><v>200</v>")),
         Loads(3)),
    Case("xlsx-error-value", workbook(("明细", SHEET), then=div_zero),
         Quarantines(((2, "金额", "Excel error value #DIV/0!"),), 2)),
    Case("xlsx-error-value-in-a-text-column", workbook(("明细", SHEET), then=na_remark),
         Quarantines(((1, "备注", "Excel error value #N/A"),), 2)),
    Case("xlsx-merged-cells", workbook(("明细", [HEADER.split(","), cells(0), cells(1), [None, dt.datetime(2021, 5, 6),
                                                                                   7, ID, "同一企业"]]),
                                       then=merge_names),
         Loads(3, remark="merged cells A3:A4: 1 cell(s) took the value of A3")),
    Case("xlsx-second-sheet-same-header", workbook(("明细", SHEET), ("续", [HEADER.split(","), cells(3), cells(4)])),
         Loads(5, remark="sheet '续' has the same header and was read too: its rows are data rows 4–5")),
    Case("xlsx-second-sheet-another-header", workbook(("明细", SHEET), ("说明", [["字段", "含义"], ["名称", "企业名称"]])),
         FileFails("sheet '说明' holds data under another header than sheet '明细'")),
    Case("xlsx-empty-second-sheet", workbook(("明细", SHEET), ("Sheet2", [])), Loads(3)),
    Case("xlsx-hidden-first-sheet", workbook(("旧", [HEADER.split(","), cells(5), cells(6)]), ("明细", SHEET), hidden=("旧",)),
         Loads(3, remark="hidden sheet '旧' skipped")),
    Case("xlsx-sheet-named-by-the-spec", workbook(("说明", [["字段"], ["名称"]]), ("明细", SHEET)), Loads(3),
         spec=spec("xlsx", top="sheet: 明细\n")),
    Case("xlsx-sheet-named-missing", workbook(("明细", SHEET)), FileFails("no sheet '清单' (its sheets: 明细)"),
         spec=spec("xlsx", top="sheet: 清单\n")),
    Case("xlsx-dimension-smaller-than-the-data",
         edited(workbook(("明细", SHEET)), lambda xml: xml.replace(b'<dimension ref="A1:E4" />', b'<dimension ref="A1:B2" />')),
         Loads(3, values={3: {"capital": 100.0}})),
    Case("xlsx-title-row-above-the-header", workbook(("明细", SHEET), then=title_row), Loads(3),
         spec=spec("xlsx", top="header_row: 2\n")),
    Case("xlsx-date-9999-12-31", workbook(("明细", [HEADER.split(","), cells(0, day=dt.datetime(9999, 12, 31))])),
         Quarantines(((1, "日期", "date 9999-12-31 is outside"),), 0)),
    Case("xlsx-not-a-workbook", lambda path: path.write_bytes(b"PK\x03\x04 not really"), FileFails("not a readable .xlsx workbook")),
    Case("xlsx-sheet-cut-short",
         edited(workbook(("明细", [HEADER.split(",")] + [cells(i % 10, amount=i) for i in range(200)])),
                lambda xml: xml[:len(xml) // 2]),
         FileFails("unreadable after data row")),
]
XLSX_SPEC = spec("xlsx")
CASES = [case if isinstance(case.data, bytes) or case.spec != spec() else
         Case(case.name, case.data, case.expect, XLSX_SPEC, case.by_lines) for case in CASES]


def test_the_table_has_at_least_fifty_cases_with_unique_names():
    assert len(CASES) >= 50
    assert len({case.name for case in CASES}) == len(CASES)


# --- running a case ---------------------------------------------------------------------------

def independent_count(path: Path, case: Case, header_row: int, sheet: str | None) -> int:
    """The file's records, counted without the loader: the csv module over the bytes read as
    Latin-1 (or physical lines), openpyxl's full mode over every visible sheet (or the one named)."""
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        sheets = [book[sheet]] if sheet else [ws for ws in book.worksheets if ws.sheet_state == "visible"]
        return sum(1 for ws in sheets for values in ws.iter_rows(min_row=header_row + 1, values_only=True)
                   if any(v is not None and str(v).strip() for v in values))
    if case.by_lines:
        return sum(1 for line in path.read_bytes().splitlines()[header_row:] if line.strip())
    raw = path.read_bytes().decode("latin-1")
    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)
    try:
        return sum(1 for record in list(csv.reader(io.StringIO(raw, newline="")))[header_row:] if record)
    finally:
        csv.field_size_limit(limit)


def department(tmp_path: Path, case: Case) -> tuple[Path, Path, str]:
    """(region folder holding the case's file under d/, specs folder, dataset)."""
    dataset = case.name.replace("-", "_")
    region, specs = tmp_path / case.name / "region", tmp_path / case.name / "specs"
    (region / "d").mkdir(parents=True)
    specs.mkdir()
    given = case.spec if isinstance(case.spec, bytes) else case.spec.encode("utf-8")
    (specs / "t.yaml").write_bytes(given.replace(b"DATASET", dataset.encode()))
    path = region / "d" / case.file_name
    if isinstance(case.data, bytes):
        path.write_bytes(case.data)
    else:
        case.data(path)
    return region, specs, dataset


def check_case(store, tmp_path: Path, case: Case) -> None:
    region, specs, dataset = department(tmp_path, case)
    expect = case.expect
    if isinstance(expect, SpecFails):
        with pytest.raises(SpecError) as refused:
            load_sources(region, store, specs)
        assert f"{specs / 't.yaml'} line {expect.line}" in str(refused.value)
        assert expect.reason in str(refused.value)
        return
    report = load_sources(region, store, specs)
    (source,) = report.sources
    assert source.balanced, source
    if isinstance(expect, FileFails):
        assert source.error is not None and f"d/{case.file_name}" in source.error and expect.reason in source.error, \
            source.error
        return
    assert source.error is None, source.error
    header_row = 2 if "header_row: 2" in str(case.spec) else 1
    sheet = "明细" if "sheet: 明细" in str(case.spec) else None
    assert source.read == independent_count(region / "d" / case.file_name, case, header_row, sheet)
    records = store.query("MATCH (s:SourceRecord) WHERE s.dataset = $d RETURN s.source_row AS row ORDER BY row",
                          {"d": dataset})
    assert len(records) == source.loaded
    quarantined = [(q["row"], q["column"], q["reason"], q["raw_value"]) for q in list_quarantine(store, dataset)]
    if isinstance(expect, Loads):
        assert (source.loaded, source.duplicates, source.notes, quarantined) == (expect.rows, expect.duplicates,
                                                                                 expect.notes, [])
        if expect.remark:
            assert any(expect.remark in remark for remark in source.remarks), source.remarks
        for number, values in expect.values.items():
            found = store.query("MATCH (s:SourceRecord)-[:DESCRIBES]->(e:Enterprise) WHERE s.dataset = $d AND "
                                "s.source_row = $row RETURN e.established_on AS founded, e.registered_capital AS capital",
                                {"d": dataset, "row": number})
            assert [{k: found[0][k] for k in values}] == [values]
        return
    assert source.loaded == expect.loaded and source.quarantined == len({p[0] for p in expect.problems})
    assert len(quarantined) == len(expect.problems), quarantined
    for (row_number, column, reason, _), (want_row, want_column, want_reason) in zip(quarantined, expect.problems):
        assert (row_number, column) == (want_row, want_column) and want_reason in reason, (row_number, column, reason)
    if expect.loaded_rows is not None:
        assert tuple(r["row"] for r in records) == expect.loaded_rows
    if expect.raw is not None:
        raw_value = quarantined[0][3]
        assert expect.raw in raw_value and len(raw_value) < RAW_KEPT + 100


@pytest.fixture(scope="module")
def ladybug_store(tmp_path_factory):
    """One Ladybug store for the table: each case loads its own dataset."""
    with open_store(f"ladybug:{tmp_path_factory.mktemp('table') / 'graph.db'}") as store:
        store.apply_schema()
        yield store


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_malformed_input(ladybug_store, tmp_path, case):
    check_case(ladybug_store, tmp_path, case)


ON_BOTH_ENGINES = ("quote-left-open-then-closed-later", "one-gbk-row-in-utf8", "xlsx-formula-without-a-saved-value",
                   "xlsx-merged-cells", "amount-nan", "header-repeated")


@pytest.mark.parametrize("name", ON_BOTH_ENGINES)
def test_representative_cases_on_both_engines(store, tmp_path, name):
    (case,) = [case for case in CASES if case.name == name]
    check_case(store, tmp_path, case)


# --- one bad file never stops the others ------------------------------------------------------

def test_a_file_that_fails_leaves_the_others_loading(store, tmp_path):
    """A spec naming a sheet the workbook does not have: that file fails, the CSV beside it loads."""
    broken = Case("xlsx-sheet-named-missing", workbook(("明细", SHEET)), FileFails("no sheet"),
                  spec("xlsx", top="sheet: 清单\n"))
    region, specs, _ = department(tmp_path, broken)
    (specs / "t.yaml").write_text((specs / "t.yaml").read_text(encoding="utf-8").replace('"d/*"', '"d/*.xlsx"'),
                                  encoding="utf-8")
    (region / "d" / "firms.csv").write_bytes(text(row(0, id_number=ID[:16] + "²" + ID[17]), good(3)))
    (specs / "csv.yaml").write_text(spec().replace("DATASET", "firms_csv").replace('"d/*"', '"d/*.csv"'), encoding="utf-8")
    report = load_sources(region, store, specs)
    by_file = {source.file: source for source in report.sources}
    assert "no sheet '清单'" in by_file["d/xlsx-sheet-named-missing.xlsx"].error
    loaded = by_file["d/firms.csv"]
    assert (loaded.error, loaded.read, loaded.loaded, loaded.quarantined) == (None, 4, 3, 1)


def test_a_header_repeated_in_a_column_no_spec_reads_keeps_both_cells(ladybug_store, tmp_path):
    case = Case("undeclared-header-repeated", text(row(0, remark="甲").replace("\n", ",乙,丙\n"),
                                                   header=HEADER + ",附注,附注"), Loads(1))
    check_case(ladybug_store, tmp_path, case)
    (record,) = ladybug_store.query("MATCH (s:SourceRecord) WHERE s.dataset = 'undeclared_header_repeated' "
                                    "RETURN s.payload AS payload")
    payload = json.loads(record["payload"])
    assert (payload["备注"], payload["附注"], payload["附注 (column 7)"]) == ("甲", "乙", "丙")


def test_the_load_command_prints_what_the_reader_did(tmp_path):
    case = [case for case in CASES if case.name == "xlsx-merged-cells"][0]
    region, specs, _ = department(tmp_path, case)
    loaded = CliRunner().invoke(main_group, ["--store", f"ladybug:{tmp_path / 'graph.db'}", "load", str(region),
                                             "--specs", str(specs)])
    assert loaded.exit_code == 0, loaded.output
    assert ("note: d/xlsx-merged-cells.xlsx: sheet '明细': merged cells A3:A4: 1 cell(s) took the value of A3"
            in loaded.stderr)


# --- half-done stores -------------------------------------------------------------------------

class Interrupted(KeyboardInterrupt):
    """What Ctrl-C raises in the middle of a load."""


def test_an_unfinished_load_stops_resolution_and_rules_until_a_load_completes(store_uri, tmp_path):
    case = Case("partial", text(good(3)), Loads(3))
    region, specs, _ = department(tmp_path, case)
    (region / "d" / "more.csv").write_bytes(text(good(5)))

    def interrupt(file: str, rows: int) -> None:
        if file == "d/partial.csv" and rows:
            raise Interrupted

    with open_store(store_uri) as opened, pytest.raises(Interrupted):
        load_sources(region, opened, specs, progress=interrupt)
    with open_store(store_uri) as opened:
        (unfinished,) = opened.query("MATCH (r:LoadRun) RETURN r.run_id AS id, r.finished_at AS finished")
        assert unfinished["finished"] is None
        with pytest.raises(PartialLoad, match=f"load run {unfinished['id']} .* did not finish"):
            require_finished_load(opened)
        from crossaudit import pipeline
        with pytest.raises(PartialLoad):
            pipeline.resolve(opened)
    runner = CliRunner()
    for command in (["resolve"], ["rules", "run", "--pack", "invoicing"]):
        refused = runner.invoke(main_group, ["--store", store_uri, *command])
        assert refused.exit_code == 1 and f"load run {unfinished['id']}" in refused.output, refused.output
        allowed = runner.invoke(main_group, ["--store", store_uri, *command, "--allow-partial"])
        assert allowed.exit_code == 0, allowed.output
    with open_store(store_uri) as opened:
        report = load_sources(region, opened, specs)
        assert [s.loaded for s in report.sources] == [5, 3]
        require_finished_load(opened)  # the latest load finished: nothing to refuse
    resolved = runner.invoke(main_group, ["--store", store_uri, "resolve"])
    assert resolved.exit_code == 0, resolved.output


def test_a_full_disk_is_named_as_such():
    """The errors a full disk raises, as the OS and Ladybug word them, read as a full disk."""
    with pytest.raises(OSError) as full, open("/dev/full", "wb") as device:
        device.write(b"x")
        device.flush()
    assert is_disk_full(full.value)
    ladybug = RuntimeError("Transaction committed successfully, but the post-commit checkpoint failed. The committed "
                           "data is durable and will be recovered on restart: IO exception: Cannot write to file. "
                           "path: g.db fileDescriptor: 3 offsetToWrite: 10424320 numBytesToWrite: 4096 "
                           "numBytesWritten: -1. Error: No space left on device")
    assert is_disk_full(ladybug)
    assert not is_disk_full(RuntimeError("IO exception: Could not set lock on file : g.db"))


LOAD_ON_A_SMALL_DISK = """
import sys
from crossaudit.engine import open_store
from crossaudit.engine.store import StoreError
from crossaudit.loaders import load_sources
with open_store(sys.argv[1]) as store:
    try:
        load_sources(sys.argv[2], store, sys.argv[3])
    except StoreError as exc:
        print(exc)
"""


def test_a_load_onto_a_full_disk_says_disk_full_and_leaves_the_run_unfinished(tmp_path):
    """A real full disk: a 6 MB tmpfs (mounting one needs root; elsewhere this test cannot run)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        case = Case("big", text("".join(row(i, remark="备注" * 20) for i in range(10, 60010))), Loads(60000))
        region, specs, _ = department(tmp_path, case)
        uri = f"ladybug:{disk / 'graph.db'}"
        run = subprocess.run([sys.executable, "-c", LOAD_ON_A_SMALL_DISK, uri, str(region), str(specs)],
                             capture_output=True, text=True, timeout=600)
        assert run.stdout.startswith("disk full: the store"), (run.stdout, run.stderr[-2000:])
        assert "is left unfinished" in run.stdout
        with open_store(uri) as opened:  # it opens, and knows the load did not finish
            with pytest.raises(PartialLoad):
                require_finished_load(opened)
    finally:
        subprocess.run(["umount", str(disk)], check=True)


# --- NaN never reaches findings or their JSON -------------------------------------------------

NAN_RULE = """\
/*
id: ratio-of-nothing
title: A ratio of nothing to nothing
pack: malformed
severity: low
tax: [vat]
description: Every enterprise, with 0/0 and x/0.
title_zh: 零除以零的比率
description_zh: 每户企业，比率为零除以零和非零数除以零。
basis: none
sources: [t]
identity: [enterprise]
entities: {enterprise: Enterprise}
office: [enterprise]
amount: ratio
tax_at_risk: ratio
params: {}
version: 1
*/
MATCH (e:Enterprise)
RETURN e.uid AS enterprise, 0.0 / 0.0 AS ratio, e.registered_capital / 0.0 AS infinite
"""


def _no_bare_nan(text: str) -> object:
    def refuse(constant: str):
        raise AssertionError(f"bare {constant} in JSON output")
    return json.loads(text, parse_constant=refuse)


def test_nan_never_reaches_findings_or_their_json(store_uri, tmp_path):
    pack = tmp_path / "rules" / "malformed"
    pack.mkdir(parents=True)
    (pack / "ratio-of-nothing.cypher").write_text(NAN_RULE, encoding="utf-8")
    with open_store(store_uri) as opened:
        opened.apply_schema()
        # A NaN a store may hold from before the loader refused it.
        opened.upsert_nodes("Enterprise", [{"uid": "E1", "credit_code": "E1", "registered_capital": float("nan")}],
                            RunStamp.now())
    runner = CliRunner()
    ran = runner.invoke(main_group, ["--store", store_uri, "rules", "run", "--rules-dir", str(tmp_path / "rules"),
                                     "--pack", "malformed"])
    assert ran.exit_code == 0, ran.output
    listed = runner.invoke(main_group, ["--store", store_uri, "findings", "list", "--format", "json"])
    (finding,) = _no_bare_nan(listed.output)
    assert (finding["amount"], finding["tax_at_risk"]) == (None, None)
    with open_store(store_uri) as opened:
        (evidence,) = opened.query("MATCH (f:Finding) RETURN f.evidence AS evidence")
    assert _no_bare_nan(evidence["evidence"]) == {"enterprise": "E1", "infinite": None, "ratio": None}
    exported = runner.invoke(main_group, ["--store", store_uri, "export", "-f", "json", "--rule", "ratio-of-nothing",
                                          "-o", str(tmp_path / "cases")])
    assert exported.exit_code == 0, exported.output
    (case_file,) = (tmp_path / "cases").glob("*.json")
    document = _no_bare_nan(case_file.read_text(encoding="utf-8"))
    assert any(node["properties"].get("registered_capital", "absent") is None for node in document["nodes"])
