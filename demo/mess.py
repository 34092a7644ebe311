"""Realistic mess, injected at declared rates and counted exactly.

In-place kinds change a cell of a real row (the loader must cope: resolve by name,
normalise): id_missing, id_mistyped, fullwidth, name_variant. Row kinds add rows the
loader must drop: duplicate (an exact copy) and the quarantine kinds (an erroneous
re-entry of a real row): impossible_date, negative_amount, too_many_fields,
truncated_line. So: rows in the file = distinct valid rows + duplicates + quarantined.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from crossaudit.loaders.identifiers import CREDIT_CODE_ALPHABET, is_valid_credit_code, is_valid_id_number
from crossaudit.demo.names import NAME_VARIANT_KINDS, variant_name
from crossaudit.demo.spec import FileSpec, impossible_date

CELL_KINDS = ("id_missing", "id_mistyped", "fullwidth", "name_variant")
QUARANTINE_KINDS = ("impossible_date", "negative_amount", "too_many_fields", "truncated_line")
ROW_KINDS = ("duplicate",) + QUARANTINE_KINDS
MESS_KINDS = CELL_KINDS + ROW_KINDS
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"}
IMPOSSIBLE_DAYS = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31), (2, 29))


def to_fullwidth(text: str) -> str:
    return text.translate(FULLWIDTH)


def mistype(code: str, rng: random.Random) -> str:
    """One character substituted: always caught by the check character."""
    while True:
        i = rng.randrange(len(code))
        pool = "0123456789" if code.isdigit() or (len(code) == 18 and code[:17].isdigit()) else CREDIT_CODE_ALPHABET
        wrong = code[:i] + rng.choice(pool.replace(code[i], "")) + code[i + 1:]
        if not (is_valid_credit_code(wrong) or is_valid_id_number(wrong)):
            return wrong


@dataclass
class Row:
    cells: list[str]
    refs: tuple
    protected: bool
    raw_cut: int | None = None  # truncated_line: set, the writer cuts the rendered line short
    source: "Row | None" = None  # the real row a duplicate or erroneous re-entry copies
    mess: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, column, detail)


def inject(spec: FileSpec, rows: list[Row], rng: random.Random, prefixes: tuple[str, ...]) -> tuple[list[Row], dict]:
    """Apply the spec's mess to `rows`; return the final rows and the count of each kind."""
    counts = {kind: 0 for kind in MESS_KINDS if kind in spec.mess}
    headers = [c.header for c in spec.columns]
    roles = [r for r in spec.roles if spec.messy_roles is None or r.name in spec.messy_roles]
    id_columns = [headers.index(r.id_column) for r in roles if r.id_column]
    name_columns = [headers.index(r.name_column) for r in roles if r.name_column and r.entity != "person"]
    date_columns = [i for i, c in enumerate(spec.columns) if c.format == "date"]
    amount_columns = [i for i, c in enumerate(spec.columns) if c.format in ("yuan", "wan", "yuan_sep")]
    split_columns = [i for i, c in enumerate(spec.columns) if c.format in ("address", "name") and i != len(headers) - 1]

    free = [i for i, row in enumerate(rows) if not row.protected]
    rng.shuffle(free)
    cursor = 0
    for kind in CELL_KINDS:
        if kind not in spec.mess:
            continue
        want = round(spec.mess[kind] * len(rows))
        columns = name_columns if kind == "name_variant" else id_columns
        while counts[kind] < want and cursor < len(free):
            row = rows[free[cursor]]
            cursor += 1
            candidates = [c for c in columns if row.cells[c]]
            if not candidates:
                continue
            col = rng.choice(candidates)
            old = row.cells[col]
            if kind == "id_missing":
                new, detail = "", old
            elif kind == "id_mistyped":
                new, detail = mistype(old, rng), old
            elif kind == "fullwidth":
                new, detail = to_fullwidth(old), old
            else:
                variant = rng.choice(NAME_VARIANT_KINDS)
                new, detail = variant_name(old, variant, rng, prefixes), variant
                if new == old:
                    continue
            row.cells[col] = new
            row.mess.append((kind, headers[col], detail))
            counts[kind] += 1

    extra: list[tuple[int, Row]] = []  # (insert after this original index, row)
    clean = [i for i, row in enumerate(rows) if not row.mess]  # copies never carry another kind of mess
    for kind in ROW_KINDS:
        if kind not in spec.mess or (kind == "truncated_line" and spec.format != "csv"):
            counts.pop(kind, None)
            continue
        rate = spec.mess[kind]
        want = rate if isinstance(rate, int) else max(1, round(rate * len(rows)))
        usable = {"impossible_date": date_columns, "negative_amount": amount_columns,
                  "too_many_fields": split_columns}.get(kind, [0])
        if not usable:
            counts.pop(kind, None)
            continue
        for _ in range(want):
            at = rng.choice(clean)
            source = rows[at]
            copy = Row(list(source.cells), source.refs, True, source=source)
            col = rng.choice(usable)
            if kind == "duplicate":
                copy.mess.append((kind, "", ""))  # the writer names the original's row
            elif kind == "impossible_date":
                year = rng.choice((2019, 2021, 2022, 2023))
                month, day = rng.choice(IMPOSSIBLE_DAYS)
                copy.cells[col] = impossible_date(year, month, day, spec.date_style)
                copy.mess.append((kind, headers[col], copy.cells[col]))
            elif kind == "negative_amount":
                if copy.cells[col].startswith("-") or not any(ch in "123456789" for ch in copy.cells[col]):
                    continue  # blank, already negative, or zero: "-0.00" is no negative amount
                copy.cells[col] = "-" + copy.cells[col]
                copy.mess.append((kind, headers[col], copy.cells[col]))
            elif kind == "too_many_fields":
                text = copy.cells[col]
                cut = max(1, len(text) // 2)
                copy.cells[col:col + 1] = [text[:cut], text[cut:]]
                copy.mess.append((kind, headers[col], "field split in two"))
            else:
                copy.raw_cut = -1  # decided by the writer, which knows the rendered line
                copy.mess.append((kind, "", "last line cut short"))
            counts[kind] = counts.get(kind, 0) + 1
            extra.append((len(rows) if kind == "truncated_line" else rng.randrange(at, len(rows)), copy))
    by_position: dict[int, list[Row]] = {}
    for position, row in extra:
        by_position.setdefault(position, []).append(row)
    final: list[Row] = []
    for i, row in enumerate(rows):
        final.append(row)
        final.extend(by_position.get(i, []))
    final.extend(by_position.get(len(rows), []))
    return final, counts
