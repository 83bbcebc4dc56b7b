"""The list-level file (``papers/_list.yaml``) as a stranger writes it: marks' symbols
that turn the venue's link into an image, attribute lists in its inline Markdown, which the
site's Python-Markdown reads as HTML attributes, descriptions that the site showed as
Markdown source or not at all, section titles with no Latin letter, whose anchor was
empty, subsections nested deeper than the README's headings go, and a section of papers
holding what only an information section shows."""

from __future__ import annotations

import re
import shutil
import string
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from site_builder.checking import check_dir
from site_builder.errors import InvalidRecords
from site_builder.kinds import CHECKS, Bad, Kind
from site_builder.render import render_readme
from tests.conftest import LIST_FIXTURE, build_site
from tests.hostile.test_record_text import _injected


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


@pytest.mark.parametrize("text", ["!!! XQadm", "???+ note", "  !!! danger \"XQ\""])
def test_a_paragraph_that_opens_a_box_on_the_site_is_refused(text: str) -> None:
    """The site's Markdown reads a paragraph starting '!!! word' or '???+ word' as a box
    (admonition, details) with the class 'word': block structure, which the list's inline
    Markdown is checked not to open."""
    papers = _papers({"  - Papers are listed newest first; see [the guide]"
                      "(https://example.org/guide).": f"  - '{text}'"})
    assert _problems(papers) == [
        "papers/_list.yaml:16: sections.1.text: starts with '!!!' or '???', which the website "
        "turns into a box — start it with other words"]


SITE_LIST = {
    "description: A small list that exercises every part of the README format.":
        "description: 'The list of [QQdesc](https://example.org/d) *papers* {: onclick=xq() }'",
    "- title: Reconstruction\n  id: reconstruction\n":
        "- title: Reconstruction\n  id: reconstruction\n  description: 'Section "
        "[QQsec](https://example.org/s) and `code` {: onclick=xq() }'\n",
    "description: Papers for Non-Medical Anomaly Detection":
        "description: 'Papers [QQmark](https://example.org/m) beyond *medicine*'",
}


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""

    def handle_endtag(self, tag: str) -> None:
        self._href = None if tag == "a" else self._href

    def handle_data(self, data: str) -> None:
        if self._href is not None and data.startswith("QQ"):
            self.links.append((data, self._href))


def _links(page: Path) -> list[tuple[str, str]]:
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.links


def test_the_lists_descriptions_are_markdown_on_the_site(tmp_path: Path) -> None:
    """The list's description and a mark's showed on the site as Markdown source
    ('[QQdesc](https://…)'), and a section's description, which its field says the site
    shows, was shown nowhere: each is now the text and links the README shows, and a
    '{…}' after a space stays text."""
    _papers(SITE_LIST)
    site = build_site(tmp_path)
    home, section = site / "index.html", site / "sections" / "reconstruction" / "index.html"
    assert _links(home) == [("QQdesc", "https://example.org/d"),
                            ("QQmark", "https://example.org/m")]
    assert _links(section) == [("QQsec", "https://example.org/s")]
    for page in (home, section):
        text = page.read_text(encoding="utf-8")
        assert "](https://" not in text and not _injected(text), page
        assert "{: onclick=xq() }" in text
    assert "<em>papers</em>" in home.read_text(encoding="utf-8")
    assert "<code>code</code>" in section.read_text(encoding="utf-8")


def test_a_title_without_latin_letters_keeps_an_anchor() -> None:
    """An information section's anchor comes from its title's Latin letters and digits:
    '资料' or 'Обзор' gave an empty one (a contents link '#' that leads nowhere, and two
    such sections 'anchor '' is used twice')."""
    papers = _papers({"- title: ✏️ Tips\n  anchor: s2\n":
                      "- title: 资料\n  text: [a]\n- title: Обзор литературы\n"
                      "  text: [b]\n- title: ✏️ Tips\n  anchor: s2\n"})
    readme = render_readme(check_dir(papers))
    assert "- [**资料**](#资料)" in readme and '## 资料 <a id="资料"></a>' in readme
    assert '## Обзор литературы <a id="обзор-литературы"></a>' in readme
    assert "(#)" not in readme and 'id=""' not in readme


