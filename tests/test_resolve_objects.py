"""Properties, contracts and permits are one node whichever of their numbers a department cites,
in whatever width and brackets: normalisers, co-citations from the loader, their merge by
resolution (both engines), ambiguity, and lookup."""
from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from crossaudit.engine.store import RunStamp
from crossaudit.loaders import load_sources
from crossaudit.loaders.identifiers import cert_no_key, contract_no_key, permit_no_key, unit_no_key
from crossaudit.loaders.transform import co_citations, entity_keys
from crossaudit.resolve.configs import CONFIGS
from crossaudit.resolve.graph import ReviewError, contributions, judge, local_links, resolve_store, review_items
from crossaudit.resolve.link import link
from crossaudit.resolve.normalise import address_key
from crossaudit.viz.lookup import AmbiguousKey, find_entity

UNIT, OTHER_UNIT = "640104001001GB00001F00010001", "640104001001GB00001F00010002"
CERT = "宁(2021)银川市不动产权第0012345号"
CERT_FULL_WIDTH = "宁（２０２１）银川市不动产权第００１２３４５号"
CERT_OTHER_BRACKETS = "宁〔2021〕银川市不动产权第0012345号"
ADDRESS = "宁夏回族自治区银川市兴庆区解放西街12号"


# --- normalisers -------------------------------------------------------------------------------

def test_one_certificate_written_three_ways_has_one_key():
    assert cert_no_key(CERT_FULL_WIDTH) == cert_no_key(CERT_OTHER_BRACKETS) == cert_no_key(f" {CERT} ") == CERT
    assert cert_no_key("宁【2021】银川市不动产权第0012345号") == cert_no_key("宁[2021]银川市不动产权第0012345号") == CERT


def test_two_certificates_keep_two_keys():
    assert cert_no_key("宁(2021)银川市不动产权第0012346号") != cert_no_key(CERT)
    assert cert_no_key("宁(2022)银川市不动产权第0012345号") != cert_no_key(CERT)


def test_a_unit_number_loses_its_separators_width_and_case():
    assert unit_no_key("640104 001001 GB00001 Ｆ00010001") == unit_no_key("640104-001001-gb00001-f00010001") == UNIT
    assert unit_no_key(OTHER_UNIT) != unit_no_key(UNIT)


def test_contract_and_permit_numbers_unify_brackets_dashes_dots_and_width():
    assert contract_no_key("银川自然资出让〔2023〕001号") == contract_no_key("银川自然资出让（２０２３）００１号") \
        == "银川自然资出让(2023)001号"
    assert contract_no_key("YC—2023·０１") == contract_no_key("yc-2023.01") == "YC-2023.01"
    assert permit_no_key("６４０１０４２０２３０３０１０１０１") == permit_no_key("640104202303010101")


def test_an_address_key_is_its_county_and_street_address_however_written():
    assert address_key("银川市兴庆区解放西街１２号") == address_key(ADDRESS) == "640104|解放西街12号"
    assert address_key("解放西街12号") is None  # no county: it may be in any


@pytest.mark.parametrize("blank", [None, "", "  ", "\u3000"])
def test_a_blank_number_has_no_key(blank):
    assert cert_no_key(blank) is None and unit_no_key(blank) is None


# --- keys and co-citations from the loader (pure) ------------------------------------------------

def test_a_property_is_keyed_by_its_unit_else_its_certificate_in_one_form():
    props = {"unit_no": pa.array(["640104-001001-GB00001-F00010001", None, None]),
             "cert_no": pa.array([CERT, CERT_FULL_WIDTH, None]), "address": pa.array([None, None, ADDRESS])}
    uids, methods = entity_keys("Property", props, pa.array(["r:1", "r:2", "r:3"]), "house")
    assert uids.to_pylist() == [UNIT, CERT, "record:r:3:house"]
    assert methods.to_pylist() == ["exact", "exact", "record"]


