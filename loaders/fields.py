"""Field types: how one cell is normalised and validated.

Each type is a small function `parse(raw, spec) -> value` that raises `FieldProblem(reason)`
for a value it cannot accept. Text is NFKC-normalised (full-width → half-width) and its
whitespace folded; names are also converted from traditional to simplified Chinese.

    >>> parse_value(FieldSpec("d", "date"), "2016年8月30日")
    datetime.date(2016, 8, 30)
    >>> parse_value(FieldSpec("a", "amount", unit="万元"), "1.5")
    15000.0
    >>> values, failures = parse_column(FieldSpec("a", "amount"), ["1.5", "x", "1.5"])
    >>> values.to_pylist(), failures
    ([1.5, None, 1.5], [(1, "not a number: 'x'")])
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc

from crossaudit.loaders import identifiers


class FieldProblem(ValueError):
    """A cell value that cannot be accepted; the message is the reason."""


@dataclass(frozen=True)
class FieldSpec:
    field: str
    type: str = "text"
    required: bool = False
    unit: str | None = None  # amount: 元 (default) or 万元; percent: percent (default) or fraction
    codes: dict[str, Any] | None = None
    formats: tuple[str, ...] = ()
    allow_negative: bool = False
    on_invalid: str = "quarantine"  # or "null": keep the row, drop the value, note why
    derive: tuple["Derive", ...] = ()  # fields cut from this one's text, each typed like a column
    date_range: tuple[dt.date, dt.date] | None = None  # a date column's plausible dates (default: plausible_dates())

    def __post_init__(self) -> None:
        if self.on_invalid not in ("quarantine", "null"):
            raise ValueError(f"on_invalid must be quarantine or null, got {self.on_invalid!r}")
        if self.type not in FIELD_TYPES:
            raise ValueError(f"unknown field type {self.type!r}")
        if self.unit is not None and self.unit not in UNITS.get(self.type, ()):
            allowed = " or ".join(UNITS.get(self.type, ()))
            raise ValueError(f"a {self.type} column's unit must be {allowed}, got {self.unit!r}" if allowed else
                             f"a {self.type} column has no unit (amount and percent columns do), got {self.unit!r}")
        if self.date_range is not None and (self.type != "date" or not self.date_range[0] <= self.date_range[1]):
            raise ValueError("date_range goes with type: date and is [earliest, latest], such as "
                             f"[1800-01-01, 2199-12-31]; got {list(self.date_range)}")
        if self.type == "code" and not self.codes:
            raise ValueError("a code column needs its code table under 'codes'")
        if self.type == "code":
            try:
                pa.array(list(self.codes.values()))
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                raise ValueError(f"the code table's values must be of one type, got {list(self.codes.values())}") from None


UNITS = {"amount": ("元", "万元"), "percent": ("percent", "fraction")}


@dataclass(frozen=True)
class Derive(FieldSpec):
    """A field cut from a column's text, then typed like a column (its own type, formats, unit …):
    part `part` (0-based, negative from the end) of the text split on `split`, or characters
    `slice` = (start, end) (0-based, end excluded). Null where the text has no such part or is
    shorter than `end`.

        >>> until = Derive("valid_until", "date", split="-", part=1)
        >>> until.cut(pa.array(["2021.03.15-2026.03.14", "2021"])).to_pylist()
        ['2026.03.14', None]
    """

    split: str | None = None
    part: int = 0
    slice: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.split is None) == (self.slice is None):
            raise ValueError("a derive needs split (with part) or slice, one of them")
        if self.split == "":
            raise ValueError("split needs a separator")
        if self.slice is not None and not 0 <= self.slice[0] < self.slice[1]:
            raise ValueError(f"slice must be [start, end], whole numbers with 0 <= start < end; got {list(self.slice)}")

    def piece(self, text: str) -> str | None:
        """This derive's piece of one text: `Derive("to", split="-", part=1).piece("a-b")` → 'b'."""
        if self.slice is not None:
            start, end = self.slice
            return text[start:end] if len(text) >= end else None
        parts = text.split(self.split)
        return parts[self.part] if -len(parts) <= self.part < len(parts) else None

    def cut(self, values: pa.Array) -> pa.Array:
        """The piece of each value's text (a string array, null where there is none), once per distinct text."""
        encoded = pc.dictionary_encode(as_text(values))
        return pa.array(list(map(self.piece, encoded.dictionary.to_pylist())), pa.string()).take(encoded.indices)


