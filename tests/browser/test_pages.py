"""Paper pages, accent-free search and accessibility, in Chromium against the built site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from tests.conftest import FLAGSHIP, require_tool

from .conftest import HOSTILE_KEY, ROOT

pytestmark = pytest.mark.browser
DINOMALY = "guo2025-dinomaly-the-less-is-more"
MULLER = "baugh2024-image-conditioned-diffusion-models-for"
AXE = ROOT / ".ci" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SECTION = "sections/solving-identity-mapping/"


def test_every_paper_has_its_page_linked_from_its_card(page, base_url: str,
                                                       built_site: Path) -> None:
    stems = [*(p.stem for p in FLAGSHIP.glob("[!_]*.yaml")), HOSTILE_KEY]
    built = sorted(p.parent.name for p in built_site.glob("papers/*/index.html"))
    assert built == sorted(stems)
    page.goto(base_url + SECTION)
    details = page.locator(f"article[data-key='{DINOMALY}'] a.sb-details")
    details.click()
    assert page.url == f"{base_url}papers/{DINOMALY}/"
    expect(page.locator("h1")).to_contain_text("Dinomaly")
    expect(page.locator("pre.sb-bibtex")).to_contain_text("@inproceedings{guo2025dinomaly,")
    page.locator(".sb-listed a").first.click()  # back to the card, by its old anchor
    assert page.url == f"{base_url}{SECTION}#{DINOMALY}"
    expect(page.locator(f"h3#{DINOMALY}")).to_be_in_viewport()


def test_paper_pages_are_not_in_the_navigation(page, base_url: str) -> None:
    page.goto(base_url)
    hrefs = page.locator("nav.md-nav--primary a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and not any("papers/" in (h or "") for h in hrefs)


def test_previous_and_next_walk_the_home_section(page, base_url: str) -> None:
    page.goto(base_url + f"papers/{DINOMALY}/")
    assert page.locator("a[rel=prev]").count() == 0  # first of its section
    page.locator("a[rel=next]").click()
    expect(page.locator("a[rel=prev]")).to_have_attribute("href", f"../{DINOMALY}/")


def test_scholarly_metadata_in_the_head(page, base_url: str) -> None:
    page.goto(base_url + f"papers/{DINOMALY}/")

    def meta(name: str) -> list[str]:
        return page.locator(f"head meta[name='{name}'], head meta[property='{name}']"
                            ).evaluate_all("els => els.map(e => e.content)")

    assert meta("citation_title") == [
        "Dinomaly: The Less Is More Philosophy in Multi-Class Unsupervised Anomaly Detection"]
    assert meta("citation_author")[:2] == ["Guo, Jia", "Lu, Shuai"]
    assert meta("citation_publication_date") == ["2025"]
    assert meta("citation_conference_title") == [
        "IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)"]
    assert meta("og:image") and meta("twitter:card") == ["summary_large_image"]
    data = json.loads(page.locator("script[type='application/ld+json']").text_content() or "")
    assert data["@type"] == "ScholarlyArticle" and data["author"][0]["name"] == "Jia Guo"


def test_a_hostile_paper_page_stays_text(page, base_url: str, built_site: Path) -> None:
    page.goto(base_url + f"papers/{HOSTILE_KEY}/")
    expect(page.locator("h1")).to_contain_text("<script>window.__pwned = 1;")
    assert page.dialogs == [] and page.evaluate("window.__pwned") is None
    assert page.locator("article script, article img[onerror], article b").count() == 0
    raw = (built_site / "papers" / HOSTILE_KEY / "index.html").read_text("utf-8")
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', raw, re.S)
    assert ld and "<" not in ld.group(1)
    assert json.loads(ld.group(1))["name"].startswith("<script>window.__pwned")
    title = page.locator("head meta[name='citation_title']").get_attribute("content")
    assert title and title.startswith("<script>window.__pwned")
    assert "<b onmouseover" not in raw


def test_copy_bibtex_puts_the_entry_on_the_clipboard(browser, base_url: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    pg = context.new_page()
    pg.goto(base_url + f"papers/{DINOMALY}/")
    pg.get_by_role("button", name="Copy BibTeX").click()
    expect(pg.locator(".sb-copy__status")).to_have_text("Copied.")
    copied = pg.evaluate("navigator.clipboard.readText()")
    assert copied == pg.locator("pre.sb-bibtex code").text_content()
    assert copied.startswith("@inproceedings{guo2025dinomaly,") and copied.endswith("}\n")
    context.close()


def test_muller_finds_mueller_in_the_site_search(page, base_url: str) -> None:
    page.goto(base_url)
    page.keyboard.press("/")
    page.locator("input.md-search__input").press_sequentially("muller", delay=30)
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible(timeout=10_000)
    hrefs = results.locator("a").evaluate_all("els => els.map(e => e.href)")
    assert any(f"papers/{MULLER}/" in h for h in hrefs), hrefs


def test_muller_and_abstract_words_find_papers_in_explore(page, base_url: str) -> None:
    page.goto(base_url + "explore/")
    shown = "#sb-results > li:not([hidden])"
    page.locator("#sb-f-text").press_sequentially("muller", delay=10)
    keys = page.locator(shown).evaluate_all("els => els.map(e => e.dataset.key)")
    assert MULLER in keys and len(keys) < 5
    page.locator("#sb-f-text").fill("MÜLLER")
    page.locator("#sb-f-text").dispatch_event("input")
    assert MULLER in page.locator(shown).evaluate_all("els => els.map(e => e.dataset.key)")
    # Words only Dinomaly's abstract holds: the abstracts load when words are first typed.
    page.locator("#sb-f-text").fill("minimalist bottleneck")
    page.locator("#sb-f-text").dispatch_event("input")
    expect(page.locator(shown)).to_have_count(1)
    assert page.locator(shown).get_attribute("data-key") == DINOMALY
    assert "minimalist" not in (page.locator(shown).get_attribute("data-text") or "")


def test_explore_and_contributing_stay_out_of_search_results(page, base_url: str,
                                                            built_site: Path) -> None:
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    locations = {d["location"].split("#")[0] for d in index["docs"]}
    assert "explore/" not in locations and "contributing/" not in locations
    assert f"papers/{DINOMALY}/" in locations and "sections/benchmarks/" in locations


def test_search_indexes_each_abstract_once_and_no_citations(built_site: Path) -> None:
    """A word finds the paper, not every page that quotes it: an abstract is indexed on its
    paper's page only (not again in its section's card), and BibTeX, the sections a
    paper is in and its related papers' titles are left out (at 1,000 papers they made
    two thirds of an 8 MB index)."""
    index = json.loads((built_site / "search" / "search_index.json").read_text("utf-8"))
    docs = index["docs"]
    anchors = {d["location"].partition("#")[2] for d in docs
               if d["location"].startswith("papers/")}
    assert "abstract" in anchors
    assert not anchors & {"cite", "in-the-list", "related-papers"}
    assert not any("@inproceedings{" in d["text"] or "@article{" in d["text"] for d in docs)
    record = yaml.safe_load((FLAGSHIP / f"{DINOMALY}.yaml").read_text("utf-8"))
    opening = " ".join(record["abstract"].split()[:12])
    holding = [d["location"] for d in docs if opening in " ".join(d["text"].split())]
    assert holding == [f"papers/{DINOMALY}/#abstract"]
    card = next(d for d in docs if d["location"] == f"{SECTION}#{DINOMALY}")
    assert "Dinomaly" in card["title"] and "Abstract" not in card["text"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", ["", "sections/benchmarks/", f"papers/{DINOMALY}/",
                                  f"papers/{MULLER}/", "explore/"])
def test_no_serious_accessibility_violation(browser, base_url: str, path: str,
                                            scheme: str) -> None:
    axe = require_tool("axe-core", str(AXE) if AXE.is_file() else None, "axe-core@4.10.3")
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.goto(base_url + path)
    expected = "slate" if scheme == "dark" else "default"
    expect(pg.locator("body")).to_have_attribute("data-md-color-scheme", expected)
    pg.add_script_tag(path=axe)
    result = pg.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a',
                                                     'wcag21aa', 'wcag22aa']});
        return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') +
                        ' ' + (n.failureSummary || '').slice(0, 200))}));
    }""")
    context.close()
    assert result == [], json.dumps(result, indent=1)

