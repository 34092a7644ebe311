"""Entity resolution: identifiers, hard constraints, name variants, branches, judgements,
increments, explanations, EM — on tiny inline records a reader can check by hand."""

import importlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crossaudit.loaders.identifiers import make_credit_code, make_id_number
from crossaudit.resolve import (
    CONFIGS, BlockOn, EditDistance, EntityConfig, Exact, Field, blocking_report, link, pair_metrics,
)
from crossaudit.resolve.comparisons import DateCloseness, JaroWinkler, Nested, NumberCloseness
from crossaudit.resolve.normalise import address_text, enterprise_name_parts, lower_text
from crossaudit.resolve.blocking import bigrams, candidate_pairs, keyed_candidate_pairs, pairs_in_blocks, trigrams
from crossaudit.resolve.records import forked, normalised_columns, prepare

ENTERPRISE = CONFIGS["enterprise"]
CODE_1 = make_credit_code("640104", "MA7CTMDN")
CODE_2 = make_credit_code("640104", "MA7CTMDP")
CODE_3 = make_credit_code("640121", "MA7BRNCH")
ADDRESS = "宁夏回族自治区银川市兴庆区解放西街12号"


def enterprises(*rows) -> pd.DataFrame:
    """Rows of (record_id, name, credit_code, address, phone)."""
    return pd.DataFrame(rows, columns=["record_id", "name", "credit_code", "address", "phone"])


def entity(result, record_id: str) -> str:
    return result.entity_of[record_id]


# --- normalisers and comparisons ------------------------------------------------------

@pytest.mark.parametrize("name", [
    "宁夏鑫源商贸有限公司", "宁夏鑫源商贸有限责任公司", "鑫源商贸有限公司", "寧夏鑫源商貿有限公司",
    "宁夏鑫源商贸有限公司 ", "银川鑫源商贸有限公司",
])
def test_name_variants_share_one_core(name):
    assert enterprise_name_parts(name).core == "鑫源商贸"


def test_name_parts_keep_region_form_and_branch_apart():
    parts = enterprise_name_parts("宁夏鑫源商贸有限责任公司银川分公司")
    assert (parts.region, parts.core, parts.legal_form, parts.branch, parts.parent_core) == \
        ("64", "鑫源商贸", "有限公司", "银川分公司", "鑫源商贸")
    assert enterprise_name_parts("ＸＹ科技有限公司").core == "XY科技"  # full-width folded


def test_address_drops_leading_divisions():
    assert address_text(ADDRESS) == address_text("银川市兴庆区解放西街12号") == "解放西街12号"


def test_comparison_levels_by_hand():
    records = prepare(pd.DataFrame({"record_id": list("abcde"),
                                    "name": ["鑫源商贸", "金源商贸", "鑫源商贸", None, "华兴科技"],
                                    "born": ["1980-01-02", "1980-01-20", "1980-02-01", None, "1999-01-01"],
                                    "area": [100.0, 100.5, 120.0, None, 100.0],
                                    "region": ["64", "6401", "6402", None, "64"]}),
                      (Field("name"), Field("born"), Field("area"), Field("region")), "record_id")
    left, right = np.array([0, 0, 0, 0]), np.array([1, 2, 3, 4])
    assert EditDistance("name", (1, 2)).levels(records, left, right).tolist() == [2, 3, -1, 0]
    # levels: 0 different, 1 within 3653 days, 2 within 365, 3 within 31, 4 one character off, 5 exact
    # 1980-01-20 is one character off 1980-01-02; 1980-02-01 is 30 days later; 1999 is 19 years
    assert DateCloseness("born").levels(records, left, right).tolist() == [4, 3, -1, 0]
    assert NumberCloseness("area", (0.01, 0.1)).levels(records, left, right).tolist() == [2, 0, -1, 3]
    assert Nested("region").levels(records, np.array([0, 1]), np.array([1, 2])).tolist() == [1, 0]
    assert JaroWinkler("name").labels == ("different", "jaro-winkler >= 0.88", "jaro-winkler >= 0.95", "exact")