# --- normalisers ------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")


def clean_text(value: Any) -> str:
    """NFKC (full-width → half-width), whitespace folded and stripped."""
    text = str(value)
    # Most cells are clean already: printable text has no whitespace but ' ' (so nothing to fold
    # if no '  '), and the NFKC quick check is cheap.
    if text.isprintable() and "  " not in text and unicodedata.is_normalized("NFKC", text):
        return text.strip()
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s"), _t2s_changing(Path(opencc.__file__).parent / "clib")


def _t2s_changing(clib: Path) -> frozenset[str] | None:
    """A character of each entry of opencc's t2s dictionaries that converts to something else
    (of a phrase, the first character it changes): a text with none of them is its own
    simplified form. Read with opencc's `opencc_dict`; None where the install lacks it."""
    share, tool = clib / "share" / "opencc", clib / "bin" / "opencc_dict"

    def files(node):  # the dictionary files of a configuration's dict or group of dicts
        if "dict" in node:
            return files(node["dict"])
        return [name for child in node.get("dicts", ()) for name in files(child)] or [node.get("file")]

    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
    names = [name for part in ("normalization", "conversion_chain") for node in config.get(part, ())
             for name in files(node)]
    if not tool.exists() or not all(name and (share / name).exists() for name in names):
        return None
    changed = {}
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            text = Path(folder) / f"{name}.txt"
            subprocess.run([tool, "-i", share / name, "-o", text, "-f", "ocd2", "-t", "text"], check=True,
                           capture_output=True)
            for line in text.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                if values.split(" ")[0] != key:  # the first value is the one converted to
                    changed[key] = values.split(" ")[0]
    chars = {key for key in changed if len(key) == 1}
    for key, value in changed.items():
        if len(key) > 1 and chars.isdisjoint(key):
            chars.add(next((a for a, b in zip(key, value) if a != b), key[0]))
    return frozenset(chars)


def simplified(text: str) -> str:
    """Traditional → simplified Chinese: `simplified('華興')` → `'华兴'`. Most texts have no
    character that t2s converts: they are returned as they are, without opencc's cost."""
    converter, changing = _t2s()
    if changing is not None and changing.isdisjoint(text):
        return text
    return converter.convert(text)


@lru_cache(maxsize=1 << 17)
def simplified_name(raw: str) -> str:
    """`clean_text`, then `simplified`, once per name: the loaders, then the resolver's several
    readings of an enterprise's name (its parts, its normalised form) each ask for it."""
    return simplified(clean_text(raw))


# Legal-form variants, longest first: each maps to the form kept in the normalised name.
LEGAL_FORMS = (
    ("股份有限公司", "股份有限公司"), ("股份公司", "股份有限公司"),
    ("有限责任公司", "有限公司"), ("有限公司", "有限公司"),
)


def legal_form(name: str) -> str | None:
    """The normalised legal form named in an enterprise name, or None: `'某某有限责任公司'` → `'有限公司'`."""
    for variant, form in LEGAL_FORMS:
        if variant in name:
            return form
    return None


def enterprise_name_norm(name: str) -> str:
    """Simplified characters, no spaces or brackets' width, legal form unified:
    `'寧夏華興科技有限責任公司'` → `'宁夏华兴科技有限公司'`."""
    text = simplified_name(str(name)).replace(" ", "")
    for variant, form in LEGAL_FORMS:
        if variant != form and variant in text:
            text = text.replace(variant, form)
            break
    return text


