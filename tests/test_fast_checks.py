"""The shortcuts of the value checks give exactly what the careful path gives.

A text value written squashed (one line, single spaces) skips the rewriting of the shared
checks, and some kinds accept it with one cheap test instead of their rules' searches.
Each text kind keeps its check without the shortcuts (``Declaration.careful``): the two
must agree on every value, with the same result or the same message and fix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from site_builder import kinds, load, records
from site_builder.kinds import CHECKS, KINDS, MAX_YEAR, MIN_YEAR, Bad, Declaration, Kind, max_year
from site_builder.model import Paper, PaperNote

TEXT_KINDS: dict[str, Declaration] = {
    **{k.value: d for k, d in KINDS.items() if d.careful is not None},
    "date text": kinds._DATE_TEXT, "arxiv text": kinds._ARXIV_TEXT}

# Pieces that the rules of the text kinds look at, and the whitespace and invisible
# characters the shared checks are about.
TOKENS = ["a", "Z", "0", "7", ",", " ", "  ", "-", ".", "/", ":", "and", "And", "https://",
          "http://", "HTTP://", "x.org", "@", "#", "*", "†", "é", "[", "]", "(", ")", "<", ">",
          "`", "```", "10.1109/", "2024-01-01", "2403.09303", "\n", "\n\n", "\t", "\r",
          "\u00a0", "\u2028", "\u200b", "\x07", "\x85", "\u202e", "'", '"']
VALUES = st.one_of(st.lists(st.sampled_from(TOKENS), max_size=12).map("".join),
                   st.text(max_size=12))


def outcome(check: Callable[[Any], Any], value: Any) -> tuple[str, Any]:
    try:
        return "ok", check(value)
    except Bad as bad:
        return "bad", (bad.message, bad.fix)


def test_every_text_kind_keeps_its_careful_path() -> None:
    assert {Kind.TEXT, Kind.LONG_TEXT, Kind.PERSON, Kind.URL, Kind.ID, Kind.BLOCK} <= \
        {k for k, d in KINDS.items() if d.careful is not None}


@pytest.mark.parametrize("kind", TEXT_KINDS)
@settings(max_examples=400, deadline=None)
@given(value=VALUES)
@example(value="Anderson, Alexander")
@example(value="Smith and, Jo")
@example(value="and")
@example(value="Guo, Jia, Lu")
@example(value=",Jia")
@example(value="Guo,")
@example(value="https://example.org/a")
@example(value="HTTPS://example.org/a")
@example(value="https:///a")
@example(value="https://a.org/(b)")
@example(value="```never closed")
def test_squashed_values_get_what_the_careful_path_gives(kind: str, value: str) -> None:
    declared = TEXT_KINDS[kind]
    assert declared.careful is not None
    for each in (value, value * 50):  # and one past the shorter limits
        assert outcome(declared.check, each) == outcome(declared.careful, each), repr(each)


def test_a_year_in_range_is_accepted_without_asking_the_date() -> None:
    years = range(MIN_YEAR - 2, MAX_YEAR + 3)
    year = CHECKS[Kind.YEAR]
    accepted = [y for y in years if outcome(year, y)[0] == "ok"]
    assert accepted == list(range(MIN_YEAR, max_year() + 1))
    assert outcome(year, True)[0] == outcome(year, 2024.0)[0] == "bad"


def test_a_fast_record_is_the_record_the_constructor_makes() -> None:
    flat = records._flat(Paper)
    assert flat is not None
    data = {"title": "A title", "authors": ["Guo, Jia"], "venue": "CVPR", "year": 2024,
            "url": "https://example.org/a", "category": "c",
            "notes": [{"lang": "en", "text": "A note."}]}
    made = records._fast(flat, Paper, data)
    expected = Paper(title="A title", authors=("Guo, Jia",), venue="CVPR", year=2024,
                     url="https://example.org/a", category="c",
                     notes=(PaperNote(lang="en", text="A note."),))
    assert made == expected and repr(made) == repr(expected)
    assert hash(made) == hash(expected) and vars(made) == vars(expected)
    assert list(vars(made)) == list(Paper.__dataclass_fields__)


def test_a_record_with_a_problem_still_gets_its_message() -> None:
    src = load.parse("p.yaml", b"title: A\nauthors:\n- Guo, Jia, Lu\nvenue: V\nyear: 2024\n"
                     b"url: https://example.org\ncategory: c\n")
    paper, problems = records.check_paper(src, ["c"])
    assert paper is None
    assert [(p.line, p.field) for p in problems] == [(2, "authors")]
    assert "more than one comma" in problems[0].message
    assert KINDS[Kind.PERSON].check("Guo, Jia") == "Guo, Jia"
