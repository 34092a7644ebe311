"""Resolution with the country's knowledge (#16): one named case per miss `explain()` showed on
Chinese names and addresses from anywhere in China, persons without a valid ID number, and
the public library API. Inline records a reader can check by hand; a small seeded population
where the estimated model must face realistic odds."""
from __future__ import annotations

import datetime as dt
import doctest
import importlib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crossaudit.loaders.identifiers import make_credit_code, make_id_number
from crossaudit.resolve import (
    CONFIGS, DIVISIONS, BlockOn, EditDistance, blocking_report, EntityConfig, Exact, Field, MissingColumn, address_key,
    address_parts,
    address_text, enterprise_name_parts, link,
)

ENTERPRISE, PERSON = CONFIGS["enterprise"], CONFIGS["person"]
CODE_1 = make_credit_code("640104", "MA7CTMDN")
CODE_2 = make_credit_code("640104", "MA7CTMDP")
CODE_3 = make_credit_code("640105", "MA7BRNCH")


def enterprises(*rows, columns=("record_id", "name", "credit_code", "address", "phone")) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns))


# --- names: regions, 集团, legal forms, branches ------------------------------------------------

@pytest.mark.parametrize("name", [
    "泰远煤业(宁夏)", "泰远煤业（宁夏）", "（宁夏）泰远煤业有限公司", "泰远煤业【宁夏】有限公司", "泰远煤业〔宁夏回族自治区〕",
])
def test_a_region_in_brackets_is_stripped_wherever_it_stands(name):
    parts = enterprise_name_parts(name)
    assert (parts.core, parts.region) == ("泰远煤业", "64")


def test_a_bracket_that_names_no_region_stays():
    assert enterprise_name_parts("华兴(科技)有限公司").core == "华兴(科技)"


@pytest.mark.parametrize("name, region", [
    ("苏州市太极商贸有限公司", "3205"),  # a prefecture outside the old small table
    ("江苏省苏州市吴中区太极商贸有限公司", "320506"),  # province, city and district in a row
    ("苏州吴中太极商贸有限公司", "320506"),  # a district's short name after its city
    ("昆山市太极商贸有限公司", "320583"),  # a county-level city
    ("襄樊市太极商贸有限公司", "4206"),  # Xiangyang's name until 2010: a former name
    ("内蒙古太极商贸有限公司", "15"),
    ("红河哈尼族彝族自治州太极商贸有限公司", "5325"),
])
def test_city_and_district_prefixes_from_the_national_table(name, region):
    parts = enterprise_name_parts(name)
    assert (parts.core, parts.region) == ("太极商贸", region)


def test_a_county_short_name_alone_is_no_region():
    """和平 is the short name of four districts and a common trade name: kept, as 中宁 (a county
    name firms take as their own) is; after its city it is the district."""
    assert enterprise_name_parts("和平商贸有限公司").core == "和平商贸"
    assert enterprise_name_parts("中宁正恒商贸有限公司").core == "中宁正恒商贸"
    assert enterprise_name_parts("天津和平华联商贸有限公司")[:2] == ("120101", "华联商贸")


@pytest.mark.parametrize("name, parts", [
    ("海原青铜峡市人民医院", ("640381", "人民医院")),  # a clerk's own county before the unit's
    ("海原牧业有限公司", (None, "海原牧业")),  # a county's short name alone stays a trade name
])
def test_a_county_short_name_before_another_divisions_full_name_comes_off_with_it(name, parts):
    assert enterprise_name_parts(name)[:2] == parts


@pytest.mark.parametrize("name, form", [
    ("华兴集团有限公司", "有限公司"),
    ("华兴(集团)股份有限公司", "股份有限公司"),
    ("华兴股份公司", "股份有限公司"),
    ("华兴有限责任公司", "有限公司"),
    ("华兴合伙企业(普通合伙)", "合伙企业(普通合伙)"),
    ("华兴投资合伙企业（有限合伙）", "合伙企业(有限合伙)"),
    ("华兴会计师事务所(特殊普通合伙)", "合伙企业(特殊普通合伙)"),
    ("华兴个人独资企业", "个人独资企业"),
    ("华兴独资企业", "个人独资企业"),
    ("华兴有限", "有限公司"),  # a name cut short
    ("华兴个体工商户", "个体工商户"),
    ("华兴农民专业合作社", "农民专业合作社"),
])
def test_group_and_every_legal_form_come_off_the_core(name, form):
    parts = enterprise_name_parts(name)
    assert parts.legal_form == form
    assert parts.core in ("华兴", "华兴投资", "华兴会计师事务所")