# --- parsers ----------------------------------------------------------------------------

def _text(raw: Any, spec: FieldSpec) -> str:
    return clean_text(raw)


def _name(raw: Any, spec: FieldSpec) -> str:
    return simplified_name(str(raw))


# Departments repeat the same identifiers and names on many rows: check each once.
_credit_code_problem = lru_cache(maxsize=1 << 17)(identifiers.credit_code_problem)
_id_number_problem = lru_cache(maxsize=1 << 17)(identifiers.id_number_problem)


def _identifier(problem: Callable[[str], str | None]):
    def parse(raw: Any, spec: FieldSpec) -> str:
        code = identifiers.normalize_code(raw)
        reason = problem(code)
        if reason:
            raise FieldProblem(reason)
        return code
    return parse


def _party_code(raw: Any, spec: FieldSpec) -> str:
    """A party's credit code or ID number, whichever it is."""
    code = identifiers.normalize_code(raw)
    as_credit_code = _credit_code_problem(code)
    if as_credit_code is None:
        return code
    as_id_number = _id_number_problem(code)
    if as_id_number is None:
        return code
    raise FieldProblem(f"neither a credit code ({as_credit_code}) nor an ID number ({as_id_number})")


DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日", "%Y.%m.%d")


# The dates a date column accepts unless its spec says `date_range: [earliest, latest]`: a
# register's oldest entries are 20th century, and a land-use term runs up to 70 years ahead.
# 9999-12-31 ("no end", 长期) is not a date: a spec that means it widens the range.
EARLIEST_DATE = dt.date(1900, 1, 1)
YEARS_AHEAD = 100


def plausible_dates() -> tuple[dt.date, dt.date]:
    """(EARLIEST_DATE, 31 December YEARS_AHEAD years from now)."""
    return EARLIEST_DATE, dt.date(dt.date.today().year + YEARS_AHEAD, 12, 31)


def _date(raw: Any, spec: FieldSpec) -> dt.date:
    if isinstance(raw, dt.datetime):
        value = raw.date()
    elif isinstance(raw, dt.date):
        value = raw
    else:
        value = _date_text(clean_text(raw), spec.formats or DEFAULT_DATE_FORMATS)
        if isinstance(value, str):
            raise FieldProblem(value)
    earliest, latest = spec.date_range or plausible_dates()
    if not earliest <= value <= latest:
        raise FieldProblem(f"date {value.isoformat()} is outside {earliest.isoformat()} .. {latest.isoformat()} "
                           "(a spec widens it with date_range: [earliest, latest])")
    return value


# Two numeric directives side by side (%Y%m%d): strptime alone would read 202312 as 2023-01-02.
_ADJACENT = re.compile(r"%[YmdyHMS]%[YmdyHMS]")


@lru_cache(maxsize=1 << 16)
def _date_text(text: str, formats: tuple[str, ...]) -> dt.date | str:
    """The date, or why there is none: every file repeats the same few thousand dates. A format
    without separators reads only its full width (20231201, never 202312)."""
    for fmt in formats:
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if _ADJACENT.search(fmt) and parsed.strftime(fmt) != text:
            continue
        return parsed.date()
    if text.isascii() and text.isdigit() and len(text) != 8:
        return f"not a date: {text!r} (a date without separators has 8 digits, YYYYMMDD)"
    # A well-formed but impossible date (2019年2月30日) says so.
    if re.fullmatch(r"(\d{4})\D?(\d{1,2})\D?(\d{1,2})\D?", text):
        return f"impossible date {text!r}"
    return f"not a date: {text!r}"


# A number as departments write it: thousands separated in groups of three or not at all
# (NFKC has made a full-width comma ','), a decimal point, an exponent; never float()'s
# nan, inf or 1_000.
_NUMBER = re.compile(r"[+-]?(?=\.?\d)(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.\d*)?(?:[eE][+-]?\d+)?")