def test_a_title_with_no_letter_or_digit_needs_an_anchor() -> None:
    papers = _papers({"- title: ✏️ Tips\n  anchor: s2\n":
                      "- title: 📚 ✨\n  text: [a]\n- title: ✏️ Tips\n  anchor: s2\n"})
    assert _problems(papers) == [
        "papers/_list.yaml:11: sections.1.title: the title '📚 ✨' gives no anchor (it has no "
        "letter or digit) — give the section an anchor, e.g. anchor: resources"]


def _nested(depth: int) -> str:
    """A list file whose one section holds subsections ``depth`` levels deep, in YAML's
    flow style (a few bytes a level)."""
    opened = "".join(f"[{{title: L{i}, id: l{i}, sections: " for i in range(1, depth))
    closed = "}]" * (depth - 1)
    return f"title: Deep\nsections: {opened}[{{title: L{depth}, id: l{depth}}}]{closed}\n"


@pytest.mark.parametrize("depth", [6, 450])
def test_sections_nested_deeper_than_the_readmes_headings_are_one_problem(depth: int) -> None:
    """Six levels gave a '#######' heading, which Markdown prints as text; a few hundred
    (15 kB of flow style) ended checking with a RecursionError."""
    papers = Path("papers")
    papers.mkdir()
    (papers / "_list.yaml").write_text(_nested(depth), encoding="utf-8")
    assert _problems(papers) == [
        "papers/_list.yaml:2: " + ".".join(["sections", "0"] * 5) + ".sections: subsections "
        "nested more than 5 deep (the README's headings go from ## to ######) — move these "
        "sections up a level"]


def test_sections_five_deep_are_headings() -> None:
    papers = Path("papers")
    papers.mkdir()
    (papers / "_list.yaml").write_text(_nested(5), encoding="utf-8")
    readme = render_readme(check_dir(papers))
    assert '###### 1.1.1.1.1. L5 <a id="l5"></a>' in readme
    assert [h.tag for h in MD.parse(readme) if h.type == "heading_open"][1:6] == \
        ["h2", "h3", "h4", "h5", "h6"]  # after the contents


@pytest.mark.parametrize(("lines", "name"), [
    ("  image:\n    src: https://example.org/r.png\n    alt: Recon\n", "image"),
    ("  chart:\n    src: https://example.org/c.svg\n    alt: C\n    link: https://e.org\n",
     "chart"),
    ("  legend: true\n", "legend"), ("  items:\n  - one\n", "items"),
    ("  text:\n  - A paragraph.\n", "text"), ("  blocks:\n  - '> a quote'\n", "blocks"),
])
def test_what_only_an_information_section_shows_is_refused_in_a_paper_section(
        lines: str, name: str) -> None:
    """A section with an id shows its papers: an image, chart, legend, bullet points,
    paragraphs or blocks written in it were accepted, and shown nowhere."""
    papers = _papers({"  id: reconstruction\n  anchor: s3\n":
                      f"  id: reconstruction\n  anchor: s3\n{lines}"})
    assert _problems(papers) == [
        f"papers/_list.yaml:21: sections.2.{name}: a section with an id holds papers: its "
        f"{name} is shown nowhere — move it to an information section (one without an id), "
        "or delete it"]


