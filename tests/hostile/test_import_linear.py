"""The README importer on hostile lists: each step's patterns are linear on their own
(test_regex_linear.py), and so is the importer around them.  Each list below took tens of
seconds or more (a search to the end of the text per opening tag, per image, or per space
in an authors line; a copy of the lines so far per line of an abstract; a search of a
section's entries so far per entry) and must now take well under a second."""

from __future__ import annotations

import signal
import time
from types import FrameType

import pytest

from site_builder.importers.readme import parse_readme

SECTION = '## S <div id="s"></div>\n'
ENTRY = "- [[CVPR 2024]](https://e.org/1) **T**\n\n  *Doe, Jane*\n"
DETAILS = "<details>\n<summary>A</summary>\n"
LISTS = {
    "h1 tags never closed": "<h1>" * 40_000,
    "h1 openers without '>'": "<h1 " * 40_000,
    "an h1 of links without '>'": "<h1>" + "<a " * 40_000 + "</h1>",
    "summary tags never closed": SECTION + ENTRY + "<details>\n" + "<summary>" * 40_000,
    "many images in the header": '<img src="https://e.org/x.png">\n' * 30_000 + SECTION + ENTRY,
    "an authors line of spaces": SECTION + "- [[CVPR 2024]](https://e.org/1) **T**\n\n  *a"
                                 + " " * 100_000 + "b*\n",
    "an abstract of tags": SECTION + ENTRY + DETAILS + "<p " * 60_000 + "\n</details>\n",
    "deep headings without papers": SECTION + ENTRY + "#### h\n" * 40_000,
    "nested deep headings": SECTION + "".join(f"{'#' * (3 + n % 4)} h{n}\n" + ENTRY
                                              for n in range(10_000)),
    "many entries in one section": SECTION + "".join(
        f"- [[CVPR 2024]](https://e.org/{n}) **T{n}**\n" for n in range(20_000)),
    "many links after an entry": SECTION + "- [[CVPR 2024]](https://e.org/1) **T**"
                                 + " | [[P]](https://e.org/p)" * 30_000 + "\n",
    "a venue bracket of years and spaces": SECTION + "- [[a" + " 2020 " * 20_000 + " -"
                                           + " " * 100_000 + "]](https://e.org/1) **T**\n",
    "many entries with venue notes": SECTION + "".join(
        f"- [[CVPR 2024 Oral {n}]](https://e.org/{n}) **T{n}**\n" for n in range(20_000)),
    "an abstract of blank lines": SECTION + ENTRY + DETAILS + "\n" * 200_000 + "x\n</details>\n",
}


def _give_up(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError("still running after 10 s: the importer is not linear here")


@pytest.mark.parametrize("text", LISTS.values(), ids=LISTS.keys())
def test_a_hostile_readme_is_imported_in_linear_time(text: str) -> None:
    previous = signal.signal(signal.SIGALRM, _give_up)
    try:
        signal.setitimer(signal.ITIMER_REAL, 10)
        start = time.perf_counter()
        parse_readme(text)
        took = time.perf_counter() - start
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert took < 3, f"took {took:.1f} s"