def test_a_row_naming_a_property_by_unit_and_certificate_co_cites_them():
    nodes = {"uid": pa.array([UNIT, CERT]), "unit_no": pa.array([UNIT, None]),
             "cert_no": pa.array([CERT_FULL_WIDTH, CERT]), "dataset": pa.array(["nr", "court"]),
             "source_row": pa.array([1, 2])}
    [batch] = co_citations("Property", nodes)
    assert {name: values.to_pylist() for name, values in batch.items()} == {
        "cocitation_id": [f"Property:{CERT}|{UNIT}"], "label": ["Property"], "other_uid": [CERT],
        "other_prop": ["cert_no"], "uid": [UNIT], "dataset": ["nr"], "source_row": [1]}


# --- load and resolve, both engines --------------------------------------------------------------

# dataset → (department, the spec's columns, nodes and relationships); files `<dataset>*.csv`
SPECS = {
    "register": ("nr", """
columns:
  业务号: {field: business_no, required: true}
  不动产单元号: {field: unit_no, required: true}
  不动产权证书号: {field: cert_no}
  坐落: {field: address, type: address}
  面积: {field: area_m2, type: number}
nodes:
  - {role: property, label: Property, id: unit_no,
     props: {unit_no: unit_no, cert_no: cert_no, address: address, area_m2: area_m2}}
"""),
    "auctions": ("court", """
columns:
  案号: {field: case_no, required: true}
  不动产权证书号: {field: cert_no, required: true}
  成交价(元): {field: price, type: amount}
nodes:
  - {role: auction, label: Contract, id: [case_no], props: {kind: "=auction", amount: price, reference: case_no}}
  - {role: property, label: Property, id: cert_no, props: {cert_no: cert_no}}
relationships:
  - {type: CONCERNS, from: auction, to: property}
"""),
    "deed": ("tax", """
columns:
  税源编号: {field: filing_id, required: true}
  不动产单元号: {field: unit_no}
  合同编号: {field: contract_no}
  网签备案号: {field: record_no}
nodes:
  - {role: filing, label: TaxFiling, id: filing_id, props: {tax_type: "=deed_tax"}}
  - {role: property, label: Property, id: unit_no, props: {unit_no: unit_no}}
  - {role: contract, label: Contract, id: contract_no, props: {contract_no: contract_no, record_no: record_no}}
relationships:
  - {type: CONCERNS, from: filing, to: property}
  - {type: CONCERNS, from: filing, to: contract}
"""),
    "leases": ("housing", """
columns:
  备案编号: {field: contract_no, required: true}
  房屋坐落: {field: address, type: address}
nodes:
  - {role: lease, label: Contract, id: contract_no, props: {contract_no: contract_no, kind: "=lease"}}
  - {role: house, label: Property, id: address, props: {address: address}}
relationships:
  - {type: CONCERNS, from: lease, to: house}
"""),
    "permits": ("env", """
columns:
  许可证编号: {field: permit_no, required: true}
nodes:
  - {role: permit, label: Permit, id: permit_no, props: {kind: "=pollutant_discharge"}}
"""),
}


