"""What a reader sees on GitHub survives import → records → README.

Both READMEs are rendered as GitHub does (CommonMark with raw HTML, by markdown-it-py);
the visible text and the image sources, by position, must be the same, apart from the
documented repairs: encoding (mojibake, LaTeX escapes in names), alt text, anchors, and
sub/superscripts written as Unicode (compared after NFKC); the differences the format itself
makes are listed word for word in ``KNOWN``.  The sections the renderer adds (contents,
statistics, building the list) are left out of the comparison.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from site_builder.checking import check_dir
from site_builder.dump import write_list
from site_builder.importers import parse_readme
from site_builder.importers.repair import fix_mojibake, latex_to_text
from site_builder.render import render_readme
from tests.conftest import FIXTURES, SEED

READMES = [SEED, *sorted((FIXTURES / "readmes").glob("*.md"))]
LOSSLESS = FIXTURES / "readmes" / "lossless.md"
_BACK_TO_TOP = re.compile(r"^\[!\[.*\]\(#top\)$")  # the footer, after the added sections
_ADDED = re.compile(r"^##\s.*(?:Contents|id=\"(?:stats|build)\")", re.I)


_BLOCK_TAGS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th", "tr", "br",
               "summary", "details", "pre", "blockquote", "ul", "ol", "table"}


class _Visible(HTMLParser):
    """The text a reader sees (block elements separate words), and the images in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.images.append(unquote(dict(attrs).get("src") or ""))
        if tag in _BLOCK_TAGS:
            self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self.text.append(" ")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _without_added_sections(markdown: str) -> str:
    """The README without its contents and the sections only the renderer writes."""
    kept: list[str] = []
    dropping = fence = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fence = not fence
        if not fence and line.startswith("## "):
            dropping = bool(_ADDED.match(line))
        if not dropping or _BACK_TO_TOP.match(line):
            kept.append(line)
    return "\n".join(kept)


def visible(markdown: str) -> tuple[str, list[str]]:
    html = MarkdownIt("commonmark", {"html": True}).render(_without_added_sections(markdown))
    parser = _Visible()
    parser.feed(html)
    text = unicodedata.normalize("NFKC", "".join(parser.text))
    return " ".join(text.split()), parser.images


def _papers_of(readme: Path, tmp_path: Path) -> Path:
    imported = parse_readme(readme.read_text(encoding="utf-8"))
    papers = tmp_path / "papers"
    write_list(papers, imported.info, imported.papers, imported.stems)
    return papers


def _round_trip(readme: Path, tmp_path: Path) -> str:
    return render_readme(check_dir(_papers_of(readme, tmp_path)))