@pytest.mark.parametrize("name, branch", [
    ("华兴商贸有限公司银川分公司", "银川分公司"), ("华兴商贸银川分店", "银川分店"),
    ("华兴商贸有限公司石嘴山市分公司", "石嘴山分公司"), ("华兴商贸石嘴山分公司", "石嘴山分公司"),
    ("华兴商贸有限公司吴忠分厂", "吴忠分厂"), ("华兴商贸有限公司苏州办事处", "苏州办事处"),
])
def test_branch_markers_are_read(name, branch):
    parts = enterprise_name_parts(name)
    assert (parts.core, parts.branch, parts.parent_core) == ("华兴商贸", branch, "华兴商贸")


def test_a_branch_never_merges_with_its_head_office_unless_their_codes_agree():
    address = "宁夏银川市兴庆区解放西街12号"
    result = link(enterprises(("amr:1", "宁夏华兴商贸有限公司", CODE_1, address, "09516021234"),
                              ("tax:1", "华兴商贸有限公司银川分店", None, address, "09516021234"),
                              ("tax:2", "华兴商贸有限公司吴忠办事处", CODE_1, None, None)), ENTERPRISE)
    assert result.entity_of["tax:1"] != result.entity_of["amr:1"]  # same address and phone: still a branch
    assert result.explain("amr:1", "tax:1").note == "different branch: (none) | 银川分店"
    assert result.entity_of["tax:2"] == result.entity_of["amr:1"]  # its code says it is the head office
    assert ("BRANCH_OF", "tax:1", "amr:1") in set(zip(result.related["kind"], result.related["record_id"],
                                                       result.related["related_record_id"]))


@pytest.mark.parametrize("variant", [
    "泰远煤业(宁夏)有限公司", "苏州市泰远煤业有限公司", "泰远煤业集团有限公司", "泰远煤业有限责任公司",
])
def test_name_variants_link_to_the_registered_firm(variant):
    address = "江苏省苏州市吴中区东吴北路88号"
    result = link(enterprises(("amr:1", "泰远煤业有限公司", CODE_1, address, None),
                              ("tax:1", variant, None, "东吴北路88号，苏州市，江苏省", None),
                              ("amr:2", "华兴科技有限公司", CODE_2, "苏州市吴中区东吴北路90号", None)), ENTERPRISE)
    assert result.entity_of["tax:1"] == result.entity_of["amr:1"] != result.entity_of["amr:2"]


def test_two_firms_named_apart_never_merge_on_a_shared_legal_representative():
    """The held-out region's miss: a register row whose credit code was mistyped (so the loader
    nulled it) was merged into a different firm sharing its legal representative."""
    rep_id = make_id_number("640104", dt.date(1975, 5, 6), 21, "M")
    mistyped = CODE_2[:-1] + ("0" if CODE_2[-1] != "0" else "1")
    rows = enterprises(("amr:1", "宁夏泰远煤业有限公司", CODE_1, "银川市兴庆区解放西街12号", "09516021234", "张伟", rep_id),
                       ("amr:2", "宁夏华兴科技有限公司", mistyped, "银川市兴庆区解放西街12号", "09516021234", "张伟", rep_id),
                       columns=("record_id", "name", "credit_code", "address", "phone", "rep_name", "rep_id"))
    result = link(rows, ENTERPRISE)
    assert result.entity_of["amr:2"] != result.entity_of["amr:1"]
    pair = result.pairs.set_index(["left_id", "right_id"]).loc[("amr:1", "amr:2")]
    assert pair["decision"] == "review"  # the rest agrees: a person decides
    assert result.explain("amr:1", "amr:2").note == "name_core different: a person decides"


# --- addresses ----------------------------------------------------------------------------------

@pytest.mark.parametrize("address", [
    "宁夏回族自治区银川市兴庆区解放西街12号",
    "银川市兴庆区解放西街12号 邮编750001",  # postcode
    "银川市兴庆区解放西街12号（邮政编码：750001）",
    "解放西街12号，兴庆区，银川市，宁夏",  # written town-first
    "宁夏银川兴庆区解放西街12#",  # 号 written #
    "寧夏銀川市興慶區解放西街１２號",  # traditional, full width
])
def test_address_variants_parse_to_one_place(address):
    parts = address_parts(address)
    assert (parts.province, parts.city, parts.county, parts.street, parts.number) == \
        ("64", "6401", "640104", "解放西街", "12号")


