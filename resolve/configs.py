"""Ready-made configurations, one per entity type, and Febrl's person records.

Input columns each reads (the first named is required; absent others count as missing):

- enterprise: name, credit_code, address, phone, rep_name, rep_id, region_code (else the credit code's
  division), ties (houses joined by '|')
- person: name, id_number, birth_date, address, phone, ties (firms, houses, contracts joined by '|')
- property: cert_no, address, area, owner_name, owner_code
- contract: contract_no, signed_on, price, buyer_name, buyer_code, seller_name, seller_code
- febrl: given_name, surname, street_number, address_1, address_2, suburb, postcode, state,
  date_of_birth, soc_sec_id

    >>> CONFIGS["enterprise"].identifiers
    ('credit_code',)
"""
from __future__ import annotations

from crossaudit.resolve.blocking import BlockOn, bigrams, trigrams
from crossaudit.resolve.comparisons import (
    DateCloseness, EditDistance, Exact, JaroWinkler, Nested, NumberCloseness, Overlap,
)
from crossaudit.resolve.config import EntityConfig, Relation
from crossaudit.loaders.fields import enterprise_name_norm
from crossaudit.loaders.identifiers import normalize_code
from crossaudit.resolve.divisions import TABLE
from crossaudit.resolve.normalise import (
    address_region, address_text, house_number, chinese_text, code_text, enterprise_name_parts, iso_date, lower_text, name_branch,
    name_core, name_parent_core, name_region, number, phone_digits, region_code, valid_credit_code,
    valid_id_number, value_set,
)
from crossaudit.resolve.records import Field


def head_office_core(value) -> str | None:
    """The core name of a head office (None for a branch): what a branch's parent name meets."""
    parts = enterprise_name_parts(str(value))
    return None if parts.branch else parts.core or None


def party_code(value) -> str | None:
    """A valid credit code or ID number, whichever it is."""
    return valid_credit_code(value) or valid_id_number(value)


def name_pair(text: str) -> str | None:
    """Given name and surname in either order, so a swapped pair still meets:
    `'Smith|John'` → `'john|smith'`; None unless both are there."""
    names = [lower_text(part) for part in text.split("|")]
    return "|".join(sorted(names)) if all(names) else None


def _birth_date_in_id(id_number: str) -> str | None:
    """The birth date an ID number as written carries (18 digits: 7–14; 15 digits: 7–12)."""
    code = normalize_code(id_number)
    digits = code[6:14] if len(code) == 18 else "19" + code[6:12] if len(code) == 15 else ""
    return iso_date(digits) if digits.isdigit() else None


def birth_date_or_id(text: str) -> str | None:
    """The birth date given, else the one the ID number carries even when its check digit
    fails: `'|640104198003010011'` → `'1980-03-01'` (birth date and ID number joined by '|')."""
    given, id_number = text.split("|")
    return (iso_date(given) if given else None) or _birth_date_in_id(id_number)


def person_region(text: str) -> str | None:
    """The prefecture a person is registered in: the ID number's first four digits as written
    (when they name a province), else the address's: `'640104198003010011|'` → `'6401'`
    (ID number and address joined by '|')."""
    id_number, address = text.split("|")
    code = normalize_code(id_number)[:4]
    if code.isdigit() and len(code) == 4 and TABLE.is_code(code[:2]):
        return code
    region = address_region(address) if address else None
    return region[:4] if region and len(region) >= 4 else None


def enterprise_region(text: str) -> str | None:
    """The division a firm is in: its region_code, else the division its credit code was issued
    in (characters 3-8, 登记管理机关行政区划码, GB 32100-2015; a mistyped code as written too)
    when they name a province: `'|91640302MA76G4LX2K'` → `'640302'` (region_code and code
    joined by '|')."""
    given, code = text.split("|")
    if given:
        return region_code(given)
    division = normalize_code(code)[2:8]
    return region_code(division) if division.isdigit() and len(division) == 6 and TABLE.is_code(division[:2]) else None


def as_written(column: str) -> EditDistance:
    """An identifier as written, its check failed: one or two characters off (a transposition one)
    says much, for two random codes one character apart are rare."""
    return EditDistance(column, (1, 2), transpositions=True, m=(0.05, 0.05, 0.1, 0.8),
                        u=(0.99985, 0.0001, 0.00001, 0.00004))