def test_pairs_scored_as_they_come_get_the_levels_of_distinct_pairs_scored_once():
    """300k pairs of 2,000 names barely repeat, so they are scored one by one (few_repeats), in
    chunks of CHUNK; a thousand at a time they are factorised first: the same levels either way."""
    from crossaudit.resolve.comparisons import CHUNK, few_repeats
    rng = np.random.default_rng(3)
    names = ["".join(rng.choice(list("华兴科技鑫源商贸金泰"), rng.integers(3, 7))) for _ in range(2_000)]
    records = prepare(pd.DataFrame({"record_id": [str(k) for k in range(2_000)], "name": names}),
                      (Field("name"),), "record_id")
    left, right = rng.integers(0, 2_000, 300_000), rng.integers(0, 2_000, 300_000)
    assert len(left) > CHUNK and few_repeats(left * 2_000 + right)
    comparison = EditDistance("name", (1, 2))
    at_once = comparison.levels(records, left, right)
    by_thousands = np.concatenate([comparison.levels(records, left[k: k + 1_000], right[k: k + 1_000])
                                   for k in range(0, len(left), 1_000)])
    assert set(at_once.tolist()) == {0, 1, 2, 3} and at_once.tolist() == by_thousands.tolist()


def test_nested_codes_are_graded_by_prefix_as_read_pair_by_pair():
    rng = np.random.default_rng(13)
    codes = ["64", "6401", "640104", "640105", "6402", "65", "6501", "650102", "11", "1101"]
    records = prepare(pd.DataFrame({"record_id": [str(k) for k in range(len(codes) + 1)], "region": codes + [None]}),
                      (Field("region"),), "record_id")
    left, right = rng.integers(0, len(codes) + 1, 3_000), rng.integers(0, len(codes) + 1, 3_000)
    values = codes + [None]
    expected = [-1 if values[a] is None or values[b] is None else 2 if values[a] == values[b]
                else int(values[a].startswith(values[b]) or values[b].startswith(values[a])) for a, b in zip(left, right)]
    assert Nested("region").levels(records, left, right).tolist() == expected and set(expected) == {-1, 0, 1, 2}


def test_edit_distance_counts_a_transposition_as_one_edit():
    records = prepare(pd.DataFrame({"record_id": list("abcdef"),
                                    "code": ["ABCDEF", "BACDEF", "BADCEF", "ABCDXY", "ABC", "FEDCBA"]}),
                      (Field("code"),), "record_id")
    left, right = np.zeros(5, np.int64), np.arange(1, 6)
    # levels: 0 different, 1 within 2 edits, 2 within 1, 3 exact; BADCEF is two transpositions (four
    # Levenshtein edits), ABC three characters short, FEDCBA reversed
    assert EditDistance("code", (1, 2), transpositions=True).levels(records, left, right).tolist() == [2, 1, 1, 0, 0]
    assert EditDistance("code", (1, 2)).levels(records, left, right).tolist() == [1, 0, 1, 0, 0]


def test_values_whose_characters_differ_too_much_are_different_without_scoring_as_if_scored():
    """Names of a small alphabet, some one or two edits apart, some sharing few characters: the
    levels equal rapidfuzz's distances pair by pair, though most pairs are never scored."""
    from rapidfuzz.distance import DamerauLevenshtein, Levenshtein
    rng = np.random.default_rng(11)
    names = ["".join(rng.choice(list("华兴科技鑫源商贸金泰宁夏银川1234"), rng.integers(2, 9))) for _ in range(300)]
    names += [name[:-1] + "号" for name in names[:100]] + [name[1:] for name in names[100:200]]
    records = prepare(pd.DataFrame({"record_id": [str(k) for k in range(len(names))], "name": names}),
                      (Field("name"),), "record_id")
    left, right = rng.integers(0, len(names), 20_000), rng.integers(0, len(names), 20_000)
    left[:200], right[:200] = np.arange(200), np.arange(300, 500)  # one edit apart
    column = records.columns["name"]
    pruned = ~EditDistance("name", (1, 2))._may_grade(column, column.codes[left], column.codes[right])
    assert pruned.mean() > 0.3
    for transpositions, metric in ((False, Levenshtein), (True, DamerauLevenshtein)):
        levels = EditDistance("name", (1, 2), transpositions=transpositions).levels(records, left, right)
        distance = np.array([metric.distance(names[a], names[b]) for a, b in zip(left, right)])
        assert levels.tolist() == np.select([distance == 0, distance == 1, distance == 2], [3, 2, 1], 0).tolist()


