"""Figures in view: a site built with a figure cache shows our own copies, and the reader's
browser asks nobody but the site (127.0.0.1) while scrolling through the cards."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from site_builder import figures

from .conftest import SECTION

pytestmark = pytest.mark.browser


def _outside(requests: list[str]) -> list[str]:
    return [u for u in requests if urlsplit(u).scheme in ("http", "https")
            and urlsplit(u).hostname != "127.0.0.1"]


def test_cards_show_our_thumbnails_and_nobody_else_is_asked(
        page, figure_site: tuple[str, list[str]]) -> None:
    base, keys = figure_site
    page.goto(f"{base}sections/{SECTION}/")
    thumbs = page.locator("article .sb-thumb img")
    assert thumbs.count() == len(keys) - 1
    for i in range(thumbs.count()):  # scroll through every card: lazy images load
        thumbs.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("el => el.complete && el.naturalWidth > 0",
                               arg=thumbs.nth(i).element_handle())
    page.mouse.wheel(0, 100_000)
    page.wait_for_load_state("networkidle")
    widths = thumbs.evaluate_all("els => els.map(e => [e.naturalWidth, e.getAttribute('width'),"
                                 " e.getAttribute('loading'), e.alt])")
    for natural, width, loading, alt in widths:
        assert natural == int(width) == figures.THUMB_WIDTH and loading == "lazy"
        assert alt.startswith("Figure of ")
    placeholder = page.locator(f"article[data-key='{keys[0]}'] details.sb-figure")
    assert placeholder.count() == 1 and placeholder.get_attribute("open") is None
    assert _outside(page.requests) == []
    assert any("/figures/" in u and u.endswith(".thumb.webp") for u in page.requests)


def test_the_paper_page_shows_the_full_copy(page, figure_site: tuple[str, list[str]]) -> None:
    base, keys = figure_site
    page.goto(f"{base}papers/{keys[1]}/")
    image = page.locator(".sb-figure-full img")
    page.wait_for_function("el => el.complete && el.naturalWidth > 0",
                           arg=image.element_handle())
    box = image.bounding_box()
    content = page.locator("article.md-content__inner").bounding_box()
    assert box and content and box["width"] > 0.9 * (content["width"] - 40)
    page.wait_for_load_state("networkidle")
    assert _outside(page.requests) == []
    og = page.locator("meta[property='og:image']").get_attribute("content")
    assert og and "/figures/" in og and "github" not in og