@pytest.mark.parametrize("address", [
    "南门街358号，双江，临沧，云南",  # short names, town first
    "南门街358号 双江拉祜族佤族布朗族傣族自治县 云南",  # spaces between the pieces
    "南门街358号,双江县,临沧市,云南省",  # an autonomous county by its short name and 县
    "云南省临沧市双江拉祜族佤族布朗族傣族自治县南门街358号",
])
def test_reordered_addresses_far_from_ningxia(address):
    parts = address_parts(address)
    assert (parts.county, parts.street, parts.number) == ("530925", "南门街", "358号")


def test_a_province_short_name_wins_over_a_district_of_the_same_name():
    """河北 and 海南 are provinces and districts (Tianjin's 河北区, Wuhai's 海南区): alone, the province."""
    assert enterprise_name_parts("富隆铁合金(河北)普通合伙企业")[:3] == ("13", "富隆铁合金", "合伙企业(普通合伙)")
    assert address_parts("河北秦皇岛昌黎塞上街165号").county == "130322"
    assert enterprise_name_parts("天津市河北区华兴有限公司").region == "120105"


def test_a_firm_whose_name_and_street_are_both_misspelt_is_still_a_candidate():
    """嘉太|嘉泰 share only bigrams too common to block on, 兴业路|星业路 no address: the flat does."""
    rows = enterprises(("amr:1", "嘉太建筑安装有限公司", CODE_1, "兴业路239号10栋1201室", None),
                       ("tax:1", "嘉泰建筑安装有限公司", None, "银川市星业路239号10栋1201室", None))
    from crossaudit.resolve import blocking_report

    report = blocking_report(rows, ENTERPRISE, pd.DataFrame({"left_id": ["amr:1"], "right_id": ["tax:1"]}))
    assert report.set_index("key").loc["house_number", "recall"] == 1.0


@pytest.mark.parametrize("address", ["宁夏回族自治区固原市彭阳县", "固原市彭阳县", "彭阳县"])
def test_an_address_that_ends_with_its_county_is_that_county_without_a_street(address):
    """A department that knows only the county writes it last with nothing after it: the county,
    not a street named 彭阳县 — and no place to key a firm by (a county holds many)."""
    parts = address_parts(address)
    assert (parts.county, parts.street, parts.number) == ("640425", "", "")
    assert address_text(address) is None and address_key(address) is None


def test_a_street_named_like_a_far_county_is_not_read_as_one():
    assert address_text("银川市兴庆区解放西街12号") == "解放西街12号"  # 解放区 is in Jiaozuo


@pytest.mark.parametrize("address", ["北京中路8号", "宁夏银川市金凤区北京中路8号", "银川北京中路8号"])
def test_a_street_named_after_a_city_keeps_its_name(address):
    """北京中路 is a street of Yinchuan, not 北京 and 中路; 中山路 is no 中山 either."""
    assert address_text(address) == "北京中路8号"
    assert address_text("中山路5号") == address_text("广州市中山路5号") == "中山路5号"
    assert address_parts("唐山路南西夏大道39号").county == "130202"  # 路南区 is a district of Tangshan


def test_divisions_table_has_every_province_and_county():
    provinces = [code for key in DIVISIONS.names for code in [key.split("|")[0]] if len(code) == 2]
    counties = {key.split("|")[0] for key in DIVISIONS.names if len(key.split("|")[0]) == 6}
    assert len(set(provinces)) >= 34 and len(counties) > 2800
    assert DIVISIONS.codes("吴中区") == ("320506",) and DIVISIONS.codes("海原县") == ("640522",)


# --- persons ---------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅"
STREETS = ["解放西街", "北京中路", "朔方路", "文化东街", "凤凰北街", "黄河东路"]


def population(n: int, seed: int = 5) -> pd.DataFrame:
    """`n` registered persons (police, valid ID numbers) and, for every third, a social-security
    mention with the same name, birth date and address, carrying the ID number too."""
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365 * 30)))
        name = SURNAMES[rng.integers(len(SURNAMES))] + "".join(GIVEN[g] for g in rng.integers(len(GIVEN),
                                                                                              size=rng.integers(1, 3)))
        id_number = make_id_number("640104", born, int(rng.integers(1, 999)), "M")
        address = f"银川市兴庆区{STREETS[rng.integers(len(STREETS))]}{rng.integers(1, 300)}号"
        rows.append((f"pol:{k}", id_number, name, born.isoformat(), address))
        if k % 3 == 0:
            rows.append((f"hrss:{k}", id_number, name, None, address))
    return pd.DataFrame(rows, columns=["record_id", "id_number", "name", "birth_date", "address"])


def with_mentions(*rows) -> pd.DataFrame:
    base = population(600)
    return pd.concat([base, pd.DataFrame(rows, columns=base.columns)], ignore_index=True)