def test_a_key_within_two_edits_pairs_only_names_that_may_be_two_edits_apart():
    """Names sharing 科技: 华兴科技|华星科技 and 华兴科技|兴科技 are an edit apart and stay pairs of
    the bigram key within two edits; 宏达新材料科技 is further from each by its length, 科技华兴 by
    nothing the bound sees (the same four characters, four edits apart: scored "different" later).
    Every pair the bound drops is more than two edits apart."""
    from rapidfuzz.distance import Levenshtein
    names = ["华兴科技", "华星科技", "兴科技", "宏达新材料科技", "科技华兴"]
    records = prepare(pd.DataFrame({"record_id": [str(k) for k in range(len(names))], "name": names}),
                      (Field("name"),), "record_id")

    def pairs(key: BlockOn) -> set[tuple[str, str]]:
        codes = candidate_pairs(records, (key,))
        return {(names[i], names[j]) for i, j in zip(codes // len(names), codes % len(names))}

    near, every = pairs(BlockOn(("name",), keys=bigrams, within_edits=2)), pairs(BlockOn(("name",), keys=bigrams))
    assert len(every) == 10  # every two share 科技
    assert near == {("华兴科技", "华星科技"), ("华兴科技", "兴科技"), ("华星科技", "兴科技"), ("华兴科技", "科技华兴"),
                    ("华星科技", "科技华兴"), ("兴科技", "科技华兴")}
    assert all(Levenshtein.distance(a, b) > 2 for a, b in every - near)
    assert BlockOn(("name",), keys=bigrams, within_edits=2).label == "name/bigrams"
    nameless = link(pd.DataFrame({"record_id": ["a", "b"], "name": [None, " "]}), CONFIGS["enterprise"])
    assert nameless.candidate_pairs == 0 and nameless.clusters["entity_id"].nunique() == 2  # no name to look up
    with pytest.raises(ValueError, match="within_edits applies to one column"):
        BlockOn(("name", "city"), within_edits=1)


def test_random_pairs_across_sources_never_list_the_pairs_within_one():
    """Linking a source of 4,000 records to one of 20: its 80,000 pairs across are fewer than the
    sample, so all are taken, without the eight million within the large source (listing every
    pair of 100k records would take 37 GB)."""
    import tracemalloc
    from crossaudit.resolve.link import random_pairs
    frame = pd.DataFrame({"record_id": [str(k) for k in range(4_020)], "name": ["x"] * 4_020,
                          "source": ["big"] * 4_000 + ["small"] * 20})
    records = prepare(frame, (Field("name"),), "record_id", "source")
    tracemalloc.start()
    i, j = random_pairs(records, True, 300_000, 0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(i) == 80_000 and (records.sources[i] != records.sources[j]).all() and (i < j).all()
    assert len(set(zip(i.tolist(), j.tolist()))) == 80_000 and peak < 20_000_000
    alone = prepare(frame.assign(source="big"), (Field("name"),), "record_id", "source")
    assert len(random_pairs(alone, True, 300_000, 0)[0]) == 0


def test_blocks_pair_their_records_within_or_across_sources():
    rows, keys, sources = np.arange(5), np.array([0, 0, 0, 1, 1]), np.array([0, 1, 1, 0, 0])

    def pairs(link_only, max_block):
        i, j, skipped = pairs_in_blocks(rows, keys, sources, link_only, max_block)
        return sorted(zip(i.tolist(), j.tolist())), skipped

    assert pairs(False, 10) == ([(0, 1), (0, 2), (1, 2), (3, 4)], 0)
    assert pairs(True, 10) == ([(0, 1), (0, 2)], 0)  # records 3 and 4 are both of source 0
    assert pairs(False, 2) == ([(3, 4)], 1)  # the block of three is skipped


def test_fields_reading_one_column_normalise_each_distinct_value_once():
    seen = []

    def upper(value):
        seen.append(value)
        return value.upper()

    values = normalised_columns(pd.DataFrame({"name": ["ab", "ab", "cd", None]}),
                                (Field("name", upper), Field("first", lambda v: v[0], source="name")))
    assert values["name"].tolist() == ["AB", "AB", "CD", None] and values["first"].tolist() == ["a", "a", "c", None]
    assert seen == ["ab", "cd"]


# --- enterprises ----------------------------------------------------------------------

def test_same_valid_credit_code_merges_whatever_the_names():
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, None),
                              ("tax:1", "鑫源物流有限公司", CODE_1.lower(), None, None)), ENTERPRISE)
    assert entity(result, "amr:1") == entity(result, "tax:1")
    assert result.clusters.set_index("record_id").loc["tax:1", "method"] == "identifier"


