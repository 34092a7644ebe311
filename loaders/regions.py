"""GB/T 2260 administrative division codes: Ningxia in full, the provinces, a few cities elsewhere.

    >>> DIVISIONS["640104"].name, DIVISIONS["640104"].parent
    ('兴庆区', '640100')
    >>> PROVINCES["61"]
    '陕西省'
"""
from __future__ import annotations

from dataclasses import dataclass

# The 31 province-level divisions of the mainland, keyed by the first two digits.
PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # "region" (province level), "city", "county"
    parent: str | None

    @property
    def short_name(self) -> str:
        """'银川市' → '银川', '宁夏回族自治区' → '宁夏' (as names and addresses abbreviate them)."""
        if self.code == "640000":
            return "宁夏"
        for suffix in ("市", "县", "区"):
            if self.name.endswith(suffix) and len(self.name) > 2:
                return self.name[: -len(suffix)]
        return self.name


# Ningxia Hui Autonomous Region: region, 5 prefecture-level cities, 22 districts and counties.
_NINGXIA = {
    ("640100", "银川市"): [("640104", "兴庆区"), ("640105", "西夏区"), ("640106", "金凤区"),
                         ("640121", "永宁县"), ("640122", "贺兰县"), ("640181", "灵武市")],
    ("640200", "石嘴山市"): [("640202", "大武口区"), ("640205", "惠农区"), ("640221", "平罗县")],
    ("640300", "吴忠市"): [("640302", "利通区"), ("640303", "红寺堡区"), ("640323", "盐池县"),
                         ("640324", "同心县"), ("640381", "青铜峡市")],
    ("640400", "固原市"): [("640402", "原州区"), ("640422", "西吉县"), ("640423", "隆德县"),
                         ("640424", "泾源县"), ("640425", "彭阳县")],
    ("640500", "中卫市"): [("640502", "沙坡头区"), ("640521", "中宁县"), ("640522", "海原县")],
}

# Districts elsewhere, for cross-region operators and persons born outside Ningxia.
_ELSEWHERE = {
    ("610100", "西安市"): [("610102", "新城区"), ("610113", "雁塔区")],
    ("620100", "兰州市"): [("620102", "城关区")],
    ("150100", "呼和浩特市"): [("150102", "新城区")],
    ("410100", "郑州市"): [("410105", "金水区")],
    ("330100", "杭州市"): [("330106", "西湖区")],
    ("510100", "成都市"): [("510107", "武侯区")],
    ("110100", "市辖区"): [("110105", "朝阳区")],
}


def _build() -> dict[str, Division]:
    divisions = {"640000": Division("640000", "宁夏回族自治区", "region", None)}
    for tree in (_NINGXIA, _ELSEWHERE):
        for (city_code, city_name), counties in tree.items():
            province = city_code[:2] + "0000"
            divisions.setdefault(province, Division(province, PROVINCES[city_code[:2]], "region", None))
            divisions[city_code] = Division(city_code, city_name, "city", province)
            for code, name in counties:
                divisions[code] = Division(code, name, "county", city_code)
    return divisions


DIVISIONS: dict[str, Division] = _build()

NINGXIA = "640000"
NINGXIA_CITIES: list[str] = [code for code, _ in _NINGXIA]
NINGXIA_COUNTIES: list[str] = [code for counties in _NINGXIA.values() for code, _ in counties]
OTHER_COUNTIES: list[str] = [code for counties in _ELSEWHERE.values() for code, _ in counties]


def full_name(code: str) -> str:
    """'640104' → '宁夏回族自治区银川市兴庆区' (province, city, county as an address starts)."""
    parts = []
    division: Division | None = DIVISIONS[code]
    while division is not None:
        if division.name != "市辖区":
            parts.append(division.name)
        division = DIVISIONS.get(division.parent) if division.parent else None
    return "".join(reversed(parts))


def is_known_province(code: str) -> bool:
    """True if the first two digits of a division code are a province-level code."""
    return str(code)[:2] in PROVINCES
