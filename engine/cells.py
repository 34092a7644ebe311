"""Values bound for a spreadsheet (CSV, xlsx) are data, never formulas.

A department's text that starts like a formula (`=HYPERLINK("http://…","查看详情")`, `@SUM(1)+cmd|…`,
`-2+3`) would run when an inspector opens the file. Every CSV and xlsx the project writes goes
through here:

    write_csv(handle, ["file", "raw_value"], [["a.csv", "=1+1"]])   # a.csv,'=1+1
    inert_cell(sheet["A2"])                                          # openpyxl: text, quote-prefixed
"""
from __future__ import annotations

import csv
import re
from typing import Any, Iterable, TextIO

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def formula_like(value: Any) -> bool:
    """Whether a spreadsheet would read `value` as a formula: text starting with = + - @, tab or CR
    that is not a plain number (a number written as text, `-2.5`, stays a number).

    >>> formula_like("=1+1"), formula_like("-2+3"), formula_like("-2.5"), formula_like(-2), formula_like("a=b")
    (True, True, False, False, False)
    """
    return isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value)


def csv_value(value: Any) -> Any:
    """A CSV cell: formula-like text prefixed with a single quote; anything else as it is.

    >>> csv_value("@SUM(1)"), csv_value(3.5)
    ("'@SUM(1)", 3.5)
    """
    return "'" + value if formula_like(value) else value


def write_csv(handle: TextIO, header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """The header and rows as CSV, every cell through `csv_value`."""
    writer = csv.writer(handle)
    writer.writerow(header)
    writer.writerows([csv_value(value) for value in row] for row in rows)


def inert_cell(cell) -> None:
    """An openpyxl cell holding formula-like text becomes a quote-prefixed string cell."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
