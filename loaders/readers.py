"""Readers: department files → (row number, cells), streamed.

CSV in UTF-8 (with or without BOM), GBK or GB18030, quoted fields and embedded newlines;
`.xlsx` through openpyxl's read-only mode. Rows are yielded one at a time, so a file of a
million rows is never held in memory. A record the reader cannot read as cells is yielded as
`Flawed` (with why) and the loader quarantines it; the rows after it keep their numbers:

- a quote left open: a record still inside a quoted field whose next line reads as a record
  of its own (as many fields as the header, its quotes balanced) is cut before that line,
  and reading goes on from it;
- a field larger than `MAX_FIELD_CHARS` (its first `RAW_KEPT` characters are kept);
- in a UTF-8 file, a row that is not valid UTF-8 (a GBK row pasted in; the encoding is
  detected over the whole file, streamed);
- in a workbook, an Excel error value (`#DIV/0!`) or a formula without a saved value.

A workbook is read sheet by sheet: every visible sheet with the same header (or the one
`sheet:` names); a hidden sheet is skipped, a visible one with another header is an error.
A merged cell takes its anchor's value. What the reader did besides reading is in
`Table.remarks`.

    with open_table(path, encoding="auto") as table:
        table.headers            # ['统一社会信用代码', '企业名称', …]
        for row_number, cells in table.rows():
            ...
"""
from __future__ import annotations

import codecs
import csv
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

MAX_FIELD_CHARS = 1 << 20  # a cell longer than this is quarantined, not loaded
RAW_KEPT = 1_000  # characters of a flawed record or cell kept as its raw value
# A quoted field still open after this many characters is cut (a quote left open the look-ahead
# did not catch): reading a whole file into one field is never what the department meant.
MAX_OPEN_CHARS = 16 * MAX_FIELD_CHARS
_BLOCK = 1 << 20
NOT_UTF8 = "not valid UTF-8 (GBK?)"


class BrokenFile(RuntimeError):
    """A file that cannot be read at all (no header, not a workbook); the message says why."""


@dataclass(frozen=True)
class Flawed:
    """A record that cannot be loaded as it was read: `problems` are (cell index, or None for
    the whole record; raw value; reason). The loader quarantines it with each problem."""

    cells: list[Any]
    problems: tuple[tuple[int | None, Any, str], ...]


def truncated(text: str, size: int | None = None) -> str:
    """The first RAW_KEPT characters of a long text, saying how long it was."""
    size = len(text) if size is None else size
    return text if size <= RAW_KEPT else f"{text[:RAW_KEPT]}… ({size:,} characters in all)"


# --- encodings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EncodingScan:
    """Lines of a file holding non-ASCII bytes: those valid as UTF-8, and those not."""

    bom: bool
    utf8_lines: int
    other_lines: int

    @property
    def encoding(self) -> str:
        """UTF-8 unless most non-ASCII lines are not (then GB18030, which decodes everything
        GBK does); 'utf-8-sig' with a BOM."""
        if self.bom:
            return "utf-8-sig"
        return "utf-8" if self.utf8_lines >= self.other_lines else "gb18030"