ID_1 = make_id_number("640104", dt.date(1980, 3, 1), 12, "M")


def mistyped(id_number: str) -> str:
    """The ID number with one digit of its sequence changed: its check character fails."""
    return id_number[:15] + str((int(id_number[15]) + 1) % 10) + id_number[16:]


def test_a_mistyped_id_number_still_links_by_birth_date_name_and_address():
    result = link(with_mentions(("pol:x", ID_1, "马建国", "1980-03-01", "银川市兴庆区解放西街12号"),
                                ("tax:x", mistyped(ID_1), "马建国", None, "宁夏银川市兴庆区解放西街12号")), PERSON)
    assert result.entity_of["tax:x"] == result.entity_of["pol:x"]


def test_a_mention_without_an_id_number_links_when_name_birth_date_and_address_agree():
    result = link(with_mentions(("pol:x", ID_1, "马建国", "1980-03-01", "银川市兴庆区解放西街12号"),
                                ("tax:x", None, "马建国", "1980年3月1日", "解放西街12号，银川市，宁夏")), PERSON)
    assert result.entity_of["tax:x"] == result.entity_of["pol:x"]


def test_two_character_names_one_apart_with_the_same_birth_date_and_address_link():
    """王伟 and 王玮: half the name differs, the birth date and the address agree."""
    result = link(with_mentions(("pol:x", ID_1, "马伟", "1980-03-01", "银川市兴庆区解放西街12号"),
                                ("tax:x", None, "马玮", "1980-03-01", "银川市兴庆区解放西街12号")), PERSON)
    assert result.entity_of["tax:x"] == result.entity_of["pol:x"]


def test_one_character_of_a_two_character_name_is_a_weaker_level_than_of_a_longer_name():
    from crossaudit.resolve.records import prepare

    records = prepare(pd.DataFrame({"record_id": list("abcdef"), "name": ["王伟", "王玮", "马建国", "马建军", "王伟", "李娜"]}),
                      (Field("name"),), "record_id")
    levels = EditDistance("name", (1,), min_length=3).levels(records, np.array([0, 2, 0, 0]), np.array([1, 3, 4, 5]))
    # 0 different, 1 one edit under 3 characters, 2 one edit, 3 exact
    assert levels.tolist() == [1, 2, 3, 0]


def test_a_mention_with_weak_evidence_goes_to_review_not_into_an_entity():
    """A name one character off and a birth date, nothing else: not enough to merge."""
    result = link(with_mentions(("pol:x", ID_1, "马伟", "1980-03-01", "银川市兴庆区解放西街12号"),
                                ("tax:x", None, "马玮", "1980-03-01", None)), PERSON)
    assert result.entity_of["tax:x"] != result.entity_of["pol:x"]
    queued = {frozenset(pair) for pair in zip(result.review["left_id"], result.review["right_id"])}
    assert frozenset(("tax:x", "pol:x")) in queued


def test_a_name_alone_is_not_enough_but_a_shared_employer_is():
    """A payroll row names an employee without ID number or birth date: the name alone leaves
    the pair to review; the same name with the same employer (ties) links it."""
    base = population(600).assign(ties=None)
    base.loc[base["record_id"] == "pol:1", "ties"] = "91640502282605429Y|PRO-1"
    employee = pd.DataFrame([("hrss:x", None, base.loc[base["record_id"] == "pol:1", "name"].iloc[0], None, None,
                              "91640502282605429Y")], columns=base.columns)
    alone = link(pd.concat([base, employee.assign(ties=None)], ignore_index=True), PERSON)
    assert alone.entity_of["hrss:x"] != alone.entity_of["pol:1"]
    tied = link(pd.concat([base, employee], ignore_index=True), PERSON)
    assert tied.entity_of["hrss:x"] == tied.entity_of["pol:1"]
    assert tied.explain("hrss:x", "pol:1").contributions[-1].level == "share one"


def test_the_birth_date_alone_is_a_blocking_key():
    """Name misspelt and no address: only the birth date brings the pair together."""
    keys = {key.label for key in PERSON.all_blocking}
    assert {"birth_date", "name+region"} <= keys
    result = link(with_mentions(("pol:x", ID_1, "马伟", "1980-03-01", None),
                                ("tax:x", mistyped(ID_1), "马玮", None, None)), PERSON)
    found = {frozenset(pair) for pair in zip(result.pairs["left_id"], result.pairs["right_id"])}
    assert frozenset(("pol:x", "tax:x")) in found  # a candidate, scored at least for review