# What the renderer writes differently from a hand-written list of the family, word for
# word: the format's own forms (venue before year, marks in the legend's order, the
# cross-listing note, a note label's colon, a bold note ends in one '.' right after its
# text), a code link to "#" (reported on import), and record text shown as written where
# the hand-written list had markup in it (an unknown tag, emphasis in a note).  Anything
# else that changes is a loss and fails here.
_NOTE_STOP = [("Sample", "Sample.")]
KNOWN: dict[str, list[tuple[str, str]]] = {
    "README.md": [("Click .", "Click.")],
    "lossless.md": [],
    "family.md": [
        *_NOTE_STOP, ("⭐[2019-NeurIPS]", "⭐[NeurIPS 2019]"),
        ("简介:第一篇论文,提出了基于示例的学习。", "简介: 第一篇论文,提出了基于示例的学习。"),
        ("†[2022-TPAMI]", "†[TPAMI 2022]"), ("[2021-ICML]", "[ICML 2021]"), ("", "<and>"),
        ("[2024-MICCAI]", "[MICCAI 2024]"), ("brain", "*brain*"),
        ("†[2022-TPAMI]", "†[TPAMI 2022]"), ("", "↪ cross-listed from A. Foundations"),
        ("⭐†[2023-CVPR]", "†⭐[CVPR 2023]"), ("[2021-ICML]", "[ICML 2021]"), ("", "<and>"),
        ("", "↪ cross-listed from B. Methods"),
    ],
    # strangers' lists (the audit of issue 8): the venue bracket, a subsection's number and
    # the "Given Family, …, et al." authors line take the format's own forms
    "plain.md": [("Lima,", "Lima and"), ("Costa, et al.", "Costa and others")],
    "brackets.md": [("[CVPR'24]", "[CVPR 2024]"), ("[2022 MICCAI]", "[MICCAI 2022]"),
                    ("[MICCAI-2021]", "[MICCAI 2021]"), ("[NeurIPS,", "[NeurIPS"),
                    ("(2018)]", "2018]"), ("[MICCAI/2017]", "[MICCAI 2017]"),
                    ("[2016 - IPMI]", "[IPMI 2016]")],
    "numbered.md": [("2.1", "2.1."), ("2.2", "2.2.")],
    "abstracts.md": [("et al.", "and others"), ("Ålvarez,", "Ålvarez and"),
                     ("Żółw,", "Żółw and"), ("Šćepanović, et al.", "Šćepanović and others")],
    "crlf.md": [],
    "titles.md": [("", "<Angle>"), ("CVPR 2024", "[CVPR 2024]")],
    "figures.md": [],
    "header.md": [],
    "nested.md": [("说明:中文说明。", "说明: 中文说明。")],
    "unanchored.md": [],
    "details.md": [],
    "toc.md": [],
    "deep.md": [],
    "twofigures.md": [],
    "notelinks.md": [],
    # further links in the format's brackets, after the code link; a link that is no
    # address (a path in the repository) is reported on import
    "links.md": [("Code | Demo", ":octocat: [Demo]"), ("", ":octocat:"), ("[Code]", ""),
                 ("[Slides]", "")],
    # the tag no Tips line explains added to the legend
    "tags.md": [("", "[D]: Papers marked [D]")],
    "codelinks.md": [("Code", ":octocat:"), ("[code]", ":octocat:"), ("[GitHub]", ":octocat:")],
    # a shortcode as the emoji GitHub shows for it, "=" in the legend as ":", U+FE0F dropped
    # after a mark's symbol, and the mark no Tips line explains added to the legend
    "marks.md": [(":star: :", "⭐:"), ("🏥 =", "🏥:"),
                 ("", "👩\u200d⚕️: Papers marked 👩\u200d⚕️"), (":star:[CVPR", "⭐[CVPR"),
                 ("⭐️[ICML", "⭐[ICML")],
    # words after the year in the venue bracket are kept as written; the separator before
    # them and a two-digit year take the format's own forms
    "venuenotes.md": [("2022,", "2022"), ("[AAAI'21", "[AAAI 2021"), ("20]", "2020]"),
                      ("", "↪ cross-listed from 1. Highlights")],
    # tags of up to 20 characters, spaces between words, are marks like "[W]"
    "longtags.md": [("", "[Honorable Mention]: Papers marked [Honorable Mention]")],
    "lettered.md": [
        *_NOTE_STOP, ("[2019-NeurIPS]", "[NeurIPS 2019]"),
        ("[2021-ECML PKDD]", "[ECML PKDD 2021]"), (":octocat:", ""),
        ("[2024-MICCAI]", "[MICCAI 2024]"),
    ],
}


_AUTHOR_LINE = re.compile(r"^  \*[^*\n]*[\\{][^*\n]*\*$", re.M)  # BibTeX escapes: repaired


def _differences(before: str, after: str) -> list[tuple[str, str]]:
    a, b = before.split(" "), after.split(" ")
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    return [(" ".join(a[i1:i2]), " ".join(b[j1:j2])) for op, i1, i2, j1, j2 in ops
            if op != "equal"]


def _same_image(before: str, after: str) -> bool:
    """A path in the repository becomes a link into it (a documented repair)."""
    return after == before or (not before.startswith("http") and after.endswith("/" + before))


