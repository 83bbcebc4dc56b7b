"""Hostile input: what a stranger can put in a pull request (a record, a _list.yaml edit),
an issue form or a README to import.  Every command must answer with problems, never a
traceback; nothing may reach README.md or the site as markup; nothing may be lost silently.

"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markupsafe import Markup

from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.dump import file_stems, write_list
from site_builder.errors import InvalidRecords
from site_builder.importers import parse_readme
from site_builder.model import Contact, ListInfo, Note, Paper, Section
from site_builder.render import render_readme
from site_builder.site import nav
from tests.conftest import LIST_FIXTURE, REPO

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
PAPER = ('title: A Hostile Paper\nauthors: ["Doe, Jane"]\nvenue: CVPR\nyear: {year}\n'
         "url: https://example.org/hostile\ncategory: benchmarks\n")


def _fixture(tmp_path: Path) -> Path:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    return papers


def _problems(papers: Path) -> list[str]:
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    return [p.text() for p in err.value.problems]


# --- the site: titles reach the theme's own templates -----------------------------------

class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)


LIST_TITLE = '"><img src=x onerror=alert(1)> <b>List</b>'
SECTION_TITLES = ("<img src=x onerror=alert(2)> Recon",
                  "&lt;/title&gt;&lt;script&gt;alert(3)&lt;/script&gt; Bench")


def test_list_and_section_titles_stay_text_on_the_site(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """MkDocs themes print the site name and nav titles as HTML (Material: unescaped in
    the header, the nav and an aria-label; through striptags, which decodes entities, in
    <title>): the list's title and section titles must arrive there escaped."""
    papers = _fixture(tmp_path)
    text = (papers / "_list.yaml").read_text(encoding="utf-8")
    text = text.replace("title: 🌟 Fixture List for Anomaly Detection",
                        f"title: '{LIST_TITLE}'")
    text = text.replace("- title: Reconstruction\n", f"- title: '{SECTION_TITLES[0]}'\n")
    text = text.replace("- title: Benchmarks\n", f"- title: '{SECTION_TITLES[1]}'\n")
    (papers / "_list.yaml").write_text(text, encoding="utf-8")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    monkeypatch.chdir(tmp_path)
    assert main(["site", "--papers", "papers", "-d", "out"]) == 0
    pages = list((tmp_path / "out").rglob("*.html"))
    assert len(pages) >= 6
    for page in pages:
        parsed = _Tags()
        parsed.feed(page.read_text(encoding="utf-8"))
        tags = [t for t, _ in parsed.tags]
        assert not any(a.get("src") == "x" for t, a in parsed.tags if t == "img"), page
        assert not any(k.startswith("on") and "alert" in (v or "")
                       for _, a in parsed.tags for k, v in a.items()), page
        assert "script" not in tags or not any(
            "alert" in (a.get("src") or "") for t, a in parsed.tags if t == "script")
        head = tags[:tags.index("body")] if "body" in tags else tags  # SVG points have titles
        assert head.count("title") == 1, page  # nothing closed <title> early
    home = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert "alert(3)</script>" not in home and "<script>alert" not in home


def test_nav_titles_are_escaped_once() -> None:
    from site_builder.site import Page, site_title

    (entry,) = nav([Page("x.md", 'A & "B" <i>', "")])
    title = next(iter(entry))
    assert isinstance(title, Markup)
    assert str(title) == "A &amp; &quot;B&quot; \u2039i&gt;"
    assert Markup.escape(title) == title  # the theme's |e does not escape it again
    assert "<" not in title.striptags()  # striptags decodes entities: still no markup
    assert "<" not in site_title("&lt;/title&gt;&lt;script&gt;").striptags()


# --- the README: the list's trusted inline Markdown stays inline ------------------------

def _list_dir(tmp_path: Path, info: ListInfo, papers: list[Paper] | None = None) -> Path:
    papers = papers or [Paper(title="A Paper", authors=("Doe, Jane",), venue="CVPR",
                              year=2024, url="https://example.org/1", category="papers")]
    folder = tmp_path / "papers"
    write_list(folder, info, papers, file_stems(papers))
    return folder


def _round_trip(tmp_path: Path, info: ListInfo) -> tuple[str, str]:
    readme = render_readme(check_dir(_list_dir(tmp_path / "a", info)))
    imported = parse_readme(readme)
    assert not imported.skipped
    again = render_readme(check_dir(_list_dir(tmp_path / "b", imported.info,
                                              imported.papers)))
    return readme, again


