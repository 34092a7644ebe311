"""A real browser opens an explore page and a case report: headless Chromium (Debian's `chromium`)
driven by Playwright, no browser download. Each test checks that the network canvas rendered the
expected number of nodes, that nothing was fetched from the network, and saves a screenshot in
test-artifacts/browser/.

Missing Chromium or CJK fonts fail these tests (they are never skipped): `scripts/test` installs
`chromium` and `fonts-noto-cjk`.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from case_fixture import A
from case_fixture import case_store, case_uri  # noqa: F401  (fixtures)
from crossaudit.viz.case import build_case
from crossaudit.viz.document import case_document
from crossaudit.viz.page import explore_page, report_page

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "browser"
# Only the embedded engine: what is tested here is the page, not the store.
pytestmark = pytest.mark.parametrize("module_store_uri", ["ladybug"], indirect=True)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk", pytrace=False)
    fonts = shutil.which("fc-list") and subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout
    if not (fonts or "").strip():
        pytest.fail("no CJK font: Chinese would render as boxes; apt-get install -y fonts-noto-cjk", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def render(browser, html: str, tmp_path: Path, name: str, viewport: dict) -> dict:
    """Open the page from a file, wait until the layout settled, screenshot it; what the page drew."""
    page_file = tmp_path / f"{name}.html"
    page_file.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport=viewport)
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_file.as_uri())
    page.wait_for_selector("body[data-settled=true]", timeout=60_000)
    drawn = page.evaluate("""() => {
        const canvas = document.querySelector('#network canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) painted++; }
        return {nodes: window.caseNetwork.nodes.length, edges: window.caseNetwork.edges.length,
                width: canvas.width, height: canvas.height, painted: painted,
                legend: document.getElementById('legend').innerText,
                printImage: document.getElementById('network-print').src.slice(0, 22)};
    }""")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.close()
    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    return drawn


def test_explore_page_draws_every_node(browser, case_store, tmp_path):
    doc = case_document(build_case(case_store, [A], depth=4), cleared=True)
    drawn = render(browser, explore_page(doc, "宁夏甲商贸有限公司"), tmp_path, "explore", {"width": 1280, "height": 800})
    assert drawn["nodes"] == len(doc["nodes"]) == 12
    assert drawn["width"] > 600 and drawn["height"] > 300 and drawn["painted"] > 5_000
    assert "企业\n3" in drawn["legend"] and "节点大小" in drawn["legend"]


def test_case_report_draws_the_network_and_keeps_a_print_picture(browser, case_store, tmp_path):
    doc = case_document(build_case(case_store, finding_id="F-related", depth=1), cleared=False)
    drawn = render(browser, report_page(doc, "关联方低价交易"), tmp_path, "report", {"width": 1100, "height": 1400})
    assert drawn["nodes"] == len(doc["nodes"]) == 10
    assert drawn["painted"] > 5_000
    assert drawn["printImage"] == "data:image/png;base64,"
    assert "疑点标记的实体" in drawn["legend"] and "证据路径" in drawn["legend"]
