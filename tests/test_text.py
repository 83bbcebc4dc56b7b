"""site_builder.text: whitespace, slugs and the escaping that keeps record text inert."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from site_builder.text import (
    fold,
    html_attr,
    html_paragraphs,
    html_text,
    is_safe_url,
    md_comment,
    md_escape,
    md_links,
    md_unescape,
    safe_url,
    slugify,
    squash,
    text_links,
    unescape_entities,
)

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
SPECIAL = "\\`*_[]()<>&~|$!#+-.:;'\"{}/=@%^? \t\né🌟’"


def _plain_text(markdown: str) -> str:
    """The text of a one-paragraph Markdown document, or fail if it made any structure."""
    tokens = MD.parse(markdown)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"], tokens
    children = tokens[1].children or []
    assert all(c.type == "text" for c in children), [c.type for c in children]
    return "".join(c.content for c in children)


def test_squash() -> None:
    assert squash("  a \n\t b  ") == "a b"
    assert squash("") == ""


@pytest.mark.parametrize("value", [
    "<script>alert(1)</script>", "**bold**", "_em_", "[x](http://evil)", "](javascript:x)",
    "`code`", "a | b", "$x$", "~~gone~~", "&amp; &lt;", "\\*", "a\\", "<!-- c -->",
    "![i](http://x/y.png)", "<https://x.y>", "x &copy; y",
])
def test_md_escape_renders_as_itself(value: str) -> None:
    assert _plain_text(f"A {md_escape(value)} B") == f"A {value} B"


@given(st.text(alphabet=SPECIAL + "abc", max_size=40))
def test_md_escape_round_trips(value: str) -> None:
    assert md_unescape(md_escape(value)) == squash(value)


@given(st.text(alphabet=SPECIAL + "abc", min_size=1, max_size=40).map(squash)
       .filter(lambda s: s and s[0] not in "#+-=>.0123456789!" and s[-1] not in "#"))
def test_md_escape_is_text_for_a_markdown_parser(value: str) -> None:
    assert _plain_text(f"x {md_escape(value)} x") == f"x {value} x"


def test_md_unescape_decodes_entities_of_hand_written_text() -> None:
    assert md_unescape("R&amp;D \\*x\\*") == "R&D *x*"


def test_html_text_changes_as_little_as_possible() -> None:
    assert html_text("a < b & c > d") == "a &lt; b & c > d"
    assert html_text("&amp; &#39;") == "&amp;amp; &amp;#39;"
    assert html_text("</details> -->") == "&lt;/details> -->"
    assert unescape_entities(html_text("x &lt; y < z & w")) == "x &lt; y < z & w"


def test_html_attr() -> None:
    assert html_attr('a "b" <c> & \'d\'') == "a &quot;b&quot; &lt;c&gt; &amp; &#x27;d&#x27;"


@pytest.mark.parametrize(("url", "safe"), [
    ("https://example.org/a?b=1&c=2#x", True),
    ("http://example.org", True),
    ("javascript:alert(1)", False),
    ("JAVASCRIPT://example.org", False),
    ("ftp://example.org/a", False),
    ("papers/a.pdf", False),
    ("//example.org/a", False),
    ("https://", False),
    ("https:///path", False),
    ("https://example.org/a b", False),
    ('https://example.org/"onmouseover=x', False),
    ("https://example.org/a)(b", False),
    ("https://example.org/<x>", False),
])
def test_is_safe_url(url: str, safe: bool) -> None:
    assert is_safe_url(url) is safe
    assert safe_url(url) == (url if safe else "")


def test_safe_url_of_nothing() -> None:
    assert safe_url(None) == "" and safe_url("") == ""


def test_fold_and_slugify() -> None:
    assert fold("Frénay, Benoît — ÉTUDE!") == "frenay benoit etude"
    assert slugify("Dinomaly: The Less Is More Philosophy in Multi-Class Unsupervised") == \
        "dinomaly-the-less-is-more-philosophy-in-multi"
    assert slugify("李华", 3) == "paper"
    assert slugify("A B C D", 2) == "a-b"


@pytest.mark.parametrize(("name", "slug"), [
    ("Straße", "strasse"), ("Łódź", "lodz"), ("Øresund", "oresund"), ("Ægir", "aegir"),
    ("Œuvre Þór", "oeuvre-thor"), ("Frénay", "frenay")])
def test_slugs_keep_letters_readable(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_file_stems_keep_letters_readable() -> None:
    from site_builder.dump import file_stem
    from site_builder.model import Paper

    paper = Paper(title="Straße Øresund", authors=("Łukasz, Jan",), venue="X", year=2024,
                  url="https://example.org/a", category="c")
    assert file_stem(paper, set()) == "lukasz2024-strasse-oresund"


# --- fast paths: each gives exactly what the plain definition gives ---------------------

def _squash_plain(value: str) -> str:
    return " ".join(value.split())


def test_the_ascii_space_is_the_one_printable_whitespace() -> None:
    """What squash's fast path relies on: any other whitespace makes a text unprintable."""
    assert [c for c in map(chr, range(0x110000)) if c.isspace() and c.isprintable()] == [" "]


