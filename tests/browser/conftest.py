"""Browser tests: the built site, served on 127.0.0.1, in Debian's headless Chromium."""

from __future__ import annotations

import functools
import http.server
import io
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
import yaml
from PIL import Image

from site_builder import figures
from tests.conftest import FLAGSHIP, build_site

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM = os.environ.get("SITE_BUILDER_CHROMIUM", "/usr/bin/chromium")
HOSTILE = """\
title: "<script>window.__pwned = 1; alert('title')</script> Hostile <img src=x onerror=alert(2)> **bold** [x](javascript:alert(3))"
authors:
  - "<b onmouseover=alert(4)>Evil</b>, Eve"
venue: "CVPR\\" onload=\\"alert(5)"
year: 2024
url: https://example.org/paper?a=1&b=%222%22
category: benchmarks
abstract: "</details><script>alert(6)</script><img src=x onerror=alert(7)> `code` $x$ | pipe --> end"
"""
HOSTILE_KEY = "hostile2024-record"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def _need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("SITE_BUILDER_REQUIRE_TOOLS"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium)")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repo's list plus one hostile record, built with `site-builder site`."""

    work = tmp_path_factory.mktemp("site")
    shutil.copytree(FLAGSHIP, work / "papers")
    (work / "papers" / f"{HOSTILE_KEY}.yaml").write_text(HOSTILE, encoding="utf-8")
    build_site(work)
    return work / "site"


@pytest.fixture(scope="session")
def base_url(built_site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# As a static host serves the exports (mime-db), whatever this machine's mime.types says.
HOST_TYPES = {".bib": "text/x-bibtex", ".ris": "application/x-research-info-systems",
              ".csv": "text/csv", ".json": "application/json", ".xml": "application/xml"}


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map, **HOST_TYPES}

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    """A fresh page that fails the test on any dialog and records every request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.requests = []
    pg.dialogs = []
    pg.on("request", lambda r: pg.requests.append(r.url))
    pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
    yield pg
    context.close()


# --- a site whose figures are cached ------------------------------------------------

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
