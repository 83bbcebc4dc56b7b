"""The built site in a real browser: search, Explore, abstracts, permalinks, privacy, XSS."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from .conftest import HOSTILE_KEY

pytestmark = pytest.mark.browser
SECTION = "sections/solving-identity-mapping/"
DINOMALY = "guo2025-dinomaly-the-less-is-more"


def _search(page, base_url: str, query: str):
    page.goto(base_url)
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially(query, delay=30)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=10_000)
    return results


@pytest.mark.parametrize(("query", "expected"), [
    ("Dinomaly", "Dinomaly"),                      # title word
    ("Wolleb", "Diffusion Models for Medical Anomaly Detection"),  # author
    ("microcalcification", "Microcalcification"),  # abstract word
])
def test_search_finds_a_known_paper(page, base_url: str, query: str, expected: str) -> None:
    results = _search(page, base_url, query)
    expect(results.filter(has_text=re.compile(expected, re.I)).first).to_be_visible()


def test_search_result_links_to_the_paper_anchor(page, base_url: str) -> None:
    results = _search(page, base_url, "Dinomaly")
    hrefs = results.locator("a").evaluate_all("els => els.map(e => e.href)")
    targets = {(urlsplit(h).path, urlsplit(h).fragment) for h in hrefs}
    assert (f"/{SECTION}", DINOMALY) in targets, hrefs


def _visible_rows(page) -> int:
    return page.locator("#sb-results > li:not([hidden])").count()


def test_a_filter_chosen_while_the_page_loads_is_kept(page, base_url: str) -> None:
    """A reader quicker than the script (slow network) keeps the section they chose."""
    held = []
    page.route(re.compile(r"explore\.js"), lambda route: held.append(route))
    page.goto(base_url + "explore/", wait_until="commit")
    page.wait_for_selector("#sb-f-section")
    page.select_option("#sb-f-section", "benchmarks")
    for _ in range(250):  # the held request reaches the route while Playwright waits
        if held:
            break
        page.wait_for_timeout(20)
    assert held, "explore.js was not requested"
    held[0].continue_()
    page.wait_for_selector("#sb-filters[data-ready]", state="attached")
    assert page.locator("#sb-f-section").input_value() == "benchmarks"
    in_section = page.locator("#sb-results > li[data-sections*=' benchmarks ']").count()
    assert 0 < _visible_rows(page) == in_section < page.locator("#sb-results > li").count()
    assert "section=benchmarks" in page.url


def test_explore_filters_narrow_the_list_and_the_url_restores_them(page, base_url: str) -> None:
    page.goto(base_url + "explore/")
    total = _visible_rows(page)
    assert total >= 33
    page.select_option("#sb-f-section", "diffusion-based-approaches")
    assert _visible_rows(page) == 8
    page.select_option("#sb-f-from", "2024")
    page.check("#sb-f-code")
    narrowed = _visible_rows(page)
    assert 0 < narrowed < 8
    page.locator("#sb-f-text").press_sequentially("anomaly", delay=10)
    assert "section=diffusion-based-approaches" in page.url
    assert "from=2024" in page.url and "code=1" in page.url and "text=anomaly" in page.url
    shared = page.url
    rows = page.locator("#sb-results > li:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.key)")
    fresh = page.context.new_page()
    fresh.goto(shared)
    assert fresh.locator("#sb-f-section").input_value() == "diffusion-based-approaches"
    assert fresh.locator("#sb-f-from").input_value() == "2024"
    assert fresh.locator("#sb-f-code").is_checked()
    assert fresh.locator("#sb-results > li:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.key)") == rows
    expect(fresh.locator("#sb-count")).to_contain_text(f"{len(rows)} papers of {total}")
    fresh.click("#sb-f-reset")
    assert _visible_rows(fresh) == total
    assert urlsplit(fresh.url).query == ""


def test_explore_mark_filter_and_sorting(page, base_url: str) -> None:
    page.goto(base_url + "explore/?mark=non-medical&sort=oldest")
    years = [int(y) for y in page.locator("#sb-results > li:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.year)")]
    assert years == sorted(years) and years
    marks = page.locator("#sb-results > li:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.marks)")
    assert set(marks) == {" non-medical "}
    page.select_option("#sb-f-mark", "-non-medical")
    unmarked = page.locator("#sb-results > li:not([hidden])").evaluate_all(
        "els => els.map(e => e.dataset.marks)")
    assert unmarked and set(unmarked) == {"  "}
    page.select_option("#sb-f-mark", "")
    page.select_option("#sb-f-sort", "title")
    titles = page.locator("#sb-results > li:not([hidden]) .sb-row__title").all_inner_texts()
    assert titles == sorted(titles, key=str.lower) or len(titles) > 30


def test_an_abstract_opens_on_click(page, base_url: str) -> None:
    page.goto(base_url + SECTION)
    card = page.locator(f"article[data-key='{DINOMALY}']")
    abstract = card.locator("details.sb-abstract")
    text = abstract.locator("p")
    expect(text).to_be_hidden()
    abstract.locator("summary").click()
    expect(text).to_be_visible()
    expect(text).to_contain_text("unsupervised anomaly detection")


def test_a_permalink_scrolls_to_its_paper(page, base_url: str) -> None:
    key = "wolleb2022-diffusion-models-for-medical-anomaly"
    page.goto(base_url + f"sections/diffusion-based-approaches/#{key}")
    heading = page.locator(f"h3#{key}")
    expect(heading).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 200


def test_a_hostile_record_stays_text(page, base_url: str) -> None:
    page.goto(base_url + "sections/benchmarks/")
    page.goto(base_url + "explore/")
    page.goto(base_url + "sections/benchmarks/")
    heading = page.locator(f"h3#{HOSTILE_KEY}")
    expect(heading).to_contain_text("<script>window.__pwned = 1;")
    card = page.locator(f"article[data-key='{HOSTILE_KEY}']")
    card.locator("details.sb-abstract summary").click()
    expect(card.locator("details.sb-abstract p")).to_contain_text("</details><script>")
    assert page.dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert card.locator("script, img[onerror], b, [onmouseover]").count() == 0
    assert card.locator("a[href^='javascript']").count() == 0
    scripts = page.locator("script:not([src])").evaluate_all("els => els.map(e => e.text)")
    assert not any("alert" in s for s in scripts)
    _search(page, base_url, "Hostile")
    assert page.dialogs == []
    # Explore's word filter loads every abstract as a script: the hostile one is data there.
    page.goto(base_url + "explore/")
    page.locator("#sb-f-text").press_sequentially("onerror pipe", delay=10)
    shown = page.locator("#sb-results > li:not([hidden])")
    expect(shown).to_have_count(1)
    assert shown.get_attribute("data-key") == HOSTILE_KEY
    assert page.dialogs == [] and page.evaluate("window.__pwned") is None


def _all_pages(site: Path) -> list[str]:
    return sorted(p.parent.relative_to(site).as_posix() + "/" for p in site.rglob("index.html"))


def test_no_request_leaves_127_0_0_1(page, base_url: str, built_site: Path) -> None:
    pages = _all_pages(built_site)
    papers = len(list(built_site.glob("papers/*/index.html")))
    assert papers == 34  # the flagship's 33 and the hostile record
    assert len(pages) == 14 + papers  # home, ten sections, explore, map, contributing
    for path in pages:
        page.goto(base_url + ("" if path == "./" else path))
        page.wait_for_load_state("networkidle")
    outside = [u for u in page.requests if urlsplit(u).hostname not in ("127.0.0.1",)
               and not u.startswith("data:")]
    assert outside == []
    assert len(page.requests) > len(pages)


def test_dark_mode_toggle(page, base_url: str) -> None:
    page.goto(base_url)
    before = page.get_attribute("body", "data-md-color-scheme")
    page.locator("label.md-header__button[for^='__palette']").first.click()
    expect(page.locator("body")).not_to_have_attribute("data-md-color-scheme", before or "")


def test_usable_at_phone_width(browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    for path in ("", SECTION, "explore/"):
        pg.goto(base_url + path)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    pg.select_option("#sb-f-section", "benchmarks")
    assert pg.locator("#sb-results > li:not([hidden])").count() == 5
    context.close()


def test_a_figure_loads_only_when_opened(page, base_url: str) -> None:
    """Figures are hosted elsewhere: nothing is fetched until the reader opens one."""
    fetched: list[str] = []

    def fake_image(route) -> None:
        fetched.append(route.request.url)
        route.fulfill(status=200, content_type="image/svg+xml",
                      body='<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"/>')

    page.route(re.compile(r"^https://github\.com/"), fake_image)
    page.goto(base_url + SECTION)
    page.wait_for_load_state("networkidle")
    assert fetched == []
    figure = page.locator(f"article[data-key='{DINOMALY}'] details.sb-figure")
    figure.locator("summary").click()
    image = figure.locator("img")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("loading", "lazy")
    expect(image).to_have_attribute("alt", re.compile("^Figure of Dinomaly"))
    page.wait_for_function("el => el.complete", arg=image.element_handle())
    assert len(fetched) == 1 and "user-attachments" in fetched[0]


@pytest.fixture(scope="session")
def offline_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`site-builder site --offline`: the build a reviewer downloads and opens from disk."""
    import os
    import shutil

    from site_builder.cli import main

    from .conftest import FLAGSHIP, ROOT

    work = tmp_path_factory.mktemp("offline")
    shutil.copytree(FLAGSHIP, work / "papers")
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
    cwd = Path.cwd()
    os.chdir(work)
    try:
        assert main(["site", "--offline", "-d", "site"]) == 0
    finally:
        os.chdir(cwd)
    return work / "site"


def test_the_offline_build_works_from_the_file_system(page, offline_site: Path) -> None:
    page.goto((offline_site / "index.html").as_uri())
    page.click("text=Explore and filter all papers")
    assert page.url.endswith("/explore.html")
    page.wait_for_selector("#sb-filters[data-ready]", state="attached")
    page.select_option("#sb-f-section", "benchmarks")
    assert _visible_rows(page) == 4
    page.select_option("#sb-f-section", "")
    page.locator("#sb-f-text").press_sequentially("minimalist bottleneck", delay=10)
    expect(page.locator("#sb-results > li:not([hidden])")).to_have_count(1)  # its abstract
    page.locator("#sb-f-text").fill("")
    page.select_option("#sb-f-section", "benchmarks")
    page.locator("#sb-results > li:not([hidden]) a[href*='sections/']").first.click()
    expect(page.locator("h1")).to_contain_text("Benchmarks")
    page.goto((offline_site / "index.html").as_uri())
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially("Dinomaly", delay=30)
    expect(page.locator(".md-search-result__item").first).to_be_visible(timeout=10_000)
    assert [u for u in page.requests if not u.startswith("file:")] == []