class _Sources(HTMLParser):
    """Every address a page loads by itself (src, srcset, poster, data)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.loaded: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.loaded += [v or "" for k, v in attrs if k in ("src", "srcset", "poster", "data")]


IMAGES = {  # the list file's inline Markdown, each with an image of another host
    "description: A small list that exercises every part of the README format.":
        "description: 'Look ![QQdesc](https://img.example/d.png)'",
    "  anchor: s6\n": "  anchor: s6\n  items:\n  - 'An item ![QQitem](https://img.example/i.png)'"
                      "\n  text:\n  - '![QQpara](https://img.example/p.png)'\n",
    "- title: Reconstruction\n  id: reconstruction\n":
        "- title: Reconstruction\n  id: reconstruction\n  description: "
        "'[![QQsec](https://img.example/s.png)](https://example.org/s)'\n",
    "description: Papers for Non-Medical Anomaly Detection":
        "description: 'Papers ![QQmark](https://img.example/m.png)'",
}


def test_images_in_the_lists_markdown_load_nothing_on_the_site(tmp_path: Path) -> None:
    """The site promises its readers that viewing it asks no other host for anything: an
    image in a note, a section's bullet point or paragraph (and in the descriptions, now
    shown as Markdown) was an <img> loading from its host.  Each is a link to the image."""
    papers = _papers(IMAGES)
    list_file = papers / "_list.yaml"
    list_file.write_text(list_file.read_text(encoding="utf-8").replace(
        "notes:\n", "notes:\n- label: Seen\n  text: 'see ![QQnote](https://img.example/n.png)'\n",
        1), encoding="utf-8")
    site = build_site(tmp_path)
    for page in site.rglob("*.html"):
        parser = _Sources()
        parser.feed(page.read_text(encoding="utf-8"))
        assert not [s for s in parser.loaded if "img.example" in s], page
    home = site / "index.html"
    assert [text for text, href in _links(home) if "img.example" in href] == \
        ["QQdesc", "QQnote", "QQmark", "QQitem", "QQpara"]
    section = (site / "sections" / "reconstruction" / "index.html").read_text(encoding="utf-8")
    assert '<a href="https://example.org/s"><span>QQsec</span></a>' in section  # no link in a link


def test_a_sections_order_names_any_record_file() -> None:
    """Check accepts file names a list kept by hand gives (capitals, '.', '_', letters of
    any script), but a section's order: took only lowercase ids, so such a list could not
    order its papers ('Zhang2024' is not an id)."""
    papers = _papers({"- title: Reconstruction\n  id: reconstruction\n":
                      "- title: Reconstruction\n  id: reconstruction\n"
                      "  order: [Zhang2024, straße.v2]\n"})
    for stem in ("straße.v2", "Zhang2024"):
        (papers / f"{stem}.yaml").write_text(
            f"title: Paper {stem}\nauthors: [\"Doe, Jane\"]\nvenue: CVPR\nyear: 2020\n"
            f"url: https://example.org/{stem}\ncategory: reconstruction\n", encoding="utf-8")
    plist = check_dir(papers)
    [entries] = [found for section, found in plist.grouped() if section.id == "reconstruction"]
    assert [e.key for e in entries][:2] == ["Zhang2024", "straße.v2"]


@pytest.mark.parametrize(("text", "html"), [
    ("# Not a heading", "# Not a heading"), ("> not a quote", "&gt; not a quote"),
    ("- not a list", "- not a list"), ("1. not a list", "1. not a list"),
    ("| not | a table", "| not | a table"), ("$$ not math", "$$ not math"),
    ("<3 papers", "&lt;3 papers"), ("[r]: https://e.org", "[r]: https://e.org"),
    ("*a* [b](https://e.org/b) `c`", '<em>a</em> <a href="https://e.org/b">b</a> <code>c</code>'),
])
def test_the_sites_inline_markdown_opens_no_block_and_shows_no_escape(text: str,
                                                                      html: str) -> None:
    """The list's inline Markdown on the site: what would open a block stays text, and
    the backslash that keeps it text on GitHub ('\\|', '\\$$') is not shown."""
    from site_builder.site import inline_html

    assert str(inline_html(text)) == html
