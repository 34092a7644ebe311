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
import os
import re
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, NamedTuple

from crossaudit.loaders.fields import (
    FieldProblem, FieldSpec, clean_text, parse_value, plausible_dates, simplified, simplified_name,
)
from crossaudit.loaders.identifiers import is_valid_credit_code, is_valid_id_number, normalize_code
from crossaudit.resolve.divisions import TABLE, level_of


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


_NON_DIGIT = re.compile(r"\D")


def phone_digits(value: Any) -> str | None:
    """Digits only, without a leading +86: `'+86 139-0951-0000'` → `'13909510000'`."""
    digits = _NON_DIGIT.sub("", clean_text(value))
    if len(digits) > 11 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) >= 7 else None


_DIGITS_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")
# The loaders' other default forms (1958/4/16, 1998.09.24, 1958年9月1日): one separator throughout.
_WRITTEN_DATE = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})年(\d{1,2})月(\d{1,2})日")


@lru_cache(maxsize=1 << 17)  # birth dates repeat: a hundred thousand people share thirty thousand
def iso_date(value: Any) -> str | None:
    """Any date the loaders accept, as YYYY-MM-DD: `'19650313'` → `'1965-03-13'`,
    `'1958年9月1日'` → `'1958-09-01'`."""
    text = str(value).strip()
    if match := _DIGITS_DATE.fullmatch(text) or _WRITTEN_DATE.fullmatch(text):  # without strptime's cost
        try:
            date = dt.date(*(int(part) for part in match.groups() if part and part.isdigit()))
        except ValueError:
            return None
        earliest, latest = plausible_dates()
        return date.isoformat() if earliest <= date <= latest else None
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