def test_the_prior_is_counted_from_identifier_sharing_pairs_and_holds_at_scale():
    """Every third person has a second identified record: the prior is the share of pairs that
    share an ID number, whatever the population's size; EM's share would fall with it."""
    for n in (600, 1800):
        records = population(n)
        result = link(records, PERSON)
        shared = len(range(0, n, 3))
        assert result.model.prior == pytest.approx(shared / (len(records) * (len(records) - 1) / 2))


def test_training_reads_the_pairs_a_key_within_edits_leaves_out():
    """The enterprise keys on core-name pairs and triples of characters keep only names within two
    edits (cores further apart never merge). Without credit codes, as in the graph, the prior is
    EM's share of matches among the candidates: trained on the fewer, more alike pairs alone it
    moved (2.8x on longxi's small region). The pairs left out go back into training, so the
    model and the entities are those of the keys without the bound, from fewer candidates."""
    import dataclasses
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from cn_mentions import mentions
    left, right, _, _ = mentions("enterprise", 1_500, seed=5)
    frame = pd.concat([left, right], ignore_index=True).drop(columns=["credit_code"])
    unbounded = dataclasses.replace(ENTERPRISE, blocking=tuple(dataclasses.replace(key, within_edits=None)
                                                               for key in ENTERPRISE.blocking))
    assert any(key.within_edits == 2 for key in ENTERPRISE.blocking)
    bounded, every = link(frame, ENTERPRISE), link(frame, unbounded)
    assert bounded.candidate_pairs < every.candidate_pairs * 0.8
    assert bounded.model.prior == pytest.approx(every.model.prior, rel=1e-9)
    for mine, theirs in zip(bounded.model.m + bounded.model.u, every.model.m + every.model.u):
        np.testing.assert_allclose(mine, theirs, rtol=1e-9)
    entities = [result.clusters.groupby("entity_id")["record_id"].agg(frozenset) for result in (bounded, every)]
    assert set(entities[0]) == set(entities[1]) and len(entities[0]) < len(frame)
    # more pairs left out than the sample: a share of them, each standing for the others
    bounded, every = link(frame, ENTERPRISE, random_sample=5_000), link(frame, unbounded, random_sample=5_000)
    assert bounded.model.prior == pytest.approx(every.model.prior, rel=1e-3)  # each counted once, not as 1/rate pairs: .87% off
    entities = [result.clusters.groupby("entity_id")["record_id"].agg(frozenset) for result in (bounded, every)]
    assert set(entities[0]) == set(entities[1])
    untrained = link(frame, ENTERPRISE, random_sample=0)  # no pair to sample (it divided by zero): the defaults
    for estimated, comparison in zip(untrained.model.m, ENTERPRISE.comparisons):
        np.testing.assert_allclose(estimated, comparison.m_default)


def test_left_out_pairs_are_sampled_alike_under_every_key():
    """Above the sample, a pair is drawn by its code, the same under each key that left it out,
    and each drawn pair stands for 1 / rate of them; codes drawn already at a higher rate (a
    process's share of a key's blocks, thinned before it is handed over) give the same draw."""
    from crossaudit.resolve.blocking import drawn
    from crossaudit.resolve.link import _left_out_pairs
    first, second = BlockOn(("a",), within_edits=1), BlockOn(("b",), within_edits=1)
    rng = np.random.default_rng(1)
    one, two = rng.choice(10**9, 60_000, replace=False), rng.choice(10**9, 40_000, replace=False)
    two[:20_000] = one[:20_000]  # 20,000 pairs both keys left out
    distinct = len(set(one) | set(two))  # 80,000 but for chance
    codes, weight, by_key = _left_out_pairs({first: (one, 60_000), second: (two, 40_000)}, 10**6, 10_000, seed=0)
    assert weight == pytest.approx(10.0) and 0.09 < len(codes) / distinct < 0.11
    assert set(codes[by_key[first]]) == set(codes) & set(one) and set(codes[by_key[second]]) == set(codes) & set(two)
    shared = set(one[:20_000])
    assert 0.08 < len(set(codes) & shared) / len(shared) < 0.12  # drawn alike: not rate² of them
    assert set(codes[by_key[first]]) & shared == set(codes[by_key[second]]) & shared
    thinned = {first: (one[drawn(one, 0.3)], 60_000), second: (two[drawn(two, 0.5)], 40_000)}
    assert _left_out_pairs(thinned, 10**6, 10_000, seed=0)[0].tolist() == codes.tolist()
    everything, weight, _ = _left_out_pairs({first: (one, 60_000), second: (two, 40_000)}, 10**6, 200_000, seed=0)
    assert weight == 1 and len(everything) == distinct and (np.diff(everything) > 0).all()


# --- the library API ------------------------------------------------------------------------

