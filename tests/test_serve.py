"""The served console (crossaudit.serve) on both engines, through its HTTP interface: login and
sessions, search, entity pages, networks and paths, the findings queue and lifecycle, downloads,
masking, office scope and the audit log. The small related-party case of case_fixture is served:

    张伟 (P) ──法定代表人──> 甲商贸 (A) ──开具──> INV1, INV2 <──取得── 乙科技 (B) <──法定代表人── 李娜 (Q)
    张伟 (P) ──亲属──> 李娜 (Q);  F-related (office 16401040000) flags A, B, P, Q, INV1, INV2;
    F-minor (office 16402050000) flags A.
"""
from __future__ import annotations

import io

import openpyxl
import pytest
from fastapi.testclient import TestClient

from case_fixture import A, B, NAMES, P, Q, case_uri  # noqa: F401  (fixtures)
from crossaudit.engine import open_store
from crossaudit.engine.access import Users, parse_users
from crossaudit.serve.app import create_app
from crossaudit.serve.auth import COOKIE, hash_password

PASSWORDS = {"wang": "王-county-1", "zhao": "赵-other-2", "li": "李-analyst-3", "zhou": "周-investigator-4"}
HASHES = {name: hash_password(password) for name, password in PASSWORDS.items()}
COUNTY, OTHER = "16401040000", "16402050000"


def console_users() -> Users:
    return parse_users({"users": {
        "wang": {"role": "inspector", "office": COUNTY, "clearance": "internal", "password": HASHES["wang"]},
        "zhao": {"role": "inspector", "office": OTHER, "clearance": "internal", "password": HASHES["zhao"]},
        "li": {"role": "analyst", "clearance": "sensitive", "password": HASHES["li"]},
        "zhou": {"role": "investigator", "clearance": "sensitive", "password": HASHES["zhou"]},
        "nopass": {"role": "analyst", "clearance": "public"},
    }}, "users.yaml")


def login(client: TestClient, name: str) -> str:
    """Log in through the API; the CSRF token of the session."""
    response = client.post("/api/login", json={"user": name, "password": PASSWORDS[name]})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


def serving(uri: str):
    return TestClient(create_app(open_store(uri), console_users()))


@pytest.fixture(scope="module")
def app_client(case_uri):
    """A console over the case, read by the tests of this module (none changes it)."""
    with serving(case_uri) as client:
        yield client


@pytest.fixture
def client(app_client):
    app_client.cookies.clear()
    return app_client


def ref_of(client: TestClient, query: str) -> str:
    candidates = client.get("/api/search", params={"q": query}).json()["candidates"]
    assert len(candidates) == 1, candidates
    return candidates[0]["ref"]


# --- login, sessions, CSRF ------------------------------------------------------------------------

