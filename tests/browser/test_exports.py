"""The site offers its exports: a feed link in every head and downloadable files."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import bibtexparser
import pytest

from site_builder.exporters import FORMATS

from .conftest import HOST_TYPES

pytestmark = pytest.mark.browser
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.mark.parametrize("path", ["", "sections/benchmarks/", "explore/", "contributing/"])
def test_the_feed_is_discovered_in_every_head(page, base_url: str, path: str) -> None:
    page.goto(base_url + path)
    link = page.locator('head link[rel="alternate"][type="application/atom+xml"]')
    assert link.count() == 1
    href = urljoin(page.url, link.get_attribute("href") or "")
    assert href == base_url + "feed.xml"
    response = page.request.get(href)
    assert response.ok
    assert ET.fromstring(response.body()).tag == f"{ATOM}feed"


def _check(fmt: str, text: str) -> None:
    if fmt == "bibtex":
        library = bibtexparser.parse_string(text)
        assert library.entries and library.failed_blocks == []
    elif fmt == "json":
        assert json.loads(text)["papers"]
    elif fmt == "csv":
        assert next(csv.reader(io.StringIO(text)))[:2] == ["key", "title"]
    elif fmt == "ris":
        assert text.startswith("TY  - ") and text.rstrip().endswith("ER  -")
    else:
        assert ET.fromstring(text).tag == f"{ATOM}feed"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_the_home_page_downloads_every_export(page, base_url: str, built_site: Path,
                                              fmt: str) -> None:
    spec = FORMATS[fmt]
    page.goto(base_url)
    link = page.locator(f'.sb-downloads a[href="{spec.filename}"]')
    assert link.get_attribute("type") == spec.media_type
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == spec.filename
    text = Path(download.path()).read_bytes().decode("utf-8")
    assert text == (built_site / spec.filename).read_bytes().decode("utf-8")
    _check(fmt, text)
    response = page.request.get(base_url + spec.filename)
    suffix = Path(spec.filename).suffix
    assert response.headers["content-type"].split(";")[0] == HOST_TYPES[suffix]