def test_two_valid_codes_never_merge_even_with_identical_names():
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, "0951-6021234"),
                              ("tax:1", "宁夏鑫源商贸有限公司", CODE_2, ADDRESS, "0951-6021234")), ENTERPRISE)
    assert entity(result, "amr:1") != entity(result, "tax:1")
    assert result.explain("amr:1", "tax:1").method == "never"


def test_records_without_code_join_one_of_two_coded_namesakes_not_both():
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, "0951-6021234"),
                              ("amr:2", "宁夏鑫源商贸有限公司", CODE_2, "宁夏银川市金凤区北京中路8号", None),
                              ("hrss:1", "宁夏鑫源商贸有限公司", None, ADDRESS, "0951-6021234")), ENTERPRISE)
    assert entity(result, "amr:1") != entity(result, "amr:2")
    assert entity(result, "hrss:1") == entity(result, "amr:1")  # it shares address and phone with amr:1


@pytest.mark.parametrize("variant", [
    "宁夏鑫源商贸有限责任公司",  # legal form
    "鑫源商贸有限公司",  # region prefix dropped
    "宁夏鑫源商贸有限公司",  # in full-width below, via the address
    "寧夏鑫源商貿有限公司",  # traditional characters
    "宁夏金源商贸有限公司",  # one-character typo (鑫 → 金)
])
def test_name_variants_resolve_to_the_registered_enterprise(variant):
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, None),
                              ("tax:1", variant, None, "宁夏银川市兴庆区解放西街１２号", None),
                              ("amr:2", "宁夏华兴科技有限公司", CODE_2, "宁夏银川市西夏区朔方路3号", None)), ENTERPRISE)
    assert entity(result, "tax:1") == entity(result, "amr:1")
    assert entity(result, "amr:2") != entity(result, "amr:1")


def test_full_width_credit_code_is_the_same_code():
    full_width = CODE_1.translate({cp - 0xFEE0: cp for cp in range(0xFF01, 0xFF5F)})
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, None, None),
                              ("tax:1", "鑫源商贸", full_width, None, None)), ENTERPRISE)
    assert entity(result, "amr:1") == entity(result, "tax:1")


def test_branch_is_linked_to_its_head_office_not_merged():
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, "0951-6021234"),
                              ("amr:2", "宁夏鑫源商贸有限公司银川分公司", CODE_3, ADDRESS, "0951-6021234"),
                              ("tax:2", "鑫源商贸有限责任公司银川分公司", None, ADDRESS, "0951-6021234")), ENTERPRISE)
    head, branch = entity(result, "amr:1"), entity(result, "amr:2")
    assert head != branch and entity(result, "tax:2") == branch
    links = set(zip(result.related["kind"], result.related["entity_id"], result.related["related_entity_id"]))
    assert links == {("BRANCH_OF", branch, head)}


def test_blocking_report_measures_recall():
    records = enterprises(("a", "宁夏鑫源商贸有限公司", None, ADDRESS, None),
                          ("b", "鑫源商贸有限公司", None, None, None),
                          ("c", "华兴科技有限公司", None, None, "0951-6021234"),
                          ("d", "华兴科技有限公司", None, None, None))
    report = blocking_report(records, ENTERPRISE, pd.DataFrame({"left_id": ["a", "c"], "right_id": ["b", "d"]}))
    union = report.set_index("key").loc["all keys"]
    assert union["pairs"] == 2 and union["recall"] == 1.0  # a~b and c~d share name bigrams, nothing else does



def test_name_grams_of_many_names_at_once_are_the_grams_name_by_name():
    names = np.array(["华兴科技", "兴科", "华", "", "华兴", "𠀀𠀁科", "a\0", "abc"], dtype=object)
    for grams in (bigrams, trigrams):
        counts, codes = grams.codes(names)
        one_by_one = [gram for name in names for gram in grams(name)]
        assert counts.tolist() == [len(grams(name)) for name in names]
        assert pd.factorize(codes)[0].tolist() == pd.factorize(pd.Series(one_by_one, dtype=object))[0].tolist()