def test_squash_knows_every_ascii_whitespace() -> None:
    for c in map(chr, range(128)):
        for value in (f"a{c}b", f"{c}a", f"a{c}", c):
            assert squash(value) == _squash_plain(value), repr(value)


@given(st.text(alphabet=SPECIAL + "a \u00a0\u2028\u3000\x0b\x0c\r\x1c\x1f\x85w\x01",
               max_size=40))
def test_squash_fast_path_is_the_plain_squash(value: str) -> None:
    assert squash(value) == _squash_plain(value)


@given(st.text(alphabet=SPECIAL + "aW\u00a0\u3000", max_size=40))
def test_escaping_fast_paths_are_the_plain_escapes(value: str) -> None:
    import html
    import re

    special = re.compile(r"([\\`*_\[\]<>&~|$])")
    autolink = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<![\w.-])([Ww][Ww][Ww])(\.)")
    plain_md = autolink.sub(lambda m: "\\:" if m.group(1) else f"{m.group(2)}\\.",
                            special.sub(r"\\\1", _squash_plain(value)))
    assert md_escape(value) == plain_md
    plain_html = re.sub(r"&(?=#?[A-Za-z0-9]+;)", "&amp;", _squash_plain(value)).replace(
        "<", "&lt;")
    assert html_text(value) == plain_html
    assert html_attr(value) == html.escape(_squash_plain(value), quote=True)


@pytest.mark.parametrize(("escape", "value", "expected"), [
    (md_escape, "see www.example.org and https://x.org", "see www\\.example.org and https\\://x.org"),
    (md_escape, "plain title 2", "plain title 2"),
    (html_text, "a & b &amp; c <i>", "a & b &amp;amp; c &lt;i>"),
    (html_paragraphs, "```code\n\n~~~more\n\n`one",
     "&#96;``code<br><br>\n&#126;~~more<br><br>\n`one"),
    (html_paragraphs, "```one paragraph <b>", "&#96;``one paragraph &lt;b>"),
    (html_paragraphs, "~~~one\nparagraph\t\n", "&#126;~~one paragraph"),
])
def test_escaping_fast_paths_still_escape(escape: Callable[[str], str], value: str,
                                          expected: str) -> None:
    assert escape(value) == expected


@given(st.text(alphabet=SPECIAL + "\n\n`~", max_size=40))
def test_html_paragraphs_is_each_paragraph_as_html_text(value: str) -> None:
    """The one-paragraph fast path gives what splitting at blank lines gives."""
    expected = "<br><br>\n".join(
        (f"&#{ord(p[0])};{p[1:]}" if p[:3] in ("```", "~~~") else p)
        for p in (html_text(part) for part in value.split("\n\n")))
    assert html_paragraphs(value) == expected


_FAST_PATHS = "aW w.:/ &<>\"'\\*_`\n#;x"


