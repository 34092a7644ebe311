"""The served console in a real browser, on both engines: Debian's Chromium driven by Playwright
(`executable_path`, no browser download) against `crossaudit serve`'s app run by uvicorn on
127.0.0.1. An analyst pushes a finding; a county inspector logs in, searches an entity, expands
two nodes by clicking them, finds how two firms are connected, verifies the finding and downloads
its xlsx; an inspector of another office is refused. Nothing is fetched from outside the server;
screenshots go to test-artifacts/browser/ and one is checked for Chinese glyphs, not boxes.

    张伟 (P) ──法定代表人──> 甲商贸 (A) ──开具──> INV1, INV2 <──取得── 乙科技 (B) <──股东── 丙建设 (C)
"""
from __future__ import annotations

import io
import socket
import threading
import time

import openpyxl
import pytest
import uvicorn
from PIL import Image, ImageChops

from case_fixture import NAMES, A, P, case_uri  # noqa: F401  (fixture)
from test_browser import ARTIFACTS, browser  # noqa: F401  (fixture)
from test_serve import PASSWORDS, console_users
from crossaudit.engine import open_store
from crossaudit.serve.app import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def console_url(case_uri):
    """The console over the case, served by uvicorn in a thread for this module."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(open_store(case_uri), console_users()), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(30)


@pytest.fixture
def session(browser, console_url, request):
    """A fresh browser context (its own cookies) and page; every request it made is checked to go to
    the console only, and no page raised a script error."""
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == []
    assert all(url.startswith(console_url) for url in requests), [u for u in requests if not u.startswith(console_url)]


def log_in(page, url: str, name: str) -> None:
    page.goto(f"{url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("#login")
    page.wait_for_load_state()


def wait_network(page) -> None:
    page.wait_for_selector("body[data-ready=true]", timeout=60_000)
    page.wait_for_function("() => document.body.dataset.pending === '0'", timeout=60_000)


def click_node(page, kind: str) -> int:
    """Click the first drawn node of type `kind`; the node count once it expanded."""
    before = page.evaluate("window.consoleNetwork.nodes.length")
    point = page.evaluate("""(kind) => {
        const {nodes, network} = window.consoleNetwork;
        network.stopSimulation();
        const node = nodes.get().find((n) => n.kind === kind);
        const at = network.canvasToDOM(network.getPositions([node.id])[node.id]);
        const box = document.querySelector('#network canvas').getBoundingClientRect();
        return {x: box.left + at.x, y: box.top + at.y};
    }""", kind)
    page.mouse.click(point["x"], point["y"])
    page.wait_for_function("(before) => window.consoleNetwork.nodes.length > before", arg=before, timeout=30_000)
    wait_network(page)
    return page.evaluate("window.consoleNetwork.nodes.length")


def glyph(page, text: str, name: str) -> Image.Image:
    """A screenshot of `text` drawn in the page's font, as an image."""
    page.evaluate("""([text, name]) => {
        const span = document.createElement('span');
        span.id = name; span.textContent = text; span.style.fontSize = '40px';
        document.querySelector('main').append(span);
    }""", [text, name])
    return Image.open(io.BytesIO(page.locator(f"#{name}").screenshot())).convert("L")


