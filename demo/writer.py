"""Render records as a department writes them: CSV in its encoding, or byte-stable xlsx."""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import random
import re
import zipfile
from pathlib import Path

from crossaudit.demo.mess import Row, inject
from crossaudit.demo.spec import FileSpec, format_date

FIXED_ZIP_TIME = (2024, 3, 31, 0, 0, 0)
FIXED_DOC_TIME = "2024-03-31T00:00:00Z"
NUMERIC = ("yuan", "wan", "number", "integer")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _date(style: str):
    if style in ("iso", "excel"):
        return lambda d: d if isinstance(d, str) else f"{d.year}-{d.month:02d}-{d.day:02d}"
    if style == "compact":
        return lambda d: d if isinstance(d, str) else f"{d.year}{d.month:02d}{d.day:02d}"
    return lambda d: d if isinstance(d, str) else format_date(d, style)


def _trimmed(digits: int, scale: float = 1.0):
    return lambda v: f"{v / scale:.{digits}f}".rstrip("0").rstrip(".")


def formatter(fmt: str, date_style: str):
    """The function that writes a value of column format `fmt` (None and '' stay empty)."""
    return {
        "date": _date(date_style),
        "month_compact": lambda v: f"{v[0]}{v[1]:02d}",
        "month_dash": lambda v: f"{v[0]}-{v[1]:02d}",
        "yuan": lambda v: f"{v:.2f}",
        "wan": _trimmed(4, 10_000),
        "number": _trimmed(4),
        "integer": lambda v: str(int(v)),
        "percent": lambda v: f"{v * 100:.2f}%",
        "yuan_sep": lambda v: f"{v:,.2f}",
        "fraction": lambda v: f"{v:.4f}",
        "percent_number": _trimmed(2, 0.01),
        "date_range": lambda v: f"{v[0]:%Y.%m.%d}-{v[1]:%Y.%m.%d}",
        "period_range": lambda v: f"{v[0].isoformat()}至{v[1].isoformat()}",
        "datetime": lambda v: f"{v:%Y-%m-%d %H:%M:%S}",
        "month_chinese": lambda v: f"{v[0]}年{v[1]:02d}月",
    }.get(fmt, str)


def render(spec: FileSpec, records) -> list[Row]:
    formatters = [formatter(c.format, spec.date_style) for c in spec.columns]
    return [Row([("" if v is None or v == "" else f(v)) for v, f in zip(r.values, formatters)], r.refs, r.protected)
            for r in records]


def csv_bytes(spec: FileSpec, rows: list[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=spec.delimiter, lineterminator=spec.line_terminator)
    if spec.title_row:
        writer.writerow([spec.title_row])
    writer.writerow([c.header for c in spec.columns])
    for row in rows:
        if row.raw_cut is not None:  # the export stopped mid-line: no quoting, no line end
            line = spec.delimiter.join(row.cells)
            buffer.write(line[: max(len(row.cells[0]) + 2, len(line) * 3 // 5)])
        else:
            writer.writerow(row.cells)
    return buffer.getvalue().encode(spec.encoding)


def xlsx_bytes(spec: FileSpec, rows: list[Row]) -> bytes:
    """openpyxl output made reproducible: fixed document times and zip entry times."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(spec.title[:31])
    if spec.title_row:
        sheet.append([spec.title_row])
    sheet.append([c.header for c in spec.columns])
    numeric = [c.format in NUMERIC for c in spec.columns]
    dates = [c.format == "date" and spec.date_style == "excel" for c in spec.columns]
    for row in rows:
        cells = []
        for i, cell in enumerate(row.cells):
            if i < len(numeric) and numeric[i] and re.fullmatch(r"-?\d+(\.\d+)?", cell):
                cells.append(int(cell) if cell.lstrip("-").isdigit() else float(cell))
            elif i < len(dates) and dates[i] and (day := _excel_date(cell)) is not None:
                cells.append(day)
            else:
                cells.append(cell)
        sheet.append(cells)
    workbook.properties.creator = "export"
    workbook.properties.created = dt.datetime(2024, 3, 31)
    raw = io.BytesIO()
    workbook.save(raw)
    return restamp_zip(raw.getvalue())


def _excel_date(cell: str) -> dt.date | None:
    """An ISO date as a date cell; an impossible one stays text, as a clerk's typing does."""
    match = ISO_DATE.fullmatch(cell)
    if not match:
        return None
    try:
        return dt.date(*map(int, match.groups()))
    except ValueError:
        return None


def restamp_zip(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + FIXED_DOC_TIME.encode() + rb"\g<3>", content)
            stamped = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            stamped.compress_type = zipfile.ZIP_DEFLATED
            stamped.external_attr = 0o600 << 16
            target.writestr(stamped, content)
    return out.getvalue()


def write_file(spec: FileSpec, records, out: Path, rng: random.Random, prefixes: tuple[str, ...],
               truth, mess_log, entity_type) -> dict:
    """Write one export; log truth and mess rows; return its manifest entry."""
    rows, counts = inject(spec, render(spec, records), rng, prefixes)
    data = csv_bytes(spec, rows) if spec.format == "csv" else xlsx_bytes(spec, rows)
    path = out / spec.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    number = {id(row): n for n, row in enumerate(rows, start=1)}
    for n, row in enumerate(rows, start=1):
        if row.raw_cut is None:  # a truncated line names nobody reliably
            for role, entity_id in row.refs:
                if entity_id:
                    truth.writerow((spec.path, n, role, entity_type(entity_id), entity_id))
        for kind, column, detail in row.mess:
            if kind == "duplicate":
                detail = f"copy of row {number[id(row.source)]}"
            elif row.source is not None and not detail.startswith("copy"):
                detail = f"{detail} (re-entry of row {number[id(row.source)]})"
            mess_log.writerow((spec.path, n, kind, column, detail))
    duplicates = counts.get("duplicate", 0)
    quarantined = sum(v for k, v in counts.items() if k not in ("duplicate", "id_missing", "id_mistyped",
                                                                "fullwidth", "name_variant"))
    return {
        "path": spec.path, "department": spec.department, "title": spec.title, "format": spec.format,
        "encoding": spec.encoding if spec.format == "csv" else None,
        "delimiter": spec.delimiter if spec.format == "csv" else None,
        "line_terminator": spec.line_terminator if spec.format == "csv" else None,
        "date_style": spec.date_style, "header_rows": 2 if spec.title_row else 1,
        "columns": [c.header for c in spec.columns],
        "rows": len(rows), "clean_rows": len(rows) - duplicates - quarantined, "duplicates": duplicates,
        "quarantined": quarantined, "mess": counts,
        "roles": {r.name: {"entity": r.entity, "name_column": r.name_column, "id_column": r.id_column}
                  for r in spec.roles},
        "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
    }