def _number(raw: Any) -> float:
    if isinstance(raw, bool):
        raise FieldProblem(f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):  # a workbook's number
        value = float(raw)
    else:
        text = clean_text(raw).replace("元", "").replace("¥", "").strip()
        if not _NUMBER.fullmatch(text):
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                raise FieldProblem(f"not a finite number: {clean_text(raw)!r}")
            hint = " (thousands separators group three digits: 1,234,567)" if "," in text else ""
            raise FieldProblem(f"not a number: {clean_text(raw)!r}{hint}")
        value = float(text.replace(",", ""))
    if not math.isfinite(value):  # 1e999, or a workbook's inf
        raise FieldProblem(f"not a finite number: {clean_text(raw)!r}")
    return value


# The largest amount a DOUBLE holds to the fen (2**53 fen): beyond it, 0.01 元 is lost.
MAX_AMOUNT = (2 ** 53 - 1) / 100
MAX_INTEGER = 2 ** 63 - 1  # INT64


def _amount(raw: Any, spec: FieldSpec) -> float:
    value = _number(raw) * (10_000 if spec.unit == "万元" else 1)
    if value < 0 and not spec.allow_negative:
        raise FieldProblem(f"negative amount {clean_text(raw)!r}")
    if abs(value) > MAX_AMOUNT:
        raise FieldProblem(f"amount out of range: {clean_text(raw)!r} is beyond ±{MAX_AMOUNT:,.2f} 元")
    return round(value, 2)


def _float(raw: Any, spec: FieldSpec) -> float:
    return _number(raw)


def _percent(raw: Any, spec: FieldSpec) -> float:
    """A share as a fraction (0.355): the number is per cent unless the spec says `unit: fraction`;
    written with a % sign it is per cent whatever the unit."""
    text = clean_text(raw)
    value = _number(text.removesuffix("%"))
    return value if spec.unit == "fraction" and not text.endswith("%") else value / 100


def _integer(raw: Any, spec: FieldSpec) -> int:
    value = _number(raw)
    if not value.is_integer():
        raise FieldProblem(f"not a whole number: {clean_text(raw)!r}")
    digits = clean_text(raw).replace(",", "")  # read exactly: a float keeps 15 digits
    whole = int(digits) if _WHOLE.fullmatch(digits) else int(value)
    if abs(whole) > MAX_INTEGER:
        raise FieldProblem(f"whole number out of range: {clean_text(raw)!r} is beyond ±{MAX_INTEGER:,}")
    return whole


_WHOLE = re.compile(r"[+-]?\d+")


_TRUE = {"是", "y", "yes", "true", "1", "有"}
_FALSE = {"否", "n", "no", "false", "0", "无"}


def _bool(raw: Any, spec: FieldSpec) -> bool:
    text = clean_text(raw).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FieldProblem(f"not 是/否: {clean_text(raw)!r}")


def _code(raw: Any, spec: FieldSpec) -> Any:
    text = clean_text(raw)
    if text not in spec.codes:
        raise FieldProblem(f"{text!r} is not in the code table ({', '.join(spec.codes)})")
    return spec.codes[text]


def _phone(raw: Any, spec: FieldSpec) -> str:
    digits = re.sub(r"[\s\-()（）]", "", clean_text(raw))
    if not re.fullmatch(r"\+?\d{7,13}", digits):
        raise FieldProblem(f"not a phone number: {clean_text(raw)!r}")
    return digits


