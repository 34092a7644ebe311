"""Resolution on the store, both engines: provisional mentions fold into canonical entities,
identifiers never merge, branches link, judgements win, ids stay, explanations."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from crossaudit.engine.store import RunStamp
from crossaudit.loaders.identifiers import make_credit_code, make_id_number
from crossaudit.resolve.graph import RESOLVED, ReviewError, explain, judge, read_records, resolve_store, review_items

CODE = make_credit_code("640104", "MA7CTMDN")
NAMESAKE = make_credit_code("640121", "MA7CTMDP")
BRANCH = make_credit_code("640105", "MA7BRNCH")
ADDRESS = "宁夏回族自治区银川市兴庆区解放西街12号"
PHONE = "09515012345"
VARIANT = "name:鑫源商贸有限公司"  # the key the loader gives an electricity row without a code


def _load(store, run):
    """What the loader would write for a register row, a coded namesake elsewhere, a branch, and
    an electricity row naming the firm without its code (a legal-form variant, same address)."""
    store.upsert_nodes("Enterprise", [
        {"uid": CODE, "credit_code": CODE, "name": "宁夏鑫源商贸有限责任公司", "region_code": "640104"},
        {"uid": NAMESAKE, "credit_code": NAMESAKE, "name": "华兴建材有限公司", "region_code": "640121"},
        {"uid": BRANCH, "credit_code": BRANCH, "name": "宁夏鑫源商贸有限责任公司金凤分公司"},
        {"uid": VARIANT, "name": "鑫源商贸有限公司"}], run)
    store.upsert_nodes("Address", [{"text": ADDRESS}], run)
    store.upsert_nodes("Phone", [{"number": PHONE}], run)
    store.upsert_nodes("UtilityUsage", [{"usage_id": "u1", "kwh": 1200.0}], run)
    store.upsert_nodes("SourceRecord", [{"record_id": "power:1"}, {"record_id": "amr:1"}], run)
    for uid in (CODE, VARIANT):
        store.upsert_relationships("LOCATED_AT", "Enterprise", "Address", [{"from": uid, "to": ADDRESS}], run)
        store.upsert_relationships("HAS_PHONE", "Enterprise", "Phone", [{"from": uid, "to": PHONE}], run)
    store.upsert_relationships("USED", "Enterprise", "UtilityUsage", [{"from": VARIANT, "to": "u1"}], run)
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "power:1", "to": VARIANT, "role": "customer", "method": "name"},
        {"from": "amr:1", "to": CODE, "role": "enterprise", "method": "exact", "score": 1.0}], run)


def test_a_mention_without_code_folds_into_the_registered_enterprise(store):
    _load(store, RunStamp.now("load-1"))
    report = resolve_store(store, RunStamp.now("resolve-1"))
    assert report.merged["Enterprise"] == 1
    uids = {r["uid"] for r in store.query("MATCH (e:Enterprise) RETURN e.uid AS uid")}
    assert uids == {CODE, NAMESAKE, BRANCH}  # the variant is gone, no identifier changed
    used = store.query("MATCH (e:Enterprise)-[:USED]->(u:UtilityUsage) RETURN e.uid AS uid")
    assert used == [{"uid": CODE}]
    describes = store.query("MATCH (s:SourceRecord {record_id: 'power:1'})-[d:DESCRIBES]->(e:Enterprise) "
                            "RETURN e.uid AS uid, d.method AS method, d.score AS score, d.contributions AS c")
    assert [(d["uid"], d["method"]) for d in describes] == [(CODE, "probabilistic")]
    assert describes[0]["score"] >= 0.95
    assert json.loads(describes[0]["c"])["address"] > 0  # the shared address spoke for the match


def test_a_department_number_links_a_mention_to_the_one_enterprise_carrying_it(store):
    """A social-insurance row without a code, keyed by its employer number, joins the registered
    firm whose own rows gave that number, not the near-identical name of another county."""
    run = RunStamp.now("load-1")
    store.upsert_nodes("Enterprise", [
        {"uid": CODE, "credit_code": CODE, "name": "银川市祥利运输有限公司", "si_no": "SB640104A1"},
        {"uid": NAMESAKE, "credit_code": NAMESAKE, "name": "银川祥利运输有限公司"},
        {"uid": "record:si:SB640104A1", "name": "银川祥利运输有限公司", "si_no": "SB640104A1"}], run)
    store.upsert_nodes("SourceRecord", [{"record_id": "si:1"}], run)
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "si:1", "to": "record:si:SB640104A1", "role": "employer", "method": "record"}], run)
    assert resolve_store(store, RunStamp.now("resolve-1")).merged["Enterprise"] == 1
    describes = store.query("MATCH (s:SourceRecord {record_id: 'si:1'})-[d:DESCRIBES]->(e:Enterprise) "
                            "RETURN e.uid AS uid, d.method AS method, d.score AS score")
    assert describes == [{"uid": CODE, "method": "exact", "score": 1.0}]


def test_the_branch_is_linked_to_its_head_office_not_merged(store):
    _load(store, RunStamp.now("load-1"))
    resolve_store(store, RunStamp.now("resolve-1"))
    branch = store.query("MATCH (b:Enterprise)-[:BRANCH_OF]->(h:Enterprise) RETURN b.uid AS b, h.uid AS h")
    assert branch == [{"b": BRANCH, "h": CODE}]


def test_two_valid_codes_are_never_merged_even_with_the_same_name(store):
    run = RunStamp.now("load-1")
    store.upsert_nodes("Enterprise", [{"uid": CODE, "credit_code": CODE, "name": "鑫源商贸有限公司"},
                                      {"uid": NAMESAKE, "credit_code": NAMESAKE, "name": "鑫源商贸有限公司"}], run)
    for uid in (CODE, NAMESAKE):
        store.upsert_nodes("Address", [{"text": ADDRESS}], run)
        store.upsert_relationships("LOCATED_AT", "Enterprise", "Address", [{"from": uid, "to": ADDRESS}], run)
    assert resolve_store(store, RunStamp.now("resolve-1")).merged["Enterprise"] == 0
    assert store.query("MATCH (e:Enterprise) RETURN count(e) AS c") == [{"c": 2}]


def test_resolving_again_changes_nothing_and_keeps_ids(store):
    _load(store, RunStamp.now("load-1"))
    resolve_store(store, RunStamp.now("resolve-1"))
    before = store.counts()
    # a later load brings a new variant of the same firm: it joins the existing entity
    run = RunStamp.now("load-2")
    store.upsert_nodes("Enterprise", [{"uid": "name:鑫源商贸有限责任公司", "name": "鑫源商贸有限责任公司"}], run)
    store.upsert_relationships("LOCATED_AT", "Enterprise", "Address",
                               [{"from": "name:鑫源商贸有限责任公司", "to": ADDRESS}], run)
    store.upsert_relationships("HAS_PHONE", "Enterprise", "Phone", [{"from": "name:鑫源商贸有限责任公司", "to": PHONE}],
                               run)
    report = resolve_store(store, RunStamp.now("resolve-2"))
    assert report.merged["Enterprise"] == 1
    assert store.counts()["nodes"]["Enterprise"] == before["nodes"]["Enterprise"]
    assert resolve_store(store, RunStamp.now("resolve-3")).merged == {"Enterprise": 0, "Person": 0, "Property": 0,
                                                                   "Contract": 0}


def test_a_rejected_pair_stays_apart_and_an_accepted_one_merges(store):
    run = RunStamp.now("load-1")
    # same name and birth date, no ID number: the scores alone would merge them
    store.upsert_nodes("Person", [
        {"uid": "record:a:1:lessor", "name": "马建国", "birth_date": "1970-03-02"},
        {"uid": "record:b:7:owner", "name": "马建国", "birth_date": "1970-03-02"}], run)
    pair_id = "Person:record:a:1:lessor|record:b:7:owner"
    store.upsert_nodes("ReviewItem", [{"pair_id": pair_id, "label": "Person", "uid_a": "record:a:1:lessor",
                                       "uid_b": "record:b:7:owner", "score": 0.7, "status": "open"}], run)
    judge(store, pair_id, False, "li", "different villages")
    resolve_store(store, RunStamp.now("resolve-2"))
    assert store.query("MATCH (p:Person) RETURN count(p) AS c") == [{"c": 2}]
    assert review_items(store, "rejected")[0]["pair_id"] == pair_id
    judge(store, pair_id, True, "li", "same man, moved house")
    assert store.query("MATCH (p:Person) RETURN p.uid AS uid") == [{"uid": "record:a:1:lessor"}]
    resolve_store(store, RunStamp.now("resolve-3"))
    assert store.query("MATCH (p:Person) RETURN count(p) AS c") == [{"c": 1}]


def test_a_judgement_never_merges_two_identifiers(store):
    run = RunStamp.now("load-1")
    first, second = make_id_number("640104", __import__("datetime").date(1970, 3, 2), 11, "M"), \
        make_id_number("640104", __import__("datetime").date(1970, 3, 2), 13, "M")
    store.upsert_nodes("Person", [{"uid": first, "id_number": first}, {"uid": second, "id_number": second}], run)
    pair_id = f"Person:{min(first, second)}|{max(first, second)}"
    store.upsert_nodes("ReviewItem", [{"pair_id": pair_id, "label": "Person", "uid_a": min(first, second),
                                       "uid_b": max(first, second), "status": "open"}], run)
    with pytest.raises(ReviewError, match="never one entity"):
        judge(store, pair_id, True, "li")


def test_explain_gives_each_fields_contribution(store):
    _load(store, RunStamp.now("load-1"))
    explanation = explain(store, CODE, VARIANT)
    fields = {c.field: c for c in explanation.contributions}
    assert {"name_core", "address", "phone"} <= fields.keys()
    assert fields["address"].weight > 0 and fields["phone"].weight > 0
    assert explanation.probability >= 0.95
    # after the merge the old uid and the source record still explain
    resolve_store(store, RunStamp.now("resolve-1"))
    assert explain(store, "power:1", NAMESAKE).probability < 0.5


def test_a_lessor_named_without_id_and_the_owner_filing_on_that_house_share_a_tie(store):
    """Housing registers a lease whose lessor it names without an ID number; the tax office holds
    the identified namesake's rental-income return about the same house, cited by its address
    in another department's spelling. Both records carry that house as a tie (what lets the
    resolver link them); a namesake letting another house and the lessee do not. A firm named
    without its code letting a house meets the registered firm filing property tax on it."""
    run = RunStamp.now("load-1")
    owner = make_id_number("640121", dt.date(1977, 3, 28), 992, "F")
    store.upsert_nodes("Person", [
        {"uid": owner, "id_number": owner, "name": "马梅静", "birth_date": "1977-03-28"},
        {"uid": "record:lease:1:lessor", "name": "马梅静"}, {"uid": "record:lease:2:lessor", "name": "马梅静"}], run)
    store.upsert_nodes("Contract", [{"uid": "L1", "contract_no": "L1", "kind": "lease"},
                                    {"uid": "L2", "contract_no": "L2", "kind": "lease"}], run)
    store.upsert_nodes("Property", [{"uid": "addr:1", "address": "宁夏回族自治区银川市永宁县朔方路376号7号楼3单元2004室"},
                                    {"uid": "addr:2", "address": "永宁县朔方路３７６号7号楼3单元2004室"},
                                    {"uid": "addr:3", "address": "银川市永宁县满春路9号1单元101室"}], run)
    store.upsert_nodes("TaxFiling", [{"filing_id": "F1", "tax_type": "individual_income_tax"}], run)
    store.upsert_relationships("PARTY_TO", "Person", "Contract", [
        {"from": "record:lease:1:lessor", "to": "L1", "role": "lessor"},
        {"from": "record:lease:2:lessor", "to": "L2", "role": "lessor"}], run)
    store.upsert_relationships("CONCERNS", "Contract", "Property", [{"from": "L1", "to": "addr:2"},
                                                                   {"from": "L2", "to": "addr:3"}], run)
    store.upsert_relationships("FILED", "Person", "TaxFiling", [{"from": owner, "to": "F1"}], run)
    store.upsert_relationships("CONCERNS", "TaxFiling", "Property", [{"from": "F1", "to": "addr:1"}], run)
    store.upsert_nodes("Person", [{"uid": "record:lease:1:lessee", "name": "郭强俊"}], run)
    store.upsert_relationships("PARTY_TO", "Person", "Contract", [
        {"from": "record:lease:1:lessee", "to": "L1", "role": "lessee"}], run)
    # a firm letting a house it names by address, and the registered firm filing property tax on it
    store.upsert_nodes("Enterprise", [{"uid": CODE, "credit_code": CODE, "name": "宁夏鑫源商贸有限公司"},
                                      {"uid": VARIANT, "name": "鑫源商贸有限公司"}], run)
    store.upsert_nodes("TaxFiling", [{"filing_id": "F2", "tax_type": "property_tax"}], run)
    store.upsert_relationships("FILED", "Enterprise", "TaxFiling", [{"from": CODE, "to": "F2"}], run)
    store.upsert_relationships("CONCERNS", "TaxFiling", "Property", [{"from": "F2", "to": "addr:3"}], run)
    store.upsert_relationships("PARTY_TO", "Enterprise", "Contract", [{"from": VARIANT, "to": "L2", "role": "lessor"}],
                               run)
    persons, firms = (read_records(store, label, props).set_index("record_id")["ties"]
                      for label, _, props in (RESOLVED[1], RESOLVED[0]))
    house = "@640121 朔方路376号7号楼3单元2004室"
    assert set(persons[owner].split("|")) == {house}
    assert set(persons["record:lease:1:lessor"].split("|")) == {"L1", house}
    assert house not in persons["record:lease:2:lessor"]
    assert persons["record:lease:1:lessee"] == "L1"  # a lessee holds no house
    assert firms[CODE] == firms[VARIANT] == "@640121 满春路9号1单元101室"


def test_a_property_without_a_county_is_placed_by_its_address(store):
    """Deed tax is filed where the house lies: a property whose source gave no county takes the
    one its address names; one whose source gave a county keeps it; an address naming no county
    leaves it unknown."""
    run = RunStamp.now("load-1")
    store.upsert_nodes("Property", [
        {"uid": "u1", "address": "宁夏回族自治区银川市贺兰县贺兰山路51号24号楼1单元2201室"},
        {"uid": "u2", "address": "银川市贺兰县贺兰山路52号", "region_code": "640106"},
        {"uid": "u3", "address": "贺兰山路53号"}], run)
    report = resolve_store(store, RunStamp.now("resolve-1"))
    placed = store.query("MATCH (p:Property) RETURN p.uid AS uid, p.region_code AS county ORDER BY uid")
    assert placed == [{"uid": "u1", "county": "640122"}, {"uid": "u2", "county": "640106"},
                      {"uid": "u3", "county": None}]
    assert report.located == 1