def test_a_field_whose_column_is_missing_is_an_error_naming_it():
    config = EntityConfig("thing", "T-", fields=(Field("name"), Field("city")), comparisons=(Exact("name"),),
                          blocking=(BlockOn(("city",)),))
    with pytest.raises(MissingColumn, match="field 'city' reads column 'city'"):
        link(pd.DataFrame({"record_id": ["a"], "name": ["x"]}), config)
    optional = EntityConfig("thing", "T-", fields=(Field("name"), Field("city", optional=True)),
                            comparisons=(Exact("name"),), blocking=(BlockOn(("name",)),))
    assert len(link(pd.DataFrame({"record_id": ["a", "b"], "name": ["x", "x"]}), optional).clusters) == 2


def test_oversized_blocks_are_warned_and_counted():
    config = EntityConfig("thing", "T-", fields=(Field("name"), Field("city")),
                          comparisons=(EditDistance("name", (1,)),),
                          blocking=(BlockOn(("city",), max_block=3), BlockOn(("name",))))
    records = pd.DataFrame({"record_id": list("abcdef"), "name": ["ann", "ann", "bob", "cy", "di", "ed"],
                            "city": ["x", "x", "x", "x", "y", "y"]})
    with pytest.warns(UserWarning, match="blocking key city skipped 1 block"):
        result = link(records, config)
    assert result.oversized_blocks == {"city": 1}
    assert result.candidate_pairs == 2  # a~b by name, e~f by city y; the block of four x made none


def test_thresholds_and_workers_are_parameters():
    records = enterprises(("amr:1", "宁夏鑫源商贸有限公司", None, None, None),
                          ("tax:1", "宁夏金源商贸有限公司", None, None, None),
                          ("x:1", "华兴科技有限公司", None, None, None),
                          ("x:2", "朔方物流有限公司", None, None, None),
                          ("x:3", "塞上餐饮管理有限公司", None, None, None))
    strict = link(records, ENTERPRISE, workers=1)
    assert strict.entity_of["amr:1"] != strict.entity_of["tax:1"]
    probability = strict.review["probability"].iloc[0]
    lenient = link(records, ENTERPRISE, match_threshold=probability - 1e-6, review_threshold=0.1, workers=1)
    assert lenient.entity_of["amr:1"] == lenient.entity_of["tax:1"]


def test_single_source_deduplication():
    """One department's register with duplicates, no source column: link deduplicates it."""
    records = enterprises(("r1", "宁夏鑫源商贸有限公司", None, "银川市兴庆区解放西街12号", "09516021234"),
                          ("r2", "鑫源商贸有限责任公司", None, "宁夏银川市兴庆区解放西街12号", "0951-6021234"),
                          ("r3", "华兴科技有限公司", None, "银川市金凤区北京中路8号", None))
    result = link(records, ENTERPRISE)
    assert result.entity_of["r1"] == result.entity_of["r2"] != result.entity_of["r3"]


@pytest.mark.parametrize("module", ["divisions", "normalise", "records", "config", "link", "configs", "blocking"])
def test_resolve_docstring_examples_hold(module):
    result = doctest.testmod(importlib.import_module(f"crossaudit.resolve.{module}"))
    assert result.attempted > 0 and result.failed == 0