def test_two_firms_of_different_valid_codes_are_never_compared():
    records = enterprises(("a", "华兴科技有限公司", CODE_1, ADDRESS, None), ("b", "华兴科技有限公司", CODE_2, ADDRESS, None),
                          ("c", "华兴科技有限责任公司", None, ADDRESS, None))
    result = link(records, ENTERPRISE)
    assert result.candidate_pairs == 2  # a~c, b~c: a~b share name and address, but never one firm
    assert result.explain("a", "b").method == "never"


def test_the_keys_that_found_each_candidate_are_the_keys_whose_own_pairs_hold_it():
    records = prepare(pd.DataFrame({"record_id": list("abcde"), "name": ["华兴", "华兴", "华星", "华星", "华兴"],
                                    "city": ["银川", "吴忠", "银川", "银川", None]}),
                      (Field("name"), Field("city")), "record_id")
    keys = (BlockOn(("name",)), BlockOn(("city",)), BlockOn(("name", "city")))
    own: dict[str, np.ndarray] = {}
    union, found_by = keyed_candidate_pairs(records, keys, on_key=lambda key, codes, _: own.setdefault(key.label,
                                                                                                      codes.copy()))
    # name: a~b a~e b~e c~d; city: a~c a~d c~d; name+city: c~d
    assert union.tolist() == candidate_pairs(records, keys).tolist() and len(union) == 6
    for number, key in enumerate(keys):
        assert (((found_by >> number) & 1) == 1).tolist() == np.isin(union, own[key.label]).tolist()
    assert found_by.tolist().count(0b111) == 1  # c~d: every key


def test_blocks_paired_in_two_processes_give_the_pairs_and_keys_paired_in_one(monkeypatch):
    from crossaudit.resolve import blocking
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"record_id": [str(k) for k in range(400)],
                          "name": ["".join(rng.choice(list("华兴科技鑫源"), 3)) for _ in range(400)],
                          "city": rng.choice(["银川", "吴忠", "固原", None], 400)})
    records = prepare(frame, (Field("name"), Field("city")), "record_id")
    keys = (BlockOn(("name",), keys=bigrams, max_block=60), BlockOn(("city",), max_block=120), BlockOn(("name", "city")))
    monkeypatch.setattr(blocking, "RECORDS_PER_PROCESS", 100)  # 400 records: a share for each of 2 processes
    reports = {workers: [] for workers in (1, 2)}
    one, two = (keyed_candidate_pairs(records, keys, on_key=lambda key, codes, skipped, seen=reports[workers]:
                                      seen.append((key.label, codes.tolist(), skipped)), workers=workers)
                for workers in (1, 2))
    assert one[0].tolist() == two[0].tolist() and one[1].tolist() == two[1].tolist() and len(one[0]) > 1_000
    assert reports[1] == reports[2] and sum(skipped for *_, skipped in reports[2]) > 0  # blocks too large are counted


def test_values_normalised_in_two_processes_are_the_values_normalised_in_one():
    frame = pd.DataFrame({"name": [f" 华兴{k % 60_000} " for k in range(70_000)] + [None],
                          "code": [str(k % 7) for k in range(70_001)]})
    fields = (Field("name", str.strip), Field("length", len, source="name"), Field("code", int))
    one, two = normalised_columns(frame, fields, workers=1), normalised_columns(frame, fields, workers=2)
    assert {name: values.tolist() for name, values in one.items()} == {name: values.tolist() for name, values in two.items()}
    assert two["name"][60_001] == "华兴1" and two["length"][-1] is None and two["code"][8] == 1


def test_pairs_compared_in_two_processes_get_the_levels_compared_in_one(monkeypatch):
    link_module = importlib.import_module("crossaudit.resolve.link")  # the package exports link(), the function
    rng = np.random.default_rng(5)
    names = ["".join(rng.choice(list("华兴科技鑫源商贸"), rng.integers(3, 6))) for _ in range(500)]
    config = EntityConfig("t", "T-", fields=(Field("name"), Field("phone")),
                          comparisons=(EditDistance("name", (1, 2)), Exact("phone")))
    records = prepare(pd.DataFrame({"record_id": [str(k) for k in range(500)], "name": names,
                                    "phone": [str(k % 7) for k in range(500)]}), config.fields, "record_id")
    left, right = rng.integers(0, 500, 5_001), rng.integers(0, 500, 5_001)
    monkeypatch.setattr(link_module, "PAIRS_PER_PROCESS", 1_000)  # 5,001 pairs: a share for each of 2 processes
    one = link_module.comparison_levels(records, config, left, right, workers=1)
    two = link_module.comparison_levels(records, config, left, right, workers=2)
    assert two.shape == (5_001, 2) and two.tolist() == one.tolist() and set(two[:, 0].tolist()) == {0, 1, 2, 3}


