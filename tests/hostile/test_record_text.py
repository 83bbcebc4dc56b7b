"""Valid but hostile records through every output, judged by parsers, not by grepping.

Every field a contributor writes (title, authors, venue, abstract of several paragraphs,
notes, URLs, DOI) carries Markdown, Python-Markdown's attribute lists (``{: onclick=...}``,
which the site enables), HTML, Jinja, CDATA and comment syntax.  Each payload's inner text
starts with ``XQ`` and a lowercase word (``*XQem*``, ``<b>XQb</b>``): an element whose text
starts so, an attribute holding ``xq``, or a script calling ``xq()`` can only come from a
record.  One list, built once: the README (through a CommonMark parser), every site page,
the JSON the pages embed, the search index, and the BibTeX, RIS, CSV, JSON and Atom exports.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from site_builder.cli import main
from tests.conftest import LIST_FIXTURE, build_site

MARKUP = ('*XQem* **XQstrong** ~~XQdel~~ `XQcode` [XQa](https://e.example/a) <b>XQb</b> '
          '<img src=x onerror=xq()> {: onclick="xq()" .xqclass #xqid } {{ 7*7 }} {% raw %} '
          '{# c #} [^1] $$XQmath$$ &lt;i&gt;XQent&lt;/i&gt; <!-- c --> ]]> --> </details>')
ABSTRACT = ("First *XQem* paragraph </p></details><script>xq()</script>\n\n# XQhead\n\n"
            "- XQli\n\n> XQblockquote\n\n    XQpre indented\n\n```\nXQfence\n```\n\n"
            "| XQtable | b |\n|---|---|\n| c | d |\n\n[XQref]: https://e.example/ref\n\n"
            "[XQref] ~~~\n\n!!! note \"XQadmon\"\n    text\n\n<div markdown=1>XQdiv</div>\n\n"
            "***\n\nLast {: onclick=xq() } {#xqid2}")
RECORDS = {
    "xq2024-markup": {
        "title": f"XQ1 {MARKUP}", "authors": ["Doe, Jane <b>XQb</b>", "O'Brien, *XQem*"],
        "venue": "CVPR <i>XQi</i> *XQem*", "abstract": ABSTRACT,
        "url": "https://e.example/a?x=1&y=2&quot;onclick=xq%28%29#f",
        "code": "https://user@e.example/code", "figure": "https://xn--80ak6aa92e.com/f.png",
        "doi": '10.1234/xq"><script>xq()</script>},note={xq',
        # a note's http(s) link is a link (its text is the note's own); no other one is
        "notes": [{"lang": "en",
                   "text": "*XQem* <b>XQb</b> [a note link](https://e.example/n) "
                           "[XQa](javascript:xq()) ![XQimg](https://e.example/i.png) "
                           "[XQa](https://e.example/a\"onclick=\"xq()) [*XQem*](https://e.x) "
                           "{: .xqclass }"}],
        "links": [{"label": "*XQem* <b>XQb</b> ]](https://e.example) {: .xqclass }",
                   "url": "https://e.example/p"}],
        "more_figures": ["https://e.example/f2.png"],
        "venue_note": "*XQem* <b>XQb</b> ]]> [[XQa]](https://e.example) {: .xqclass }",
        "marks": ["non-medical"], "also_in": ["reconstruction"]},
    "xq2024-heading": {
        "title": 'XQ2 ends like an attribute list {: onclick="xq()" .xqclass #xqid }',
        "authors": ["Roe, Rich"], "venue": "MICCAI", "abstract": "One {#xqid3}",
        "url": "https://e.example/2"},
    "xq2024-tags": {
        "title": "XQ3 </title><script>xq()</script><![CDATA[ ]]> &amp; &#60;b&#62;XQb",
        "authors": ["Poe, Edgar"], "venue": "]]><XQvenue/>", "url": "https://e.example/3"},
    "xq2024-formula": {
        "title": '=HYPERLINK("https://e.example","XQ4")', "authors": ["@Zed, Zoe"],
        "venue": "+CVPR", "url": "https://e.example/4"},
}
THEME_SCRIPT_HREF = "javascript:void(0)"  # Material's own buttons


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    papers = work / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    for stem, fields in RECORDS.items():
        record = {"year": 2024, "category": "benchmarks", "added": "2024-05-01", **fields}
        (papers / f"{stem}.yaml").write_text(yaml.safe_dump(record, allow_unicode=True),
                                             encoding="utf-8")
    assert main(["check", "--papers", str(papers)]) == 0  # hostile, yet valid
    assert main(["readme", "--papers", str(papers), "-o", str(work / "README.md")]) == 0
    for fmt in ("bibtex", "ris", "csv", "json", "atom"):
        assert main(["export", "--papers", str(papers), "--format", fmt,
                     "-o", str(work / f"export.{fmt}")]) == 0
    build_site(work)
    return work


class _Injected(HTMLParser):
    """Elements, attributes and scripts in a page that came from a record."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.found: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "xq" in tag.lower():
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if (name.startswith("on") and "xq" in value.lower()) or "xq" in name.lower():
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("class", "id") and value.lower() in ("xqclass", "xqid", "xqid2",
                                                              "xqid3"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in ("href", "src") and value != THEME_SCRIPT_HREF and \
                    re.match(r"\s*(?:javascript|data|vbscript):", value, re.IGNORECASE):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            self.scripts.append((dict(attrs), ""))
        if tag not in ("img", "br", "hr", "input", "meta", "link", "source", "wbr"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not self.open:
            return
        if self.open[-1] == "script" and self.scripts:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        elif self.open[-1] not in ("p", "details") and re.match(r"\s*XQ[a-z]", data):
            # a payload's inner text as an element (an abstract's paragraphs are the text
            # of a <p> on the site, of the <details> in the README)
            self.found.append(f"<{self.open[-1]}>{data.strip()[:40]}")


def _injected(html: str) -> list[str]:
    parser = _Injected()
    parser.feed(html)
    parser.close()
    found = list(parser.found)
    for attrs, text in parser.scripts:
        if attrs.get("type") == "application/ld+json":
            json.loads(text)  # a '</script>' in a record would have cut it short
        elif "xq(" in text:
            found.append(f"<script>{text[:40]}")
    return found


def test_the_parser_sees_an_injection() -> None:
    """The judge itself: each kind of injection it must catch, and text it must not."""
    for html in ("<p><em>XQem</em></p>", "<ul><li>XQli</li></ul>", "<h1>XQhead</h1>",
                 '<h1 class="xqclass">x</h1>', "<a href='JavaScript:x'>",
                 '<img src=x onerror="xq()">', "<script>xq()</script>"):
        assert _injected(html), html
    with pytest.raises(ValueError):
        _injected('<script type="application/ld+json">{"a": "</script>')
    assert _injected("<p>XQ1 *XQem* &lt;b&gt;XQb&lt;/b&gt;</p>") == []


def test_no_site_page_holds_markup_from_a_record(built: Path) -> None:
    pages = sorted((built / "site").rglob("*.html"))
    assert len(pages) > 10
    stems = {p.parent.name for p in pages}
    assert set(RECORDS) <= stems  # every hostile record has its page
    for page in pages:
        assert _injected(page.read_text(encoding="utf-8")) == [], page


def test_the_pages_show_the_payloads_as_text(built: Path) -> None:
    page = (built / "site" / "papers" / "xq2024-markup" / "index.html").read_text("utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    assert "*XQem* **XQstrong**" in text and "{: onclick=" in text and "{{ 7*7 }}" in text
    assert "# XQhead" in text and "[XQref]" in text


def test_the_search_index_holds_no_markup_from_a_record(built: Path) -> None:
    index = json.loads((built / "site" / "search" / "search_index.json").read_text("utf-8"))
    hostile = [d for d in index["docs"] if "/xq2024-" in "/" + d["location"]]
    assert hostile
    for doc in index["docs"]:
        for field in ("title", "text"):
            assert _injected(doc.get(field, "")) == [], (doc["location"], field)


def test_the_readme_holds_no_markup_from_a_record(built: Path) -> None:
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    readme = (built / "README.md").read_text(encoding="utf-8")
    assert _injected(md.render(readme)) == []
    assert "XQ1" in readme and "XQhead" in readme
    assert '<a href="https://e.example/n">a note link</a>' in md.render(readme)


def test_a_notes_link_is_the_only_link_it_makes_on_the_site(built: Path) -> None:
    page = (built / "site" / "papers" / "xq2024-markup" / "index.html").read_text("utf-8")
    assert '<a href="https://e.example/n">a note link</a>' in page
    assert page.count('href="https://e.x"') == 1  # its text *XQem* is text, not emphasis


def test_the_exports_keep_their_shape(built: Path) -> None:
    bib = (built / "export.bibtex").read_text(encoding="utf-8")
    entries = re.split(r"\n(?=@)", bib.split("\n\n", 1)[1].strip())
    assert len(entries) == 5 + len(RECORDS)
    for entry in entries:
        depth = 0
        for ch in entry.replace("\\{", "").replace("\\}", ""):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, entry
        assert depth == 0, entry
        fields = re.findall(r"(?m)^  (\w+)\s*=", entry)
        # the doi's ",note={xq" stays in the doi: the one note is the record's venue_note
        assert fields.count("note") == entry.startswith("@misc{doe2024xq1,"), entry
    for line in (built / "export.ris").read_text(encoding="utf-8").splitlines():
        assert line == "" or re.match(r"^[A-Z][A-Z0-9]  - ", line), line
    rows = list(csv.reader(io.StringIO((built / "export.csv").read_text(encoding="utf-8"))))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert len(json.loads((built / "export.json").read_text("utf-8"))["papers"]) == 9
    feed = ET.parse(built / "export.atom").getroot()
    assert not [e for e in feed.iter() if "xq" in e.tag.lower()]
    assert {e.get("type") for e in feed.iter() if e.get("type") and
            not e.tag.endswith("link")} == {"text"}
