"""site_builder.stats and templates/site/stats.svg.j2: charts that parse, bars that match
the counts, colours readable on both page backgrounds, text that stays text."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from site_builder.checking import check_dir
from site_builder.model import PaperList
from site_builder.render import environment
from site_builder.site import build_pages
from site_builder.stats import PALETTE, PLOT_HEIGHT, charts, venue_chart, year_chart
from tests.conftest import LIST_FIXTURE

HOSTILE = Path(__file__).resolve().parent / "fixtures" / "exports"
SVG = "{http://www.w3.org/2000/svg}"
BACKGROUNDS = {"light": "#ffffff", "dark (Material slate)": "#1e2129"}


def _svg(chart: object) -> ET.Element:
    text = environment(autoescape=True).get_template("site/stats.svg.j2").render(chart=chart)
    return ET.fromstring(text)


def _luminance(colour: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(colour[i:i + 2], 16) / 255) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.fixture(scope="module", params=[LIST_FIXTURE, HOSTILE], ids=["fixture", "hostile"])
def plist(request: pytest.FixtureRequest) -> PaperList:
    return check_dir(request.param)


def test_year_bars_stack_to_the_counts(plist: PaperList) -> None:
    chart = year_chart(plist)
    assert all(f"{year}: " in chart.desc for year in {e.paper.year for e in plist.entries})
    root = _svg(chart)
    bars = root.findall(f"{SVG}rect[@class='sb-bar']")
    per_year = Counter(e.paper.year for e in plist.entries)
    per_cell = Counter((e.paper.year, e.paper.category) for e in plist.entries)
    unit = PLOT_HEIGHT / max(per_year.values())
    assert sum(int(b.get("data-count") or 0) for b in bars) == len(plist.entries)
    heights: Counter[str] = Counter()
    for bar in bars:
        count = int(bar.get("data-count") or 0)
        assert float(bar.get("height") or 0) == pytest.approx(count * unit, abs=0.01)
        heights[bar.get("x") or ""] += float(bar.get("height") or 0)
        label = bar.findtext(f"{SVG}title") or ""
        year = int(label.split(",")[0])
        assert per_cell[year, next(s.id for s in plist.paper_sections()
                                   if f", {s.title}:" in label)] == count
    assert sorted(heights.values()) == pytest.approx(sorted(n * unit for n in per_year.values()),
                                                     abs=0.05)
    tallest = max(heights.values())
    assert tallest == pytest.approx(PLOT_HEIGHT, abs=0.05)


def test_venue_bars_are_as_long_as_the_counts(plist: PaperList) -> None:
    chart = venue_chart(plist, top=3)
    root = _svg(chart)
    bars = root.findall(f"{SVG}rect[@class='sb-bar']")
    counts = Counter(e.paper.venue for e in plist.entries)
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:3]
    shown = [(b.findtext(f"{SVG}title") or "").rsplit(":", 1)[0] for b in bars]
    assert shown == [v for v, _ in expected]
    widths = [float(b.get("width") or 0) for b in bars]
    for width, (_, n) in zip(widths, expected, strict=True):
        assert width / widths[0] == pytest.approx(n / expected[0][1], abs=0.01)
    assert chart.title.endswith(f"(top {len(expected)} of {len(counts)})")


def test_charts_are_labelled_for_screen_readers(plist: PaperList) -> None:
    for chart in charts(plist):
        root = _svg(chart)
        assert root.get("role") == "img"
        ids = (root.get("aria-labelledby") or "").split()
        assert [root.find(f"{SVG}*[@id='{i}']") is not None for i in ids] == [True, True]
        assert root.findtext(f"{SVG}title") == chart.title
        assert root.findtext(f"{SVG}desc") == chart.desc
        assert len(chart.rows) == len({tuple(r) for r in chart.rows})


def test_hostile_names_stay_text() -> None:
    plist = check_dir(HOSTILE)
    root = _svg(year_chart(plist))
    legend = [t.text for t in root.iter(f"{SVG}text")]
    assert "Benchmarks & Data" in legend
    assert root.find(f".//{SVG}b") is None


@pytest.mark.parametrize("background", sorted(BACKGROUNDS))
def test_colours_have_3_to_1_contrast_on_both_backgrounds(background: str) -> None:
    for colour in PALETTE:
        assert _contrast(colour, BACKGROUNDS[background]) >= 3, colour


def test_the_home_page_shows_both_charts_and_their_tables() -> None:
    home = next(p for p in build_pages(check_dir(LIST_FIXTURE)) if p.path == "index.md")
    assert home.text.count("<svg") == 2
    assert home.text.count("<table>") == 2
    assert 'aria-labelledby="sb-chart-years-title sb-chart-years-desc"' in home.text


def test_a_list_without_papers_says_so_instead_of_empty_tables(tmp_path: Path,
                                                               markdownlint) -> None:
    from site_builder.render import render_readme

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_list.yaml").write_bytes((LIST_FIXTURE / "_list.yaml").read_bytes())
    readme = render_readme(check_dir(papers))
    stats = readme.split('<a id="stats"></a>\n', 1)[1].split("\n## ", 1)[0]
    assert stats.strip() == "No papers yet." and "| Year |" not in readme
    lint = markdownlint(readme)
    assert lint.findings == 0, lint.output
    home = build_pages(check_dir(papers), related={})[0].text
    assert "No papers yet." in home and "<table" not in home and "Newest" not in home