def test_trusted_markdown_cannot_open_a_block_or_define_a_link(tmp_path: Path) -> None:
    """description, items and text are one line of inline Markdown each; at the start of a
    README line they must not become a heading, a list, a quote, a rule or a link
    reference definition (which would give a javascript: target to [x] elsewhere)."""
    info = ListInfo(
        title="List", description="## 9. Fake section",
        notes=(Note(label="Links", text="see [click][evil] and [evil]"),),
        sections=(Section(title="Info", anchor="info",
                          items=("[evil]: https://example.org/ok", "# Heading", "> quote"),
                          text=("* not a list", "---", "[^1]: https://example.org/fn")),
                  Section(title="Papers", id="papers")))
    readme, again = _round_trip(tmp_path, info)
    tokens = MD.parse(readme)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings[0] == "List" or "Fake" not in headings[0]
    assert not any("Fake" in h for h in headings), headings
    assert not any(t.type in ("blockquote_open", "hr") for t in tokens)
    html = MD.render(readme)
    assert '<a href="https://example.org/ok"' not in html  # no reference definition
    assert "<h1>Heading</h1>" not in html
    assert again == readme


def test_info_section_titles_that_look_numbered_round_trip(tmp_path: Path) -> None:
    """'1. Intro' or 'A. Foundations' as an information section's title was read back as
    a paper section (its items reported as lost, the numbering shifted)."""
    info = ListInfo(title="List", contents_title="Contents #", sections=(
        Section(title="1. Intro", anchor="intro", items=("hello",)),
        Section(title="A. Foundations", anchor="found", items=("there",)),
        Section(title="Papers", id="papers")))
    readme, again = _round_trip(tmp_path, info)
    assert again == readme
    html = MD.render(readme)
    assert "<h2>Contents #</h2>" in html  # a trailing '#' is not a closing sequence
    assert "1. Intro" in html and "A. Foundations" in html
    imported = parse_readme(readme)
    assert [(s.title, bool(s.id)) for s in imported.info.sections] == [
        ("1. Intro", False), ("A. Foundations", False), ("Papers", True)]


@pytest.mark.parametrize("description", [
    "*Curated* papers on anomaly detection", "[Our lab](https://example.org) curates this",
    "Write to lists@example.org to add a paper", "`site-builder` renders this list",
    "| not a table |", "![logo](https://example.org/l.png) and words",
])
def test_description_survives_the_round_trip(tmp_path: Path, description: str) -> None:
    info = ListInfo(title="List", description=description,
                    sections=(Section(title="Papers", id="papers"),))
    readme, again = _round_trip(tmp_path, info)
    assert again == readme
    assert parse_readme(readme).info.badges == ()


@pytest.mark.parametrize(("contact", "note"), [
    (Contact(text="Write to us: today", email="a_b*c@example.org"), None),
    (Contact(text="A*B", email="x~y@example.org"), None),
    (None, Note(label="Lab*", text="some text")),
    (None, Note(label="Mail", text="[the team](mailto:team@example.org)")),
])
def test_contact_and_notes_survive_the_round_trip(tmp_path: Path, contact: Contact | None,
                                                  note: Note | None) -> None:
    info = ListInfo(title="List", contact=contact, notes=(note,) if note else (),
                    sections=(Section(title="Papers", id="papers"),))
    readme, again = _round_trip(tmp_path, info)
    assert again == readme
    imported = parse_readme(readme).info
    assert imported.contact == contact
    assert imported.notes == ((note,) if note else ())


def test_a_hand_written_back_to_top_line_is_not_the_description() -> None:
    text = ("<div align=\"center\">\n\n[![](https://example.org/banner.png)\n](#top)\n\n"
            "</div>\n\n## 1. Papers\n\n- [[CVPR 2024]](https://example.org/1) **A Paper**\n")
    assert parse_readme(text).info.description is None


def test_papers_under_a_reserved_anchor_are_imported() -> None:
    text = ("## 1. Papers <a id=\"top\"></a>\n\n- [[CVPR 2024]](https://example.org/1) "
            "**A Paper**\n\n  *Doe, Jane*\n")
    imported = parse_readme(text)
    assert [p.title for p in imported.papers] == ["A Paper"]
    assert imported.info.sections[0].anchor is None


