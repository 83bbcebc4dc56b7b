"""The pages people land on, at desktop and phone widths, light and dark: nothing wider
than the screen (tap-target sizes are axe-core's ``target-size`` rule, in test_pages).

Set ``SITE_BUILDER_SCREENSHOTS=DIR`` to keep a full-page screenshot of each case there:
they are what a maintainer looks at before calling a change to the site done.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import SECTION

PAGES = {"home": "", "section": f"sections/{SECTION}/", "paper": "papers/{key}/"}
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen(browser, figure_site: tuple[str, list[str]], name: str,
                              width: str, scheme: str) -> None:
    """On the flagship list with its figures cached (thumbnails on cards, the full figure on
    the paper page), as readers see it."""
    base_url, with_figures = figure_site
    context = browser.new_context(color_scheme=scheme, viewport=WIDTHS[width],
                                  device_scale_factor=1)
    pg = context.new_page()
    pg.goto(base_url + PAGES[name].format(key=with_figures[1]))  # [0] is left uncached
    pg.wait_for_load_state("networkidle")
    expect(pg.locator("h1").first).to_be_visible()
    overflow = pg.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        return [...document.querySelectorAll('.md-content *')]
            .filter(e => e.getBoundingClientRect().right > width + 1 &&
                         getComputedStyle(e).position !== 'fixed' &&
                         !e.closest('pre, .md-typeset__scrollwrap, .highlight, svg, table'))
            .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' +
                             Math.round(e.getBoundingClientRect().right));
    }""")
    folder = os.environ.get("SITE_BUILDER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(Path(folder) / f"{name}-{width}-{scheme}.png"), full_page=True)
    scroll = pg.evaluate("document.documentElement.scrollWidth - "
                         "document.documentElement.clientWidth")
    context.close()
    assert overflow == [] and scroll <= 0, overflow