def _region(tmp_path, files: dict[str, list[str]]):
    """Specs and department files (first line the header) in tmp_path: (region folder, specs folder)."""
    specs, region = tmp_path / "specs", tmp_path / "region"
    specs.mkdir(exist_ok=True)
    region.mkdir(exist_ok=True)
    for dataset, (department, body) in SPECS.items():
        (specs / f"{dataset}.yaml").write_text(f"department: {department}\ndataset: {dataset}\nfiles: {dataset}*.csv\n"
                                              f"format: csv\ngrade: internal\n{body}", encoding="utf-8")
    for name, lines in files.items():
        (region / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return region, specs


def _properties(store) -> list[str]:
    return sorted(r["uid"] for r in store.query("MATCH (p:Property) RETURN p.uid AS uid"))


def test_an_auction_citing_a_full_width_certificate_meets_the_deed_tax_filing_on_the_unit(store, tmp_path):
    region, specs = _region(tmp_path, {
        "register.csv": ["业务号,不动产单元号,不动产权证书号,坐落,面积", f"B1,{UNIT},{CERT_OTHER_BRACKETS},{ADDRESS},98.5"],
        "auctions.csv": ["案号,不动产权证书号,成交价(元)", f"(2023)宁0104执恢1号,{CERT_FULL_WIDTH},850000"],
        "deed.csv": ["税源编号,不动产单元号,合同编号,网签备案号", f"S1,{UNIT},,"]})
    load_sources(region, store, specs)
    assert _properties(store) == sorted([UNIT, CERT])  # loaded: two nodes, one co-citation
    report = resolve_store(store, RunStamp.now("resolve-1"))
    assert (report.merged["Property"], report.co_cited["Property"], report.ambiguous["Property"]) == (1, 1, 0)
    assert _properties(store) == [UNIT]
    met = store.query("MATCH (c:Contract {kind: 'auction'})-[r1:CONCERNS]->(p:Property)"
                      "<-[r2:CONCERNS]-(t:TaxFiling) RETURN p.uid AS uid, p.cert_no AS cert, t.filing_id AS filing")
    assert met == [{"uid": UNIT, "cert": CERT_OTHER_BRACKETS, "filing": "S1"}]  # the text as the register wrote it
    describes = store.query("MATCH (s:SourceRecord)-[d:DESCRIBES]->(p:Property) WHERE s.dataset = 'auctions' "
                            "RETURN d.method AS method, d.score AS score")
    assert describes == [{"method": "co-cited", "score": 1.0}]
    for key in (UNIT, CERT, CERT_FULL_WIDTH, CERT_OTHER_BRACKETS):  # `crossaudit explore` by any number
        assert find_entity(store, key).ident == ("Property", UNIT)
    # loading the auction again writes it against the unit: the certificate's node stays gone
    load_sources(region, store, specs)
    assert _properties(store) == [UNIT]
    assert resolve_store(store, RunStamp.now("resolve-2")).merged["Property"] == 0


def test_a_certificate_cited_with_two_units_is_merged_into_neither_and_queued(store, tmp_path):
    region, specs = _region(tmp_path, {
        "register.csv": ["业务号,不动产单元号,不动产权证书号,坐落,面积",
                         f"B1,{UNIT},{CERT},,", f"B2,{OTHER_UNIT},{CERT_FULL_WIDTH},,"],
        "auctions.csv": ["案号,不动产权证书号,成交价(元)", f"(2023)宁0104执恢1号,{CERT},850000"]})
    load_sources(region, store, specs)
    report = resolve_store(store, RunStamp.now("resolve-1"))
    assert (report.merged["Property"], report.ambiguous["Property"], report.review["Property"]) == (0, 1, 2)
    assert _properties(store) == sorted([UNIT, OTHER_UNIT, CERT])
    items = review_items(store, label="Property")
    assert sorted(i["pair_id"] for i in items) == [f"Property:{UNIT}|{CERT}", f"Property:{OTHER_UNIT}|{CERT}"]
    assert all(i["status"] == "open" and UNIT in i["reason"] and OTHER_UNIT in i["reason"] for i in items)
    with pytest.raises(AmbiguousKey):
        find_entity(store, CERT_FULL_WIDTH)
    # a person decides which unit the certificate belongs to: merged there, now and on later runs
    judge(store, f"Property:{OTHER_UNIT}|{CERT}", True, "li", "the register's second row is the right one")
    assert _properties(store) == sorted([UNIT, OTHER_UNIT])
    assert {i["pair_id"]: i["status"] for i in review_items(store, None, "Property")} == {
        f"Property:{OTHER_UNIT}|{CERT}": "accepted", f"Property:{UNIT}|{CERT}": "rejected"}
    again = resolve_store(store, RunStamp.now("resolve-2"))
    assert (again.merged["Property"], again.ambiguous["Property"]) == (0, 0)
    auctioned = store.query("MATCH (c:Contract)-[r:CONCERNS]->(p:Property) RETURN p.uid AS uid")
    assert auctioned == [{"uid": OTHER_UNIT}]


@pytest.mark.parametrize("second_cert", [CERT, UNIT], ids=["same-certificate", "unit-in-certificate-column"])
def test_two_unit_numbers_are_never_merged(store, tmp_path, second_cert):
    """Same address, same area, and the second row's certificate column holds the first row's
    certificate or the first row's unit number: still two units."""
    region, specs = _region(tmp_path, {
        "register.csv": ["业务号,不动产单元号,不动产权证书号,坐落,面积",
                         f"B1,{UNIT},{CERT},{ADDRESS},98.5", f"B2,{OTHER_UNIT},{second_cert},{ADDRESS},98.5"]})
    load_sources(region, store, specs)
    report = resolve_store(store, RunStamp.now("resolve-1"))
    assert report.merged["Property"] == 0 and report.ambiguous["Property"] == 1
    assert _properties(store) == sorted([UNIT, OTHER_UNIT])
    pair_id = f"Property:{UNIT}|{OTHER_UNIT}"  # nor by a person's judgement
    store.upsert_nodes("ReviewItem", [{"pair_id": pair_id, "label": "Property", "uid_a": UNIT, "uid_b": OTHER_UNIT,
                                       "status": "open"}], RunStamp.now("review"))
    with pytest.raises(ReviewError, match="never one entity"):
        judge(store, pair_id, True, "li")


def test_a_leased_house_known_by_its_address_joins_the_registered_unit(store, tmp_path):
    region, specs = _region(tmp_path, {
        "register.csv": ["业务号,不动产单元号,不动产权证书号,坐落,面积", f"B1,{UNIT},{CERT},{ADDRESS},98.5",
                         f"B2,{OTHER_UNIT},,宁夏回族自治区银川市金凤区北京中路8号,60"],
        "leases.csv": ["备案编号,房屋坐落", "ZL2023-001,银川市兴庆区解放西街１２号"]})
    load_sources(region, store, specs)
    assert resolve_store(store, RunStamp.now("resolve-1")).merged["Property"] == 1
    leased = store.query("MATCH (c:Contract {kind: 'lease'})-[r:CONCERNS]->(p:Property) RETURN p.uid AS uid")
    assert leased == [{"uid": UNIT}]
    describes = store.query("MATCH (s:SourceRecord)-[d:DESCRIBES]->(p:Property) WHERE s.dataset = 'leases' "
                            "RETURN d.method AS method, d.score AS score")
    assert describes == [{"method": "exact", "score": 1.0}]  # the one registered unit at that address


def test_an_address_links_a_house_only_to_the_one_unit_registered_there():
    records = pd.DataFrame({"record_id": [UNIT, OTHER_UNIT, "640105001001GB00001F00010003", "record:a:1:house",
                                          "record:a:2:house", "record:a:3:house"],
                            "address_key": ["640104|解放西街12号", "640104|解放西街12号", "640105|北京中路8号",
                                            "640104|解放西街12号", "640105|北京中路8号", None]})
    assert local_links(records, "Property") == [("record:a:2:house", "640105001001GB00001F00010003")]


def test_citations_of_an_address_no_unit_is_registered_at_are_one_house():
    """Monthly returns about one unregistered house by its address: one house, not a review queue
    of every pair; an address two registered units share still links nothing."""
    records = pd.DataFrame({"record_id": ["record:r:9:house", "record:r:3:house", "record:l:1:house", UNIT, OTHER_UNIT,
                                          "record:r:4:house", "record:r:5:house", "record:r:6:house"],
                            "address_key": ["640104|朔方路376号2单元301室"] * 3 + ["640104|解放西街12号"] * 4
                                           + ["640105|北京中路9号"]})
    assert sorted(local_links(records, "Property")) == [("record:r:3:house", "record:l:1:house"),
                                                        ("record:r:9:house", "record:l:1:house")]


def test_one_contract_and_one_permit_whatever_the_width_and_brackets(store, tmp_path):
    region, specs = _region(tmp_path, {
        "deed.csv": ["税源编号,不动产单元号,合同编号,网签备案号",
                     "S1,,银川自然资出让〔2023〕001号,", "S2,,银川自然资出让（２０２３）００１号,"],
        "permits.csv": ["许可证编号", "91640104MA7CTMDN1P001P", "９１６４０１０４ＭＡ７ＣＴＭＤＮ１Ｐ００１Ｐ"]})
    load_sources(region, store, specs)
    contracts = store.query("MATCH (c:Contract)<-[r:CONCERNS]-(t:TaxFiling) RETURN c.uid AS uid, t.filing_id AS filing "
                            "ORDER BY filing")
    assert contracts == [{"uid": "银川自然资出让(2023)001号", "filing": "S1"},
                         {"uid": "银川自然资出让(2023)001号", "filing": "S2"}]
    assert store.query("MATCH (p:Permit) RETURN p.permit_no AS no") == [{"no": "91640104MA7CTMDN1P001P"}]
    assert find_entity(store, "银川自然资出让【2023】001号").ident == ("Contract", "银川自然资出让(2023)001号")


def test_a_contract_cited_by_its_number_and_its_record_number_is_one_contract(store, tmp_path):
    region, specs = _region(tmp_path, {
        "deed.csv": ["税源编号,不动产单元号,合同编号,网签备案号",
                     "S1,,YC-2023-0001,WQ2023-77", "S2,,,ＷＱ２０２３－７７"]})
    load_sources(region, store, specs)
    report = resolve_store(store, RunStamp.now("resolve-1"))
    assert (report.merged["Contract"], report.co_cited["Contract"]) == (1, 1)
    contracts = store.query("MATCH (c:Contract)<-[r:CONCERNS]-(t:TaxFiling) RETURN DISTINCT c.uid AS uid, "
                            "c.record_no AS record_no")
    assert contracts == [{"uid": "YC-2023-0001", "record_no": "WQ2023-77"}]


def test_every_co_citation_of_a_load_is_written(store, tmp_path):
    """A file between two that co-cite yields none: the ones after it are still written."""
    region, specs = _region(tmp_path, {
        "deed.csv": ["税源编号,不动产单元号,合同编号,网签备案号", "S1,,YC-2023-0001,WQ2023-77"],
        "leases.csv": ["备案编号,房屋坐落", f"ZL2023-001,{ADDRESS}"],
        "register.csv": ["业务号,不动产单元号,不动产权证书号,坐落,面积", f"B1,{UNIT},{CERT},,"]})
    load_sources(region, store, specs)
    cited = store.query("MATCH (c:CoCitation) RETURN c.other_uid AS other, c.uid AS uid ORDER BY other")
    assert cited == [{"other": "WQ2023-77", "uid": "YC-2023-0001"}, {"other": CERT, "uid": UNIT}]


def test_contributions_of_many_pairs_are_the_weights_explain_gives_each():
    """Resolution writes the contributions of every merge and review pair at once: the same
    weights as explaining each pair alone."""
    records = pd.DataFrame({"record_id": ["a", "b", "c", "d"],
                            "name": ["宁夏鑫源商贸有限公司", "鑫源商贸有限责任公司", "宁夏金源商贸有限公司", "银川辉凯冶金有限公司"],
                            "credit_code": ["91640104123456788J", None, None, None],
                            "address": ["银川市兴庆区解放西街12号", "宁夏银川市兴庆区解放西街１２号", None, "银川市金凤区北京中路8号"]})
    result = link(records, CONFIGS["enterprise"])
    pairs = [("a", "b"), ("b", "c"), ("a", "d")]
    expected = [{c.field: round(c.weight, 3) for c in result.explain(x, y).contributions} for x, y in pairs]
    assert [json.loads(text) for text in contributions(result, pairs)] == expected
    assert expected[0]["name_core"] > 0 > expected[2]["name_core"]