ENTERPRISE = EntityConfig(
    "enterprise", "ENT-",
    fields=(
        Field("credit_code", valid_credit_code, optional=True),
        Field("code_as_written", code_text, source="credit_code", optional=True),  # a mistyped code still says much
        Field("name_core", name_core, source="name"),
        Field("name_region", name_region, source="name"),
        Field("name_full", enterprise_name_norm, source="name"),
        Field("branch", name_branch, source="name"),
        Field("parent_core", name_parent_core, source="name"),
        Field("head_core", head_office_core, source="name"),
        Field("region", enterprise_region, source=("region_code", "credit_code"), optional=True),
        Field("address", address_text, optional=True),
        Field("house_number", house_number, source="address", optional=True),
        Field("phone", phone_digits, optional=True),
        Field("rep_name", chinese_text, optional=True),
        Field("rep_id", valid_id_number, optional=True),
        Field("ties", value_set, optional=True),  # the houses a firm owns, lets, sells or files a return about
    ),
    identifiers=("credit_code",),
    comparisons=(
        as_written("code_as_written"),
        # the core; the core and the region; the whole name as written (legal form unified): 银川市辉凯冶金
        # meets 银川市辉凯冶金 above 银川辉凯冶金, a namesake the register holds too
        EditDistance("name_core", (1, 2), refine=("name_region", "name_full"), m=(0.02, 0.03, 0.1, 0.15, 0.2, 0.5),
                     u=(0.988, 0.008, 0.003, 0.00099, 0.00002, 0.000001)),
        Nested("region", m=(0.05, 0.15, 0.8), u=(0.8, 0.1, 0.1)),
        EditDistance("address", (1, 3), m=(0.15, 0.05, 0.1, 0.7), u=(0.99, 0.004, 0.003, 0.003)),
        Exact("phone", m=(0.3, 0.7), u=(0.999, 0.001)),
        EditDistance("rep_name", (1,), m=(0.1, 0.1, 0.8), u=(0.97, 0.02, 0.01)),
        Exact("rep_id", m=(0.1, 0.9), u=(0.9995, 0.0005)),
        # a firm named without its code sees one house of the firm, the register others: only sharing speaks
        Overlap("ties", disjoint_unknown=True, m=(0.3, 0.3, 0.4), u=(0.999, 0.0005, 0.0005)),
    ),
    blocking=(
        # cores more than two edits apart never merge (name_core is required): two names sharing 科技
        # are no pair (half the candidates at 100k); training reads a sample of them (`LeftOut`)
        BlockOn(("name_core",), keys=bigrams, max_block=300, within_edits=2),
        BlockOn(("name_core",), keys=trigrams, max_block=300, within_edits=2),
        BlockOn(("region", "name_core")),
        BlockOn(("name_region", "name_core")),  # 宁夏西夏|葡萄酒业: a core too common for its own blocks
        BlockOn(("name_full",)),
        BlockOn(("phone",)),
        BlockOn(("address",)),
        BlockOn(("rep_id",)),
        BlockOn(("house_number",), max_block=50),  # name and street both misspelt: 嘉太|嘉泰, 兴业路|星业路
    ),
    exclusive=("branch",),
    relations=(Relation("BRANCH_OF", "parent_core", "head_core"),),
    # two firms named apart are not one on a shared representative, address or phone alone
    required=("name_core",),
)

PERSON = EntityConfig(
    "person", "PER-",
    fields=(
        Field("id_number", valid_id_number, optional=True),
        Field("id_as_written", code_text, source="id_number", optional=True),  # a mistyped number still says much
        Field("name", chinese_text),
        Field("birth_date", birth_date_or_id, source=("birth_date", "id_number"), optional=True),
        Field("region", person_region, source=("id_number", "address"), optional=True),
        Field("address", address_text, optional=True),
        Field("phone", phone_digits, optional=True),
        Field("ties", value_set, optional=True),  # the firms, properties, contracts a person is party to
    ),
    identifiers=("id_number",),
    comparisons=(
        as_written("id_as_written"),
        EditDistance("name", (1,), min_length=3, m=(0.03, 0.02, 0.05, 0.9), u=(0.97, 0.01, 0.015, 0.005)),
        DateCloseness("birth_date", m=(0.02, 0.01, 0.01, 0.01, 0.05, 0.9), u=(0.9, 0.07, 0.025, 0.002, 0.002, 0.001)),
        EditDistance("address", (1, 2), m=(0.3, 0.05, 0.05, 0.6), u=(0.99, 0.004, 0.003, 0.003)),  # 3 edits of 7: another street
        Exact("phone", m=(0.4, 0.6), u=(0.999, 0.001)),
        Overlap("ties", m=(0.3, 0.3, 0.4), u=(0.999, 0.0005, 0.0005)),
    ),
    blocking=(
        BlockOn(("name", "birth_date")),
        BlockOn(("name", "address")),
        BlockOn(("birth_date", "address")),
        BlockOn(("phone",)),
        BlockOn(("name",), max_block=100),
        # without a valid ID number: the birth date alone (a name misspelt too), the name where one lives
        BlockOn(("birth_date",), max_block=1000),
        BlockOn(("name", "region")),
        BlockOn(("address",), max_block=50),  # a name misspelt, the birth date unknown: one household's address
    ),
    # namesakes born the same day are many in a country of common names: living apart, a person decides
    required=("address",),
)

