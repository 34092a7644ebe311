"""Normalisers: one raw cell → the value a comparison or blocking key reads, or None.

Each is a plain function of one value, applied once per distinct value of a column. The
Chinese text normalisers reuse the loaders' (NFKC, traditional → simplified, legal forms).

    >>> enterprise_name_parts("寧夏華興科技有限責任公司").core
    '华兴科技'
    >>> phone_digits("0951-602 1234")
    '09516021234'
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, NamedTuple

from crossaudit.loaders.fields import (
    FieldProblem, FieldSpec, LEGAL_FORMS, clean_text, enterprise_name_norm, legal_form, parse_value, simplified,
)
from crossaudit.loaders.identifiers import is_valid_credit_code, is_valid_id_number, normalize_code
from crossaudit.loaders.regions import DIVISIONS, PROVINCES


def lower_text(value: Any) -> str | None:
    """NFKC, folded whitespace, lower case: `' Miami  Beach '` → `'miami beach'`."""
    value = str(value)
    text = (" ".join(value.split()) if value.isascii() else clean_text(value)).lower()  # NFKC keeps ASCII
    return text or None


def chinese_text(value: Any) -> str | None:
    """NFKC, simplified characters, no spaces: `'銀川 市'` → `'银川市'`."""
    text = simplified(clean_text(value)).replace(" ", "")
    return text or None


def code_text(value: Any) -> str | None:
    """An identifier as written, folded: `' ｂ-12 '` → `'B-12'`."""
    text = normalize_code(value).replace(" ", "")
    return text or None


def valid_credit_code(value: Any) -> str | None:
    """The credit code if its check characters hold, else None (an invalid code identifies nothing)."""
    code = normalize_code(value)
    return code if is_valid_credit_code(code) else None


def valid_id_number(value: Any) -> str | None:
    """The resident ID number if valid, else None."""
    code = normalize_code(value)
    return code if is_valid_id_number(code) else None


def phone_digits(value: Any) -> str | None:
    """Digits only, without a leading +86: `'+86 139-0951-0000'` → `'13909510000'`."""
    digits = re.sub(r"\D", "", clean_text(value))
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) >= 7 else None


_DIGITS_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def iso_date(value: Any) -> str | None:
    """Any date the loaders accept, as YYYY-MM-DD: `'19650313'` → `'1965-03-13'`."""
    text = str(value).strip()
    if match := _DIGITS_DATE.fullmatch(text):  # the common forms, without strptime's cost
        try:
            return dt.date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    try:
        parsed = parse_value(_DATE, value)
    except FieldProblem:
        return None
    return parsed.isoformat() if parsed else None


_DATE = FieldSpec("date", "date")


def number(value: Any) -> float | None:
    """A float, or None: `'1,200.5'` → `1200.5`."""
    try:
        return float(str(value).replace(",", ""))
    except ValueError:
        return None


# --- regions --------------------------------------------------------------------------

def _region_names() -> dict[str, str]:
    """Every way a name or address starts with a division → its code without trailing zeros."""
    names: dict[str, str] = {}
    for code, name in PROVINCES.items():
        names[name] = code
        names[re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", name)] = code
    for division in DIVISIONS.values():
        short_code = re.sub(r"(00)+$", "", division.code)
        if division.name != "市辖区":
            names.setdefault(division.name, short_code)
        names.setdefault(division.short_name, short_code)
    return names


REGION_NAMES: dict[str, str] = _region_names()
_REGION_PREFIX = re.compile("|".join(sorted(map(re.escape, REGION_NAMES), key=len, reverse=True)))


def split_region(text: str, keep: int = 2) -> tuple[str | None, str]:
    """Strip leading division names (as many as lead) → (the most specific one's code, rest);
    at least `keep` characters stay: `split_region('宁夏银川华兴科技')` → `('6401', '华兴科技')`."""
    code = None
    while (match := _REGION_PREFIX.match(text)) and len(text) - match.end() >= keep:
        code = REGION_NAMES[match.group()]
        text = text[match.end():]
    return code, text


def address_text(value: Any) -> str | None:
    """Chinese address without the division names it starts with:
    `'宁夏回族自治区银川市兴庆区解放西街12号'` → `'解放西街12号'`."""
    text = chinese_text(value)
    return split_region(text)[1] if text else None


def address_key(value: Any) -> str | None:
    """One place's address however much of its division the writer spelled out: the county's
    code and the rest, `'银川市兴庆区解放西街１２号'` → `'640104|解放西街12号'`; None without a
    county (a street address alone may be in any county)."""
    text = chinese_text(value)
    code, rest = split_region(text) if text else (None, "")
    return f"{code}|{rest}" if code and len(code) == 6 and not code.endswith("00") else None


# --- enterprise names -----------------------------------------------------------------

class NameParts(NamedTuple):
    """An enterprise name taken apart: 宁夏 | 华兴科技 | 有限公司 | 银川分公司."""
    region: str | None  # division code of the region prefix, e.g. '64'
    core: str  # the trade name and industry, without region and legal form
    legal_form: str | None
    branch: str  # '' for a head office, e.g. '银川分公司' for a branch
    parent_core: str | None  # a branch's parent's core name


_BRANCH = re.compile(r"(分公司|分店|分厂|营业部|办事处)$")


@lru_cache(maxsize=1 << 16)
def enterprise_name_parts(value: str) -> NameParts:
    """Split a name: `'宁夏华兴科技有限责任公司银川分公司'` → region '64', core '华兴科技',
    legal form '有限公司', branch '银川分公司', parent_core '华兴科技'."""
    text = enterprise_name_norm(value)
    branch = ""
    if _BRANCH.search(text):
        head, form_found = _cut_after_legal_form(text)
        if form_found:
            text, branch = head, text[len(head):]
        else:  # 华兴科技银川分公司: the branch is the trailing region and suffix
            suffix = _BRANCH.search(text).group()
            stem = text[: -len(suffix)]
            place = next((name for name in sorted(REGION_NAMES, key=len, reverse=True)
                          if stem.endswith(name) and len(stem) > len(name) + 1), "")
            text, branch = stem[: len(stem) - len(place)], place + suffix
    form = legal_form(text)
    for variant, _ in LEGAL_FORMS:
        if text.endswith(variant):
            text = text[: -len(variant)]
            break
    region, core = split_region(text)
    return NameParts(region, core, form, branch, core if branch else None)


def _cut_after_legal_form(text: str) -> tuple[str, bool]:
    """The text up to the last legal form before a branch suffix, and whether one was found."""
    ends = [text.rfind(variant) + len(variant) for variant, _ in LEGAL_FORMS if variant in text[:-3]]
    end = max(ends, default=-1)
    return (text[:end], True) if 0 < end < len(text) else (text, False)


def name_core(value: Any) -> str | None:
    """The name compared: core and branch, so a branch never reads as its head office:
    `'宁夏华兴科技有限公司银川分公司'` → `'华兴科技银川分公司'`."""
    parts = enterprise_name_parts(str(value))
    return parts.core + parts.branch or None


def name_region(value: Any) -> str | None:
    return enterprise_name_parts(str(value)).region


def name_branch(value: Any) -> str:
    return enterprise_name_parts(str(value)).branch


def name_parent_core(value: Any) -> str | None:
    return enterprise_name_parts(str(value)).parent_core


def region_code(value: Any) -> str | None:
    """A division code without trailing zeros: `'640100'` → `'6401'`."""
    code = re.sub(r"\D", "", str(value))
    return re.sub(r"(00)+$", "", code) or None


# --- blocking key helpers ------------------------------------------------------------

def bigrams(text: str) -> list[str]:
    """Overlapping two-character tokens: `'华兴科技'` → `['华兴', '兴科', '科技']`."""
    return [text[i: i + 2] for i in range(len(text) - 1)] or [text]


def prefix(length: int):
    """A key function keeping the first `length` characters."""
    def first(text: str) -> list[str]:
        return [text[:length]]
    first.__name__ = f"prefix{length}"
    return first
