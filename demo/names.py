"""Word pools for names, addresses and goods, and the name variants departments write.

    >>> import random
    >>> variant_name("宁夏鑫源商贸有限公司", "suffix", random.Random(1))
    '宁夏鑫源商贸有限责任公司'
"""
from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = ("王李张刘马杨陈赵周吴孙田丁海白金何郭黄韩冯沈曹苏罗高朱胡林徐郑谢宋唐许邓袁彭蒋蔡余杜叶程魏"
            "吕董任姚卢姜崔钟谭陆汪范石廖贾夏付方邹熊孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万钱严覃"
            "武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁"
            "尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤"
            "阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬"
            "师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝")
# Ningxia's Hui families: these surnames are weighted up for 回族 persons.
HUI_SURNAMES = "马丁海白金杨纳虎锁穆哈沙米洪撒拜"
GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳峰建国志成文博海东亮晨瑞昊轩睿"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀玲燕红梅琳雪婷慧颖佳倩琪瑶萍兰英凤洁茹月玉荣莉雅欣怡馨悦彤涵蕾婉"

FIRM_CHARS = "鑫源泰丰盛达华宏昌瑞祥利兴隆恒信和嘉润博德汇锦金安正诚益中天新永宇远创辉凯海塞贺朔方凤驼沙湖"
FIRM_WORDS = ("鑫源", "泰丰", "盛达", "华宏", "昌瑞", "祥利", "兴隆", "恒信", "和嘉", "润博", "德汇", "锦程",
              "金安", "正诚", "益中", "天新", "永宇", "远创", "辉凯", "海塞", "贺兰山", "朔方", "凤城", "驼峰",
              "沙湖", "西夏", "塞上", "黄河", "六盘山", "宁东", "星河", "鼎盛", "瀚海", "丝路", "中阿", "灵州")

# 字 → a homophone or look-alike a clerk might type instead.
TYPOS = {"鑫": "金", "源": "原", "泰": "太", "丰": "风", "盛": "胜", "达": "大", "华": "化", "宏": "鸿",
         "昌": "长", "瑞": "锐", "祥": "翔", "利": "力", "兴": "星", "隆": "龙", "恒": "衡", "信": "新",
         "嘉": "佳", "润": "闰", "博": "搏", "德": "得", "汇": "会", "锦": "景", "程": "成", "安": "按",
         "正": "政", "诚": "城", "益": "意", "宇": "雨", "远": "原", "创": "闯", "辉": "晖", "凯": "恺",
         "海": "每", "塞": "赛", "贺": "和", "凤": "风", "城": "成", "峰": "锋", "湖": "胡", "商": "尚",
         "贸": "茂", "建": "健", "材": "才", "科": "料", "技": "枝", "物": "务", "流": "留"}
TRADITIONAL = {"银": "銀", "宁": "寧", "贸": "貿", "业": "業", "发": "發", "电": "電", "东": "東", "华": "華",
               "兴": "興", "龙": "龍", "国": "國", "实": "實", "务": "務", "术": "術", "设": "設", "经": "經",
               "营": "營", "团": "團", "农": "農", "产": "產", "开": "開", "车": "車", "运": "運", "输": "輸",
               "广": "廣", "厂": "廠", "筑": "築", "药": "藥", "饮": "飲", "乐": "樂", "宝": "寶", "丰": "豐",
               "贺": "賀", "汇": "匯", "锦": "錦", "凯": "凱", "达": "達", "丝": "絲", "阳": "陽", "门": "門",
               "风": "風", "鼎": "鼎", "盛": "盛", "资": "資", "询": "詢", "饭": "飯", "馆": "館", "药": "藥",
               "创": "創", "辉": "輝", "码": "碼", "网": "網", "络": "絡", "云": "雲", "数": "數", "据": "據",
               "环": "環", "节": "節", "能": "能", "铝": "鋁", "铁": "鐵", "钢": "鋼", "硅": "矽", "枸": "枸"}

STREETS = ("解放西街", "北京中路", "凤凰北街", "文化东街", "正源北街", "黄河东路", "贺兰山路", "宁安大街",
           "上海西路", "民族北街", "丽景街", "亲水大街", "长城中路", "宝湖路", "满春路", "新华西街", "朔方路",
           "利民街", "育才路", "建设东路", "团结路", "胜利街", "光明路", "人民路", "友谊街", "工业园路",
           "开元大道", "南门街", "鼓楼北街", "阅海路", "同心路", "塞上街", "西夏大道", "公园街", "兴业路")


@dataclass(frozen=True)
class Industry:
    key: str
    name: str  # 国民经济行业分类, as registers write it
    words: tuple[str, ...]  # what names in this industry end with, before the company form
    goods: tuple[str, ...]  # GOODS it invoices
    kwh: tuple[int, int]  # monthly electricity range
    yuan_per_kwh: float  # revenue per kWh, the industry norm
    staff: tuple[int, int]  # employees range
    pollutes: bool  # needs a discharge permit
    weight: int  # share of enterprises