def test_an_error_in_a_forked_share_is_raised_in_the_caller():
    def share(k: int) -> int:
        if k == 1:
            raise ValueError("share 1 met a value it cannot read")
        return k

    assert forked(lambda k: k * 10, 3) == [0, 10, 20]
    with pytest.raises(ValueError, match="share 1 met"):
        forked(share, 2)

# --- judgements, increments, explanations ----------------------------------------------

def test_linked_pairs_are_every_pair_of_an_entity_in_record_order():
    records = enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, None, None), ("tax:1", "鑫源商贸", CODE_1, None, None),
                          ("tax:2", "宁夏鑫源商贸有限公司", CODE_1, None, None), ("tax:3", "华兴科技有限公司", CODE_2, None, None))
    result = link(records.assign(source=["amr", "tax", "tax", "tax"]), ENTERPRISE, source_column="source")
    assert list(result.linked_pairs().itertuples(index=False, name=None)) == [
        ("amr:1", "tax:1"), ("amr:1", "tax:2"), ("tax:1", "tax:2")]
    assert list(result.linked_pairs(across_sources_only=True).itertuples(index=False, name=None)) == [
        ("amr:1", "tax:1"), ("amr:1", "tax:2")]


def test_judgements_win_over_scores():
    records = enterprises(("amr:1", "宁夏鑫源商贸有限公司", None, ADDRESS, "0951-6021234"),
                          ("tax:1", "宁夏鑫源商贸有限公司", None, ADDRESS, "0951-6021234"),
                          ("hrss:1", "华兴科技有限公司", None, None, None))
    assert entity(link(records, ENTERPRISE), "amr:1") == entity(link(records, ENTERPRISE), "tax:1")
    result = link(records, ENTERPRISE, judgements=[("amr:1", "tax:1", False), ("hrss:1", "amr:1", True)])
    assert entity(result, "amr:1") != entity(result, "tax:1")
    assert entity(result, "hrss:1") == entity(result, "amr:1")
    decided = result.pairs.set_index(["left_id", "right_id"])
    assert decided.loc[("amr:1", "tax:1"), "decision"] == "rejected"
    assert result.explain("amr:1", "hrss:1").method == "judgement"


def test_incremental_run_keeps_existing_entity_ids():
    first = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, None),
                             ("amr:2", "宁夏华兴科技有限公司", CODE_2, "宁夏银川市西夏区朔方路3号", None)), ENTERPRISE)
    existing = dict(zip(first.clusters["record_id"], first.clusters["entity_id"]))
    existing["amr:2"] = "ENT-KEPT"  # an id given by an earlier run, whatever its form
    second = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", CODE_1, ADDRESS, None),
                              ("amr:2", "宁夏华兴科技有限公司", CODE_2, "宁夏银川市西夏区朔方路3号", None),
                              ("tax:9", "鑫源商贸有限责任公司", None, ADDRESS, None),
                              ("tax:10", "宁夏华兴科技有限公司", CODE_2, None, None),
                              ("tax:11", "宁夏朔方物流有限公司", None, "宁夏石嘴山市大武口区胜利街1号", None)),
                  ENTERPRISE, existing=existing)
    ids = second.entity_of
    assert ids["amr:1"] == existing["amr:1"] and ids["tax:9"] == existing["amr:1"]
    assert ids["amr:2"] == ids["tax:10"] == "ENT-KEPT"
    assert ids["tax:11"] not in existing.values()
    assert second.clusters.set_index("record_id").loc["amr:1", "method"] in ("existing", "probabilistic")