def _narrowed(code: str | None, candidates: tuple[str, ...]) -> str | None:
    """The code a name stands for after `code`: the candidate inside it, the only one, the one
    of highest level, or what the candidates share (朝阳区 after 北京 is 110105; alone, in no
    one province)."""
    if len(candidates) == 1:
        return candidates[0]
    inside = [c for c in candidates if c.startswith(code) and c != code] if code else []
    if len(inside) == 1:
        return inside[0]
    among = inside or candidates
    shortest = min(map(len, among))
    highest = [c for c in among if len(c) == shortest]
    if len(highest) == 1:  # 河北 is the province before Tianjin's 河北区
        return highest[0]
    shared = os.path.commonprefix(inside or list(candidates))
    shared = shared[: len(shared) // 2 * 2]
    return shared if len(shared) > len(code or "") else code


class _Names(dict):
    """Division names → codes, knowing the lengths of the names that begin with each two
    characters, longest first, so `at` slices the text only at those lengths."""

    def __init__(self, names: dict[str, tuple[str, ...]]):
        super().__init__(names)
        lengths: dict[str, set[int]] = {}
        for name in self:
            if len(name) >= 2:
                lengths.setdefault(name[:2], set()).add(len(name))
        self.lengths = {head: sorted(found, reverse=True) for head, found in lengths.items()}

    def at(self, text: str, start: int = 0) -> str:
        """The longest name at `start` of `text`, or ''."""
        for length in self.lengths.get(text[start: start + 2], ()):
            if (name := text[start: start + length]) in self:
                return name
        return ""


_LEADING, _FOLLOWING, _FULL = _Names(TABLE.leading), _Names(TABLE.following), _Names(TABLE.full_names)
MAX_NAME = max(map(len, TABLE.following))


def split_region(text: str, keep: int = 2) -> tuple[str | None, str]:
    """Strip leading division names (as many as lead) → (the most specific one's code, rest);
    at least `keep` characters stay: `split_region('宁夏银川华兴科技')` → `('6401', '华兴科技')`.
    After the first, divisions inside the one before count (苏州市吴中 → 320506; 兴庆区解放西街 is
    no 解放区 of 焦作), others only by a full or unique name, the last one written giving the code
    (a clerk's own county before the firm's: 海原青铜峡市人民医院 → 640381, 人民医院)."""
    code, names = None, _LEADING
    while (text[:2] in _FOLLOWING.lengths  # the head of every name: most texts end on a street or trade name
           and (name := names.at(text)
                or code and (_UNIQUE_COUNTIES.at(text) or _FULL.at(text))
                or _short_before_full(text))
           and len(text) - len(name) >= keep):
        found = _narrowed(code, names.get(name) or _UNIQUE_COUNTIES.get(name) or _FULL.get(name) or _FOLLOWING[name])
        inside = _INSIDE.get(found, _NONE) if found else _NONE
        if (name not in _FULL and _STREET.match(text, len(name))
                and not inside.at(text, len(name))):
            break  # a street named after the place: 北京中路, 中山路 (but 唐山路南区 is a district)
        code, text, names = found, text[len(name):], inside
    return code, text



def _short_before_full(text: str) -> str:
    """A county or city by its short name at the start, when another division's full name
    follows it (海原|青铜峡市人民医院); alone, a short name may be a trade name (海原牧业)."""
    short = _FOLLOWING.at(text)
    return short if short and _FULL.at(text, len(short)) else ""


# What follows a short name that is a street's, not a division's: 北京|中路, 中山|路, 长安|街.
_STREET = re.compile(r"[东南西北中]?(?:路|街|大街|大道|道|巷|胡同|弄)")


def _inside_index() -> dict[str, _Names]:
    """Province or city code → the names (full and short) of the divisions inside it."""
    index: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, codes in TABLE.following.items():
        for code in codes:
            for cut in range(2, len(code), 2):
                index.setdefault(code[:cut], {})[name] = codes
    return {code: _Names(names) for code, names in index.items()}


_INSIDE, _NONE = _inside_index(), _Names({})


# A county's full name that no other division bears, read after any division (塔城地区青河县:
# 青河县 is Altay's, but a county all the same).
_UNIQUE_COUNTIES = _Names({name: codes for name, codes in TABLE.full_names.items()
                           if len(codes) == 1 and level_of(codes[0]) == "county"})


_POSTCODE = re.compile(r"[,;]?\(?(?:邮编|邮政编码):?\d{6}\)?|(?<=[^\d])[,;]?\d{6}$")
_NUMBER_SIGN = re.compile(r"(\d+)#")
_SEPARATOR = re.compile(r"[,;、\s]+")


class AddressParts(NamedTuple):
    """An address taken apart: division codes (short, None where not given), street, number."""
    province: str | None
    city: str | None
    county: str | None
    street: str
    number: str

    @property
    def code(self) -> str | None:
        return self.county or self.city or self.province

    @property
    def rest(self) -> str:
        return self.street + self.number


_HOUSE_NUMBER = re.compile(r"\d+号.*$")


def address_parts(value: str) -> AddressParts | None:
    """Province, city, county, street and number of an address however it is written: a
    postcode dropped (邮编750001), `#` read as 号, divisions written last moved first:
    `address_parts('解放西街12#，银川市，宁夏 邮编750001')` → ('64', '6401', None, '解放西街', '12号')."""
    if _kept is None:
        return _parsed_address(value)
    if value not in _kept:
        _kept[value] = _parsed_address(value)
    return _kept[value]


_kept: dict[str, AddressParts | None] | None = None  # inside addresses_kept(): every address parsed there


@contextmanager
def addresses_kept():
    """Inside, each address is parsed once and kept until the end, however many fields read it
    (a person's region, then address) and however many distinct addresses there are: more than
    the lasting cache of `address_parts` holds, kept small for a load's peak memory."""
    global _kept
    outer, _kept = _kept, {} if _kept is None else _kept
    try:
        yield
    finally:
        _kept = outer


@lru_cache(maxsize=1 << 16)
def _parsed_address(value: str) -> AddressParts | None:
    """`address_parts`, the last 65k parses cached (for readers outside `addresses_kept`)."""
    text = simplified(clean_text(value))
    if "邮" in text or text[-6:].isdigit():  # most addresses have no postcode and no '#': no regex
        text = _POSTCODE.sub("", text)
    if "#" in text:
        text = _NUMBER_SIGN.sub(r"\1号", text)
    pieces = [piece for piece in _SEPARATOR.split(text) if piece]
    if not pieces:
        return None
    if len(pieces) > 1:  # a piece that is divisions only (兴庆区, 双江, 银川市兴庆区) goes first, the highest first
        divisions = [piece for piece in pieces if piece in TABLE.following or not split_region(piece, keep=0)[1]]
        pieces = sorted(divisions, key=lambda piece: min(map(len, TABLE.following[_FOLLOWING.at(piece) or piece]))
                        ) + [piece for piece in pieces if piece not in divisions]
    code, rest = split_region("".join(pieces), keep=0)  # 固原市彭阳县: the county, no street
    number = _HOUSE_NUMBER.search(rest)
    code = code or ""
    return AddressParts(code[:2] or None, code[:4] if len(code) >= 4 else None, code if len(code) == 6 else None,
                        rest[: number.start()] if number else rest, number.group() if number else "")


def address_text(value: Any) -> str | None:
    """Chinese address without its divisions and postcode: street and number,
    `'宁夏回族自治区银川市兴庆区解放西街12号'` → `'解放西街12号'`."""
    parts = address_parts(str(value))
    return parts.rest or None if parts else None


def address_region(value: Any) -> str | None:
    """The most specific division an address names: `'银川市兴庆区解放西街12号'` → `'640104'`."""
    parts = address_parts(str(value))
    return parts.code if parts else None


def house_number(value: Any) -> str | None:
    """An address's number and what follows, if specific enough to block on (a building or a
    flat, not 12号 alone): `'兴业路239号10栋1201室'` → `'239号10栋1201室'`."""
    parts = address_parts(str(value))
    return parts.number if parts and len(parts.number) >= 6 else None


def address_key(value: Any) -> str | None:
    """One place's address however much of its division the writer spelled out: the county's
    code and the rest, `'银川市兴庆区解放西街１２号'` → `'640104|解放西街12号'`; None without a
    county (a street address alone may be in any county) or without a street (a county is no place)."""
    parts = address_parts(str(value))
    return f"{parts.county}|{parts.rest}" if parts and parts.county and parts.rest else None


# --- enterprise names -----------------------------------------------------------------

class NameParts(NamedTuple):
    """An enterprise name taken apart: 宁夏 | 华兴科技 | 有限公司 | 银川分公司."""
    region: str | None  # division code of the region prefix or bracket, e.g. '64'
    core: str  # the trade name and industry, without region, 集团 and legal form
    legal_form: str | None
    branch: str  # '' for a head office, e.g. '银川分公司' for a branch
    parent_core: str | None  # a branch's parent's core name


# Legal forms as written → as kept, longest first (a partnership's kind is its bracket).
LEGAL_FORMS_CN = (
    ("股份有限公司", "股份有限公司"), ("股份公司", "股份有限公司"),
    ("有限责任公司", "有限公司"), ("有限公司", "有限公司"),
    ("合伙企业(特殊普通合伙)", "合伙企业(特殊普通合伙)"), ("合伙企业(普通合伙)", "合伙企业(普通合伙)"),
    ("合伙企业(有限合伙)", "合伙企业(有限合伙)"), ("普通合伙企业", "合伙企业(普通合伙)"),
    ("有限合伙企业", "合伙企业(有限合伙)"), ("合伙企业", "合伙企业"),
    ("(特殊普通合伙)", "合伙企业(特殊普通合伙)"), ("(普通合伙)", "合伙企业(普通合伙)"),
    ("(有限合伙)", "合伙企业(有限合伙)"),
    ("个人独资企业", "个人独资企业"), ("个人独资", "个人独资企业"), ("独资企业", "个人独资企业"),
    ("个体工商户", "个体工商户"), ("农民专业合作社", "农民专业合作社"),
    ("公司", "公司"), ("有限", "有限公司"),  # 有限: a name cut short
)
_BRACKETS = str.maketrans("[]【】〔〕［］", "()()()()")
_OTHER_BRACKET = re.compile(r"[\[\]【】〔〕［］]")
_BRACKETED = re.compile(r"\(([^()]*)\)")
_GROUP = re.compile(r"(?:\(集团\)|集团)$")
_BRANCH = re.compile(r"(分公司|分店|分厂|营业部|办事处|分行|支行)$")


def _round_brackets(text: str) -> str:
    """Square and lenticular brackets as round ones: `'泰远[宁夏]'` → `'泰远(宁夏)'`. Most names
    have none, and a search finds that eight times faster than `translate` (on Chinese text)."""
    return text.translate(_BRACKETS) if _OTHER_BRACKET.search(text) else text


def _drop_bracketed_regions(text: str) -> tuple[str | None, str]:
    """Brackets that hold a division, wherever they stand, taken out: `'泰远煤业(宁夏)'` →
    ('64', '泰远煤业'); other brackets stay, kept as written."""
    code = None
    if "(" not in text:  # most names: no bracket to look into
        return code, text
    for match in reversed(list(_BRACKETED.finditer(text))):
        found, rest = split_region(match.group(1), keep=0)
        if found and not rest:
            code = found if code is None or len(found) > len(code) else code
            text = text[: match.start()] + text[match.end():]
    return code, text


def _legal_form_at_end(text: str) -> tuple[str, str | None]:
    """(text without its trailing legal form, the form kept) for the longest form that ends it."""
    for variant, form in LEGAL_FORMS_CN:
        if text.endswith(variant) and len(text) > len(variant):
            return text[: -len(variant)], form
    return text, None


@lru_cache(maxsize=1 << 16)
def enterprise_name_parts(value: str) -> NameParts:
    """Split a name: `'宁夏华兴科技有限责任公司银川分公司'` → region '64', core '华兴科技',
    legal form '有限公司', branch '银川分公司', parent_core '华兴科技'. Regions in brackets anywhere
    (泰远煤业(宁夏)), 集团 and every legal form come off the core."""
    text = _round_brackets(simplified_name(value).replace(" ", ""))
    bracketed, text = _drop_bracketed_regions(text)
    branch = ""
    if _BRANCH.search(text):
        head, form_found = _cut_after_legal_form(text)
        if form_found:
            text, branch = head, text[len(head):]
        else:  # 华兴科技银川分公司: the branch is the trailing region and suffix
            suffix = _BRANCH.search(text).group()
            stem = text[: -len(suffix)]
            place = next((stem[start:] for start in range(max(2, len(stem) - MAX_NAME), len(stem) - 1)
                          if stem[start:] in TABLE.following), "")
            text, branch = stem[: len(stem) - len(place)], place + suffix
    text, form = _legal_form_at_end(text)
    branch = _branch_place_short(branch)
    text = _GROUP.sub("", text) or text
    region, core = split_region(text)
    if bracketed and (region is None or len(bracketed) > len(region)):
        region = bracketed
    return NameParts(region, core, form, branch, core if branch else None)


def _branch_place_short(branch: str) -> str:
    """A branch's place by its short name, as writers vary it: `'石嘴山市分公司'` → `'石嘴山分公司'`."""
    suffix = _BRANCH.search(branch)
    if not suffix:  # a head office ('') or no place to shorten
        return branch
    place = branch[: suffix.start()]
    codes = TABLE.codes(place)
    short = TABLE.short_name(place, level_of(codes[0])) if codes else None
    return short + branch[len(place):] if short and TABLE.codes(short) else branch


def _cut_after_legal_form(text: str) -> tuple[str, bool]:
    """The text up to the last legal form before a branch suffix, and whether one was found."""
    ends = [text[:-3].rfind(variant) + len(variant) for variant, _ in LEGAL_FORMS_CN if variant in text[:-3]]
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


def value_set(value: Any) -> str | None:
    """Values joined by '|', each once, sorted: `'b|a|b'` → `'a|b'`."""
    values = sorted({part.strip() for part in str(value).split("|") if part.strip()})
    return "|".join(values) or None

