"""The Chinese resolution benchmark's generator (bench/cn_mentions.py): seeded, across the
country, with the variants and hard negatives it promises."""
from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from cn_mentions import mentions, places  # noqa: E402
from crossaudit.loaders.identifiers import is_valid_credit_code, is_valid_id_number  # noqa: E402

SIZE = 1_500


@pytest.fixture(scope="module")
def enterprises():
    return mentions("enterprise", SIZE, seed=3)


@pytest.fixture(scope="module")
def persons():
    return mentions("person", SIZE, seed=3)


def test_the_same_seed_gives_the_same_mentions_and_another_seed_others(enterprises):
    again = mentions("enterprise", SIZE, seed=3)
    for first, second in zip(enterprises, again):
        pd.testing.assert_frame_equal(first, second)
    assert not mentions("enterprise", SIZE, seed=4)[0].equals(enterprises[0])


def test_places_are_every_county_of_the_mainland():
    codes = {place.code for place in places()}
    assert len(codes) > 2_800
    assert {code[:2] for code in codes} == {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34",
                                            "35", "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52",
                                            "53", "54", "61", "62", "63", "64", "65"}


@pytest.mark.parametrize("kind", ["enterprises", "persons"])
def test_each_source_holds_size_entities_and_the_truth_pairs_the_shared_ones(kind, request):
    a, b, truth, records = request.getfixturevalue(kind)
    assert len(a) == len(b) == SIZE and len(truth) == SIZE * 9 // 10
    entity = records.set_index("record_id")["entity"]
    assert (entity[truth["left_id"]].to_numpy() == entity[truth["right_id"]].to_numpy()).all()
    assert set(truth["left_id"]) <= set(a["record_id"]) and set(truth["right_id"]) <= set(b["record_id"])


def test_a_third_of_the_records_have_no_valid_identifier(enterprises, persons):
    for frame, column, valid in ((enterprises, "credit_code", is_valid_credit_code),
                                 (persons, "id_number", is_valid_id_number)):
        codes = pd.concat([frame[0][column], frame[1][column]])
        share = 1 - codes.map(lambda code: isinstance(code, str) and valid(code.upper())).mean()
        assert 0.28 < share < 0.38, (column, share)


def test_enterprise_names_carry_the_variants_departments_write(enterprises):
    a, b, _, records = enterprises
    names = pd.concat([a["name"], b["name"]])
    for pattern in (r"[(（](?:宁夏|广西|新疆|内蒙古|[^()（）]{2,3})[)）]有限", "集团", "有限责任公司", "股份公司",
                    "有限合伙", "个人独资", "分公司", "（", r"\(", "[國團業貿華]"):
        assert names.str.contains(pattern).any(), pattern
    addresses = pd.concat([a["address"], b["address"]]).dropna()
    for pattern in ("邮编|邮政编码", "，.+[市州盟]，.+[省区市]$", "#", "[０-９]"):
        assert addresses.str.contains(pattern).any(), pattern
    regions = pd.concat([a["region_code"], b["region_code"]]).dropna()
    assert 0.5 < (~regions.str.startswith("64")).mean() < 0.9  # most outside Ningxia, some in it


def test_hard_negatives_are_planted(enterprises, persons):
    a, b, _, records = enterprises
    names = pd.concat([a, b]).set_index("record_id")["name"]
    branches = records[records["family"] == "branch"]
    assert names[branches["record_id"]].str.contains("分公司").any()
    near = records[records["family"] == "near_name"]
    assert near["entity"].nunique() > 20
    a, b, _, records = persons
    people = pd.concat([a, b]).set_index("record_id")
    namesakes = records[records["family"] == "namesake"].assign(name=lambda r: people.loc[r["record_id"], "name"].to_numpy())
    assert (namesakes.groupby("name")["entity"].nunique() > 1).sum() > 10  # one name, two persons
    short = people["name"].dropna().str.len() == 2
    assert short.mean() > 0.2
