"""Lists written by other curators in the family's format (the audit of issue 8): import →
check → readme, twice, on the fixtures of tests/fixtures/readmes/ that vary the format
(numbering, marks, brackets, authors, figures, abstracts, CRLF), and the clear refusal of
what the format cannot hold.  test_lossless.py compares what a reader sees."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.dump import write_list
from site_builder.importers import parse_readme
from site_builder.importers.readme import _VENUE_YEAR, _people, _title, _venue, _venue_year, _year
from site_builder.model import Section
from site_builder.render import render_readme
from tests.conftest import FIXTURES

READMES = FIXTURES / "readmes"
STRANGERS = ["plain.md", "brackets.md", "numbered.md", "abstracts.md", "crlf.md", "titles.md",
             "figures.md", "header.md", "nested.md", "unanchored.md",
             "details.md", "marks.md", "codelinks.md",
             "toc.md", "deep.md", "tags.md", "links.md", "notelinks.md",
             "twofigures.md", "venuenotes.md", "longtags.md"]


def _write(text: str, folder: Path) -> dict[str, bytes]:
    imported = parse_readme(text)
    write_list(folder, imported.info, imported.papers, imported.stems)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("name", STRANGERS)
def test_import_is_idempotent_and_readme_deterministic(name: str, tmp_path: Path) -> None:
    text = (READMES / name).read_bytes().decode("utf-8")
    first = _write(text, tmp_path / "a")
    assert first == _write(text, tmp_path / "b")
    plist = check_dir(tmp_path / "a")
    readme = render_readme(plist)
    assert readme == render_readme(check_dir(tmp_path / "b"))
    # the rendered README imports to the same records again
    assert _write(readme, tmp_path / "c") == first


def test_crlf_tabs_and_trailing_spaces_import_like_lf(tmp_path: Path) -> None:
    raw = (READMES / "crlf.md").read_bytes()
    assert b"\r\n" in raw and b"\t" in raw
    crlf = _write(raw.decode("utf-8"), tmp_path / "crlf")
    lf = _write(raw.decode("utf-8").replace("\r\n", "\n"), tmp_path / "lf")
    assert crlf == lf
    papers = check_dir(tmp_path / "crlf").entries
    assert [e.paper.authors for e in papers if e.paper.title == "CRLF Paper Two"] == \
        [("Roe, Richard",)]
    assert [e.paper.figure for e in papers if e.paper.figure] == ["https://example.org/c3.png"]


@pytest.mark.parametrize(("text", "venue", "year"), [
    ("CVPR'24", "CVPR", 2024), ("MICCAI’99", "MICCAI", 1999), ("MICCAI-2021", "MICCAI", 2021),
    ("CVPR2024", "CVPR", 2024), ("2022 MICCAI", "MICCAI", 2022),
    ("2019-NeurIPS", "NeurIPS", 2019), ("Nature Methods 2019", "Nature Methods", 2019),
    ("’ 1990", "’", 1990), ("A-1 2020", "A-1", 2020),  # the rendered form reads back as is
    # a separator between venue and year is not part of the venue
    ("NeurIPS, 2020", "NeurIPS", 2020), ("NeurIPS,2020", "NeurIPS", 2020),
    ("NeurIPS'20", "NeurIPS", 2020), ("NeurIPS ’20", "NeurIPS", 2020),
    ("MICCAI/2021", "MICCAI", 2021), ("MICCAI | 2021", "MICCAI", 2021),
    ("ICCV: 2019", "ICCV", 2019), ("ECCV (2018)", "ECCV", 2018),
    ("2016 - IPMI", "IPMI", 2016), ("Proc. IEEE 2015", "Proc. IEEE", 2015),
    # a two-digit year after a space, where the venue holds no digit
    ("NeurIPS 20", "NeurIPS", 2020), ("MICCAI 99", "MICCAI", 1999),
    ("Nature Methods 21", "Nature Methods", 2021), ("NeurIPS, 20", "NeurIPS", 2020),
])
def test_venue_brackets_of_other_lists(text: str, venue: str, year: int) -> None:
    m = _VENUE_YEAR.match(text)
    assert m is not None
    assert _venue(m) == venue
    assert _year(m) == year


def test_venue_separators_read_from_a_strangers_list() -> None:
    imported = parse_readme((READMES / "brackets.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(p.venue, p.year) for p in imported.papers][4:] == [
        ("NeurIPS", 2020), ("Nature Methods", 2019), ("ECCV", 2018), ("MICCAI", 2017),
        ("IPMI", 2016)]


@pytest.mark.parametrize(("line", "names"), [
    ("Lima, Ana and Costa, Bruno", ("Lima, Ana", "Costa, Bruno")),
    ("Ana Lima, Bruno Costa, et al.", ("Ana Lima", "Bruno Costa", "others")),
    ("A B, C D, and E F", ("A B", "C D", "E F")),
    ("王小明, 李华, et al.", ("王小明", "李华", "others")),
    ("Smith, J., et al.", ("Smith, J.", "others")),
    ("García, María et al.", ("García, María", "others")),
    ("Example, Ada and others", ("Example, Ada", "others")),
    ("Bennet al", ("Bennet al",)),
])
def test_authors_lines_of_other_lists(line: str, names: tuple[str, ...]) -> None:
    assert _people(line) == names


@pytest.mark.parametrize(("raw", "title"), [
    ("A *Emphasised* Word and _under_ score", "A Emphasised Word and under score"),
    ("`torch.compile` for Backticks", "torch.compile for Backticks"),
    ("Title with a [link](https://x.org) inside", "Title with a link inside"),
    ("snake_case_models and \\_escaped\\_ underscores",
     "snake_case_models and _escaped_ underscores"),
    ("One \\* Star and 2*3 Math", "One * Star and 2*3 Math"),
    ("\\[Brackets\\] and [Unescaped] Ones", "[Brackets] and [Unescaped] Ones"),
    ("E<sup>2</sup>-Net: \\`a\\`", "E²-Net: `a`"),
])
def test_title_markup_becomes_the_text_a_reader_sees(raw: str, title: str) -> None:
    assert _title(raw) == title


LIST = """# List