@pytest.mark.parametrize("readme", READMES, ids=lambda p: p.name)
def test_visible_text_survives_import_and_render(readme: Path, tmp_path: Path) -> None:
    original = _AUTHOR_LINE.sub(lambda m: latex_to_text(m.group(0)),
                                fix_mojibake(readme.read_text(encoding="utf-8")))
    before_text, before_images = visible(original)
    after_text, after_images = visible(_round_trip(readme, tmp_path))
    assert _differences(before_text, after_text) == KNOWN[readme.name]
    assert len(after_images) == len(before_images)
    assert all(_same_image(b, a) for b, a in zip(before_images, after_images, strict=True))


def test_the_lossless_fixture_keeps_every_construct(tmp_path: Path) -> None:
    readme = _round_trip(LOSSLESS, tmp_path)
    assert "```bibtex\n@misc{example2025lossless,\n  title  = {Awesome Lossless Lists},\n\n" \
        in readme
    assert "| Detection | 2 |" in readme and "> **Note:** this list is maintained" in readme
    assert "<!-- maintainers: keep the BibTeX in sync with CITATION.cff -->" in readme
    assert "   - BMAD" in readme
    assert readme.count("https://example.org/overview.png") == 1
    assert "**D³: Diffusion for in vivo H₂O Imaging**" in readme
    assert "*Xu, Ke\\* and Li, Wei† and Zhang, San#*" in readme
    assert "rare.<br><br>\nPurpose:" in readme
    assert '<h1 align="center" id="top">Awesome Lossless Lists</h1>' in readme
    # and it imports again to the same records
    again = parse_readme(readme)
    first = parse_readme(LOSSLESS.read_text(encoding="utf-8"))
    assert again.papers == first.papers
    assert [s.blocks for s in again.info.sections] == [s.blocks for s in first.info.sections]
    assert again.info.header_blocks == first.info.header_blocks


def test_abstract_paragraphs_are_data_and_render_as_paragraphs(tmp_path: Path) -> None:
    from site_builder.kinds import CHECKS, Kind
    from site_builder.site import build_pages

    assert CHECKS[Kind.LONG_TEXT]("Background:  a\n b.\n\n\n  Purpose: <c>.  ") == \
        "Background: a b.\n\nPurpose: <c>."
    plist = check_dir(_papers_of(LOSSLESS, tmp_path))
    cards = "".join(p.text for p in build_pages(plist))
    assert "<p>Background: anomaly detection in medical images needs labels that are rare.</p>" \
        "<p>Purpose: we propose a diffusion model that needs none.</p>" in cards
    assert "Xu Ke" not in cards and "Ke Xu*" in cards  # the mark after the whole name


def test_header_and_section_blocks_are_kept_as_written(tmp_path: Path) -> None:
    info = check_dir(_papers_of(LOSSLESS, tmp_path)).info
    assert info.header_blocks[0] == "> **Note:** this list is maintained by hand."
    assert info.header_blocks[2:] == ("<p>An HTML paragraph in the header.</p>",
                                      "### Scope: what this list covers",
                                      "Papers with code, mostly.")
    cite = info.sections[1]
    assert cite.blocks[0] == "If this list helps your research, please cite:"
    assert cite.blocks[1].startswith("```bibtex\n@misc{example2025lossless,")
    overview = info.sections[2]
    assert overview.image is None and overview.blocks[0].count("<img ") == 2


def test_the_site_home_shows_the_lists_own_blocks_but_no_remote_images(tmp_path: Path) -> None:
    from site_builder.site import build_pages

    home = build_pages(check_dir(_papers_of(LOSSLESS, tmp_path)))[0]
    assert home.path == "index.md"
    assert "> **Note:** this list is maintained by hand." in home.text
    assert "## 📖 How to cite this list" in home.text
    assert "```bibtex\n@misc{example2025lossless," in home.text
    assert "| Detection | 2 |\n| Segmentation | 1 |" in home.text
    assert "https://example.org/overview.png" not in home.text
    assert "<!-- maintainers: keep the BibTeX in sync with CITATION.cff -->" in home.text
