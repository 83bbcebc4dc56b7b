"""Statistics of the list as chart geometry for our own SVG template (no plotting library,
no JavaScript): papers per year stacked by section, and papers per venue.

This module only counts and measures; ``templates/site/stats.svg.j2`` draws.  Each chart
carries its counts as a table too, which the page shows as the text alternative.  Every
colour has at least 3:1 contrast against both the light and the dark page background
(``tests/test_stats.py`` checks), and text uses the page's own colour.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .errors import counted
from .model import PaperList

# Mid-tones that keep 3:1 against white and against Material's slate (#1e2129).
PALETTE = ("#4e79a7", "#e15759", "#59a14f", "#b07aa1", "#9c755f", "#b8860b", "#17a2b8",
           "#6a5acd", "#d35400", "#7f7f7f", "#008080", "#a05195")
WIDTH = 640
PLOT_HEIGHT = 180  # the tallest bar of the year chart
TOP_VENUES = 10
_TOP, _LEFT, _RIGHT, _AXIS = 12, 40, 12, 22
_ROW, _LABEL = 22, 150  # venue chart: row height, label column


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    count: int
    label: str  # read out and shown as a tooltip


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class Swatch:
    x: float
    y: float
    colour: str
    text: str


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    bars: tuple[Bar, ...]
    labels: tuple[Text, ...]
    legend: tuple[Swatch, ...]
    axis: tuple[float, float, float, float]  # x1, y1, x2, y2 of the base line
    head: tuple[str, ...]  # the table alternative
    rows: tuple[tuple[str, ...], ...]




def year_chart(plist: PaperList) -> Chart:
    """Papers per year (oldest left), each bar stacked by section in list order."""
    sections = [(s.id, s.title) for s in plist.paper_sections() if s.id]
    colour = {sid: PALETTE[i % len(PALETTE)] for i, (sid, _) in enumerate(sections)}
    counts = Counter((e.paper.year, e.paper.category) for e in plist.entries)
    years = sorted({e.paper.year for e in plist.entries})
    totals = {y: sum(counts[y, sid] for sid, _ in sections) for y in years}
    unit = PLOT_HEIGHT / max(totals.values(), default=1)
    base: float = _TOP + PLOT_HEIGHT
    band = (WIDTH - _LEFT - _RIGHT) / max(len(years), 1)
    bars: list[Bar] = []
    labels = [Text(_LEFT - 6, base + 4, "0", "end")]
    if years:
        labels.append(Text(_LEFT - 6, _TOP + 4, str(max(totals.values())), "end"))
    for i, year in enumerate(years):
        x, top = _LEFT + i * band + band * 0.2, base
        for sid, title in sections:
            n = counts[year, sid]
            if n:
                top -= n * unit
                bars.append(Bar(round(x, 2), round(top, 2), round(band * 0.6, 2),
                                round(n * unit, 2), colour[sid], n,
                                f"{year}, {title}: {counted(n, 'paper')}"))
        labels.append(Text(round(_LEFT + (i + 0.5) * band, 2), base + 16, str(year)))
        labels.append(Text(round(_LEFT + (i + 0.5) * band, 2), round(top - 4, 2),
                           str(totals[year])))
    legend = tuple(Swatch(_LEFT + (i % 2) * (WIDTH - _LEFT) / 2,
                          base + _AXIS + 8 + (i // 2) * 18, colour[sid], title)
                   for i, (sid, title) in enumerate(sections))
    busiest = max(years, key=lambda y: (totals[y], y)) if years else None
    desc = "; ".join(f"{y}: {counted(totals[y], 'paper')}" for y in years) + (
        f". Most papers in {busiest} ({totals[busiest]})." if busiest else "No papers yet.")
    return Chart("sb-chart-years", "Papers per year, by section", desc, WIDTH,
                 int(base + _AXIS + 8 + (len(sections) + 1) // 2 * 18 + 4), tuple(bars),
                 tuple(labels), legend, (_LEFT, base, WIDTH - _RIGHT, base),
                 ("Year", *(title for _, title in sections), "Total"),
                 tuple((str(y), *(str(counts[y, sid]) for sid, _ in sections), str(totals[y]))
                       for y in years))


def venue_chart(plist: PaperList, top: int = TOP_VENUES) -> Chart:
    """The ``top`` venues by number of papers (ties by name), longest bar first."""
    counts = Counter(e.paper.venue for e in plist.entries)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold()))
    shown = ranked[:top]
    unit = (WIDTH - _LABEL - 10 - 40) / max((n for _, n in shown), default=1)
    bars, labels = [], []
    for i, (venue, n) in enumerate(shown):
        y = _TOP + i * _ROW
        bars.append(Bar(_LABEL + 10, y, round(n * unit, 2), _ROW - 6, PALETTE[0], n,
                        f"{venue}: {counted(n, 'paper')}"))
        middle = y + (_ROW - 6) / 2 + 4  # baseline of 12 px text centred on the bar
        labels.append(Text(_LABEL, middle, venue, "end"))
        labels.append(Text(round(_LABEL + 14 + n * unit, 2), middle, str(n), "start"))
    rest = len(ranked) - len(shown)
    desc = "; ".join(f"{v}: {counted(n, 'paper')}" for v, n in shown) + (
        f"; and {counted(rest, 'more venue')}." if rest else ".")
    height = _TOP + len(shown) * _ROW + 6
    return Chart("sb-chart-venues", f"Papers per venue (top {len(shown)} of {len(ranked)})",
                 desc, WIDTH, height, tuple(bars), tuple(labels), (),
                 (_LABEL + 10, _TOP - 4, _LABEL + 10, height - 6), ("Venue", "Papers"),
                 tuple((v, str(n)) for v, n in shown))


def charts(plist: PaperList) -> list[Chart]:
    return [year_chart(plist), venue_chart(plist)]