## 1. Papers

- [[CVPR 2024]](https://example.org/a) **Kept Paper**

  *Doe, Jane*

{extra}
"""


def _import(tmp_path: Path, text: str, capsys: pytest.CaptureFixture[str]
            ) -> tuple[int, str, Path]:
    source = tmp_path / "README.md"
    source.write_text(text, encoding="utf-8")
    papers = tmp_path / "papers"
    code = main(["import", str(source), "--papers", str(papers)])
    return code, capsys.readouterr().err, papers


def test_an_entry_the_format_cannot_hold_writes_nothing(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    extra = "- [Accepted as a workshop paper][[AAAI 2023]](https://example.org/w) **Workshop " \
        "Paper**\n"
    code, err, papers = _import(tmp_path, LIST.format(extra=extra), capsys)
    assert code == 1 and not papers.exists()
    source = tmp_path / "README.md"
    assert f"{source}: error: 1 paper entry is not in the list's format, so nothing was " \
        "written" in err
    assert f"{source}:9: error: this paper entry is not in the list's format" in err
    assert "— the tag [Accepted as a workshop paper] before it is no mark: a tag is at most " \
        "20 characters in brackets" in err
    assert "Traceback" not in err


def test_a_list_in_another_format_writes_nothing(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    table = "# List\n\n| Paper | Venue |\n| --- | --- |\n| [A](https://x.org/a) | CVPR 2024 |\n"
    code, err, papers = _import(tmp_path, table, capsys)
    assert code == 2 and not papers.exists()
    assert "no paper entries found — is it a README in the list's format" in err


def test_a_second_figure_is_kept_and_a_figure_path_without_repository_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = ('<div align="center"><img src="https://example.org/b.png"></div>\n\n'
             "- [[ICCV 2023]](https://example.org/c) **Relative Figure**\n\n"
             "![](figs/c.png)\n")
    text = LIST.format(extra='<div align="center"><img src="https://example.org/a.png">'
                       "</div>\n\n" + extra)
    code, err, papers = _import(tmp_path, text, capsys)
    source = tmp_path / "README.md"
    assert code == 0
    assert "b.png" not in err
    assert f"{source}:15: warning: not imported: \"figure 'figs/c.png' (a path" in err
    figures = {e.paper.title: (e.paper.figure, e.paper.more_figures)
               for e in check_dir(papers).entries}
    assert figures == {"Kept Paper": ("https://example.org/a.png", ("https://example.org/b.png",)),
                       "Relative Figure": (None, ())}


def test_subsections_without_anchors_and_numbered_entries_keep_their_papers() -> None:
    imported = parse_readme((READMES / "unanchored.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    about, methods, apps = imported.info.sections
    assert about.id is None and "### Why this list" in about.blocks
    assert [s.title for s in methods.sections] == ["Supervised", "Unsupervised"]
    assert (apps.title, apps.anchor) == ("Applications", "apps")
    by_title = {p.title: p for p in imported.papers}
    assert by_title["Numbered Entry One"].category == methods.sections[1].id
    assert by_title["Star Bullet Entry"].authors == ("C, Carol",)


def test_abstracts_in_details_of_every_shape_are_read() -> None:
    imported = parse_readme((READMES / "details.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [p.abstract for p in imported.papers] == [
        "Inline abstract text.", "Para one.\n\nPara two — with an entity.",
        "Quoted abstract text.", "Indented abstract text."]


def test_marks_of_other_lists_are_the_legends_marks() -> None:
    imported = parse_readme((READMES / "marks.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(m.id, m.symbol) for m in imported.info.marks] == [
        ("survey", "†"), ("must-read", "⭐"), ("medical", "🏥"),
        ("community-favourite", "❤️"), ("marked", "👩\u200d⚕️")]
    assert [p.marks for p in imported.papers] == [
        ("must-read",), ("survey",), ("medical", "community-favourite"), ("marked",),
        ("must-read",)]


def test_a_link_in_a_title_is_reported_not_silently_dropped() -> None:
    text = LIST.format(extra="- [[ICML 2021]](https://example.org/b) "
                       "**[Linked Title](https://example.org/page)**\n")
    imported = parse_readme(text)
    assert [p.title for p in imported.papers] == ["Kept Paper", "Linked Title"]
    assert imported.skipped == [(9, "the link in the title: https://example.org/page")]


def test_code_links_and_authors_in_other_dress() -> None:
    imported = parse_readme((READMES / "codelinks.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(p.code, p.authors) for p in imported.papers] == [
        ("https://github.com/ex/q1", ("Doe, Jane", "Roe, Richard")),
        ("https://github.com/ex/q2", ("Poe, Edgar",)),
        ("https://github.com/ex/q3", ()),
        (None, ("Under, Score",))]
    assert imported.papers[3].title == "Snake_Case_Title and underscored"


def test_an_ordered_table_of_contents_and_rules_are_the_formats_own() -> None:
    imported = parse_readme((READMES / "toc.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert imported.info.contents_title == "Table of Contents"
    assert [s.title for s in imported.info.sections] == ["Detection", "Segmentation"]


def test_an_abstract_label_other_than_the_lists_is_reported() -> None:
    abstract = "<details>\n<summary>{}</summary>\nText.\n</details>\n"
    text = LIST.format(extra=abstract.format("📋 Abstract") + "\n- [[ICML 2021]]"
                       "(https://example.org/b) **Second**\n\n" + abstract.format("Summary"))
    imported = parse_readme(text)
    assert imported.info.abstract_label == "📋 Abstract"
    assert imported.skipped == [(17, "abstract label 'Summary': the list labels abstracts "
                                 "'📋 Abstract'; imported under that label")]


def test_a_venue_ending_in_a_separator_reads_back_as_written() -> None:
    """The renderer escapes a venue's last ',', ':', '-'… so the import keeps it, while a
    stranger's unescaped one is a separator."""
    from site_builder.text import md_venue

    assert md_venue("Findings:") == "Findings\\:" and md_venue("NeurIPS") == "NeurIPS"
    text = LIST.format(extra="- [[Findings\\: 2021]](https://example.org/b) **Escaped**\n\n"
                       "- [[Findings: 2021]](https://example.org/c) **Stranger**\n")
    assert [p.venue for p in parse_readme(text).papers] == ["CVPR", "Findings:", "Findings"]


def test_headings_deeper_than_three_are_subsections_where_they_hold_papers() -> None:
    imported = parse_readme((READMES / "deep.md").read_text(encoding="utf-8"))
    assert imported.skipped == []

    def tree(sections: tuple[Section, ...]) -> list[object]:
        return [(s.title, tree(s.sections)) if s.sections else s.title for s in sections]

    assert tree(imported.info.sections) == [
        ("Methods", [("Supervised", ["Brain MRI", "Chest X-ray"]), ("Unsupervised", ["Retina"])]),
        ("Datasets", ["Public"]), "Notes"]
    assert [p.category for p in imported.papers] == [
        "brain-mri", "chest-x-ray", "unsupervised", "retina", "public"]
    # a #### heading without papers in an information section is kept as written
    assert imported.info.sections[2].blocks == ("#### How to read this list",
                                                "Newest papers first.")


def test_a_deep_heading_without_papers_between_entries_is_reported() -> None:
    text = LIST.format(extra="- [[ICML 2021]](https://example.org/b) **Second**\n\n"
                       "#### Honourable mentions\n\nSee the issues.\n")
    imported = parse_readme(text)
    assert [(s.title, s.sections) for s in imported.info.sections] == [("Papers", ())]
    assert [p.title for p in imported.papers] == ["Kept Paper", "Second"]
    assert imported.skipped == [(11, "#### Honourable mentions"), (13, "See the issues.")]


def test_tags_in_brackets_before_an_entry_are_the_legends_marks(tmp_path: Path) -> None:
    imported = parse_readme((READMES / "tags.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(m.id, m.symbol) for m in imported.info.marks] == [
        ("workshop", "[W]"), ("oral-presentation", "[Oral]"), ("must-read", "⭐"),
        ("marked-d", "[D]")]  # a tag no Tips line explains is declared, as a symbol is
    assert [p.marks for p in imported.papers] == [
        ("workshop",), ("oral-presentation", "must-read"), ("marked-d",), ("must-read",)]
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    readme = render_readme(check_dir(tmp_path))
    assert "- [W][[AAAI 2023]](https://example.org/t1) **Workshop Paper**" in readme
    assert "- \\[W]: Workshop paper" in readme  # no link reference definition


def test_further_links_after_an_entry_are_kept_and_written_back(tmp_path: Path) -> None:
    imported = parse_readme((READMES / "links.md").read_text(encoding="utf-8"))
    assert [(p.code, [(link.label, link.url) for link in p.links]) for p in imported.papers] == [
        ("https://github.com/ex/l1", [("Project", "https://example.org/l1/project"),
                                      ("Website", "https://l1.example.org")]),
        ("https://github.com/ex/l2", [("Demo", "https://huggingface.co/spaces/ex/l2")]),
        ("https://github.com/ex/l3", [("Project", "https://example.org/l3/p")]),
        (None, [])]
    # a link that is no address (a path in the repository) is reported, not dropped
    assert imported.skipped == [(13, "after the entry: [[Slides]](slides/l4.pdf)")]
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    readme = render_readme(check_dir(tmp_path))
    assert "**Project and Website** [:octocat:](https://github.com/ex/l1) " \
        "[[Project]](https://example.org/l1/project) [[Website]](https://l1.example.org)\n" \
        in readme
    assert "**Project Before Code** [:octocat:](https://github.com/ex/l3) " \
        "[[Project]](https://example.org/l3/p)\n" in readme


def test_a_further_links_label_cannot_open_markup(tmp_path: Path) -> None:
    from site_builder.model import PaperLink

    imported = parse_readme(LIST.format(extra=""))
    paper = replace(imported.papers[0], links=(
        PaperLink(label="x]](https://evil.example) <img src=x onerror=alert(1)> [[y",
                  url="https://example.org/p"),))
    write_list(tmp_path, imported.info, [paper], imported.stems)
    readme = render_readme(check_dir(tmp_path))
    assert "[[x\\]\\](https\\://evil.example) \\<img src=x onerror=alert(1)\\> \\[\\[y]]" \
        "(https://example.org/p)" in readme
    again = parse_readme(readme).papers[0]
    assert again.links == paper.links
    from site_builder.site import build_pages

    site = "".join(page.text for page in build_pages(check_dir(tmp_path), related={})
                   if page.path.endswith(".md"))
    assert '<a class="sb-code" href="https://example.org/p">x]](https://evil.example) ' \
        "&lt;img src=x onerror=alert(1)&gt; [[y</a>" in site
    assert "<img src=x" not in site


def test_links_in_notes_stay_links_and_hostile_ones_stay_text(tmp_path: Path) -> None:
    text = (READMES / "notelinks.md").read_text(encoding="utf-8").replace(
        "instead.", "instead, ![a pixel](https://tracker.example.org/p.png) "
        "[x](https://e.org/a\"onmouseover=\"alert(1)).")
    imported = parse_readme(text)
    assert imported.skipped == []
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    plist = check_dir(tmp_path)
    readme = render_readme(plist)
    assert "  - Intro: explained in [the authors' blog](https://blog.example.org/n1) and " \
        "[a talk](https://video.example.org/watch?v=1&t=2).\n" in readme
    assert "  - Intro: see \\[this\\](javascript:alert(1)) instead, !\\[a pixel\\]" \
        "(https\\://tracker.example.org/p.png) \\[x\\](https\\://e.org/a\"onmouseover=" \
        "\"alert(1)).\n" in readme
    assert [p.notes for p in parse_readme(readme).papers] == [p.notes for p in imported.papers]
    from site_builder.site import build_pages

    site = "".join(page.text for page in build_pages(plist, related={})
                   if page.path.endswith(".md"))
    assert "<a href=\"https://blog.example.org/n1\">the authors&#39; blog</a> and " \
        "<a href=\"https://video.example.org/watch?v=1&amp;t=2\">a talk</a>." in site
    assert "see [this](javascript:alert(1)) instead, ![a pixel]" \
        "(https://tracker.example.org/p.png) [x](https://e.org/a&#34;onmouseover" in site
    assert "javascript:alert(1)\"" not in site and "<img src=\"https://tracker" not in site


def test_every_figure_of_an_entry_is_kept_and_written_back(tmp_path: Path) -> None:
    imported = parse_readme((READMES / "twofigures.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    repo = "https://github.com/example/several-figures/blob/main"
    assert [(p.figure, p.more_figures) for p in imported.papers] == [
        ("https://example.org/f1-overview.png", ("https://example.org/f1-results.png",)),
        ("https://example.org/f2-a.png", ("https://example.org/f2-b.png",
                                          f"{repo}/figs/f2-c.png")),
        ("https://example.org/f3-a.png", ("https://example.org/f3-b.png",))]
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    plist = check_dir(tmp_path)
    readme = render_readme(plist)
    assert '<div align="center">\n' \
        '  <img src="https://example.org/f1-overview.png" width="50%" alt="Figure of Two ' \
        'Figure Blocks">\n' \
        '  <img src="https://example.org/f1-results.png" width="50%" alt="Figure 2 of Two ' \
        'Figure Blocks">\n</div>\n' in readme
    from site_builder.site import build_pages

    site = "".join(page.text for page in build_pages(plist, related={})
                   if page.path.endswith(".md"))
    assert '<summary>Figure 3 (loads from its host)</summary><img src="' \
        f'{repo}/figs/f2-c.png" loading="lazy" alt="Figure 3 of Two Images' in site


@pytest.mark.parametrize(("text", "venue", "year", "note"), [
    ("CVPR 2024 Highlight", "CVPR", 2024, "Highlight"),
    ("NeurIPS 2023 Oral", "NeurIPS", 2023, "Oral"),
    ("ICLR 2024 Spotlight", "ICLR", 2024, "Spotlight"),
    ("MICCAI 2023 Best Paper", "MICCAI", 2023, "Best Paper"),
    ("ICCV 2023 (Oral)", "ICCV", 2023, "(Oral)"),
    ("ECCV 2022 Workshop", "ECCV", 2022, "Workshop"),
    # a separator before the note is the bracket's, as before the year
    ("NeurIPS 2023, Oral", "NeurIPS", 2023, "Oral"), ("CVPR 2024 - Highlight", "CVPR", 2024,
                                                       "Highlight"),
    ("CVPR 2024 – Highlight", "CVPR", 2024, "Highlight"),
    # the other lists' forms of venue and year take a note too
    ("CVPR'24 Oral", "CVPR", 2024, "Oral"), ("MICCAI-2021 Oral", "MICCAI", 2021, "Oral"),
    ("ECCV (2018) Oral", "ECCV", 2018, "Oral"), ("A-1 2020 2nd Place", "A-1", 2020, "2nd Place"),
    ("CVPR 2023 Top 10", "CVPR", 2023, "Top 10"),
    # the last year is the bracket's: a venue may hold one, a note never does
    ("ECCV 2022 Workshop 2022 Oral", "ECCV 2022 Workshop", 2022, "Oral"),
    # read as before: a venue holding a year, and a year first
    ("ECCV 2022 Workshop 2022", "ECCV 2022 Workshop", 2022, None),
    ("2022 MICCAI Oral", "MICCAI Oral", 2022, None), ("2019-NeurIPS", "NeurIPS", 2019, None),
    # ... unless a venue and a later year lead to a note: the venue "2022" of 2023
    ("2022 2023 Oral", "2022", 2023, "Oral"),
])
def test_words_after_the_year_are_the_venue_note(text: str, venue: str, year: int,
                                                 note: str | None) -> None:
    m, venue_note = _venue_year(text)
    assert m is not None
    assert (_venue(m), _year(m), venue_note) == (venue, year, note)


@pytest.mark.parametrize("text", ["CVPR 2024 -- Oral", "CVPR 20245 Oral", "CVPR 2024 ,",
                                  "NeurIPS 20 Oral", "A1 20", "NeurIPS 2"])
def test_a_bracket_that_is_no_venue_year_and_note_is_not_read(text: str) -> None:
    assert _venue_year(text) == (None, None)


def test_venue_notes_are_imported_shown_and_written_back(tmp_path: Path) -> None:
    imported = parse_readme((READMES / "venuenotes.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(p.venue, p.year, p.venue_note) for p in imported.papers] == [
        ("CVPR", 2024, "Highlight"), ("NeurIPS", 2023, "Oral"), ("ICLR", 2024, "Spotlight"),
        ("MICCAI", 2023, "Best Paper"), ("ICCV", 2023, "(Oral)"), ("ECCV", 2022, "Workshop"),
        ("NeurIPS", 2022, "Datasets and Benchmarks"), ("AAAI", 2021, "Oral"),
        ("MICCAI", 2020, "Early Accept [top 13%]"), ("ECCV 2022 Workshop", 2022, None),
        ("NeurIPS", 2020, None), ("CVPR", 2023, "Top 10")]
    assert imported.papers[0].also_in == ("other-tracks",)  # listed again, note and all
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    assert "venue_note: Best Paper\n" in (tmp_path / f"{imported.stems[3]}.yaml").read_text()
    plist = check_dir(tmp_path)
    readme = render_readme(plist)
    for bracket in ("[[CVPR 2024 Highlight]](https://example.org/n1)",
                    "[[ICCV 2023 (Oral)]](https://example.org/n5)",
                    "[[MICCAI 2023 Best Paper]](https://example.org/n4)",
                    "[[MICCAI 2020 Early Accept \\[top 13%\\]]](https://example.org/n9)",
                    "[[ECCV 2022 Workshop 2022]](https://example.org/n10)"):
        assert bracket in readme
    assert "[[NeurIPS 2020]](https://example.org/n11)" in readme
    assert readme.count("[[CVPR 2024 Highlight]]") == 2  # the cross-listing too
    from site_builder.exporters import export
    from site_builder.site import build_pages

    pages = {page.path: page.text for page in build_pages(plist, related={})}
    paper_page = pages[f"papers/{imported.stems[3]}.md"]
    assert '<span class="sb-badge">MICCAI 2023 Best Paper</span>' in paper_page
    cards = "".join(text for path, text in pages.items() if not path.startswith("papers/"))
    assert '<span class="sb-badge">ICCV 2023 (Oral)</span>' in cards
    assert '<span class="sb-badge">ECCV 2022 Workshop 2022</span>' in cards
    bib = export(plist, "bibtex")
    assert re.search(r"\n  note += \{Best Paper\},\n", bib)
    assert len(re.findall(r"\n  note +=", bib)) == 10
    assert "N1  - Early Accept [top 13%]\n" in export(plist, "ris")


def test_a_list_with_a_venue_note_imports(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """Before, one "[[CVPR 2024 Highlight]]" made the whole import write nothing."""
    extra = "- [[NeurIPS 2023 Oral]](https://example.org/o) **Oral Paper**\n"
    code, err, papers = _import(tmp_path, LIST.format(extra=extra), capsys)
    assert code == 0, err
    assert {(e.paper.title, e.paper.venue_note) for e in check_dir(papers).entries} == {
        ("Kept Paper", None), ("Oral Paper", "Oral")}


def test_a_hostile_venue_note_is_escaped_everywhere(tmp_path: Path) -> None:
    imported = parse_readme(LIST.format(extra=""))
    note = "x]](https://evil.example) <img src=x onerror=alert(1)> [[y *z*"
    paper = replace(imported.papers[0], venue_note=note)
    write_list(tmp_path, imported.info, [paper], imported.stems)
    plist = check_dir(tmp_path)
    readme = render_readme(plist)
    assert "- [[CVPR 2024 x\\]\\](https\\://evil.example) \\<img src=x onerror=alert(1)\\> " \
        "\\[\\[y \\*z\\*]](https://example.org/a) **Kept Paper**" in readme
    assert parse_readme(readme).papers[0].venue_note == note
    from site_builder.site import build_pages

    site = "".join(page.text for page in build_pages(plist, related={})
                   if page.path.endswith(".md"))
    assert '<span class="sb-badge">CVPR 2024 x]](https://evil.example) &lt;img src=x ' \
        "onerror=alert(1)&gt; [[y *z*</span>" in site
    assert "<img src=x" not in site


@pytest.mark.parametrize(("note", "message"), [
    ("Workshop 2024", "venue_note: 'Workshop 2024' holds a year; the README would read it "
     "as the bracket's year — give the year in year: and only the words after it here"),
    ("- Oral", "venue_note: '- Oral' starts with a separator"),
    ("x" * 101, "venue_note: is 101 characters long (limit 100) — shorten it"),
    ("Oral\u202e", "venue_note: contains an invisible control character (U+202E)"),
])
def test_a_venue_note_the_readme_cannot_hold_is_refused_with_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], note: str, message: str) -> None:
    imported = parse_readme(LIST.format(extra=""))
    write_list(tmp_path, imported.info, [replace(imported.papers[0], venue_note="Oral")],
               imported.stems)
    record = tmp_path / f"{imported.stems[0]}.yaml"
    text = record.read_text(encoding="utf-8")
    line = text.split("\n").index("venue_note: Oral") + 1
    record.write_text(text.replace("venue_note: Oral", f"venue_note: '{note}'"),
                      encoding="utf-8")
    assert main(["check", "--papers", str(tmp_path)]) == 1
    out = capsys.readouterr()
    assert f"{record}:{line}: {message}" in out.out + out.err, out


@pytest.mark.parametrize("venue", ["CVPR", "ECCV 2022 Workshop", "Findings:", "2022", "A-1",
                                   "Proc. IEEE", "NeurIPS,"])
def test_every_venue_note_check_accepts_reads_back_as_written(tmp_path: Path,
                                                              venue: str) -> None:
    imported = parse_readme(LIST.format(extra=""))
    for n, note in enumerate(["Oral", "(Oral)", "Best Paper", "2nd Place", "x]] y", "Top 1%",
                              "Track: Datasets", "Oral 24", "(#1)"]):
        paper = replace(imported.papers[0], venue=venue, year=2023, venue_note=note)
        folder = tmp_path / str(n)
        write_list(folder, imported.info, [paper], imported.stems)
        again = parse_readme(render_readme(check_dir(folder))).papers[0]
        assert (again.venue, again.year, again.venue_note) == (venue, 2023, note)


def test_tags_with_spaces_before_an_entry_are_marks(tmp_path: Path) -> None:
    imported = parse_readme((READMES / "longtags.md").read_text(encoding="utf-8"))
    assert imported.skipped == []
    assert [(m.id, m.symbol) for m in imported.info.marks] == [
        ("best-award", "[Best Paper]"), ("workshop", "[W]"),
        ("marked-honorable-mention", "[Honorable Mention]")]
    assert [(p.marks, p.venue_note) for p in imported.papers] == [
        (("best-award",), None), (("workshop",), None), (("marked-honorable-mention",), None),
        (("best-award", "workshop"), "Oral")]
    write_list(tmp_path, imported.info, imported.papers, imported.stems)
    readme = render_readme(check_dir(tmp_path))
    assert "- [Best Paper][W][[ICCV 2021 Oral]](https://example.org/g4) **Two Tags and a " \
        "Note**\n" in readme
    assert "- \\[Best Paper]: Best paper award\n" in readme