INDUSTRIES: tuple[Industry, ...] = (
    Industry("trade", "批发和零售业", ("商贸", "贸易", "商行", "供应链管理"), ("螺纹钢", "煤炭", "枸杞干果"),
             (800, 8_000), 180.0, (1, 6), False, 30),
    Industry("manufacturing", "制造业", ("实业", "机械制造", "化工", "新材料"), ("水泥", "甲醇", "电动机"),
             (30_000, 400_000), 14.0, (3, 30), True, 10),
    Industry("metallurgy", "黑色金属冶炼和压延加工业", ("冶金", "铁合金", "硅业"), ("硅铁", "工业硅"),
             (1_500_000, 9_000_000), 1.6, (20, 60), True, 2),
    Industry("construction", "建筑业", ("建设工程", "建筑安装", "路桥工程"), ("建筑工程服务",),
             (1_500, 20_000), 130.0, (3, 25), False, 12),
    Industry("transport", "交通运输、仓储和邮政业", ("物流", "运输"), ("货物运输服务",),
             (1_000, 10_000), 110.0, (2, 15), False, 8),
    Industry("agriculture", "农、林、牧、渔业", ("枸杞种植", "农业科技", "葡萄种植"), ("枸杞干果", "酿酒葡萄"),
             (2_000, 25_000), 35.0, (2, 12), False, 8),
    Industry("food", "食品制造业", ("清真食品", "葡萄酒业", "乳业"), ("葡萄酒", "清真牛羊肉"),
             (20_000, 150_000), 22.0, (4, 30), True, 5),
    Industry("tech", "信息传输、软件和信息技术服务业", ("科技", "信息技术", "网络科技"), ("软件开发服务",),
             (800, 6_000), 220.0, (2, 20), False, 7),
    Industry("realestate", "房地产业", ("房地产开发", "置业"), ("物业管理服务",),
             (3_000, 30_000), 300.0, (3, 20), False, 5),
    Industry("catering", "住宿和餐饮业", ("餐饮管理", "酒店管理"), ("餐饮服务",),
             (3_000, 30_000), 28.0, (3, 25), False, 6),
    Industry("services", "租赁和商务服务业", ("商务咨询", "企业管理咨询", "人力资源服务"), ("咨询服务",),
             (600, 5_000), 260.0, (1, 10), False, 7),
)
INDUSTRY = {industry.key: industry for industry in INDUSTRIES}


@dataclass(frozen=True)
class Goods:
    name: str
    unit: str
    price: float  # market unit price before VAT, 元
    vat_rate: float


GOODS = {g.name: g for g in (
    Goods("螺纹钢", "吨", 3_900.0, 0.13), Goods("煤炭", "吨", 850.0, 0.13), Goods("枸杞干果", "千克", 65.0, 0.09),
    Goods("水泥", "吨", 420.0, 0.13), Goods("甲醇", "吨", 2_600.0, 0.13), Goods("电动机", "台", 12_000.0, 0.13),
    Goods("硅铁", "吨", 7_200.0, 0.13), Goods("工业硅", "吨", 16_000.0, 0.13),
    Goods("建筑工程服务", "平方米", 1_800.0, 0.09), Goods("货物运输服务", "吨", 180.0, 0.09),
    Goods("酿酒葡萄", "吨", 6_000.0, 0.09), Goods("葡萄酒", "瓶", 180.0, 0.13), Goods("清真牛羊肉", "千克", 78.0, 0.09),
    Goods("软件开发服务", "人月", 25_000.0, 0.06), Goods("物业管理服务", "平方米", 30.0, 0.06),
    Goods("餐饮服务", "人次", 120.0, 0.06), Goods("咨询服务", "小时", 800.0, 0.06),
)}

COMPANY_FORMS = ("有限公司", "有限责任公司")
NAME_VARIANT_KINDS = ("suffix", "prefix", "traditional", "typo")


def person_name(rng: random.Random, gender: str, hui: bool, surname: str | None = None) -> str:
    if surname is None:
        surname = rng.choice(HUI_SURNAMES) if hui and rng.random() < 0.6 else rng.choice(SURNAMES)
    pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return surname + given


def variant_name(name: str, kind: str, rng: random.Random, prefixes: tuple[str, ...] = ()) -> str:
    """A name as another department might write it; returns `name` itself if `kind` cannot apply.

    kind: 'suffix' (有限公司 ↔ 有限责任公司), 'prefix' (drop or swap the region prefix),
    'traditional' (traditional characters), 'typo' (one homophone).
    """
    if kind == "suffix":
        if name.endswith("有限责任公司"):
            return name[: -len("有限责任公司")] + "有限公司"
        if name.endswith("有限公司") and "分公司" not in name:
            return name[: -len("有限公司")] + "有限责任公司"
        return name
    if kind == "prefix":
        for prefix in sorted(prefixes, key=len, reverse=True):
            # a whole division name only: 青铜峡 off 青铜峡市人民医院 would leave 市人民医院
            if name.startswith(prefix) and len(name) > len(prefix) + 4 and name[len(prefix)] not in "市县区":
                return name[len(prefix):]
        return (rng.choice(prefixes) if prefixes else "宁夏") + name
    table = TRADITIONAL if kind == "traditional" else TYPOS
    positions = [i for i, ch in enumerate(name) if ch in table]
    if not positions:
        return name
    chosen = positions if kind == "traditional" else [rng.choice(positions)]
    chars = list(name)
    for i in chosen:
        chars[i] = table[chars[i]]
    return "".join(chars)
