"""Every regular expression that sees untrusted text runs in linear time.

For each pattern, 100 kB of its worst case: long runs of the characters two of its
quantifiers both accept (spaces above all), a prefix that almost matches, and a last
character that makes the match fail late.  A backtracking pattern takes minutes on these
(a 6 kB heading line once hung ``import``); a linear one takes milliseconds.  The limit
leaves room for a slow, shared machine.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable

import pytest

from site_builder import ids, kinds, load, similar, text
from site_builder.importers import inbox_body, issue_form, parse_readme, readme, repair
from site_builder.services import crossref, venues

SIZE = 100_000
LIMIT = 1.0  # seconds for one match, search, findall or sub; linear patterns need ~0.05


OPS: tuple[Callable[[re.Pattern[str], str], object], ...] = (
    re.Pattern.match, re.Pattern.search, re.Pattern.findall, lambda p, s: p.sub("", s))


def _give_up(signum: int, frame: object) -> None:
    raise TimeoutError("still running after 5 s: the pattern backtracks")


def timed(op: Callable[[re.Pattern[str], str], object], pattern: re.Pattern[str],
          case: str) -> float:
    """Seconds for one application, the best of three: the machine is shared, and a
    backtracking pattern is slow every time.  A run past 5 s is stopped (the regex engine
    checks for signals) so that a regression fails instead of hanging the suite."""
    best = float("inf")
    previous = signal.signal(signal.SIGALRM, _give_up)
    try:
        for _ in range(3):
            signal.setitimer(signal.ITIMER_REAL, 5)
            start = time.perf_counter()
            op(pattern, case)
            best = min(best, time.perf_counter() - start)
            signal.setitimer(signal.ITIMER_REAL, 0)
            if best < LIMIT:
                break
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return best


def fill(unit: str, prefix: str = "", suffix: str = "!") -> str:
    return prefix + unit * (SIZE // len(unit)) + suffix


SPACES = [fill(" ", p, s) for p in ("", "## a", "- ", "**a: x", "[", "- [[a 2020]](u) **t**")
          for s in ("!", "<div id=\"x\">")]
WORST: dict[str, list[str]] = {
    "_HEADING": [fill(" ", "## a"), fill(" ", "## a", "<div id=\"x\">"), fill("\t", "### a", "<"),
                 fill(" a", "## "), fill("<div id=\"a\"", "## "), fill(" <a id=\"x\"></a>", "## "),
                 fill("<div id=\"", "## "), fill(" ", "###### a"), fill("#"),
                 fill(" ", "## ") + "<div id=\"a\"></div>" + fill(" ")],
    "_ENTRY": [fill(" ", "- [[a 2020]](u) **t**", "x"), fill(" ", "-", "x"),
               fill(" ", "- *", "x"), fill("*a", "- [[a 2020]](u) **"),
               fill("\\]", "- [["), fill("]]", "- [[a"), fill("a", "- [[a 2020]]("),
               fill(" [:octocat:](", "- [[a 2020]](u) **t**"), fill("[W]", "- "),
               fill("[W] ", "- "), fill("[", "- [a")],
    "_LOOKS_LIKE_ENTRY": [fill(" ", "-"), fill(" ", "- \\*"), fill(" ", "- \\"),
                          fill("[a] ", "- "), fill(" ", "- [a]"), fill("[", "- ")],
    "_VENUE_YEAR": [fill(" ", "a", "x"), fill(" 1", "a"), fill(" ", "2020"), fill("-", "a"),
                    fill("a-", "a", "20"), fill(" ", "a", "'2"), fill("a'", "a"),
                    fill(" ", "a", "(2020"), fill("(", "a"), fill(" (", "a", "2020)"),
                    fill(" ", "a", "1"), fill("a ", "", "1x"), fill(" a", "a", " 123")],
    "_NOTED": [fill(" ", "a 2020", ""), fill(" ", "a 2020 ,", ""), fill("2020 ", "a", ","),
               fill(" -", "a 2020", ""), fill("'20 ", "a", "-"), fill("(2020) ", "", ","),
               fill(" ", "a (2020)", ""), fill("2020", "a"), fill("1", "a 2020")],
    "_BRACKETED": [fill("["), fill("[a"), fill("]")],
    "_MARK_TAG": [fill("[a "), fill("[a"), fill(" a", "[a"), fill("a ", "[", "]")],
    "_TITLE_MARKUP": [fill("*a"), fill("_a"), fill("a_"), fill("`a"), fill("[a]("),
                      fill(" ", "*a"), fill("a ", "*"), fill("a ", "_")],
    "_BLOCK_SCALAR": [fill(" ", "- "), fill(" ", "- |"), fill("- |")],
    "_NUMBERED": [fill("1."), fill("1.1"), fill(".1", "1")],
    "_PARAGRAPH_TAG": [fill("<p "), fill("<p")],
    "_QUOTED": [fill(" "), fill("\t", "", "x")],
    "_MARK_ITEM": [fill(" ", "**a**"), fill(" ", "a :"), fill("*"), fill("`"), fill(":a"),
                   fill(" ", "\\[a\\]"), fill("\\[a")],
    "_SHORTCODE": [fill(":a"), fill("a:"), fill("::")],
    "_MARK_UNIT": [fill("[a"),
                   fill("\ufe0f", "a"), fill("\u200da", "a"), fill("\u200d\ufe0f", "a")],
    "_AUTHORS": [fill("* ", "*"), fill(" ", "*a*"), fill("\\", "*"), fill("_ ", "_"),
                 fill(" ", "_a_")],
    "_EXTRA_LINK": [fill("a", "[[code]](http://"), fill("(", "[code](https://"),
                    fill(" | ", "", "["), fill("[a](b)"), fill("[[a]](b) "), fill("\\]", "[")],
    "_CODE_LABEL": [fill("code"), fill("co")],
    "_BOLD_NOTE": [fill(" ", "**a:", "]"), fill(" ", "**a: x**"), fill(".** ", "**a: x"),
                   fill("\\", "**")],
    "_RENDERED_CONTACT": [fill(": [", "**a"), fill(" ", "**a:"), fill("\\a", "**a: [")],
    "_CONTACT": [fill("\t", "### ", "\\"), fill(" ", "**a: x"), fill(". ", "## a:"),
                 fill("#", "", " ")],
    "_EMAIL": [fill("a"), fill("a@"), fill("a@a"), fill(".a", "a@"), fill("\\*")],
    "_MD_IMAGE": [fill("!["), fill("![a]("), fill("[ "), fill("[![a](b)](")],
    "_IMAGES_ONLY": [fill(" "), fill(" ![a](b)"), fill("![a](b) "), fill("[![a](b)](c) "),
                     fill("![")],
    "_STRUCTURE": [fill("\t", "", ")"), fill("<div>"), fill("<div"), fill("[![a](b)](#"),
                   fill(" ", "<br>")],
    "_LINK_TEXT_SPACES": [fill("["), fill("[ "), fill(" ", "[")],
    "_ATTR": [fill("0"), fill("a ="), fill("a=\"")],
    "_IMG_TAG": [fill("<img ")],
    "_SUMMARY": [fill("<summary>")],
    "_H1_OPEN": [fill("<h1"), fill("<h1 ")],
    "_A_HREF": [fill("<a "), fill("<a href=\""), fill("<a href")],
    "_A_HREF_AT_END": [fill("<a "), fill("<a href=\"x\""), fill("<a href=\"x\" ", "", ">")],
    "_ANY_TAG": [fill("<"), fill("<a")],
    "_CONTENTS_ITEM": [fill("](#a", "- ["), fill(" ", "- [a](#b)", "x"),
                       fill("](#a", "1. [")],
    "_RULE": [fill("- "), fill("-\t"), fill("* ", "", "x"), fill("_")],
    "_MD_ESCAPE": [fill("\\")],
    "_ADD": [fill("\\*", "- [x] Add to *"), fill("a", "- [x] Add to *"),
             fill("* <!-- ", "- [x] Add to *"),
             fill(" ", "- [x] Add to *a* <!-- inbox:add id=doi:10.1/"),
             fill("a", "- [x] Add to *a* <!-- inbox:add id=doi:10.1/"), fill(" ", "", "- [")],
    "_TEXT_LINK": [fill("[a](http://"), fill("[", "", "](http://a"), fill("a", "[a](http://"),
                  fill("[a](https://a"), fill("a", "[")],
    "_ANY_WORD": [fill("a-"), fill("-a", "a"), fill("é-", "é"), fill("é"), fill("异"),
                  fill("a1"), fill("é_")],
    "_WORD": [fill("a-"), fill("-a", "a"), fill("a0")],
    "_DISMISS": [fill(" ", "", "- [x] Dismiss"),
                 fill("a", "- [x] Dismiss <!-- inbox:dismiss id=doi:10.1/")],
}


def patterns() -> list[tuple[str, re.Pattern[str], list[str]]]:
    """Every compiled pattern of the modules that read untrusted text, with its worst
    cases (the generic ones for every pattern, plus its own)."""
    found = []
    for module in (readme, issue_form, inbox_body, repair, text, ids, kinds, load, crossref,
                   venues, similar):
        for name, value in vars(module).items():
            if isinstance(value, ids.LazyPattern):  # compiled on first use; audited all the same
                value = value.compiled
            if isinstance(value, re.Pattern):
                found.append((f"{module.__name__}.{name}", value,
                              SPACES + WORST.get(name, []) + GENERIC))
    return found


GENERIC = [fill(u) for u in ("a", "\\", "*", "[", "#", "&#", "<", "10.1/", "\\'", "\\c ",
                             "<jats:title>", "(ab)", "@")]
ALL = patterns()


def test_the_audit_covers_the_importer_patterns() -> None:
    names = {name.rsplit(".", 1)[1] for name, _, _ in ALL}
    assert set(WORST) <= names
    assert {"site_builder.ids._IN_URL", "site_builder.ids._DOI_URL"} <= {n for n, _, _ in ALL}


@pytest.mark.parametrize(("name", "pattern", "cases"), ALL, ids=[n for n, _, _ in ALL])
def test_pattern_is_linear(name: str, pattern: re.Pattern[str], cases: list[str]) -> None:
    for case in cases:
        for op in OPS:  # every way the code applies a pattern
            took = timed(op, pattern, case)
            assert took < LIMIT, f"{name} took {took:.2f} s on {case[:40]!r}…"


def test_import_of_hostile_lines_is_fast() -> None:
    """The importer end to end: a 100 kB heading line of spaces, a 300 kB entry line."""
    heading = "## a" + " " * SIZE + "<div id=\"x\">"
    entry = "- [[MICCAI 2024]](https://example.org/a) **" + "t " * 150_000 + "**" + \
        " " * SIZE + "x"
    readme_text = f"# List\n\n{heading}\n\n## Papers\n\n{entry}\n\n## Other\n\n" \
        f"- [[a{' ' * SIZE}]]\n"
    assert timed(lambda _, s: parse_readme(s), re.compile(""), readme_text) < 4 * LIMIT


def test_issue_form_checkbox_is_fast() -> None:
    body = "### Non-medical\n\n- [x] " + "a" + " " * SIZE + "!\n"
    assert timed(lambda _, s: issue_form.split_answers(s), re.compile(""), body) < LIMIT


def test_patterns_still_match_what_they_did() -> None:
    """The rewritten patterns read the format as before (spot checks; test_import.py
    covers whole READMEs)."""
    m = readme._HEADING.match("## <div id=\"s1\"></div>  A. Title  <div id=\"s2\"></div>  ")
    assert m and (m["pre"], m["title"], m["anchor"]) == ("s1", "A. Title", "s2")
    m = readme._HEADING.match("##  Title   ")
    assert m and m["title"] == "Title" and m["anchor"] is None
    m = readme._ENTRY.match("- \\* [[CVPR 2024]](https://x.org/a) **A B** rest  ")
    assert m and (m["marks"], m["title"], m["rest"]) == ("\\*", "A B", " rest")
    m = readme._VENUE_YEAR.match("Nature  Medicine 2024")
    assert m and (m["venue"], m["year"]) == ("Nature  Medicine", "2024")
    m = readme._VENUE_YEAR.match("CVPR'24")
    assert m and (m["venue4"], m["yy"]) == ("CVPR", "24")
    m = readme._CONTACT.match("**Welcome to join us:  me@x.org.**")
    assert m and (m["text"], m["rest"]) == ("Welcome to join us", "me@x.org")
    assert readme._LOOKS_LIKE_ENTRY.match("- \\*[[a")
    assert readme._STRUCTURE.match("  <div align=\"center\"></div>  ")
    assert readme._IMAGES_ONLY.match(" [![a](b)](c)  ![d](e) ")
    assert readme._ATTR.findall('<img data-src="a" alt="b">') == [("src", "a"), ("alt", "b")]
    assert readme._EMAIL.search("mail: me@x.org.")[0] == "me@x.org"  # type: ignore[index]
    m = issue_form._CHECKBOX.match("- [x]  yes  ")
    assert m and m.group(2) == "yes"