def _month(raw: Any, spec: FieldSpec) -> str:
    """A month as YYYY-MM, from 202301, 2023-01, 2023/1 or 2023年1月."""
    if isinstance(raw, (dt.date, dt.datetime)):
        return f"{raw.year:04d}-{raw.month:02d}"
    text = clean_text(raw)
    match = re.fullmatch(r"(\d{4})[-/年.]?(\d{1,2})月?", text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise FieldProblem(f"not a month: {text!r}")
    return f"{match.group(1)}-{int(match.group(2)):02d}"


FIELD_TYPES: dict[str, Callable[[Any, FieldSpec], Any]] = {
    "text": _text,
    "name": _name,
    "enterprise_name": _name,
    "address": _text,
    "credit_code": _identifier(_credit_code_problem),
    "id_number": _identifier(_id_number_problem),
    "party_code": _party_code,
    "date": _date,
    "month": _month,
    "amount": _amount,
    "number": _float,
    "percent": _percent,
    "integer": _integer,
    "bool": _bool,
    "code": _code,
    "phone": _phone,
}
IDENTIFIER_TYPES = ("credit_code", "id_number", "party_code")


def is_blank(raw: Any) -> bool:
    """None, or text that is nothing but whitespace (NFKC turns no other character into one)."""
    return raw is None or (isinstance(raw, str) and (raw == "" or raw.isspace()))


# Control characters (C0 but tab, newline and carriage return; DEL; C1): a NUL in a name is an
# export fault, never part of the name.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def parse_value(spec: FieldSpec, raw: Any) -> Any:
    """The normalised value of one cell, None for a blank one; FieldProblem if invalid."""
    if is_blank(raw):
        if spec.required:
            raise FieldProblem("required value is missing")
        return None
    if isinstance(raw, str):
        control = _CONTROL.search(raw)
        if control:
            raise FieldProblem(f"control character U+{ord(control.group()):04X} in the value")
    return FIELD_TYPES[spec.type](raw, spec)


def _outcome(spec: FieldSpec, raw: Any) -> tuple[Any, str | None]:
    try:
        return parse_value(spec, raw), None
    except FieldProblem as exc:
        return None, str(exc)


# The Arrow type of each field type's values; the others are text. A code column's is its table's.
ARROW_TYPES = {"date": pa.date32(), "amount": pa.float64(), "number": pa.float64(), "percent": pa.float64(),
               "integer": pa.int64(), "bool": pa.bool_()}


def as_text(values: pa.Array) -> pa.Array:
    """Values in their text form, as filters compare them and derives cut them: numbers as
    `1.5` or `100`, dates as YYYY-MM-DD, booleans as true/false; text as it is."""
    return values if pa.types.is_string(values.type) else pc.cast(values, pa.string())


def arrow_type(spec: FieldSpec) -> pa.DataType:
    if spec.type == "code":
        return pa.array(list(spec.codes.values())).type
    return ARROW_TYPES.get(spec.type, pa.string())


def parse_column(spec: FieldSpec, cells: Sequence[Any]) -> tuple[pa.Array, list[tuple[int, str]]]:
    """`parse_value` over a column: (values as an Arrow array, [(index, reason) of each cell that
    failed]), a failed cell's value null. Departments repeat codes, names and dates: a column of
    text is parsed once per distinct cell."""
    if not set(map(type, cells)) <= {str, type(None)}:
        # Workbook cells: 1, 1.0 and True are equal as keys but not as values; parse each.
        pairs = [_outcome(spec, raw) for raw in cells]
        failures = [(index, reason) for index, (_, reason) in enumerate(pairs) if reason]
        return pa.array([value for value, _ in pairs], arrow_type(spec)), failures
    encoded = pc.dictionary_encode(pa.array(cells, pa.string()))
    codes = encoded.indices
    outcomes = [_outcome(spec, raw) for raw in encoded.dictionary.to_pylist()]
    values = pa.array([value for value, _ in outcomes], arrow_type(spec)).take(codes)
    failed = pa.array([reason is not None for _, reason in outcomes], pa.bool_()).take(codes)
    blank = _outcome(spec, None)[1] if codes.null_count else None  # workbook cells left empty
    if blank:
        failed = pc.fill_null(failed, True)
    if not pc.any(failed).as_py():
        return values, []
    at = pc.indices_nonzero(failed)
    return values, [(index, blank if code is None else outcomes[code][1])
                    for index, code in zip(at.to_pylist(), codes.take(at).to_pylist())]
