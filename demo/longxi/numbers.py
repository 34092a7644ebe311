"""What the longxi systems number and classify their own way, derived from the World so that
every export and the answer key agree: GB/T 4754 大类, equity change numbers, lease
registration numbers, social insurance numbers, cross-region report numbers, budget unit codes."""
from __future__ import annotations

from typing import Callable

from crossaudit.loaders.regions import DIVISIONS
from crossaudit.demo.names import INDUSTRY
from crossaudit.demo.world import Enterprise, World

# GB/T 4754-2017 大类 (code + name) by industry, and by the word the firm's name carries.
CLASSES = {
    "trade": {"商行": "F52 零售业", "": "F51 批发业"},
    "manufacturing": {"化工": "C26 化学原料和化学制品制造业", "机械制造": "C34 通用设备制造业", "": "C30 非金属矿物制品业"},
    "metallurgy": {"": "C31 黑色金属冶炼和压延加工业"},
    "construction": {"建筑安装": "E49 建筑安装业", "路桥工程": "E48 土木工程建筑业", "": "E47 房屋建筑业"},
    "transport": {"物流": "G58 多式联运和运输代理业", "": "G54 道路运输业"},
    "agriculture": {"农业科技": "A05 农、林、牧、渔专业及辅助性活动", "": "A01 农业"},
    "food": {"葡萄酒业": "C15 酒、饮料和精制茶制造业", "乳业": "C14 食品制造业", "": "C13 农副食品加工业"},
    "tech": {"网络科技": "I64 互联网和相关服务", "": "I65 软件和信息技术服务业"},
    "realestate": {"": "K70 房地产业"},
    "catering": {"酒店管理": "H61 住宿业", "": "H62 餐饮业"},
    "services": {"": "L72 商务服务业"},
    "public": {"": "S92 国家机构"},
}
# Insurance codes of the longxi social insurance system.
PENSION = "110"


def _memo(world: World, name: str, build: Callable[[World], dict]) -> dict:
    """A numbering computed once per World (kept on it: the World is built once and only read)."""
    store = world.__dict__.setdefault("_numbering", {})
    if name not in store:
        store[name] = build(world)
    return store[name]


def industry_class(firm: Enterprise) -> str:
    """The firm's 大类 as 'C31 黑色金属冶炼和压延加工业'."""
    table = CLASSES[firm.industry]
    return next((cls for word, cls in table.items() if word and word in firm.name), table[""])


def county_name(county: str) -> str:
    """'银川市兴庆区', '永宁县': how longxi writes a place instead of its code."""
    d = DIVISIONS[county]
    return f"{DIVISIONS[d.parent].name}{d.name}" if d.name.endswith("区") else d.name


def lease_no(filing_no: str, county: str, start_year: int) -> str:
    """The housing system's 登记备案号 of a lease: '640104租备〔2021〕123号'."""
    return f"{county}租备〔{start_year}〕{int(filing_no[-5:])}号"


def _equity_numbers(world: World) -> dict[int, str]:
    numbers, counters = {}, {}
    for t in sorted(world.equity_transfers, key=lambda t: (t.date, t.enterprise, t.transferor)):
        county = world.enterprises[t.enterprise].county
        series = (county, t.date.year)
        counters[series] = counters.get(series, 0) + 1
        numbers[id(t)] = f"{county}{t.date.year}GQ{counters[series]:05d}"
    return numbers


def equity_change_no(world: World, transfer) -> str:
    """The market regulator's 变更登记号 of an equity transfer: '6401042022GQ00012'."""
    return _memo(world, "equity", _equity_numbers)[id(transfer)]


def _employer_numbers(world: World) -> dict[str, str]:
    numbers, counters = {}, {}
    for firm in world.enterprises.values():
        if firm.employees:
            counters[firm.county] = counters.get(firm.county, 0) + 1
            numbers[firm.code] = f"{firm.county}{counters[firm.county]:06d}"
    return numbers


def employer_no(world: World, code: str) -> str:
    """The social insurance 单位编号: county code + 6 digits."""
    return _memo(world, "employer", _employer_numbers)[code]


def _person_numbers(world: World) -> dict[str, str]:
    return {p: f"{n:010d}" for n, p in enumerate(world.persons, start=1)}


def person_no(world: World, id_number: str) -> str:
    """The social insurance 个人编号 (10 digits)."""
    return _memo(world, "person", _person_numbers)[id_number]


def report_no(n: int, county: str, year: int) -> str:
    """The tax bureau's 跨区域涉税事项报验管理编号 of the n-th report."""
    return f"{county}{year}BY{n:05d}"


def _unit_codes(world: World) -> dict[str, str]:
    codes, counters = {}, {}
    for e in world.enterprises.values():
        if e.kind == "government":
            counters[e.county] = counters.get(e.county, 0) + 1
            codes[e.code] = f"{e.county}{counters[e.county]:03d}"
    return codes


def budget_unit_code(world: World, code: str) -> str:
    """The treasury's 预算单位编码: county code + 3 digits."""
    return _memo(world, "unit", _unit_codes)[code]


def fullwidth_brackets(text: str) -> str:
    return text.replace("(", "（").replace(")", "）")


def goods_class(goods: str) -> str:
    """The 数电票 item name: '*黑色金属冶炼压延品*螺纹钢' (税收分类编码简称 between asterisks)."""
    return f"*{GOODS_CLASSES.get(goods, '服务')}*{goods}"


GOODS_CLASSES = {"螺纹钢": "黑色金属冶炼压延品", "煤炭": "煤炭", "枸杞干果": "水果", "水泥": "水泥", "甲醇": "有机化学原料",
                 "电动机": "电机", "硅铁": "铁合金", "工业硅": "有色金属", "建筑工程服务": "建筑服务",
                 "货物运输服务": "运输服务", "酿酒葡萄": "水果", "葡萄酒": "酒", "清真牛羊肉": "肉及肉制品",
                 "软件开发服务": "信息技术服务", "物业管理服务": "物业服务", "餐饮服务": "餐饮服务",
                 "咨询服务": "鉴证咨询服务"}
__all__ = ["industry_class", "county_name", "lease_no", "equity_change_no", "employer_no", "person_no",
           "report_no", "budget_unit_code", "fullwidth_brackets", "goods_class", "INDUSTRY", "PENSION"]
