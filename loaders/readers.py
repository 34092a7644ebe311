"""Readers: department files → (row number, cells), streamed.

CSV in UTF-8 (with or without BOM), GBK or GB18030, quoted fields and embedded newlines;
`.xlsx` through openpyxl's read-only mode. Rows are yielded one at a time, so a file of a
million rows is never held in memory. Undecodable bytes do not stop a file: the row that
holds them is yielded with the bytes escaped, and the loader quarantines it.

    with open_table(path, encoding="auto") as table:
        table.headers            # ['统一社会信用代码', '企业名称', …]
        for row_number, cells in table.rows():
            ...
"""
from __future__ import annotations

import codecs
import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

SNIFF_BYTES = 1 << 16


class BrokenFile(RuntimeError):
    """A file that cannot be read at all (no header, not a workbook); the message says why."""


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' for a BOM, 'utf-8' if the first 64 KiB decode as UTF-8, else 'gb18030'
    (a superset of GBK that decodes every byte sequence GBK does)."""
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


_ESCAPED = re.compile("[\udc80-\udcff]")


def has_escaped_bytes(text: str) -> bool:
    """Whether a decoded cell holds bytes the encoding could not decode (surrogate escapes)."""
    return _ESCAPED.search(text) is not None


@dataclass
class Table:
    path: Path
    headers: list[str]
    encoding: str
    _rows: Iterator[list[Any]] = field(repr=False)
    _close: Any = field(default=None, repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        """(1-based data row number after the header, cells)."""
        for number, cells in enumerate(self._rows, start=1):
            yield number, cells

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _csv_table(path: Path, encoding: str, header_row: int, delimiter: str = ",") -> Table:
    if encoding == "auto":
        encoding = detect_encoding(path)
    if encoding in ("gbk", "gb2312"):
        encoding = "gb18030"  # decodes everything GBK does, and more
    handle = open(path, "r", encoding=encoding, errors="surrogateescape", newline="")
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        for _ in range(header_row - 1):
            next(reader)
        headers = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except StopIteration:
        handle.close()
        raise BrokenFile(f"{path}: no header row (the file is empty or shorter than header_row)") from None
    except csv.Error as exc:
        handle.close()
        raise BrokenFile(f"{path}: unreadable CSV header: {exc}") from exc

    def rows() -> Iterator[list[Any]]:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a NUL byte; the row is reported by the loader
                yield [f"\udcff<unreadable CSV row: {exc}>"]
                continue
            if cells:  # blank lines carry no data
                yield cells

    return Table(path, headers, encoding, rows(), handle.close)


def _xlsx_table(path: Path, header_row: int, sheet: str | None) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise BrokenFile(f"{path}: not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from exc
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    iterator = worksheet.iter_rows(values_only=True)
    try:
        for _ in range(header_row - 1):
            next(iterator)
        headers = [("" if h is None else str(h)).strip() for h in next(iterator)]
    except StopIteration:
        workbook.close()
        raise BrokenFile(f"{path}: no header row in sheet {worksheet.title!r}") from None
    while headers and headers[-1] == "":
        headers.pop()

    def rows() -> Iterator[list[Any]]:
        for values in iterator:
            cells = list(values)
            while cells and cells[-1] is None and len(cells) > len(headers):
                cells.pop()
            if any(v is not None and str(v).strip() != "" for v in cells):
                yield cells

    return Table(path, headers, "xlsx", rows(), workbook.close)


def open_table(path: str | Path, format: str = "csv", encoding: str = "auto", header_row: int = 1,
               sheet: str | None = None, delimiter: str = ",") -> Table:
    path = Path(path)
    if format == "xlsx":
        return _xlsx_table(path, header_row, sheet)
    return _csv_table(path, encoding, header_row, delimiter)