def scan_encoding(path: Path) -> EncodingScan:
    """Read the whole file, a block of whole lines at a time: a block that decodes as UTF-8
    needs no more, another is checked line by line."""
    utf8 = other = 0
    with open(path, "rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
        handle.seek(3 if bom else 0)
        rest = b""
        while True:
            block = handle.read(_BLOCK)
            data, _, rest = (rest + block).rpartition(b"\n") if block else (rest, b"", b"")
            if not data.isascii():
                try:
                    data.decode("utf-8")
                    utf8 += data.count(b"\n") + 1  # its lines, ASCII ones too: enough to outweigh others
                except UnicodeDecodeError:
                    for line in data.splitlines():
                        if not line.isascii():
                            try:
                                line.decode("utf-8")
                                utf8 += 1
                            except UnicodeDecodeError:
                                other += 1
            if not block:
                return EncodingScan(bom, utf8, other)


def detect_encoding(path: Path) -> str:
    """'utf-8-sig' for a BOM, 'utf-8' unless most non-ASCII lines are not UTF-8, else 'gb18030'."""
    return scan_encoding(path).encoding


_ESCAPED = re.compile("[\udc80-\udcff]")


def has_escaped_bytes(text: str) -> bool:
    """Whether a decoded cell holds bytes the encoding could not decode (surrogate escapes)."""
    return _ESCAPED.search(text) is not None


def _as_gbk(cell: str) -> str:
    """A cell of a UTF-8 file that is not UTF-8, as GBK reads it (what the department typed)."""
    return cell.encode("utf-8", "surrogateescape").decode("gb18030", "replace")


# --- tables ---------------------------------------------------------------------------------

@dataclass
class Table:
    path: Path
    headers: list[str]
    encoding: str
    _rows: Iterator[list[Any] | Flawed] = field(repr=False)
    _close: Any = field(default=None, repr=False)
    remarks: list[str] = field(default_factory=list)  # what the reader did besides reading

    def rows(self) -> Iterator[tuple[int, list[Any] | Flawed]]:
        """(1-based data row number after the header, cells or a Flawed record). A file that
        breaks while it is read (a corrupt workbook part) raises BrokenFile naming the row."""
        number = 0
        try:
            for number, cells in enumerate(self._rows, start=1):
                yield number, cells
        except BrokenFile:
            raise
        except Exception as exc:  # openpyxl and zipfile errors of a damaged workbook, I/O errors
            raise BrokenFile(f"{self.path}: unreadable after data row {number} "
                             f"({exc.__class__.__name__}: {exc})") from exc

    def close(self) -> None:
        if self._close is not None:
            self._close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- CSV ------------------------------------------------------------------------------------

class _Lines:
    """The lines of a CSV file as csv.reader asks for them, one record at a time (`start`
    before each). The reader asks for another line of the same record only while it is
    inside a quoted field; if that line reads as a record of its own, the quote was left
    open: the record is cut there (`cut` says why) and the line starts the next record."""

    def __init__(self, handle, width: int, delimiter: str) -> None:
        self.handle, self.width, self.delimiter = handle, width, delimiter
        self.pending: str | None = None
        self.start()

    def start(self) -> None:
        self.lines = self.size = 0
        self.raw: list[str] = []  # the record's lines while they are shorter than RAW_KEPT
        self.cut: str | None = None

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        if self.pending is not None:
            line, self.pending = self.pending, None
        else:
            try:
                line = next(self.handle)
            except StopIteration:
                if self.lines:  # the file ends inside a quoted field
                    self.cut = "unclosed quote: the quoted field opened in this row runs to the end of the file"
                raise
        if self.lines and self.cut is None:
            if self._stands_alone(line):
                self.cut = ("unclosed quote: a quoted field in this row runs into the next line, which reads "
                            "as a record of its own; reading goes on from that line")
            elif self.size + len(line) > MAX_OPEN_CHARS:
                self.cut = f"unclosed quote: a quoted field in this row runs past {MAX_OPEN_CHARS:,} characters"
            if self.cut:
                self.pending = line
                return '"\n'  # closes the open field and ends the record
        if self.size <= RAW_KEPT:
            self.raw.append(line)
        self.lines += 1
        self.size += len(line)
        return line

    def _stands_alone(self, line: str) -> bool:
        if self.width < 2 or line.count('"') % 2:
            return False
        return len(next(csv.reader([line], delimiter=self.delimiter), [])) == self.width

    def record_text(self) -> str:
        return truncated("".join(self.raw).rstrip("\r\n"), self.size)


def _csv_table(path: Path, encoding: str, header_row: int, delimiter: str = ",") -> Table:
    remarks = []
    scan = scan_encoding(path) if encoding in ("auto", "utf-8", "utf-8-sig") else None
    if encoding == "auto":
        encoding = scan.encoding
        if encoding == "gb18030" and scan.utf8_lines:
            remarks.append(f"read as GB18030 (GBK): {scan.utf8_lines:,} line(s) are UTF-8 and read garbled "
                           f"({scan.other_lines:,} are GBK); a file of mixed encodings")
    if encoding in ("gbk", "gb2312"):
        encoding = "gb18030"  # decodes everything GBK does, and more
    # Rows that are not UTF-8, looked for only where the scan found some lines.
    utf8 = encoding.startswith("utf-8") and scan.other_lines > 0
    if utf8:
        remarks.append(f"read as UTF-8: {scan.other_lines:,} line(s) are not UTF-8, and their rows are quarantined")
    # A cell longer than csv's own limit is read whole and reported, not a csv.Error mid-record.
    csv.field_size_limit(max(csv.field_size_limit(), MAX_OPEN_CHARS + 1))
    handle = open(path, "r", encoding=encoding, errors="surrogateescape", newline="")
    lines = _Lines(handle, 0, delimiter)  # no look-ahead in the header: its width is not known yet
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for _ in range(header_row):
            lines.start()
            headers = next(reader)
    except StopIteration:
        handle.close()
        raise BrokenFile(f"{path}: no header row (the file is empty or shorter than header_row)") from None
    except csv.Error as exc:
        handle.close()
        raise BrokenFile(f"{path}: unreadable CSV header: {exc}") from exc
    headers = [h.strip().lstrip("\ufeff") for h in headers]
    lines.width = len(headers)

    def rows() -> Iterator[list[Any] | Flawed]:
        while True:
            lines.start()
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Flawed([], ((None, lines.record_text(), f"unreadable CSV record: {exc}"),))
                continue
            if lines.cut:
                yield Flawed(cells, ((None, lines.record_text(), lines.cut),))
            elif lines.size > MAX_FIELD_CHARS and max(map(len, cells), default=0) > MAX_FIELD_CHARS:
                yield Flawed(cells, tuple((index, truncated(cell), f"field larger than {MAX_FIELD_CHARS:,} "
                                           f"characters (its first {RAW_KEPT:,} are kept here)")
                                          for index, cell in enumerate(cells) if len(cell) > MAX_FIELD_CHARS))
            elif utf8 and has_escaped_bytes("".join(cells)):
                yield Flawed(cells, tuple((index, _as_gbk(cell), NOT_UTF8) for index, cell in enumerate(cells)
                                          if has_escaped_bytes(cell)))
            elif cells:  # blank lines carry no data
                yield cells

    return Table(path, headers, encoding, rows(), handle.close, remarks)


# --- xlsx -----------------------------------------------------------------------------------

_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s[^>]*?ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _sheet_marks(path: Path, part: str) -> tuple[bool, list[str]]:
    """(whether a sheet holds formulas, its merged ranges), from its XML, streamed: each block is
    searched up to its last tag's start, which goes on with the next block."""
    formulas, merges, buffer = False, [], b""
    with zipfile.ZipFile(path) as archive, archive.open(part) as xml:
        while True:
            block = xml.read(_BLOCK)
            buffer += block
            end = max(buffer.rfind(b"<"), 0) if block else len(buffer)
            formulas = formulas or _FORMULA.search(buffer, 0, end) is not None
            merges.extend(ref.decode() for ref in _MERGE.findall(buffer, 0, end))
            buffer = buffer[end:]
            if not block:
                return formulas, list(dict.fromkeys(merges))


def _values(worksheet, header_row: int):
    """A sheet's rows of values from its header row on, whatever its recorded dimension says
    (a dimension smaller than the data would cut rows and columns off)."""
    worksheet.reset_dimensions()
    rows = worksheet.iter_rows(values_only=True)
    for _ in range(header_row - 1):
        next(rows, None)
    return rows


def _header(values: tuple | None) -> list[str]:
    headers = [("" if h is None else str(h)).strip() for h in values or ()]
    while headers and headers[-1] == "":
        headers.pop()
    return headers


def _is_blank_row(values) -> bool:
    return not any(v is not None and str(v).strip() != "" for v in values)


class _Merges:
    """A sheet's merged ranges below its header: each non-anchor cell takes the anchor's value."""

    def __init__(self, ranges: list[str], header_row: int, remarks: list[str], sheet: str) -> None:
        from openpyxl.utils.cell import range_boundaries

        self.by_row: dict[int, list[tuple[int, int, int, str]]] = {}  # min, max column, anchor row, range
        self.anchors: dict[tuple[int, int], Any] = {}
        self.filled: dict[str, int] = {}
        self.remarks, self.sheet = remarks, sheet
        for ref in ranges:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
            if max_row <= header_row:
                continue
            if min_row <= header_row:
                remarks.append(f"sheet {sheet!r}: merged cells {ref} start in the header; their data cells are "
                               "left blank")
                continue
            for row in range(min_row, max_row + 1):
                self.by_row.setdefault(row, []).append((min_col, max_col, min_row, ref))
            self.anchors[(min_row, min_col)] = None

    def fill(self, row: int, cells: list[Any]) -> None:
        for column in range(1, len(cells) + 1):
            if (row, column) in self.anchors:
                self.anchors[(row, column)] = cells[column - 1]
        for min_col, max_col, anchor_row, ref in self.by_row.get(row, ()):
            if len(cells) < max_col:
                cells.extend([None] * (max_col - len(cells)))
            for column in range(min_col, max_col + 1):
                if (row, column) != (anchor_row, min_col) and cells[column - 1] is None:
                    cells[column - 1] = self.anchors[(anchor_row, min_col)]
                    self.filled[ref] = self.filled.get(ref, 0) + 1

    def close(self) -> None:
        for ref, count in self.filled.items():
            self.remarks.append(f"sheet {self.sheet!r}: merged cells {ref}: {count} cell(s) took the value of "
                                f"{ref.split(':')[0]}")


def _xlsx_table(path: Path, header_row: int, sheet: str | None) -> Table:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        raise BrokenFile(f"{path}: not a readable .xlsx workbook ({exc.__class__.__name__}: {exc})") from exc
    remarks: list[str] = []
    try:
        sheets, headers = _sheets(path, workbook, header_row, sheet, remarks)
    except BrokenFile:
        workbook.close()
        raise
    except Exception as exc:  # a damaged sheet part
        workbook.close()
        raise BrokenFile(f"{path}: unreadable sheet ({exc.__class__.__name__}: {exc})") from exc
    opened = [workbook]

    def rows() -> Iterator[list[Any] | Flawed]:
        number = 0
        for worksheet in sheets:
            first = number + 1
            for cells in _sheet_rows(path, worksheet, header_row, len(headers), opened, remarks):
                number += 1
                yield cells
            if worksheet is not sheets[0]:
                remarks.append(f"sheet {worksheet.title!r} has the same header and was read too: its rows are "
                               f"data rows {first}–{number} of this file")

    def close() -> None:
        for book in opened:
            book.close()

    return Table(path, headers, "xlsx", rows(), close, remarks)


def _sheets(path: Path, workbook, header_row: int, sheet: str | None, remarks: list[str]):
    """The sheets to read and their header: the one `sheet` names, or every visible sheet
    whose header is the first one's (an empty sheet is passed over, a hidden one skipped)."""
    if sheet is not None:
        if sheet not in workbook.sheetnames:
            raise BrokenFile(f"{path}: no sheet {sheet!r} (its sheets: {', '.join(workbook.sheetnames)}); "
                             "fix sheet: in the spec")
        chosen = [workbook[sheet]]
    else:
        chosen = [ws for ws in workbook.worksheets if ws.sheet_state == "visible"]
        remarks.extend(f"hidden sheet {ws.title!r} skipped" for ws in workbook.worksheets
                       if ws.sheet_state != "visible")
        if not chosen:
            raise BrokenFile(f"{path}: every sheet is hidden; name the one to read with sheet: in the spec")
    headers = _header(next(_values(chosen[0], header_row), None))
    if not headers:
        raise BrokenFile(f"{path}: no header row in sheet {chosen[0].title!r}")
    read = [chosen[0]]
    for other in chosen[1:]:
        rows = _values(other, 1)
        if all(_is_blank_row(values) for values in rows):
            continue  # an empty sheet (Sheet2, Sheet3 of a new workbook): nothing in it
        if _header(next(_values(other, header_row), None)) != headers:
            raise BrokenFile(f"{path}: sheet {other.title!r} holds data under another header than sheet "
                             f"{chosen[0].title!r}; name the sheet to read with sheet: in the spec, or deliver "
                             "one sheet per file")
        read.append(other)
    return read, headers


def _sheet_rows(path: Path, worksheet, header_row: int, width: int, opened: list, remarks: list[str]):
    """One sheet's data rows: blank rows skipped, merged cells filled, error values and formulas
    without a saved value flagged."""
    import openpyxl
    from openpyxl.cell.cell import ERROR_CODES

    formulas, ranges = _sheet_marks(path, worksheet._worksheet_path)
    merges = _Merges(ranges, header_row, remarks, worksheet.title)
    values = _values(worksheet, header_row)
    next(values, None)  # the header
    if formulas:  # the formulas themselves, cell for cell beside the saved values
        if len(opened) == 1:
            opened.append(openpyxl.load_workbook(path, read_only=True, data_only=False))
        written = _values(opened[1][worksheet.title], header_row)
        next(written, None)
    else:
        written = iter(())
    for row, saved in enumerate(values, start=header_row + 1):
        formula_row = next(written, ()) if formulas else ()
        if _is_blank_row(saved) and not any(_is_formula(v) for v in formula_row):
            continue
        cells = list(saved)  # as wide as the row's last cell written: padded or trimmed to the header
        while cells and cells[-1] is None and len(cells) > width:
            cells.pop()
        cells.extend([None] * (width - len(cells)))
        merges.fill(row, cells)
        problems = [(index, value, f"Excel error value {value}") for index, value in enumerate(cells)
                    if isinstance(value, str) and value in ERROR_CODES]
        problems += [(index, str(getattr(text, "text", text)), "formula without a saved value (open the workbook "
                      "in Excel and save it, so each formula's value is saved)")
                     for index, text in enumerate(formula_row)
                     if _is_formula(text) and (index >= len(cells) or cells[index] is None)]
        yield Flawed(cells, tuple(sorted(problems, key=lambda p: p[0]))) if problems else cells
    merges.close()


def _is_formula(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in ("ArrayFormula",
                                                                                         "DataTableFormula")


def open_table(path: str | Path, format: str = "csv", encoding: str = "auto", header_row: int = 1,
               sheet: str | None = None, delimiter: str = ",") -> Table:
    path = Path(path)
    if format == "xlsx":
        return _xlsx_table(path, header_row, sheet)
    return _csv_table(path, encoding, header_row, delimiter)
