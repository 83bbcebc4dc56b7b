"""The map of the field and related papers in Chromium, on the discovery fixture list."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import build_site

from .conftest import ROOT, _QuietHandler

pytestmark = pytest.mark.browser
FIXTURE = ROOT / "tests" / "fixtures" / "discovery"


@pytest.fixture(scope="module")
def map_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The discovery fixture built with `site-builder site`, served on 127.0.0.1."""

    work = tmp_path_factory.mktemp("discovery-site")
    shutil.copytree(FIXTURE, work / "papers")
    build_site(work)
    handler = functools.partial(_QuietHandler, directory=str(work / "site"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/map/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def tab(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    yield context.new_page()
    context.close()


def test_every_point_links_to_an_existing_paper_anchor(tab, map_url: str) -> None:
    tab.goto(map_url)
    hrefs = tab.locator("svg.sb-map__svg a.sb-pt").evaluate_all(
        "els => els.map(e => e.href.baseVal || e.getAttribute('href'))")
    assert len(hrefs) == 30
    by_page: dict[str, set[str]] = {}
    for href in hrefs:
        target = urljoin(map_url, href)
        by_page.setdefault(target.split("#")[0], set()).add(urlsplit(target).fragment)
    assert len(by_page) == 5
    for page_url, anchors in by_page.items():
        response = tab.goto(page_url)
        assert response is not None and response.status == 200, page_url
        for anchor in anchors:
            assert tab.locator(f"[id='{anchor}']").count() == 1, (page_url, anchor)


def test_points_are_keyboard_reachable_and_titled(tab, map_url: str) -> None:
    tab.goto(map_url)
    tab.locator("#sb-map-q").focus()
    for _ in range(5):  # past the search box, onto the first point
        tab.keyboard.press("Tab")
        if tab.evaluate("document.activeElement.classList.contains('sb-pt')"):
            break
    assert tab.evaluate("document.activeElement.classList.contains('sb-pt')")
    title = tab.evaluate("document.activeElement.querySelector('title').textContent")
    assert "·" in title and len(title) > 10
    tab.keyboard.press("Enter")
    tab.wait_for_url("**/sections/**#*")
    fragment = urlsplit(tab.url).fragment
    expect(tab.locator(f"[id='{fragment}']")).to_be_visible()


def test_the_text_box_highlights_matching_points(tab, map_url: str) -> None:
    tab.goto(map_url)
    tab.locator("#sb-map-q").press_sequentially("adversarial", delay=10)
    hits = tab.locator("a.sb-pt.sb-pt--hit")
    assert 0 < hits.count() < 30
    assert all(s == "gan" for s in hits.evaluate_all(
        "els => els.map(e => e.dataset.section)"))
    expect(tab.locator("#sb-map-count")).to_contain_text("of 30 papers match")
    tab.goto(map_url + "?q=clip")
    assert tab.locator("a.sb-pt.sb-pt--hit").count() >= 1


def test_related_list_opens_and_links_within_the_site(tab, map_url: str) -> None:
    tab.goto(urljoin(map_url, "../sections/gan/"))
    related = tab.locator("details.sb-related").first
    related.locator("summary").click()
    links = related.locator("a")
    assert links.count() == 5
    links.first.click()
    fragment = urlsplit(tab.url).fragment
    expect(tab.locator(f"[id='{fragment}']")).to_be_visible()
