"""The console's state changes on both engines, each on a store of its own: CSRF, push and
verify through the lifecycle with their events and audit entries, and reads answered while a
long write holds the store (a load submitted through the console)."""
from __future__ import annotations

import threading
import time

import pytest

from case_fixture import A, plant_case, planted
from crossaudit.engine import audit
from test_serve import login, serving


@pytest.fixture
def fresh_client(store_uri):
    """A console over a store of its own, for tests that change findings."""
    with serving(planted(store_uri, plant_case)) as client:
        yield client


def test_a_state_change_without_the_csrf_token_is_refused(fresh_client):
    login(fresh_client, "li")
    refused = fresh_client.post("/api/findings/F-related/push")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert fresh_client.get("/api/findings/F-related").json()["finding"]["status"] == "new"



def test_push_then_verify_through_the_lifecycle_with_events_and_audit(fresh_client):
    csrf = login(fresh_client, "li")
    assert fresh_client.post("/api/findings/F-related/push", headers={"X-CSRF-Token": csrf}).json()["to"] == "pushed"
    again = fresh_client.post("/api/findings/F-related/push", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409
    csrf = login(fresh_client, "wang")
    assert fresh_client.post("/api/findings/F-related/push", headers={"X-CSRF-Token": csrf}).status_code == 403
    page = fresh_client.get("/findings/F-related")
    form_csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    done = fresh_client.post("/findings/F-related/verify", data={"status": "confirmed", "recovered": "12,000",
                                                                 "note": "补缴增值税", "csrf": form_csrf})
    assert done.status_code == 200 and "已记录" in done.text
    shown = fresh_client.get("/api/findings/F-related").json()
    assert shown["finding"]["status"] == "confirmed" and shown["finding"]["recovered"] == 12000.0
    assert [(e["from_status"], e["to_status"], e["by"]) for e in shown["history"]] == [
        ("new", "pushed", "li"), ("pushed", "confirmed", "wang")]
    closed = fresh_client.post("/api/findings/F-related/verify", headers={"X-CSRF-Token": csrf},
                               json={"status": "dismissed"})
    assert closed.status_code == 409 and "confirmed" in closed.json()["detail"]
    fresh_client.app.state.console.flush_audit()
    entries = {(e["user"], e["action"], e["outcome"])
               for e in audit.entries(fresh_client.app.state.console.store(), limit=500)}
    assert {("li", "findings.push", "allowed"), ("wang", "findings.push", "denied"),
            ("wang", "findings.verify", "allowed"), ("wang", "findings.verify", "denied"),
            ("wang", "findings.show", "allowed"), ("wang", "login", "allowed")} <= entries


# --- reads beside a write ---------------------------------------------------------------------

def test_reads_go_on_while_a_long_write_holds_the_store(fresh_client):
    """A load through the console holds its one write slot; pages keep answering meanwhile and
    their audit entries are written once it ends."""
    console = fresh_client.app.state.console
    login(fresh_client, "li")
    started, answered = threading.Event(), []

    def long_write():
        with console.writing(busy=True) as store:
            started.set()
            for batch in range(6):
                store.upsert_nodes("Phone", [{"number": f"1{batch}{i:09d}"} for i in range(40_000)])

    writer = threading.Thread(target=long_write)
    writer.start()
    started.wait(10)
    while writer.is_alive():
        began = time.perf_counter()
        assert fresh_client.get("/api/findings").status_code == 200
        assert fresh_client.get("/api/search", params={"q": A[1]}).status_code == 200
        answered.append((time.perf_counter() - began, console.writer_busy.is_set()))
    writer.join()
    during = [seconds for seconds, busy in answered if busy]
    assert len(during) >= 3, answered
    assert "数据正在加载" not in fresh_client.get("/findings").text  # the banner goes with the load
    console.flush_audit()
    entries = audit.entries(console.store(), user="li", action="findings.list", limit=1000)
    assert len(entries) >= len(answered)


ROAD_PERMITS = """经营许可证号,业户名称,统一社会信用代码,经营地址,经营范围,车辆数,发证日期,有效期至,许可状态
宁交运管许可银字640104000001号,银川天新物流有限公司,916401042901016265,宁夏回族自治区银川市兴庆区鼓楼北街99号2007室,道路危险货物运输,13,2020/3/11,2024/3/10,有效
宁交运管许可银字640106000002号,银川德汇物流有限责任公司,91640106MA721GF73W,宁夏回族自治区银川市金凤区黄河东路393号,道路普通货物运输,24,2021/4/2,2025/4/1,有效
"""


def test_a_load_submitted_through_the_console_runs_in_the_server(fresh_client, tmp_path):
    """On the embedded engine the server is the one process that may write: a department delivery
    is loaded through it (POST /api/loads), and its rows are then read through it."""
    (tmp_path / "transport").mkdir()
    (tmp_path / "transport" / "道路运输经营许可.csv").write_text(ROAD_PERMITS, encoding="utf-8")
    csrf = login(fresh_client, "li")
    job = fresh_client.post("/api/loads", json={"directory": str(tmp_path), "delivered_on": "2026-11-08"},
                            headers={"X-CSRF-Token": csrf}).json()
    deadline = time.time() + 120
    while job["status"] in ("queued", "running") and time.time() < deadline:
        assert fresh_client.get("/api/findings").status_code == 200
        time.sleep(0.2)
        job = fresh_client.get(f"/api/loads/{job['job_id']}").json()
    assert job["status"] == "done", job
    assert job["totals"]["read"] == 2 and job["totals"]["loaded"] + job["totals"]["quarantined"] == 2
    found = fresh_client.get("/api/search", params={"q": "91640106MA721GF73W"}).json()["candidates"]
    assert [c["name"] for c in found] == ["银川德汇物流有限责任公司"]
    ledger = fresh_client.get("/ledger")  # the delivery is scored in the department ledger report
    assert ledger.status_code == 200 and "2026-11" in ledger.text
