"""Figures in view: a site built with a figure cache shows our own copies, and the reader's
browser asks nobody but the site (127.0.0.1) while scrolling through the cards."""

from __future__ import annotations

import functools
import http.server
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from PIL import Image

from site_builder import figures
from tests.conftest import FLAGSHIP, build_site

from .conftest import _QuietHandler

pytestmark = pytest.mark.browser
SECTION = "diffusion-based-approaches"


def seed_cache(folder: Path, urls: list[str]) -> None:
    """A figure cache holding copies of ``urls`` (drawn here: the tests are offline), in
    the format ``site-builder figures`` writes."""
    index = {}
    for n, url in enumerate(urls):
        img = Image.new("RGB", (1000 + 40 * n, 600), (30 + 7 * n, 90, 160))
        raw = io.BytesIO()
        img.save(raw, "PNG")
        encoded = figures.reencode(raw.getvalue())
        key = figures.url_key(url)
        thumb = figures.Picture(f"{key}.thumb.webp", *encoded.thumb_size)
        full = figures.Picture(f"{key}.webp", *encoded.full_size)
        (folder / thumb.file).write_bytes(encoded.thumb)
        (folder / full.file).write_bytes(encoded.full)
        index[url] = figures.Cached("ok", "2026-01-01T00:00:00+00:00", thumb=thumb, full=full)
    figures.write_index(folder, index)


@pytest.fixture(scope="module")
def figure_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """The flagship list built with every figure cached but the first of its section (which
    keeps its click-to-load placeholder); yields the served address and that section's
    record keys with a cached figure."""
    work = tmp_path_factory.mktemp("figsite")
    shutil.copytree(FLAGSHIP, work / "papers")
    records = {p.stem: yaml.safe_load(p.read_text("utf-8"))
               for p in sorted((work / "papers").glob("[!_]*.yaml"))}
    in_section = sorted(k for k, r in records.items()
                        if r.get("figure") and r["category"] == SECTION)
    left_out = records[in_section[0]]["figure"]
    urls = sorted({r["figure"] for r in records.values() if r.get("figure")} - {left_out})
    cache = tmp_path_factory.mktemp("figcache")
    seed_cache(cache, urls)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITE_BUILDER_FIGURE_CACHE", str(cache))
        site = build_site(work)
    assert (site / "figures" / f"{in_section[1]}.thumb.webp").is_file()
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", in_section
    server.shutdown()
    server.server_close()


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
