"""Declarations of the department exports: one `FileSpec` per file.

The exporters, the mess injector, the manifest and the data dictionary all read these,
so a column is declared once.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable, Iterable, NamedTuple

# Column formats: what a cell holds and how the generator writes it.
FORMATS = {
    "text": "free text",
    "name": "name of an enterprise, unit or person",
    "address": "street address",
    "code": "document number or code, written exactly as issued",
    "credit_code": "unified social credit code (统一社会信用代码), 18 characters, GB 32100-2015",
    "id_number": "resident ID number (公民身份号码), 18 characters, GB 11643-1999",
    "id_code": "credit code of an enterprise or ID number of a person, whichever the party has",
    "phone": "telephone: 0951-5123456 or an 11-digit mobile",
    "date": "date in the file's date style",
    "month_compact": "month as YYYYMM (202301)",
    "month_dash": "month as YYYY-MM (2023-01)",
    "yuan": "amount in 元, 2 decimals",
    "wan": "amount in 万元 (10,000 元), up to 4 decimals",
    "number": "decimal number",
    "integer": "whole number",
    "percent": "percentage with a % sign (35.50%)",
    "yuan_sep": "amount in 元, 2 decimals, thousands separated (1,234,567.89)",
    "fraction": "share as a decimal fraction, 4 decimals (0.3550 is 35.5 %)",
    "percent_number": "percentage as a bare number, no % sign (35.5 is 35.5 %)",
    "date_range": "a range of two dates in one cell, start-end (2021.03.15-2026.03.14)",
    "period_range": "a period of two dates in one cell, start至end (2023-01-01至2023-03-31)",
    "datetime": "date and time (2023-01-05 14:03:27)",
    "month_chinese": "month as YYYY年MM月 (2023年01月)",
}
DATE_STYLES = {
    "iso": ("%Y-%m-%d", "2016-08-30"),
    "slash": ("{y}/{m}/{d}", "2016/8/30"),
    "compact": ("%Y%m%d", "20160830"),
    "chinese": ("{y}年{m}月{d}日", "2016年8月30日"),
    "dotted": ("%Y.%m.%d", "2016.08.30"),
    "excel": ("an Excel date cell", "a cell of type date, shown 2016-08-30"),
}


def format_date(day: dt.date, style: str) -> str:
    """A date written in `style`; an Excel date is written as ISO text, made a date cell by the writer."""
    if style in ("iso", "excel"):
        return day.isoformat()
    if style == "compact":
        return f"{day:%Y%m%d}"
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "dotted":
        return f"{day:%Y.%m.%d}"
    return f"{day.year}年{day.month}月{day.day}日"


def impossible_date(year: int, month: int, day: int, style: str) -> str:
    """A date that cannot exist (2019-02-30) written in `style` (as text in an Excel date column)."""
    if style in ("iso", "excel"):
        return f"{year}-{month:02d}-{day:02d}"
    if style == "compact":
        return f"{year}{month:02d}{day:02d}"
    if style == "slash":
        return f"{year}/{month}/{day}"
    if style == "dotted":
        return f"{year}.{month:02d}.{day:02d}"
    return f"{year}年{month}月{day}日"


@dataclass(frozen=True)
class Column:
    header: str
    meaning: str
    format: str = "text"


@dataclass(frozen=True)
class Role:
    """A party a row names: e.g. the buyer, by its name column and its identifier column."""
    name: str
    entity: str  # enterprise | person | any
    name_column: str | None
    id_column: str | None


class Record(NamedTuple):
    values: tuple
    refs: tuple  # (role name, true entity id or None) in the order of the spec's roles
    protected: bool = False  # evidence of a planted case: no in-place mess


@dataclass(frozen=True)
class FileSpec:
    department: str  # folder
    file: str
    title: str
    description: str
    columns: tuple[Column, ...]
    roles: tuple[Role, ...]
    rows: Callable[..., Iterable[Record]] = field(compare=False, repr=False)
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | gbk | gb18030
    format: str = "csv"  # csv | xlsx
    delimiter: str = ","
    line_terminator: str = "\n"
    date_style: str = "iso"
    mess: dict = field(default_factory=dict, compare=False)  # kind → rate (share of rows) or count (int)
    messy_roles: tuple[str, ...] | None = None  # roles whose identifiers may be messed; None: all
    title_row: str | None = None  # a title line above the header (the header is then on line 2)

    @property
    def path(self) -> str:
        return f"{self.department}/{self.file}"

    def index(self, header: str) -> int:
        return [c.header for c in self.columns].index(header)


@dataclass(frozen=True)
class Department:
    folder: str
    name: str  # the department's Chinese name
    files: tuple[FileSpec, ...]