def test_the_worked_example_in_docs_runs():
    path = Path(__file__).resolve().parents[1] / "docs" / "resolve.md"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = doctest.testfile(str(path), module_relative=False, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 5 and result.failed == 0


# --- identifiers as written, through the loader and the store (both engines) ----------------

OFFICERS_SPEC = """\
department: amr
dataset: amr_officers
title: 主要人员信息
files: officers*.csv
format: csv
grade: internal
columns:
  统一社会信用代码: {field: credit_code, type: credit_code, on_invalid: "null"}
  企业名称: {field: name, type: enterprise_name, required: true}
  姓名: {field: person_name, type: name, required: true}
  证件号码: {field: person_id, type: id_number, on_invalid: "null"}
nodes:
  - {role: enterprise, label: Enterprise, id: credit_code, props: {credit_code: credit_code, name: name}}
  - {role: person, label: Person, id: person_id, props: {id_number: person_id, name: person_name}}
relationships:
  - {type: EXECUTIVE_OF, from: person, to: enterprise}
"""


def officers_delivery(folder: Path) -> tuple[str, str]:
    """folder/specs (OFFICERS_SPEC) and folder/data/officers.csv: 宁夏泰远煤业 with its director,
    the same firm and director with a mistyped credit code and ID number, and a namesake firm of
    another code. (the director's ID number, the mistyped code)."""
    person = make_id_number("640104", dt.date(1975, 5, 6), 21, "M")
    wrong_code = CODE_1[:10] + ("X" if CODE_1[10] != "X" else "Y") + CODE_1[11:]
    (folder / "specs").mkdir()
    (folder / "specs" / "officers.yaml").write_text(OFFICERS_SPEC, encoding="utf-8")
    (folder / "data").mkdir()
    (folder / "data" / "officers.csv").write_text(
        "统一社会信用代码,企业名称,姓名,证件号码\n"
        f"{CODE_1},宁夏泰远煤业有限公司,张伟,{person}\n"
        f"{wrong_code},泰远煤业有限责任公司,张伟,{mistyped(person)}\n"
        f"{CODE_2},泰远煤业有限公司,李娜,\n", encoding="utf-8")
    return person, wrong_code


def test_a_mistyped_code_nulled_by_the_loader_is_kept_as_written_and_links_its_firm(store, tmp_path):
    """Row 3 names 宁夏泰远煤业 with its credit code one character off and its director's ID
    number one digit off: the loader nulls both (they fail their checks) and keeps them as
    written; resolution finds the firm and the person by them, and the namesake firm of another
    code (row 4) stays apart."""
    from crossaudit.loaders import load_sources
    from crossaudit.resolve.graph import resolve_store

    person, wrong_code = officers_delivery(tmp_path)
    load_sources(tmp_path / "data", store, specs_dir=tmp_path / "specs")
    written = store.query("MATCH (e:Enterprise) WHERE e.credit_code_as_written IS NOT NULL "
                          "RETURN e.credit_code_as_written AS code")
    assert [row["code"] for row in written] == [wrong_code]
    assert [row["id"] for row in store.query("MATCH (p:Person) WHERE p.id_number_as_written IS NOT NULL "
                                              "RETURN p.id_number_as_written AS id")] == [mistyped(person)]
    resolve_store(store)
    firms = {row["uid"] for row in store.query("MATCH (e:Enterprise) RETURN e.uid AS uid")}
    assert firms == {CODE_1, CODE_2}
    persons = sorted((row["name"], row["uid"]) for row in store.query("MATCH (p:Person) RETURN p.name AS name, "
                                                                        "p.uid AS uid"))
    assert [name for name, _ in persons] == ["张伟", "李娜"] and ("张伟", person) in persons  # 张伟 once, by his number
    described = {row["row"]: row["firm"] for row in store.query(
        "MATCH (s:SourceRecord)-[:DESCRIBES]->(e:Enterprise) RETURN s.source_row AS row, e.uid AS firm")}
    assert described == {1: CODE_1, 2: CODE_1, 3: CODE_2}  # row 2 by its code as written, not by the namesake
    # whose name it matches exactly


def test_neighbouring_flats_addresses_are_different_a_street_typo_is_near():
    """2201室 | 2202室 is one digit apart and two flats: a house's address agrees only where its
    numbers do; a typo in the street (路 | 璐) is still one edit."""
    flats = pd.DataFrame([("reg:0", "宁（2021）贺兰县不动产权第0000013号", "银川市贺兰县贺兰山路51号24号楼1单元2201室"),
                          ("reg:1", "宁（2021）贺兰县不动产权第0000014号", "银川市贺兰县贺兰山路51号24号楼1单元2202室"),
                          ("tax:1", None, "银川市贺兰县贺兰山璐51号24号楼1单元2201室")],
                         columns=["record_id", "cert_no", "address"])
    result = link(flats, CONFIGS["property"])
    assert result.explain("reg:0", "reg:1").contributions[0].level == "different"
    assert result.explain("reg:0", "tax:1").contributions[0].level == "<= 1 edit"


def test_the_whole_name_as_written_picks_one_of_two_registered_namesakes():
    """The register holds 银川市辉凯冶金 and 银川辉凯冶金 (core and region alike); a land grant names
    its buyer 银川市辉凯冶金有限责任公司 without a code: the whole name, legal form unified, is a level
    above core and region, and the mention joins the firm so named."""
    firms = enterprises(("reg:1", "银川市辉凯冶金有限公司", CODE_1, None, None),
                        ("reg:2", "银川辉凯冶金有限公司", CODE_2, None, None),
                        ("land:1", "银川市辉凯冶金有限责任公司", None, None, None))
    result = link(firms, ENTERPRISE)
    assert result.explain("land:1", "reg:1").contributions[1].level == "exact, same name_region, name_full"
    assert result.explain("land:1", "reg:2").contributions[1].level == "exact, same name_region"
    assert result.entity_of["land:1"] == result.entity_of["reg:1"] != result.entity_of["reg:2"]


def test_a_name_one_character_apart_meets_its_firm_though_no_three_characters_agree():
    """华兴科技 written 华星科技 shares no three characters in a row with it (华兴科, 兴科技 |
    华星科, 星科技) and nothing else to block on: a pair of characters (科技) makes them candidates."""
    firms = enterprises(("reg:1", "宁夏华兴科技有限公司", CODE_1, None, None),
                        ("land:1", "宁夏华星科技有限公司", None, None, None))
    report = blocking_report(firms, ENTERPRISE, pd.DataFrame({"left_id": ["reg:1"], "right_id": ["land:1"]}))
    by_key = report.set_index("key")
    assert by_key.loc["name_core/trigrams", "recall"] == 0 and by_key.loc["name_core/bigrams", "recall"] == 1


def test_a_name_whose_character_pairs_are_all_common_is_still_a_candidate_by_three():
    """Four hundred firms hold 远方, 方新, 新材 and 材料 (pair blocks too large to compare):
    永宁远方新材料, a county's short name before the registered 远方新材料, still meets it through
    远方新."""
    common = [(f"reg:{k}", "{}{}远方{}方新{}新材料有限公司".format(*(chr(0x4e00 + 4 * k + c) for c in range(4))),
               None, None, None) for k in range(400)]
    firms = enterprises(*common, ("reg:x", "永宁县远方新材料有限公司", CODE_1, None, None),
                        ("lease:x", "永宁远方新材料有限公司", None, None, None))
    report = blocking_report(firms, ENTERPRISE, pd.DataFrame({"left_id": ["reg:x"], "right_id": ["lease:x"]}))
    by_key = report.set_index("key")
    assert by_key.loc["name_core/bigrams", "skipped_blocks"] >= 4 and by_key.loc["name_core/bigrams", "recall"] == 0
    assert by_key.loc["name_core/trigrams", "recall"] == 1 and by_key.loc["all keys", "recall"] == 1


def test_a_firm_without_a_region_code_is_placed_by_its_credit_codes_division():
    """Two registered namesakes, one in 利通区 (640302) and one in 红寺堡区 (640303), their rows
    giving no county; a payment names its unit by name and county only. The credit code was
    issued in its firm's division (characters 3-8, GB 32100): the mention meets the one there."""
    litong, hongsibao = make_credit_code("640302", "MA76G4LX"), make_credit_code("640303", "MA7U1PPX")
    firms = enterprises(("reg:1", "吴忠黄河物流有限责任公司", litong, None),
                        ("reg:2", "吴忠黄河物流有限责任公司", hongsibao, None),
                        ("pay:1", "吴忠黄河物流有限责任公司", None, "640302"),
                        columns=("record_id", "name", "credit_code", "region_code"))
    result = link(firms, ENTERPRISE)
    assert result.explain("pay:1", "reg:1").contributions[2].level == "exact"
    assert result.explain("pay:1", "reg:2").contributions[2].level != "exact"
    assert result.entity_of["pay:1"] == result.entity_of["reg:1"] != result.entity_of["reg:2"]


def test_two_names_without_a_region_agree_to_the_top_level_and_are_always_candidates():
    """灵武天塞化工 (a county's short name firms take as their own) written alike, legal forms
    apart: neither name has a region, so they agree as wholly as names can; and one key is the
    whole name, so however common its character pairs and triples, the pair is compared."""
    firms = enterprises(("reg:1", "灵武天塞化工有限责任公司", CODE_1, None, None),
                        ("land:1", "灵武天塞化工有限公司", None, None, None))
    result = link(firms, ENTERPRISE)
    assert result.explain("land:1", "reg:1").contributions[1].level == "exact, same name_region, name_full"
    assert "name_full" in {key.label for key in ENTERPRISE.all_blocking}


@pytest.mark.parametrize("written, date", [
    ("19580416", "1958-04-16"), ("1958-4-16", "1958-04-16"), ("1958/4/16", "1958-04-16"),
    ("1958.04.16", "1958-04-16"), ("1958年4月16日", "1958-04-16"), ("１９５８/4/16", "1958-04-16"),
    ("1958-4/16", None),  # two separators: no form the loaders read
    ("2019年2月30日", None), ("18000101", None), ("22000101", None),  # impossible, or outside the loaders' range
])
def test_a_birth_date_reads_as_the_loaders_read_it_whatever_its_form(written, date):
    """Departments write birth dates five ways; the resolver compares them as one, and a date the
    loaders would refuse (impossible, or outside their plausible range) is no date."""
    from crossaudit.resolve import iso_date

    assert iso_date(written) == date