PROPERTY = EntityConfig(
    "property", "PRO-",
    fields=(
        Field("cert_no", code_text),
        Field("address", address_text, optional=True),
        Field("area", number, optional=True),
        Field("owner_name", chinese_text, optional=True),
        Field("owner_code", party_code, optional=True),
    ),
    identifiers=("cert_no",),
    comparisons=(
        # one house: a typo in the street, never in its numbers (2201室 | 2202室 are neighbours)
        EditDistance("address", (1, 2), numbers_exact=True, m=(0.05, 0.05, 0.1, 0.8), u=(0.995, 0.002, 0.002, 0.001)),
        NumberCloseness("area", (0.01, 0.05), m=(0.05, 0.05, 0.1, 0.8), u=(0.95, 0.03, 0.01, 0.01)),
        EditDistance("owner_name", (1,), m=(0.2, 0.05, 0.75), u=(0.97, 0.02, 0.01)),
        Exact("owner_code", m=(0.2, 0.8), u=(0.999, 0.001)),
    ),
    blocking=(BlockOn(("address",)), BlockOn(("owner_code", "area"))),
)

CONTRACT = EntityConfig(
    "contract", "CON-",
    fields=(
        Field("contract_no", code_text),
        Field("signed_on", iso_date, optional=True),
        Field("price", number, optional=True),
        Field("buyer_name", name_core, optional=True),
        Field("buyer_code", party_code, optional=True),
        Field("seller_name", name_core, optional=True),
        Field("seller_code", party_code, optional=True),
    ),
    comparisons=(
        EditDistance("contract_no", (1,), m=(0.05, 0.05, 0.9), u=(0.998, 0.001, 0.001)),
        DateCloseness("signed_on", (7, 31), m=(0.05, 0.05, 0.05, 0.05, 0.8), u=(0.9, 0.05, 0.04, 0.005, 0.005)),
        NumberCloseness("price", (0.001, 0.05), m=(0.1, 0.05, 0.05, 0.8), u=(0.95, 0.03, 0.01, 0.01)),
        EditDistance("buyer_name", (1,), m=(0.05, 0.1, 0.85), u=(0.98, 0.015, 0.005)),
        Exact("buyer_code", m=(0.05, 0.95), u=(0.995, 0.005)),
        EditDistance("seller_name", (1,), m=(0.05, 0.1, 0.85), u=(0.98, 0.015, 0.005)),
        Exact("seller_code", m=(0.05, 0.95), u=(0.995, 0.005)),
    ),
    blocking=(BlockOn(("contract_no",)), BlockOn(("buyer_code", "seller_code")), BlockOn(("buyer_code", "price"))),
)

FEBRL = EntityConfig(
    "person", "FEBRL-",
    fields=(
        Field("given_name", lower_text),
        Field("surname", lower_text),
        Field("name_pair", name_pair, source=("given_name", "surname")),
        Field("street_number", lower_text),
        Field("address_1", lower_text),
        Field("address_2", lower_text),
        Field("suburb", lower_text),
        Field("postcode", lower_text),
        Field("state", lower_text),
        Field("date_of_birth", iso_date),
        Field("soc_sec_id", lower_text),
    ),
    comparisons=(
        JaroWinkler("given_name", (0.94, 0.85)),
        JaroWinkler("surname", (0.94, 0.85)),
        DateCloseness("date_of_birth", (365, 3653)),
        EditDistance("soc_sec_id", (1, 2), transpositions=True),
        Exact("street_number"),
        JaroWinkler("address_1", (0.94, 0.85)),
        JaroWinkler("suburb", (0.94, 0.85)),
        EditDistance("postcode", (1,), transpositions=True),
        Exact("state"),
    ),
    blocking=(
        BlockOn(("soc_sec_id",)),
        BlockOn(("date_of_birth",)),
        BlockOn(("name_pair",)),
        BlockOn(("postcode", "street_number")),
        BlockOn(("address_1", "street_number")),
        BlockOn(("surname", "postcode")),
        BlockOn(("given_name", "postcode")),
    ),
)

CONFIGS: dict[str, EntityConfig] = {"enterprise": ENTERPRISE, "person": PERSON, "property": PROPERTY,
                                    "contract": CONTRACT, "febrl": FEBRL}