def test_explain_lists_each_fields_contribution():
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", None, ADDRESS, "0951-6021234"),
                              ("tax:1", "宁夏金源商贸有限公司", None, ADDRESS, None)), ENTERPRISE)
    explanation = result.explain("amr:1", "tax:1")
    fields = {c.field: c for c in explanation.contributions}
    assert set(fields) == {c.name for c in ENTERPRISE.comparisons}
    assert fields["name_core"].level == "<= 1 edit" and fields["name_core"].weight > 0
    assert fields["address"].level == "exact" and fields["phone"].level == "missing" and fields["phone"].weight == 0
    assert explanation.weight == pytest.approx(explanation.prior_weight + sum(c.weight for c in fields.values()))
    text = str(explanation)
    assert "name_core" in text and "<= 1 edit" in text and "same entity" in text
    pair = result.pairs.iloc[0]
    assert pair["weight"] == pytest.approx(explanation.weight, abs=1e-4)
    assert pair["w_address"] == pytest.approx(fields["address"].weight)


def test_link_reports_the_seconds_of_each_stage():
    result = link(enterprises(("a", "宁夏鑫源商贸有限公司", None, ADDRESS, None),
                              ("b", "鑫源商贸有限公司", None, ADDRESS, None)), ENTERPRISE)
    assert list(result.seconds) == ["normalise", "block", "compare", "train", "cluster", "output"]
    assert all(seconds >= 0 for seconds in result.seconds.values())

def test_pairs_between_thresholds_go_to_review():
    # name alone, one character apart: some evidence, not enough
    result = link(enterprises(("amr:1", "宁夏鑫源商贸有限公司", None, None, None),
                              ("tax:1", "宁夏金源商贸有限公司", None, None, None),
                              ("x:1", "华兴科技有限公司", None, None, None),
                              ("x:2", "朔方物流有限公司", None, None, None),
                              ("x:3", "塞上餐饮管理有限公司", None, None, None)), ENTERPRISE)
    review = result.review
    assert list(zip(review["left_id"], review["right_id"])) == [("amr:1", "tax:1")]
    assert ENTERPRISE.review_threshold <= review["probability"].iloc[0] < ENTERPRISE.match_threshold


# --- persons, properties, contracts ---------------------------------------------------

def test_persons_by_id_number_else_name_birth_date_and_address():
    import datetime as dt
    id_1 = make_id_number("640104", dt.date(1980, 3, 1), 12, "M")
    id_2 = make_id_number("640104", dt.date(1980, 3, 1), 14, "M")
    persons = pd.DataFrame([
        ("pol:1", id_1, "马建国", "1980-03-01", ADDRESS),
        ("hrss:1", id_1, "馬建國", None, None),
        ("tax:1", None, "马建国", "1980年3月1日", "银川市兴庆区解放西街12号"),
        ("pol:2", id_2, "马建国", "1980-03-01", "石嘴山市大武口区朝阳街8号"),  # a namesake born the same day
    ], columns=["record_id", "id_number", "name", "birth_date", "address"])
    result = link(persons, CONFIGS["person"])
    assert entity(result, "pol:1") == entity(result, "hrss:1") == entity(result, "tax:1")
    assert entity(result, "pol:2") != entity(result, "pol:1")


def test_a_mention_two_identified_entities_match_alike_is_left_to_review():
    """Namesakes born the same day at one address: a mention without an ID number could be
    either, so it joins neither (merging it into one is a coin toss) and a person decides."""
    import datetime as dt
    id_1 = make_id_number("640104", dt.date(1980, 3, 1), 12, "M")
    id_2 = make_id_number("640104", dt.date(1980, 3, 1), 14, "M")
    persons = pd.DataFrame([
        ("pol:1", id_1, "马建国", "1980-03-01", ADDRESS),
        ("pol:2", id_2, "马建国", "1980-03-01", ADDRESS),
        ("tax:1", None, "马建国", "1980年3月1日", "银川市兴庆区解放西街12号"),
    ], columns=["record_id", "id_number", "name", "birth_date", "address"])
    result = link(persons, CONFIGS["person"])
    assert entity(result, "tax:1") not in (entity(result, "pol:1"), entity(result, "pol:2"))
    queued = {frozenset(pair) for pair in zip(result.review["left_id"], result.review["right_id"])}
    assert {frozenset(("tax:1", "pol:1")), frozenset(("tax:1", "pol:2"))} <= queued


