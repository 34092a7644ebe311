"""Check characters of Chinese identifiers: generate and validate.

Two identifiers name almost every enterprise and person in department data:

* the unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters =
  registration authority (1) + organisation category (1) + division code (6) +
  organisation code (9, GB 11714, with its own check character) + check character (1);
* the resident ID number (公民身份号码, GB 11643-1999): 18 characters =
  division code (6) + birth date YYYYMMDD (8) + sequence (3, odd for men) + check (1).

Every function takes the code as a department wrote it: surrounding spaces and lower
case are tolerated (see `normalize_code`), full-width characters too.

Objects are known by numbers without a check character — the real-estate unit number
(不动产单元号), certificate (不动产权证书号), contract and permit numbers — that departments
write in full or half width, with one bracket or dash or another: `unit_no_key`,
`cert_no_key`, `contract_no_key` and `permit_no_key` give each the one key it is stored under.

    >>> credit_code_check_char("91440300192203821")
    '6'
    >>> id_number_problem("11010519491231002X") is None
    True
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from operator import mul

from crossaudit.loaders.regions import PROVINCES

# GB 32100-2015: 31 characters, no I, O, Z, S, V (they read like 1, 0, 2, 5, U).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUE = {ch: i for i, ch in enumerate(CREDIT_CODE_ALPHABET)}
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714: the 8 body characters are digits or upper-case letters (A=10 … Z=35).
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 11643 / ISO 7064 MOD 11-2.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_ZEROS = ord("0") * sum(_ID_WEIGHTS)  # what the digits' bytes weigh above their values


def is_digits(text: str) -> bool:
    """Only 0-9, at least one: `str.isdigit` also takes '²' (which `int` refuses) and '١'."""
    return text.isascii() and text.isdigit()


# Full-width ASCII (U+FF01…U+FF5E) and the ideographic space map onto ASCII.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalize_code(code: str) -> str:
    """Strip, fold full-width characters to ASCII, upper-case: `' ９１６４ｘ '` → `'9164X'`."""
    text = str(code)
    return (text if text.isascii() else text.translate(_FULLWIDTH)).strip().upper()  # ASCII: a third of the cost


# --- organisation code (GB 11714) -------------------------------------------------------

_ORG_VALUE = {ch: int(ch) for ch in "0123456789"} | {chr(ord("A") + k): 10 + k for k in range(26)}


def _org_check(body8: str) -> str:
    """The check character of a normalised body of 8 characters, each 0-9 or A-Z."""
    remainder = 11 - sum(map(mul, _ORG_WEIGHTS, map(_ORG_VALUE.__getitem__, body8))) % 11
    return "X" if remainder == 10 else "0" if remainder == 11 else str(remainder)


def org_code_check_char(body8: str) -> str:
    """The 9th character of an organisation code: `org_code_check_char('19220382')` → `'1'`."""
    body8 = normalize_code(body8)
    if len(body8) != 8:
        raise ValueError(f"organisation code body must have 8 characters, got {body8!r}")
    if bad := [c for c in body8 if c not in _ORG_VALUE]:
        raise ValueError(f"organisation code character {bad[0]!r} is not a digit or A-Z")
    return _org_check(body8)


def org_code_problem(code: str) -> str | None:
    """Why a 9-character organisation code is invalid, or None."""
    return _org_problem(normalize_code(code).replace("-", ""))


def _org_problem(code: str) -> str | None:
    """`org_code_problem` of a code already normalised."""
    if len(code) != 9:
        return f"organisation code must have 9 characters, got {len(code)}"
    if not all(c in _ORG_VALUE for c in code):
        return "organisation code has a character other than 0-9 and A-Z"
    if (expected := _org_check(code[:8])) != code[8]:
        return f"bad organisation code check character: {code[8]!r}, expected {expected!r}"
    return None


# --- unified social credit code (GB 32100-2015) -----------------------------------------

def credit_code_check_char(first17: str) -> str:
    """The 18th character of a credit code from its first 17."""
    first17 = normalize_code(first17)
    if len(first17) != 17:
        raise ValueError(f"credit code without its check character must have 17 characters, got {first17!r}")
    if bad := [c for c in first17 if c not in _CREDIT_VALUE]:
        raise ValueError(f"credit code character {bad[0]!r} is not in the GB 32100 alphabet")
    return _credit_check(first17)


def _credit_check(first17: str) -> str:
    """The check character of 17 normalised characters of the GB 32100 alphabet."""
    total = sum(map(mul, _CREDIT_WEIGHTS, map(_CREDIT_VALUE.__getitem__, first17)))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """Why a credit code is invalid (length, character, organisation code, check), or None.

    >>> credit_code_problem("91440300192203821")
    'credit code must have 18 characters, got 17'
    """
    code = normalize_code(code)
    if len(code) != 18:
        return f"credit code must have 18 characters, got {len(code)}"
    bad = [c for c in code if c not in _CREDIT_VALUE]
    if bad:
        return f"credit code has character {bad[0]!r}, not in the GB 32100 alphabet (no I, O, Z, S, V)"
    if not is_digits(code[2:8]):
        return f"credit code division code {code[2:8]!r} is not 6 digits"
    org = _org_problem(code[8:17])
    if org:
        return org
    expected = _credit_check(code[:17])
    if code[17] != expected:
        return f"bad credit code check character: {code[17]!r}, expected {expected!r}"
    return None


# A credit code's shape: 18 characters of the alphabet, the 3rd to 8th digits (the division).
_CREDIT_SHAPE = re.compile(f"[{CREDIT_CODE_ALPHABET}]{{2}}[0-9]{{6}}[{CREDIT_CODE_ALPHABET}]{{10}}")


def is_valid_credit_code(code: str) -> bool:
    """`credit_code_problem(code) is None`, without building the reason: the shape by one regular
    expression, then the organisation code's and the code's check characters (a resolver checks
    every distinct code of a hundred thousand records, a loader every row's)."""
    code = normalize_code(code)
    return (len(code) == 18 and _CREDIT_SHAPE.fullmatch(code) is not None
            and _org_check(code[8:16]) == code[16] and _credit_check(code[:17]) == code[17])


def make_org_code(body8: str) -> str:
    """A 9-character organisation code from its 8-character body."""
    return normalize_code(body8) + org_code_check_char(body8)


def make_credit_code(division: str, org_body8: str, authority: str = "9", category: str = "1") -> str:
    """Build a valid credit code.

    `authority` '9' is market regulation (工商), '1' government organisation (机构编制);
    `category` '1' enterprise / 机关, '2' individual business, '3' other.

    >>> make_credit_code("440300", "19220382")
    '914403001922038216'
    """
    if len(division) != 6 or not is_digits(division):
        raise ValueError(f"division code must be 6 digits, got {division!r}")
    first17 = f"{authority}{category}{division}{make_org_code(org_body8)}"
    return first17 + credit_code_check_char(first17)


# --- resident ID number (GB 11643-1999) -------------------------------------------------

def id_number_check_char(first17: str) -> str:
    """The 18th character of a resident ID number: ISO 7064 MOD 11-2, 10 written 'X'."""
    first17 = normalize_code(first17)
    if len(first17) != 17 or not is_digits(first17):
        raise ValueError(f"ID number without its check character must be 17 digits, got {first17!r}")
    return _id_check(first17)


def _id_check(first17: str) -> str:
    """The check character of 17 ASCII digits: their bytes less ord('0') each, a third of int()'s cost."""
    return _ID_CHECK[(sum(map(mul, _ID_WEIGHTS, first17.encode())) - _ID_ZEROS) % 11]


def id_number_birth_date(code: str) -> dt.date | None:
    """The birth date in an ID number, or None if it is not a real date."""
    return _birth_date(normalize_code(code))


def _birth_date(code: str) -> dt.date | None:
    """`id_number_birth_date` of a number already normalised."""
    try:
        return dt.date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        return None


def id_number_gender(code: str) -> str:
    """'M' or 'F': the 17th digit is odd for men, even for women."""
    return "M" if int(normalize_code(code)[16]) % 2 else "F"


def id_number_problem(code: str, today: dt.date | None = None) -> str | None:
    """Why an ID number is invalid (length, character, region, birth date, check), or None.

    `today`, if given, rejects birth dates after it (kept a parameter so results never
    depend on the clock).
    """
    code = normalize_code(code)
    if len(code) == 15 and is_digits(code):
        return "15-digit first-generation ID number; convert it to 18 digits"
    if len(code) != 18:
        return f"ID number must have 18 characters, got {len(code)}"
    if not is_digits(code[:17]) or not (is_digits(code[17]) or code[17] == "X"):
        return "ID number must be 17 digits and a check digit or X"
    if code[:2] not in PROVINCES:
        return f"ID number region {code[:6]!r}: {code[:2]!r} is not a province code"
    birth = _birth_date(code)
    if birth is None or birth.year < 1850:
        return f"ID number birth date {code[6:14]!r} is impossible"
    if today is not None and birth > today:
        return f"ID number birth date {code[6:14]!r} is after {today.isoformat()}"
    expected = _id_check(code[:17])
    if code[17] != expected:
        return f"bad ID number check character: {code[17]!r}, expected {expected!r}"
    return None


def is_valid_id_number(code: str) -> bool:
    return id_number_problem(code) is None


def make_id_number(division: str, birth: dt.date, sequence: int, gender: str) -> str:
    """Build a valid ID number; the sequence's last digit is forced odd for 'M', even for 'F'.

    >>> make_id_number("110105", dt.date(1949, 12, 31), 1, "F")
    '11010519491231002X'
    """
    if gender not in ("M", "F"):
        raise ValueError(f"gender must be 'M' or 'F', got {gender!r}")
    seq = sequence % 1000
    if (seq % 2 == 1) != (gender == "M"):
        seq = seq + 1 if seq < 999 else seq - 1
    first17 = f"{division}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_char(first17)


# --- object numbers: unit, certificate, contract, permit ---------------------------------
# After NFKC (full width → ASCII), the brackets, dashes and dots that are still told apart.
_OPENING, _CLOSING, _DASHES, _DOTS = "〔［[【〖", "〕］]】〗", "‐‑‒–—―−", "·・‧"
_ONE_FORM = str.maketrans({**dict.fromkeys(_OPENING, "("), **dict.fromkeys(_CLOSING, ")"),
                           **dict.fromkeys(_DASHES, "-"), **dict.fromkeys(_DOTS, ".")})
_SPACE = re.compile(r"\s+")


@lru_cache(maxsize=1 << 17)  # a load keys each number of a chunk twice: the node, its co-citation
def document_no_key(text: str | None) -> str | None:
    """A number as written on a document, in one form: NFKC (full width → half), no spaces,
    upper case, every bracket `()`, every dash `-`, every dot `.`; None if blank.

        document_no_key(" 宁〔2021〕银川市不动产权第００１２３４５号") → '宁(2021)银川市不动产权第0012345号'"""
    if text is None:
        return None
    key = _SPACE.sub("", unicodedata.normalize("NFKC", str(text))).translate(_ONE_FORM).upper()
    return key or None


@lru_cache(maxsize=1 << 17)
def unit_no_key(text: str | None) -> str | None:
    """A real-estate unit number (不动产单元号, 28 letters and digits: GB/T 37346) without the
    separators some registers print between its parts:
    `unit_no_key("640104 001001 GB00001 Ｆ00010001")` → '640104001001GB00001F00010001'."""
    key = document_no_key(text)
    return key and (re.sub(r"[-.()]", "", key) or None)


# A certificate, contract or permit number keeps its punctuation: 宁(2021)… and 宁2021… are
# different texts on paper, and nothing says a department dropped the brackets.
cert_no_key = contract_no_key = permit_no_key = document_no_key

# The identifiers an object is known by, its canonical one first (the unit number: stable
# across transfers, while each transfer issues a new certificate): a row naming one object by
# two of them says they are the same object. Property and Contract nodes are keyed by the
# first one a row gives; a Permit by its number.
OBJECT_IDENTIFIERS = {
    "Property": (("unit_no", unit_no_key), ("cert_no", cert_no_key)),
    "Contract": (("contract_no", contract_no_key), ("record_no", contract_no_key)),
    "Permit": (("permit_no", permit_no_key),),
}