def test_an_analyst_pushes_and_a_county_inspector_works_the_finding(session, console_url, tmp_path):
    page = session
    log_in(page, console_url, "li")
    page.goto(f"{console_url}/findings/F-related")
    page.click("#push")
    assert page.inner_text("#status") == "已推送"
    page.click("text=退出")

    log_in(page, console_url, "wang")
    assert page.url.endswith("/findings")
    assert page.locator("#queue tr").count() == 2  # header and F-related: F-minor is another office's
    page.screenshot(path=str(ARTIFACTS / "serve-queue.png"), full_page=True)

    page.goto(f"{console_url}/search")
    page.fill("#q", "宁夏甲商贸")
    page.click("#search")
    assert page.locator("#candidates tr").count() == 2
    page.screenshot(path=str(ARTIFACTS / "serve-search.png"), full_page=True)
    page.click(f"text={NAMES[A]}")
    assert "宁夏甲商贸有限公司" in page.inner_text("h1") and page.locator("#sources tr").count() == 3
    page.click("#open-network")
    wait_network(page)
    first = page.evaluate("window.consoleNetwork.nodes.length")
    assert first == 7  # A, 张伟, two invoices, three filings
    after_person = click_node(page, "Person")  # 张伟's spouse 李娜 joins
    after_invoice = click_node(page, "Invoice")  # the invoice's buyer 乙科技 joins
    assert first < after_person < after_invoice
    hidden = "() => window.consoleNetwork.edges.get().filter((e) => e.hidden).map((e) => e.rel_type).sort()"
    page.uncheck("input[data-rel-type=FILED]")
    assert page.evaluate(hidden) == ["FILED"] * 3
    page.check("input[data-rel-type=FILED]")
    page.fill("#date-from", "2023-05-15")  # INV1 was issued on 2023-05-01, INV2 on 2023-06-01
    page.dispatch_event("#date-from", "change")
    assert page.evaluate(hidden) == ["ISSUED", "RECEIVED"]
    page.fill("#date-from", "")
    page.dispatch_event("#date-from", "change")
    assert page.evaluate(hidden) == []
    page.screenshot(path=str(ARTIFACTS / "serve-network.png"), full_page=True)

    page.evaluate("() => window.consoleNetwork.select(window.consoleNetwork.nodes.get().find("
                  "(n) => n.kind === 'Person').id)")
    page.click("#collapse")  # 张伟's expansion taken back: 李娜 goes
    assert page.evaluate("window.consoleNetwork.nodes.length") == after_invoice - 1
    # the path starts from the entity the network was opened on
    page.fill("#path-target", "宁夏丙建设有限公司")
    page.click("#path-go")
    page.wait_for_selector("#paths li", timeout=30_000)
    wait_network(page)
    paths = page.locator("#paths li").all_inner_texts()
    assert len(paths) == 2 and all("宁夏丙建设有限公司" in p and "宁夏乙科技有限公司" in p for p in paths)
    page.screenshot(path=str(ARTIFACTS / "serve-path.png"), full_page=True)

    page.goto(f"{console_url}/findings/F-related")
    page.select_option("#verify-status", "confirmed")
    page.fill("#recovered", "12000")
    page.fill("#note", "补缴增值税")
    page.click("#verify")
    assert page.inner_text("#status") == "已确认" and "补缴增值税" in page.inner_text("#history")
    with page.expect_download() as download:
        page.click("#download-xlsx")
    saved = tmp_path / "case.xlsx"
    download.value.save_as(saved)
    book = openpyxl.load_workbook(saved)
    assert {"企业", "证据", "来源"} <= set(book.sheetnames)
    assert P[1] not in str([[c.value for c in row] for row in book["自然人"].iter_rows()])  # an internal reader

    # Chinese glyphs, not boxes: two different characters draw differently, and unlike a missing glyph
    first_glyph, second_glyph = glyph(page, "疑", "g1"), glyph(page, "税", "g2")
    missing = glyph(page, "\U0010FFFD", "g3")
    assert ImageChops.difference(first_glyph, second_glyph).getbbox() is not None
    assert ImageChops.difference(first_glyph.resize(missing.size), missing).getbbox() is not None


def test_an_inspector_of_another_office_is_refused(session, console_url):
    page = session
    log_in(page, console_url, "zhao")
    response = page.goto(f"{console_url}/findings/F-related")
    assert response.status == 403 and "拒绝访问" in page.inner_text("h1")
    assert "关联方低价交易" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "serve-refused.png"), full_page=True)
    page.goto(f"{console_url}/findings")
    assert "F-related" not in page.content()
    api = page.goto(f"{console_url}/api/findings/F-related/network")
    assert api.status == 403