@given(st.text(alphabet=_FAST_PATHS, max_size=30))
@example("see wwW.example.org")
@example("WWW.x, http://x and a:b")
@example("a \"b\" 'c' <d> & e")
def test_the_filters_fast_paths_give_the_plain_results(value: str) -> None:
    """The escaping filters skip work where a search shows it changes nothing: the same
    text as the plain formulation, always."""
    import html

    from site_builder.text import _AMBIGUOUS_AMP, _AUTOLINK, _MD_SPECIAL

    escaped = _MD_SPECIAL.sub(r"\\\1", squash(value))
    assert md_escape(value) == _AUTOLINK.sub(
        lambda m: "\\:" if m.group(1) else f"{m.group(2)}\\.", escaped)
    assert html_attr(value) == html.escape(squash(value), quote=True)
    assert html_text(value) == _AMBIGUOUS_AMP.sub("&amp;", squash(value)).replace("<", "&lt;")


# What GitHub reads as a mention (``@name``, ``@org/team``) or a cross-reference (``#12``,
# ``owner/repo#12``, ``GH-12``) in an issue or a comment.
GITHUB_LINKS = re.compile(r"(?<![A-Za-z0-9])@[A-Za-z0-9]|#[0-9]|(?i:GH-[0-9])")


@pytest.mark.parametrize("value", [
    "@octocat", "ping @github/security now", "fixes #12", "owner/repo#12", "see GH-7 and gh-8",
    "mail a@b.org", "&#64;octocat", "#hashtag @ 12", "x#1@y",
])
def test_md_comment_cannot_mention_or_reference(value: str) -> None:
    escaped = md_comment(value)
    assert GITHUB_LINKS.search(escaped) is None, escaped
    # The same visible text: only invisible word joiners were added.
    assert escaped.replace("\u2060", "") == md_escape(value)
    assert _plain_text(f"A {escaped} B").replace("\u2060", "") == f"A {value} B"


@given(st.text(alphabet=SPECIAL + "abcGH12", max_size=40))
def test_md_comment_is_md_escape_with_word_joiners(value: str) -> None:
    escaped = md_comment(value)
    assert GITHUB_LINKS.search(escaped) is None
    assert escaped.replace("\u2060", "") == md_escape(value)


_PIECE = st.text(alphabet=SPECIAL + "abc", max_size=10)
_LINK = st.builds(lambda t, u: f"[{t}](https://{u})", st.text(alphabet=SPECIAL + "abc",
                                                             min_size=1, max_size=8),
                  st.text(alphabet="abc/?=&%._~-()\"<>`", max_size=8))
_WITH_LINKS = st.lists(st.one_of(_PIECE, _LINK), max_size=5).map("".join)


@given(_WITH_LINKS)
@example("see [the blog](https://blog.example.org) and [x](javascript:alert(1))")
@example("![pixel](https://t.example.org/p.png) \\[no](https://a.org) [a](https://b.org/(c))")
def test_md_links_makes_only_safe_links(value: str) -> None:
    """A note's links stay links, only http(s) ones text_links found; all else is text."""
    tokens = MD.parse(f"A {md_links(value)} B")
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]
    children = tokens[1].children or []
    assert {c.type for c in children} <= {"text", "link_open", "link_close"}, children
    found = [piece for piece in text_links(squash(value)) if not isinstance(piece, str)]
    hrefs = [c.attrGet("href") for c in children if c.type == "link_open"]
    assert len(hrefs) == len(found)
    assert all(str(h).startswith("https://") for h in hrefs)
    shown = "".join(p if isinstance(p, str) else p[1] for p in text_links(squash(value)))
    assert "".join(c.content for c in children if c.type == "text") == f"A {shown} B"


def test_md_links_is_md_escape_without_links() -> None:
    for value in ("plain * text", "[x](javascript:y)", "![i](https://x.org/i.png)", "a](b"):
        assert md_links(value) == md_escape(value)
    assert md_links(" a  [b](http://c.d)  e ") == "a [b](http://c.d) e"