def test_pages_and_api_need_a_login(client):
    assert client.get("/findings", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/api/findings").status_code == 401
    assert client.get("/api/search", params={"q": "甲"}).status_code == 401


def test_login_form_sets_an_httponly_strict_cookie_and_refuses_a_wrong_password(client):
    form = client.get("/login")
    token = form.text.split('name="login_token" value="')[1].split('"')[0]
    wrong = client.post("/login", data={"username": "wang", "password": "nope", "login_token": token},
                        follow_redirects=False)
    assert wrong.headers["location"] == "/login?failed=1" and COOKIE not in wrong.cookies
    right = client.post("/login", data={"username": "wang", "password": PASSWORDS["wang"], "login_token": token},
                        follow_redirects=False)
    cookie = right.headers["set-cookie"]
    assert right.headers["location"] == "/findings"
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    assert client.get("/findings").status_code == 200


def test_login_form_without_its_token_and_a_user_without_password_are_refused(client):
    assert client.post("/login", data={"username": "wang", "password": PASSWORDS["wang"]},
                       follow_redirects=False).status_code == 403
    assert client.post("/api/login", json={"user": "nopass", "password": ""}).status_code == 403


# --- search and entities ------------------------------------------------------------------------

def test_search_by_credit_code_id_number_certificate_and_fuzzy_name(client):
    login(client, "li")
    by_code = client.get("/api/search", params={"q": A[1]}).json()["candidates"]
    assert [(c["type"], c["name"]) for c in by_code] == [("Enterprise", NAMES[A])]
    by_id = client.get("/api/search", params={"q": P[1]}).json()["candidates"]
    assert [(c["type"], c["name"], c["identifier"]) for c in by_id] == [("Person", "张伟", P[1])]
    fuzzy = client.get("/api/search", params={"q": "宁夏甲商贸公司"}).json()
    assert fuzzy["candidates"][0]["name"] == NAMES[A] and fuzzy["fuzzy"] >= 1
    page = client.get("/search", params={"q": "宁夏乙科技"})
    assert NAMES[B] in page.text and "/entity/" in page.text


def test_an_internal_reader_sees_id_numbers_masked_everywhere(client):
    login(client, "wang")
    found = client.get("/api/search", params={"q": P[1]})
    assert found.json()["candidates"][0]["identifier"] == P[1][:4] + "*" * 10 + P[1][-4:]
    ref = found.json()["candidates"][0]["ref"]
    for response in (found, client.get(f"/api/entities/{ref}"), client.get(f"/entity/{ref}"),
                     client.get(f"/api/entities/{ref}/neighbours"), client.get("/api/findings/F-related"),
                     client.get("/findings/F-related"), client.get("/api/findings/F-related/network")):
        assert response.status_code == 200
        assert P[1] not in response.text and Q[1] not in response.text


def test_entity_page_gives_facts_with_provenance_sources_findings_and_linked_counts(client):
    login(client, "li")
    data = client.get(f"/api/entities/{ref_of(client, A[1])}").json()
    node = data["node"]
    assert node["properties"]["name"] == NAMES[A]
    assert node["provenance"]["source_file"] == "market_regulation/企业登记信息.csv"
    assert sorted((s["source_file"], s["source_row"]) for s in node["sources"]) == [
        ("market_regulation/企业登记信息.csv", 1), ("tax/invoices.csv", 1)]
    assert sorted(f["finding_id"] for f in node["findings"]) == ["F-minor", "F-related"]
    linked = {(row["rel_type"], row["label"]): row["count"] for row in data["linked"]}
    assert linked == {("LEGAL_REP_OF", "Person"): 1, ("ISSUED", "Invoice"): 2, ("FILED", "TaxFiling"): 3}


def test_another_offices_finding_is_never_mentioned_on_an_inspectors_pages(client):
    login(client, "wang")
    ref = ref_of(client, A[1])
    entity = client.get(f"/api/entities/{ref}").json()
    assert [f["finding_id"] for f in entity["node"]["findings"]] == ["F-related"]
    for response in (client.get(f"/entity/{ref}"), client.get(f"/api/entities/{ref}/neighbours"),
                     client.get("/findings"), client.get("/api/findings"),
                     client.get("/api/findings/F-related/network")):
        assert "F-minor" not in response.text and "小额疑点" not in response.text


# --- networks and paths -------------------------------------------------------------------------

def test_expanding_a_node_by_type_gives_only_that_type(client):
    login(client, "zhou")
    ref = ref_of(client, A[1])
    people = client.get(f"/api/entities/{ref}/neighbours", params={"type": "Person"}).json()
    assert sorted(n["kind"] for n in people["nodes"]) == ["Enterprise", "Person"]
    assert [(e["rel_type"], e["from"] != ref) for e in people["edges"]] == [("LEGAL_REP_OF", True)]
    everything = client.get(f"/api/entities/{ref}/neighbours").json()
    assert sorted(n["kind"] for n in everything["nodes"]) == ["Enterprise", "Invoice", "Invoice", "Person",
                                                              "TaxFiling", "TaxFiling", "TaxFiling"]
    assert client.get(f"/api/entities/{ref}/neighbours", params={"type": "Nope"}).status_code == 404


def test_paths_between_two_entities_are_the_shortest_with_interest_group_links_marked(client):
    login(client, "zhou")
    a, b, q = ref_of(client, A[1]), ref_of(client, B[1]), ref_of(client, Q[1])
    through_invoices = client.get("/api/paths", params={"a": a, "b": b}).json()
    assert sorted(len(p["nodes"]) for p in through_invoices["paths"]) == [3, 3]  # A—INV1—B, A—INV2—B
    assert all("发票" in p["text"] or "开具" in p["text"] for p in through_invoices["paths"])
    to_spouse = client.get("/api/paths", params={"a": a, "b": q}).json()
    assert [len(p["nodes"]) for p in to_spouse["paths"]] == [3]  # A ← 张伟 — 李娜
    marked = {e["rel_type"]: e["interest_group"] for e in to_spouse["edges"]}
    assert marked == {"LEGAL_REP_OF": True, "KIN_OF": True}
    assert all(e["evidence"] for e in to_spouse["edges"])


def test_paths_beyond_four_hops_are_not_found(client):
    login(client, "zhou")
    # 丙建设 (C) ─股东→ 乙科技 (B) ←取得─ INV1 ←开具─ 甲商贸 (A) ─申报→ TF1: four hops from C to TF1
    c = ref_of(client, "宁夏丙建设有限公司")
    a = ref_of(client, A[1])
    filing = next(n["id"] for n in client.get(f"/api/entities/{a}/neighbours", params={"type": "TaxFiling"}).json()[
        "nodes"] if n["kind"] == "TaxFiling")
    four = client.get("/api/paths", params={"a": c, "b": filing}).json()["paths"]
    assert four and all(len(p["nodes"]) == 5 for p in four)
    u1 = next(n["id"] for n in client.get(f"/api/entities/{c}/neighbours", params={"type": "Property"}).json()["nodes"]
              if n["kind"] == "Property")
    assert client.get("/api/paths", params={"a": u1, "b": filing}).json()["paths"] == []  # five hops


# --- the findings queue and lifecycle ---------------------------------------------------------------

def test_queue_is_the_inspectors_office_and_all_for_an_analyst_with_filters_and_sort(client):
    login(client, "wang")
    assert [f["finding_id"] for f in client.get("/api/findings").json()["findings"]] == ["F-related"]
    login(client, "li")
    assert [f["finding_id"] for f in client.get("/api/findings").json()["findings"]] == [
        "F-dismissed", "F-related", "F-minor"]
    assert [f["finding_id"] for f in client.get("/api/findings", params={"severity": "low"}).json()["findings"]] == [
        "F-minor"]
    by_tax = client.get("/api/findings", params={"sort": "tax_at_risk"}).json()["findings"]
    assert by_tax[0]["finding_id"] == "F-related"
    assert "F-minor" in client.get("/findings", params={"status": "new"}).text


def test_another_offices_finding_is_refused_in_page_api_network_and_download(client):
    login(client, "zhao")
    for url in ("/findings/F-related", "/api/findings/F-related", "/api/findings/F-related/network",
                "/findings/F-related/export.xlsx", "/api/findings/F-related/export?format=json",
                "/network?finding=F-related"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "关联方低价交易" not in response.text and "12000" not in response.text
    assert client.get("/api/findings/F-nonexistent").json()["detail"] == \
        client.get("/api/findings/F-related").json()["detail"].replace("F-related", "F-nonexistent")


# --- downloads ------------------------------------------------------------------------------------

def test_case_downloads_in_every_format_and_the_xlsx_opens(client):
    login(client, "wang")
    xlsx = client.get("/findings/F-related/export.xlsx")
    assert xlsx.headers["content-disposition"] == 'attachment; filename="F-related.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert {"企业", "自然人", "关系", "证据", "来源"} <= set(book.sheetnames)
    assert P[1] not in str([[c.value for c in row] for row in book["自然人"].iter_rows()])
    for fmt, marker in (("json", b'"crossaudit.case/1"'), ("graphml", b"<graphml"), ("html", "关联方低价交易".encode())):
        response = client.get("/api/findings/F-related/export", params={"format": fmt})
        assert response.status_code == 200 and marker in response.content, fmt
    assert client.get("/findings/F-related/export.exe").status_code == 404


def test_statistics_for_an_inspector_and_the_ledger_for_analysts_only(client):
    login(client, "wang")
    assert client.get("/api/stats").json()["findings"] == 1
    assert "疑点统计" in client.get("/stats").text
    assert client.get("/ledger").status_code == 403
    login(client, "li")
    assert "没有部门交付记录" in client.get("/ledger").text  # the case was planted, never loaded


def test_openapi_lists_the_api_and_pages_carry_security_headers(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/search", "/api/entities/{ref}/neighbours", "/api/paths", "/api/findings",
            "/api/findings/{finding_id}/verify", "/api/findings/{finding_id}/export"} <= set(schema["paths"])
    docs = client.get("/api/docs")
    assert "/api/paths" in docs.text and "cdn" not in docs.text.lower()
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert client.get("/assets/vis-network.min.js").text.startswith("/**")


def test_loads_are_for_analysts_and_name_a_folder_on_the_server(client, tmp_path):
    csrf = login(client, "wang")
    refused = client.post("/api/loads", json={"directory": str(tmp_path)}, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    csrf = login(client, "li")
    missing = client.post("/api/loads", json={"directory": str(tmp_path / "none")}, headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 404


def test_serve_hashes_a_password_for_the_users_file(tmp_path):
    from click.testing import CliRunner

    from crossaudit.cli import main_group
    from crossaudit.serve.auth import check_password

    result = CliRunner().invoke(main_group, ["--store", f"ladybug:{tmp_path / 'graph.db'}", "serve", "--hash-password"],
                                input="口令-1\n口令-1\n", env={"CROSSAUDIT_USERS": ""})
    assert result.exit_code == 0, result.output
    hashed = result.output.strip().splitlines()[-1]
    assert hashed.startswith("scrypt$") and check_password(hashed, "口令-1") and not check_password(hashed, "口令-2")
    assert parse_users({"users": {"wang": {"role": "inspector", "office": COUNTY, "clearance": "internal",
                                           "password": hashed}}}, "users.yaml").get("wang").password == hashed
    with pytest.raises(ValueError, match="never the password itself"):
        parse_users({"users": {"wang": {"role": "analyst", "clearance": "internal", "password": "口令-1"}}}, "u.yaml")


def test_fuzzy_search_scores_only_a_shortlist_and_finds_what_scoring_every_name_finds():
    """The character shortlist (serve.reads.NameIndex) leaves out only names that cannot reach the
    cutoff: the same entities in the same order as rapidfuzz over every name, for misspellings,
    parts of names, short texts, repeated characters and names with spaces."""
    from rapidfuzz import fuzz, process

    from crossaudit.serve.reads import FUZZY_CUTOFF, NameIndex, similar_names

    names = ["宁夏甲商贸有限公司", "宁夏甲商贸公司", "甲商贸", "宁夏乙科技有限公司", "银川丙建材有限责任公司", "张伟", "张伟伟",
             "李娜", "王建国", "商贸", "甲甲甲甲甲甲", "Ningxia Jia Trading Co", "宁夏 甲商贸", "甲", "有限公司",
             "吴忠市利通区宁夏甲商贸有限公司分公司", "夏宁贸商甲"]
    index = NameIndex([(("Enterprise", str(number)), name) for number, name in enumerate(names)])
    texts = ["宁夏甲商贸公司", "甲商贸有公司", "张伟", "伟", "甲甲", "Jia Trading", "宁夏 甲", "有限", "公司", "银川丙建材",
             "王建", "甲商贸宁夏", "x"]
    for text in texts:
        everything = process.extract(text, names, scorer=fuzz.WRatio, limit=20, score_cutoff=FUZZY_CUTOFF)
        assert similar_names(index, text) == [("Enterprise", str(position)) for _, _, position in everything], text
    assert len(index.shortlist("宁夏甲商贸公司")) < len(names)  # names sharing too few characters are not scored
    assert list(index.shortlist("宁夏 甲")) == list(range(len(names)))  # a text with spaces is scored against all