def test_new_refuses_a_year_in_other_digits(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    papers = _fixture(tmp_path)
    code = main(["new", "--no-fetch", "--papers", str(papers), "--title", "T",
                 "--authors", "Doe, Jane", "--venue", "CVPR", "--year", "²⁰²⁴",
                 "--paper-url", "https://example.org/x", "--category", "benchmarks"])
    assert code == 2
    assert "--year: must be a year, got str '²⁰²⁴' — write the four-digit year" in \
        capsys.readouterr().err


# --- load.py and records.py: for the lead ----------------------------------------------

def test_a_huge_number_is_a_problem(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    (papers / "zz.yaml").write_text(PAPER.format(year="9" * 5000), encoding="utf-8")
    assert any("zz.yaml:4:" in p for p in _problems(papers))


def test_an_impossible_date_is_a_problem(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    (papers / "zz.yaml").write_text(PAPER.format(year=2024) + "added: 2024-02-30\n",
                                    encoding="utf-8")
    assert any("zz.yaml:7:" in p for p in _problems(papers))


def test_a_symlink_loop_is_a_problem(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    (papers / "loop").symlink_to(papers)
    _problems(papers)


def test_a_symlinked_record_is_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://user:ghp_SECRETTOKEN@github.com\n", encoding="utf-8")
    papers = _fixture(tmp_path)
    (papers / "leak.yaml").symlink_to(secret)
    problems = _problems(papers)
    assert not any("SECRETTOKEN" in p for p in problems), problems
    assert any("leak.yaml" in p for p in problems)


def test_messages_do_not_echo_huge_values(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    (papers / "zz.yaml").write_text(PAPER.format(year='"' + "1" * 50000 + '"'),
                                    encoding="utf-8")
    assert all(len(p) < 1000 for p in _problems(papers))


def test_a_year_must_be_written_in_decimal(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    (papers / "zz.yaml").write_text(PAPER.format(year="0x7E8"), encoding="utf-8")
    assert any("zz.yaml:4: year:" in p for p in _problems(papers))


def test_trusted_markdown_refuses_a_processing_instruction(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    text = (papers / "_list.yaml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^description: .*$", "description: 'See <?php system(1) ?> here'",
                  text)
    (papers / "_list.yaml").write_text(text, encoding="utf-8")
    assert any("description: contains HTML" in p for p in _problems(papers))


def test_trusted_markdown_refuses_a_javascript_reference_definition(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    text = (papers / "_list.yaml").read_text(encoding="utf-8")
    text = text.replace("  - ':octocat:: Code'\n",
                        "  - ':octocat:: Code'\n  - '[x]: javascript:alert(1)'\n")
    (papers / "_list.yaml").write_text(text, encoding="utf-8")
    assert any("javascript" in p for p in _problems(papers))


def test_the_build_anchor_is_reserved(tmp_path: Path) -> None:
    papers = _fixture(tmp_path)
    text = (papers / "_list.yaml").read_text(encoding="utf-8")
    (papers / "_list.yaml").write_text(text.replace("  anchor: s6\n", "  anchor: build\n"),
                                       encoding="utf-8")
    assert any("anchor 'build'" in p for p in _problems(papers))


@pytest.mark.parametrize("char", ["\\x9b", "\\u202e", "\\u200e", "\\u200f", "\\u061c"])
def test_invisible_controls_are_refused(tmp_path: Path, char: str) -> None:
    papers = _fixture(tmp_path)
    (papers / "zz.yaml").write_text(
        PAPER.replace("A Hostile Paper", f'"A {char}Hostile Paper"').format(year=2024),
        encoding="utf-8")
    assert any("zz.yaml:1: title: contains an invisible control character" in p
               for p in _problems(papers))


def test_merge_keys_are_refused() -> None:
    from site_builder import load

    src = load.parse("p.yaml", b"title: A\n<<: {year: 2024}\n")
    assert [p.text() for p in src.problems] == [
        "p.yaml:2: YAML syntax error at column 1: merge keys (<<) are not allowed — write "
        "every key of the record out in full"]


def test_an_unclosed_abstract_is_kept_and_reported() -> None:
    from site_builder.importers.readme import parse_readme

    imported = parse_readme('## 1. A <a id="s3"></a>\n\n- [[CVPR 2024]](https://e.org/a) **T**'
                            '\n\n  *Doe, J*\n\n<details>\n<summary>Abstract</summary>\n'
                            'Some text\n\n## 2. B <a id="s4"></a>\n')
    assert imported.papers[0].abstract == "Some text"
    assert imported.skipped == [(10, "the abstract's <details> is not closed; it was read up "
                                     "to here")]
