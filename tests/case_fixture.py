"""A small related-party case, shared by the viz, export and browser tests.

    张伟 (P) ──法定代表人──> 甲商贸 (A) ──开具──> INV1, INV2 <──取得── 乙科技 (B) <──法定代表人── 李娜 (Q)
    张伟 (P) ──亲属 spouse──> 李娜 (Q)
    甲商贸 (A) ──申报──> TF1, TF2, TF3
    丙建设 (C) ──股东 60%──> 乙科技 (B);  丙建设 (C) ──拥有──> U1 (a property);  张伟 (R) ──法定代表人──> 丙建设 (C)

Findings: F-related (high) flags A, B, P, Q, INV1, INV2; F-minor (low) flags A; F-dismissed
(critical, dismissed) flags C. Two source rows describe A. Every fact carries its provenance.

Test modules import the `case_uri` / `case_store` fixtures: the case is planted once per module
and engine (the tests only read it), which keeps the suite quick on both engines.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest

from crossaudit.engine import open_store

A, B, C = ("Enterprise", "91640100A"), ("Enterprise", "91640100B"), ("Enterprise", "91640100C")
P, Q, R = ("Person", "640104198003010113"), ("Person", "640104198207090223"), ("Person", "640205197501020338")
U1 = ("Property", "U1")
INV1, INV2 = ("Invoice", "INV1"), ("Invoice", "INV2")
TF = [("TaxFiling", f"TF{i}") for i in (1, 2, 3)]
ID_NUMBERS = (P[1], Q[1], R[1])
CERT_NO = "宁(2023)银川市不动产权第0000001号"
NAMES = {A: "宁夏甲商贸有限公司", B: "宁夏乙科技有限公司", C: "宁夏丙建设有限公司", P: "张伟", Q: "李娜", R: "张伟"}


def source(department: str, dataset: str, file: str, row: int) -> dict:
    return {"department": department, "dataset": dataset, "source_file": file, "source_row": row}


def amr(row: int) -> dict:
    return source("amr", "amr_enterprise_register", "market_regulation/企业登记信息.csv", row)


def police(row: int) -> dict:
    return source("police", "police_residents", "public_security/常住人口.csv", row)


def tax(file: str, row: int) -> dict:
    return source("tax", "tax_" + file, f"tax/{file}.csv", row)


def rel(a: tuple, b: tuple, row: int, **props) -> dict:
    return {"from": a[1], "to": b[1], **props, **amr(100 + row)}


def plant_case(store) -> None:
    """Write the case above into an empty store."""
    store.upsert_nodes("Department", [{"code": "amr", "name": "市场监督管理厅"}, {"code": "tax", "name": "税务局"},
                                      {"code": "police", "name": "公安厅"}])
    store.upsert_nodes("Enterprise", [{"uid": e[1], "credit_code": e[1], "name": NAMES[e], "status": "operating",
                                       **amr(i)} for i, e in enumerate((A, B, C), 1)])
    store.upsert_nodes("Person", [{"uid": p[1], "id_number": p[1], "name": NAMES[p], **police(i)}
                                  for i, p in enumerate((P, Q, R), 1)])
    store.upsert_nodes("Property", [{"uid": "U1", "cert_no": CERT_NO, "address": "银川市兴庆区解放街1号",
                                     **source("nr", "nr_certificates", "natural_resources/不动产登记.csv", 1)}])
    store.upsert_nodes("Invoice", [
        {"invoice_no": "INV1", "amount": 100000.0, "issued_on": dt.date(2023, 5, 1), **tax("invoices", 1)},
        {"invoice_no": "INV2", "amount": 50000.0, "issued_on": dt.date(2023, 6, 1), **tax("invoices", 2)}])
    store.upsert_nodes("TaxFiling", [{"filing_id": key, "tax_type": "vat", "period": f"2023-0{i}", **tax("filings", i)}
                                     for i, (_, key) in enumerate(TF, 1)])
    store.upsert_relationships("LEGAL_REP_OF", "Person", "Enterprise",
                               [rel(P, A, 1), rel(Q, B, 2), rel(R, C, 3, since=dt.date(2015, 3, 2))])
    store.upsert_relationships("KIN_OF", "Person", "Person", [rel(P, Q, 4, kind="spouse")])
    store.upsert_relationships("ISSUED", "Enterprise", "Invoice", [rel(A, INV1, 5), rel(A, INV2, 6)])
    store.upsert_relationships("RECEIVED", "Enterprise", "Invoice", [rel(B, INV1, 7), rel(B, INV2, 8)])
    store.upsert_relationships("FILED", "Enterprise", "TaxFiling", [rel(A, tf, 9 + i) for i, tf in enumerate(TF)])
    store.upsert_relationships("SHAREHOLDER_OF", "Enterprise", "Enterprise", [rel(C, B, 12, ratio=0.6)])
    store.upsert_relationships("OWNS", "Enterprise", "Property", [rel(C, U1, 13)])
    store.upsert_nodes("SourceRecord", [{"record_id": "s1", **amr(1)}, {"record_id": "s2", **tax("invoices", 1)}])
    store.upsert_relationships("DESCRIBES", "SourceRecord", "Enterprise", [
        {"from": "s1", "to": A[1], "role": "enterprise"}, {"from": "s2", "to": A[1], "role": "seller"}])
    plant_findings(store)


def plant_findings(store) -> None:
    """Findings as the rule runner writes them (the Finding / FLAGS / ASSIGNED_TO contract)."""
    evidence = {"seller": A[1], "buyer": B[1], "controllers": [P[1], Q[1]], "invoices": ["INV1", "INV2"]}
    store.upsert_nodes("TaxOffice", [{"code": "16401040000", "name": "国家税务总局银川市兴庆区税务局"}])
    store.upsert_nodes("Finding", [
        {"finding_id": "F-related", "rule_id": "related-party-test", "rule_version": 1, "pack": "related-party",
         "severity": "high", "title": "关联方低价交易", "tax_types": "vat,enterprise_income_tax",
         "identity": json.dumps({"seller": A[1], "buyer": B[1]}), "evidence": json.dumps(evidence),
         "evidence_hash": "h1", "amount": 150000.0, "tax_at_risk": 12000.0, "office_code": "16401040000",
         "region_code": "640104", "status": "new", "rule_run": "run-1"},
        {"finding_id": "F-minor", "rule_id": "other-rule", "severity": "low", "title": "小额疑点",
         "office_code": "16402050000", "status": "new"},
        {"finding_id": "F-dismissed", "rule_id": "other-rule", "severity": "critical", "title": "已排除",
         "office_code": "16402050000", "status": "dismissed"},
    ])
    store.upsert_relationships("FLAGS", "Finding", "Enterprise", [
        {"from": "F-related", "to": A[1], "role": "seller"}, {"from": "F-related", "to": B[1], "role": "buyer"},
        {"from": "F-minor", "to": A[1], "role": "taxpayer"}, {"from": "F-dismissed", "to": C[1], "role": "taxpayer"}])
    store.upsert_relationships("FLAGS", "Finding", "Person", [
        {"from": "F-related", "to": P[1], "role": "controller"},
        {"from": "F-related", "to": Q[1], "role": "controller"}])
    store.upsert_relationships("FLAGS", "Finding", "Invoice", [
        {"from": "F-related", "to": "INV1", "role": "invoice"}, {"from": "F-related", "to": "INV2", "role": "invoice"}])
    store.upsert_relationships("ASSIGNED_TO", "Finding", "TaxOffice", [{"from": "F-related", "to": "16401040000"}])


def planted(uri: str, plant) -> str:
    """`uri`, once `plant(store)` has written its graph there (the schema applied first)."""
    with open_store(uri) as store:
        store.apply_schema()
        plant(store)
    return uri


@pytest.fixture(scope="module")
def case_uri(module_store_uri):
    """The URI of a store holding the case, on each engine."""
    return planted(module_store_uri, plant_case)


@pytest.fixture(scope="module")
def case_store(case_uri):
    """The case's store, open."""
    with open_store(case_uri) as store:
        yield store
