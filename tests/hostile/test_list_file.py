"""The list-level file (``papers/_list.yaml``) as a stranger writes it: marks' symbols
that turn the venue's link into an image, and attribute lists in its inline Markdown, which
the site's Python-Markdown reads as HTML attributes."""

from __future__ import annotations

import re
import shutil
import string
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from site_builder.checking import check_dir
from site_builder.errors import InvalidRecords
from site_builder.kinds import CHECKS, Bad, Kind
from site_builder.render import render_readme
from tests.conftest import LIST_FIXTURE


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test works in its own folder (problems name papers/...)."""
    monkeypatch.chdir(tmp_path)


MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
MARKED_URL = "https://openaccess.thecvf.com/"  # guo2025-dinomaly carries the fixture's mark


def _symbol(text: str) -> bool:
    try:
        CHECKS[Kind.SYMBOL](text)
    except Bad:
        return False
    return True


def _papers(replacements: dict[str, str]) -> Path:
    papers = Path("papers")  # the working folder is tmp_path: problems name papers/...
    shutil.copytree(LIST_FIXTURE, papers)
    list_file = papers / "_list.yaml"
    text = list_file.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new, 1)
    list_file.write_text(text, encoding="utf-8")
    return papers


def _problems(papers: Path) -> list[str]:
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    return [p.text() for p in err.value.problems]


def test_every_symbol_the_check_accepts_leaves_the_venue_a_link() -> None:
    """The README prints a mark's symbol right before the venue's link: a symbol ending in
    '!' made it an image (``![[CVPR 2024]](…)``), the paper's link gone."""
    plist = check_dir(_papers({}))
    (mark,) = plist.info.marks
    units = [*string.punctuation, "a", "⭐"]
    symbols = [s for s in {*units, *(u + "!" for u in units)} if _symbol(s)]
    assert "*" in symbols and "⭐" in symbols and "[W]" not in symbols  # the test's reach
    for symbol in sorted(symbols):
        info = replace(plist.info, marks=(replace(mark, symbol=symbol),))
        html = MD.render(render_readme(replace(plist, info=info)))
        link = re.search(rf'<(a href|img src)="{re.escape(MARKED_URL)}[^"]*"', html)
        assert link and link.group(1) == "a href", (symbol, link and link.group(0))
    assert not _symbol("!") and not _symbol("⭐!") and _symbol("!⭐")


@pytest.mark.parametrize(("field", "line", "old", "new"), [
    ("description", 3, "description: A small list that exercises every part of the README "
     "format.", "description: 'See [us](https://example.org){: onclick=\"xq()\" }'"),
    ("sections.1.text", 16, "see [the guide](https://example.org/guide).",
     "see *the guide*{.xq #xq }."),
    ("marks.0.description", 63, "description: Papers for Non-Medical Anomaly Detection",
     "description: 'Papers `for`{onmouseover=xq()} others'"),
])
def test_an_attribute_list_in_the_lists_markdown_is_refused(
        field: str, line: int, old: str, new: str) -> None:
    """The site's Markdown (attr_list) reads ``{…}`` right after a link, an emphasis or
    code as that element's HTML attributes (``onclick``): as much HTML as the ``<b>`` the
    check refuses in the same text."""
    problems = _problems(_papers({old: new}))
    assert problems == [f"papers/_list.yaml:{line}: {field}: holds an attribute list ('{{' "
                        "right after a link, emphasis or code), which the website turns into "
                        "HTML attributes — put a space before the '{', or delete the braces"]