def test_properties_by_certificate_else_address_and_area():
    properties = pd.DataFrame([
        ("nr:1", "宁(2021)银川市不动产权第0012345号", "银川市兴庆区解放西街12号3-101", 89.5),
        ("tax:1", "宁(2021)银川市不动产权第0012345号", None, None),
        ("housing:1", None, "宁夏回族自治区银川市兴庆区解放西街12号3-101", 89.6),
        ("nr:2", "宁(2021)银川市不动产权第0099999号", "银川市兴庆区解放西街12号3-102", 120.0),
    ], columns=["record_id", "cert_no", "address", "area"])
    result = link(properties, CONFIGS["property"])
    assert entity(result, "nr:1") == entity(result, "tax:1") == entity(result, "housing:1")
    assert entity(result, "nr:2") != entity(result, "nr:1")


def test_contracts_by_number_and_parties():
    contracts = pd.DataFrame([
        ("nr:1", "WQ640104-2021-009", "宁夏鑫源商贸有限公司", CODE_1, "2021-03-01", 1_200_000),
        ("tax:1", "WQ640104-2021-009", "鑫源商贸有限责任公司", CODE_1, "2021-03-01", 1_200_000),
        ("nr:2", "WQ640104-2021-010", "宁夏华兴科技有限公司", CODE_2, "2021-05-01", 800_000),
    ], columns=["record_id", "contract_no", "buyer_name", "buyer_code", "signed_on", "price"])
    result = link(contracts, CONFIGS["contract"])
    assert entity(result, "nr:1") == entity(result, "tax:1") != entity(result, "nr:2")


def test_link_reads_a_pyarrow_table():
    table = pa.Table.from_pandas(enterprises(("a", "宁夏鑫源商贸有限公司", CODE_1, None, None),
                                             ("b", "鑫源商贸", CODE_1, None, None)))
    assert link(table, ENTERPRISE).clusters["entity_id"].nunique() == 1


# --- estimation -----------------------------------------------------------------------

def test_em_recovers_m_and_u_without_labels():
    """2,000 people and a copy of each: the copy's city is wrong 10 % of the time, its
    surname 20 %; 20 equally common cities, 400 surnames."""
    rng = np.random.default_rng(3)
    n = 2000
    city, surname = rng.integers(0, 20, n), rng.integers(0, 400, n)
    birth = rng.integers(0, 20_000, n)
    copy_city = np.where(rng.random(n) < 0.1, (city + 1 + rng.integers(0, 19, n)) % 20, city)
    copy_surname = np.where(rng.random(n) < 0.2, (surname + 1 + rng.integers(0, 399, n)) % 400, surname)
    records = pd.DataFrame({
        "record_id": [f"a{k}" for k in range(n)] + [f"b{k}" for k in range(n)],
        "source": ["a"] * n + ["b"] * n,
        "city": np.concatenate([city, copy_city]).astype(str),
        "surname": np.concatenate([surname, copy_surname]).astype(str),
        "birth": np.concatenate([birth, birth]).astype(str),
    })
    config = EntityConfig("test", "T-", fields=(Field("city"), Field("surname"), Field("birth")),
                          comparisons=(Exact("city"), Exact("surname"), Exact("birth")),
                          blocking=(BlockOn(("birth",)), BlockOn(("city", "surname"))))
    model = link(records, config, source_column="source", link_only=True).model
    m = {name: float(p[1]) for name, p in zip(model.names, model.m)}
    u = {name: float(p[1]) for name, p in zip(model.names, model.u)}
    assert m["city"] == pytest.approx(0.9, abs=0.03) and m["surname"] == pytest.approx(0.8, abs=0.03)
    assert u["city"] == pytest.approx(1 / 20, rel=0.15) and u["surname"] == pytest.approx(1 / 400, rel=0.3)
    # the prior counts some chance agreements on city and surname as matches: right to within half
    assert model.prior == pytest.approx(1 / n, rel=0.5)


def test_febrl4_linked_without_labels():
    from crossaudit.resolve.datasets import febrl4

    left, right, true_pairs = febrl4()
    records = pd.concat([left.assign(source="a"), right.assign(source="b")], ignore_index=True)
    result = link(records, CONFIGS["febrl"], source_column="source", link_only=True, deduplicated=["a", "b"])
    assert pair_metrics(result.linked_pairs(), true_pairs)["f1"] >= 0.99


def test_lower_text_folds_case_and_space():
    assert lower_text("  Miami   BEACH ") == "miami beach"
    assert lower_text("ＭＩＡＭＩ") == "miami"
