"""site_builder.importers: the seed README → records, repairs, and the round trip."""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.checking import check_dir
from site_builder.dump import file_stems, write_list
from site_builder.errors import InvalidRecords
from site_builder.importers import parse_readme
from site_builder.importers.repair import fix_mojibake, latex_to_text
from site_builder.model import (
    Entry,
    ListInfo,
    Mark,
    NoteLabel,
    Paper,
    PaperList,
    PaperNote,
    Section,
)
from site_builder.render import render_readme
from site_builder.text import fold, squash
from tests.conftest import SEED

MOJIBAKE = ("√", "Ô", "‚Äô", "üåü", "Ã", "â€")


@pytest.fixture(scope="module")
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed(seed_text: str):
    return parse_readme(seed_text)


@pytest.fixture(scope="module")
def seed_dir(seed, tmp_path_factory: pytest.TempPathFactory) -> Path:
    papers = tmp_path_factory.mktemp("seed") / "papers"
    write_list(papers, seed.info, seed.papers, file_stems(seed.papers))
    return papers


@pytest.fixture(scope="module")
def seed_readme(seed_dir: Path) -> str:
    return render_readme(check_dir(seed_dir))


# --- the seed ----------------------------------------------------------------------------

def test_seed_imports_33_papers_in_10_sections(seed) -> None:
    assert len(seed.papers) == 33
    paper_sections = [s for s in seed.info.sections if s.id]
    assert len(paper_sections) == 10
    assert [s.anchor for s in seed.info.sections] == [f"s{i}" for i in range(1, 14)]
    assert [s.title for s in paper_sections] == [
        'Solving "Identity Mapping"', "Supervised Learning", "Self-Supervised Learning",
        "AE-Based Approaches", "GAN-Based Approaches", "Diffusion-Based Approaches",
        "Multi-Modal Fusion", "Vision Language Models", "Knowledge Distillation", "Benchmarks"]
    assert {p.category for p in seed.papers} == {s.id for s in paper_sections}


def test_seed_information_sections_and_header(seed) -> None:
    info = seed.info
    overview, tips, stars = (info.sections[0], info.sections[1], info.sections[-1])
    assert overview.title == "📚 Overview of Medical Imaging Anomaly Detection"
    assert overview.image is not None and overview.image.src.startswith(
        "https://github.com/user-attachments/assets/1abc4d53")
    assert tips.title == "✏️ Tips"
    assert tips.legend and tips.items == (":octocat:: Code",)  # the * line is the mark
    assert stars.title == "🥰 Star History" and stars.chart is not None
    assert stars.chart.link and stars.chart.link.startswith("https://star-history.com/")
    assert info.title == "🌟 Paper List for Medical Anomaly Detection"
    assert info.contents_title == "📇 Contents"
    assert info.abstract_label == "📋 Abstract (Click to Expand)"
    assert [n.label for n in info.notes] == ["🦉 Contributors", "🎓 DeepWiki",
                                             "📦 Other resources"]
    assert info.contact is not None and info.contact.email == "szhsxhsyf@hdu.edu.cn"
    assert len(info.logos) == 8 and info.logos[0].link == "https://www.hdu.edu.cn/"
    assert len(info.badges) == 5 and info.footer is not None


def test_mojibake_is_repaired_everywhere(seed, seed_dir: Path) -> None:
    authors = [a for p in seed.papers for a in p.authors]
    for name in ("Frénay, Benoît", "Krüger, Julia", "Sandkühler, Robin", "Müller, Johanna P"):
        assert name in authors
    assert any("’" in (p.abstract or "") for p in seed.papers)
    assert seed.info.title.startswith("🌟")
    records = "".join(p.read_text(encoding="utf-8") for p in seed_dir.iterdir())
    for bad in MOJIBAKE:
        assert bad not in records, bad


def test_others_stays_the_last_author(seed) -> None:
    with_others = [p for p in seed.papers if "others" in p.authors]
    assert with_others and all(p.authors[-1] == "others" for p in with_others)


def test_the_tips_line_declares_the_mark_and_the_star_carries_it(seed, seed_text: str) -> None:
    assert seed.info.marks == (Mark(id="non-medical", symbol="*", label="non-medical",
                                    description="Papers for Non-Medical Anomaly Detection"),)
    (tips,) = [s for s in seed.info.sections if s.legend]
    assert tips.items == (":octocat:: Code",)
    assert {p.marks for p in seed.papers} == {(), ("non-medical",)}
    starred = {p.title for p in seed.papers if p.marks}
    assert len(starred) == len(re.findall(r"^- \*\[\[", seed_text, re.M)) > 0
    assert "Dinomaly: The Less Is More Philosophy in Multi-Class Unsupervised Anomaly " \
        "Detection" not in starred
    assert "A Unified Model for Multi-class Anomaly Detection" in starred


def test_seed_import_warns_about_the_copied_abstract(seed_dir: Path) -> None:
    """MOOD (CVPR 2023) carries the abstract of AE4AD (MICCAI 2024) in the seed."""
    plist = check_dir(seed_dir)
    [warning] = plist.warnings
    assert warning.severity == "warning" and warning.field == "abstract"
    names = {Path(warning.path).name, *re.findall(r"[\w-]+\.yaml", warning.message)}
    assert names == {"li2023-rethinking-out-of-distribution-ood.yaml",
                     "cai2024-rethinking-autoencoders-for-medical-anomaly.yaml"}


# --- an independent reading of the seed --------------------------------------------------

def _repair(text: str) -> str:
    """Mac Roman mojibake undone run by run (written here again, not the importer's)."""
    def run(m: re.Match[str]) -> str:
        try:
            return m.group(0).encode("mac_roman").decode("utf-8")
        except UnicodeError:
            return m.group(0)
    return re.sub(r"[^\x00-\x7f]+", run, text)


_E = re.compile(r"^- (?P<star>\*)?\[\[(?P<venue>.+) (?P<year>\d{4})\]\]\((?P<url>[^)]+)\) "
                r"\*\*(?P<title>.+)\*\*(?: \[:octocat:\]\((?P<code>[^)]+)\))?\s*$")


def _entries(readme: str, unescape: bool) -> dict[tuple[str, str], dict[str, str | None]]:
    """Every paper entry of a README in the list's format, read with plain regexes."""
    def md(s: str) -> str:
        return re.sub(r"\\(.)", r"\1", s) if unescape else s

    out: dict[tuple[str, str], dict[str, str | None]] = {}
    section = ""
    lines = readme.splitlines()
    current: dict[str, str | None] | None = None
    for i, line in enumerate(lines):
        head = re.match(r"^## \d+\. (.+?) <", line)
        if head:
            section = md(head.group(1))
            continue
        m = _E.match(line)
        if m:
            current = {"section": section, "star": "*" if m["star"] else "",
                       "venue": md(m["venue"]), "year": m["year"], "url": m["url"],
                       "title": md(m["title"]), "code": m["code"], "authors": None,
                       "figure": None, "abstract": None}
            out[(current["url"] or "", current["title"] or "")] = current
            continue
        if current is None:
            continue
        if current["authors"] is None and re.match(r"^  \*.+\*$", line):
            current["authors"] = md(line.strip()[1:-1])
        elif current["figure"] is None and (img := re.search(r'<img src="([^"]+)"', line)):
            current["figure"] = html.unescape(img.group(1))
        elif line.startswith("<summary>") and current["abstract"] is None:
            current["abstract"] = squash(html.unescape(lines[i + 1]))
    return out


def test_rendered_entries_match_the_seed(seed_text: str, seed_readme: str) -> None:
    seed_entries = _entries(_repair(seed_text), unescape=False)
    rendered = _entries(seed_readme, unescape=True)
    assert len(seed_entries) == len(rendered) == 33
    assert seed_entries.keys() == rendered.keys()
    for key, want in seed_entries.items():
        got = rendered[key]
        if "M{\\\"u}ller" in (want["authors"] or ""):
            assert got["authors"] == want["authors"].replace('M{\\"u}ller', "Müller")
            want = {**want, "authors": got["authors"]}
        assert got == want, key


# --- round trips -----------------------------------------------------------------------

def test_importing_the_rendered_readme_gives_the_same_readme(seed_readme: str,
                                                             tmp_path: Path) -> None:
    again = parse_readme(seed_readme)
    papers = tmp_path / "papers"
    write_list(papers, again.info, again.papers, file_stems(again.papers))
    assert render_readme(check_dir(papers)) == seed_readme


def test_flagship_readme_round_trips(tmp_path: Path) -> None:
    from tests.conftest import GOLDEN

    readme = (GOLDEN / "flagship.md").read_text(encoding="utf-8")
    again = parse_readme(readme)
    write_list(tmp_path, again.info, again.papers, file_stems(again.papers))
    assert render_readme(check_dir(tmp_path)) == readme


def test_import_of_nothing_like_a_list() -> None:
    imported = parse_readme("# Hello\n\nJust text.\n")
    assert imported.papers == []


# --- repairs -----------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "fixed"), [
    ("\uf8ffüåü Paper List", "🌟 Paper List"),
    ("Fr√©nay, Beno√Æt", "Frénay, Benoît"),
    ("Kr√ºger", "Krüger"),
    ("the model‚Äôs output", "the model’s output"),
])
def test_fix_mojibake(raw: str, fixed: str) -> None:
    assert fix_mojibake(raw) == fixed
    assert fix_mojibake(fixed) == fixed  # idempotent


@pytest.mark.parametrize("text", ["Frénay, Benoît", "🌟 ✏️ 📋", "李华", "naïve café — “x”",
                                  "Ω≈ç√∫", "plain ASCII", "—ß and 🌟"])
def test_fix_mojibake_leaves_correct_text_alone(text: str) -> None:
    assert fix_mojibake(text) == text


@given(st.text(max_size=30))
def test_fix_mojibake_is_idempotent(text: str) -> None:
    once = fix_mojibake(text)
    assert fix_mojibake(once) == once


@pytest.mark.parametrize(("raw", "text"), [
    ('M{\\"u}ller, Johanna', "Müller, Johanna"),
    ("Fr{\\'e}nay", "Frénay"),
    ("Fran\\c{c}ois", "François"),
    ("Stra{\\ss}e", "Straße"),
    ("Br\\o{}nd", "Brønd"),
    ("Sch\\\"{o}n", "Schön"),
    ("Plain, Name", "Plain, Name"),
    ('Mu{\\"{\\i}}z, Ana', "Muïz, Ana"),
    ("\\textbf{Xu}, Ke", "Xu, Ke"),
    ("Ng, 50% Andrew", "Ng, 50% Andrew"),  # a bare % is not a LaTeX comment here
    ("Lee, {Ann} 100\\%", "Lee, Ann 100%"),
])
def test_latex_to_text(raw: str, text: str) -> None:
    assert latex_to_text(raw) == text


# --- the round-trip property ------------------------------------------------------------

_CHARS = st.sampled_from(list("abcxyzABCXYZ019 ,.:;!?-'\"()*_[]<>&~|$`\\#+=@%/{}éüßø李🌟’—"))
_WORDS = st.text(alphabet=_CHARS, min_size=1, max_size=24).map(squash)


def _ok(value: str) -> bool:
    return bool(value) and not re.search(r"(?:^|\s)and(?:\s|$)", value)


TEXT = _WORDS.filter(_ok)
PART = TEXT.filter(lambda t: "," not in t)  # one person: at most one comma (the rulebook)
NAME = st.one_of(PART, st.builds(lambda a, b: f"{a}, {b}", PART, PART)).filter(_ok)
# Items are trusted inline Markdown kept as written: plain prose is what they round-trip.
ITEM = st.text(alphabet="abcXYZ019 ,.;!?'\"éü🌟’", min_size=1, max_size=20).map(squash) \
    .filter(lambda t: t and t[0].isalpha())
URL = st.builds(lambda path: f"https://example.org/{path}",
                st.text(alphabet="abcxyz0129-._~%/?=&#", max_size=12))


@st.composite
def paper_lists(draw: st.DrawFn) -> PaperList:
    n_sections = draw(st.integers(1, 3))
    sections: list[Section] = []
    for i in range(n_sections):
        if draw(st.booleans()):
            sections.append(Section(title=draw(TEXT), anchor=f"info{i}",
                                    items=tuple(draw(st.lists(ITEM, max_size=2)))))
        sections.append(Section(title=draw(TEXT), id=f"section-{i}", anchor=f"s{i}"))
    ids = [s.id for s in sections if s.id]
    entries = []
    titles: set[str] = set()
    for i in range(draw(st.integers(1, 5))):
        title = draw(TEXT.filter(lambda t: not fold(t) or fold(t) not in titles))
        titles.add(fold(title))  # the validator's duplicate check folds titles too
        paper = Paper(
            title=title, authors=tuple(draw(st.lists(NAME, min_size=1, max_size=3))),
            venue=draw(TEXT), year=draw(st.integers(1990, 2026)),
            url=f"https://example.org/paper/{i}", category=draw(st.sampled_from(ids)),
            code=draw(st.none() | URL), figure=draw(st.none() | URL),
            abstract=draw(st.none() | st.lists(TEXT, min_size=1, max_size=5).map(" ".join)
                          .filter(lambda a, t=title: a.casefold() != t.casefold())),
            )
        entries.append(Entry(f"p{i}", f"p{i}.yaml", paper))
    info = ListInfo(title=draw(TEXT), sections=tuple(sections))
    return PaperList(info, tuple(entries))


PAPER_FIELDS = ("title", "authors", "venue", "year", "url", "code", "figure", "abstract",
                "marks", "category")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(paper_lists())
def test_render_import_round_trip(plist: PaperList) -> None:
    # the generated list is one the validator accepts, written and read as files
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        papers = [e.paper for e in plist.entries]
        write_list(folder, plist.info, papers, [e.key for e in plist.entries])
        try:
            checked = check_dir(folder)
        except InvalidRecords as err:  # pragma: no cover - a generator bug
            raise AssertionError(str(err.problems)) from err
    assert [e.paper for e in checked.entries] == papers

    readme = render_readme(checked)
    imported = parse_readme(readme)
    by_section = {s.title: s for s in plist.info.sections}
    id_of = {s.id: s.title for s in plist.info.sections if s.id}
    # sections: titles, kinds and items in order
    assert [(s.title, bool(s.id), s.items) for s in imported.info.sections] == \
        [(s.title, bool(s.id), s.items) for s in plist.info.sections]
    imported_titles = {s.id: s.title for s in imported.info.sections if s.id}
    # papers: every field, with the category mapped through the section title
    want = sorted((tuple(getattr(p, f) for f in PAPER_FIELDS[:-1]), id_of[p.category])
                  for p in papers)
    got = sorted((tuple(getattr(p, f) for f in PAPER_FIELDS[:-1]),
                  imported_titles[p.category]) for p in imported.papers)
    assert got == want
    assert set(by_section) >= set(imported_titles.values())
    # and the imported records render to the same README
    again = PaperList(imported.info, tuple(Entry(e.key, e.path, p) for e, p in zip(
        sorted(checked.entries, key=lambda e: (e.paper.category, e.paper.url)),
        sorted(imported.papers, key=lambda p: (p.category, p.url)), strict=True)))
    assert render_readme(_same_ids(again, plist)) == readme


def _same_ids(imported: PaperList, original: PaperList) -> PaperList:
    """Imported section ids are slugs of the titles; map them back by position."""
    mapping = {i.id: o.id for i, o in zip(imported.info.sections, original.info.sections,
                                          strict=True) if i.id}
    from dataclasses import replace

    info = replace(imported.info, sections=tuple(
        replace(s, id=mapping.get(s.id) if s.id else None) for s in imported.info.sections))
    entries = tuple(replace(e, paper=replace(e.paper, category=mapping[e.paper.category]))
                    for e in imported.entries)
    return PaperList(info, entries)



ODD = """\
## 1. Things <div id="s3"></div>

Some <b>intro</b> text that is not a paper.

- [[CVPR 2024]](https://example.org/a) **A Paper** [:octocat:](https://github.com/a/b) [Project](https://example.org/p)

  *Doe, Jane*

- [[CVPR]](https://example.org/b) **No Year Paper**
"""


def test_import_reports_every_line_it_could_not_place(tmp_path: Path, capsys) -> None:
    from site_builder.cli import main
    from site_builder.importers.readme import parse_readme

    imported = parse_readme(ODD)
    assert [p.title for p in imported.papers] == ["A Paper"]
    assert imported.papers[0].code == "https://github.com/a/b"
    assert [line for line, _ in imported.skipped] == [3, 9]
    assert [(link.label, link.url) for link in imported.papers[0].links] == [
        ("Project", "https://example.org/p")]
    source = tmp_path / "odd.md"
    source.write_text(ODD, encoding="utf-8")
    assert main(["import", str(source), "--papers", str(tmp_path / "p")]) == 1
    err = capsys.readouterr().err
    assert f"{source}:9: error: this paper entry is not in the list's format" in err
    assert f"{source}:3: warning: not imported: 'Some <b>intro</b> text" in err


def test_a_lettered_list_with_year_first_venues_imports_and_renders(tmp_path: Path,
                                                                   capsys) -> None:
    """Another list of the same family: [[YEAR-VENUE]], anchors before lettered titles,
    ### subsections with anchors, HTML badges, relative logo paths, intro bullets."""
    from site_builder.cli import main
    from site_builder.importers.readme import parse_readme

    source = Path(__file__).parent / "fixtures" / "readmes" / "lettered.md"
    imported = parse_readme(source.read_text(encoding="utf-8"))
    info = imported.info
    assert info.numbered is False
    assert info.repo == "https://github.com/example/Paper-List-for-Example-Learning"
    assert info.description and info.description.startswith("The list covers")
    assert [b.alt for b in info.badges] == ["Stars", "PRs Welcome"]
    assert info.logos[0].src.endswith("/blob/main/logos/EX.png")
    assert [(s.id, s.anchor, s.title) for s in info.paper_sections()] == [
        ("a-foundations", "s1", "A. Foundations"),
        ("b-medical-imaging", "s2", "B. Medical imaging"),
        ("b1-brain-mri", "s21", "B1. Brain (MRI)")]
    (b1,) = next(s for s in info.sections if s.id == "b-medical-imaging").sections
    assert b1.id == "b1-brain-mri"  # a ### section is a subsection of the ## above it
    assert [(p.venue, p.year, p.code is not None, p.category) for p in imported.papers] == [
        ("NeurIPS", 2019, True, "a-foundations"), ("ECML PKDD", 2021, False, "a-foundations"),
        ("MICCAI", 2024, False, "b1-brain-mri")]
    assert all(p.figure and p.figure.startswith("https://") for p in imported.papers)
    skipped = dict(imported.skipped)
    assert skipped[48] == "after the entry: [:octocat:](#)"
    assert not any("Intro" in text for text in skipped.values())  # notes, not lost lines
    assert [p.notes for p in imported.papers] == [
        (PaperNote(lang="en", text=f"The {n} paper."),) for n in ("first", "second", "third")]
    assert info.note_labels == (NoteLabel(lang="en", label="Intro (EN)"),)

    papers = tmp_path / "papers"
    assert main(["import", str(source), "--papers", str(papers)]) == 0
    assert "Intro" not in capsys.readouterr().err
    out = tmp_path / "README.md"
    assert main(["readme", "--papers", str(papers), "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## A. Foundations <a id=\"s1\"></a>" in text
    assert "- [[ECML PKDD 2021]](https://arxiv.org/pdf/2011.02863) **Paper Two, Because" in text
    again = tmp_path / "again"
    assert main(["import", str(out), "--papers", str(again)]) == 0
    assert main(["readme", "--papers", str(again), "-o", str(tmp_path / "R2.md")]) == 0
    assert (tmp_path / "R2.md").read_text(encoding="utf-8") == text


def test_a_list_with_sixteen_sections_works_unchanged(tmp_path: Path, monkeypatch) -> None:
    """Sections are data: a list of the same format with 16 sections imports, checks,
    renders its 16 numbered sections with their anchors, and builds 16 section pages."""
    from site_builder.cli import main

    parts = ["## 📇 Contents", ""]
    parts += [f"- [**{n}. Topic {n}**](#s{n + 2})" for n in range(1, 17)]
    for n in range(1, 17):
        parts += ["", f'## {n}. Topic {n} <div id = "s{n + 2}"></div>', "",
                  f"- [[MICCAI {2000 + n}]](https://example.org/p{n}) **Paper {n} on Topic {n}** "
                  f"[:octocat:](https://github.com/example/p{n})", "",
                  f"  *Doe, Jane and Roe, R{n}*"]
    source = tmp_path / "sixteen.md"
    source.write_text("\n".join(parts) + "\n", encoding="utf-8")
    papers = tmp_path / "papers"
    assert main(["import", str(source), "--papers", str(papers)]) == 0
    readme = tmp_path / "README.md"
    assert main(["readme", "--papers", str(papers), "-o", str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    for n in range(1, 17):
        assert f'## {n}. Topic {n} <a id="s{n + 2}"></a>' in text
        assert f"- [**{n}. Topic {n}**](#s{n + 2})" in text
    monkeypatch.chdir(tmp_path)
    assert main(["site", "--papers", "papers", "-d", "site"]) == 0
    assert len(list((tmp_path / "site" / "sections").glob("*/index.html"))) == 16


# --- the curator's order ------------------------------------------------------------------

def _keys_by_section(plist: PaperList) -> dict[str | None, list[str]]:
    return {s.id: [e.key for e in entries] for s, entries in plist.grouped()}


def test_the_flagship_list_keeps_the_seed_s_order_in_every_section(seed, seed_dir) -> None:
    """The reviewed records fixed some titles, so papers are compared by file name."""
    from tests.conftest import FLAGSHIP

    in_seed: dict[str | None, list[str]] = {}
    for paper, stem in zip(seed.papers, seed.stems, strict=True):  # README order
        in_seed.setdefault(paper.category, []).append(stem)
    assert _keys_by_section(check_dir(FLAGSHIP)) == in_seed
    assert _keys_by_section(check_dir(seed_dir)) == in_seed  # the importer wrote order:
    reordered = [s.id for s in seed.info.paper_sections() if s.order]
    assert reordered == ["diffusion-based-approaches", "multi-modal-fusion",
                         "vision-language-models", "benchmarks"]


def test_papers_an_order_does_not_name_follow_newest_first(tmp_path: Path) -> None:
    import shutil

    from tests.conftest import LIST_FIXTURE, write_paper

    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    for stem, year in (("old2019", 2019), ("new2025", 2025), ("mid2022", 2022)):
        write_paper(papers, stem, title=f"Paper {stem}", year=year,
                    url=f"https://example.org/{stem}")
    lines = (papers / "_list.yaml").read_text(encoding="utf-8").replace(
        "  id: reconstruction\n", "  id: reconstruction\n  order: [old2019, mid2022]\n")
    (papers / "_list.yaml").write_text(lines, encoding="utf-8")
    keys = {s.id: [e.key for e in entries] for s, entries in check_dir(papers).grouped()}
    assert keys["reconstruction"][:2] == ["old2019", "mid2022"]
    rest = [e for e in check_dir(papers).grouped()[0][1][2:]]
    assert [e.paper.year for e in rest] == sorted((e.paper.year for e in rest), reverse=True)
    assert "new2025" in keys["reconstruction"][2:]
    (papers / "_list.yaml").write_text(lines + "newest_first: true\n", encoding="utf-8")
    newest = check_dir(papers).grouped()[0][1]
    assert [e.paper.year for e in newest] == sorted((e.paper.year for e in newest),
                                                    reverse=True)


# --- a sibling list: marks, bilingual notes, cross-listing, lettered subsections ----------

def test_a_sibling_list_round_trips_through_check_readme_and_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """import → check → README → site → import again: the same record files, byte for
    byte, and the same README."""
    from site_builder.cli import main
    from tests.conftest import FAMILY

    monkeypatch.chdir(tmp_path)
    assert main(["import", str(FAMILY), "--papers", "first"]) == 0
    err = capsys.readouterr().err
    assert "not imported" not in err and "error" not in err  # nothing dropped
    plist = check_dir(Path("first"))
    info = plist.info
    assert [(m.id, m.symbol) for m in info.marks] == [("surveys-and-overviews", "†"),
                                                      ("must-read", "⭐")]
    assert info.optional == ("authors",) and info.numbered is False
    assert [(n.lang, n.label) for n in info.note_labels] == [("zh", "简介"), ("en", "Intro")]
    (d,) = [s for s in info.sections if s.id == "d-applications"]
    assert [(s.title, s.anchor) for s in d.sections] == [("D1. Medical Imaging", "sD1"),
                                                         ("D2. Industrial Inspection", "sD2")]
    by_key = {e.key: e.paper for e in plist.entries}
    survey = by_key["anon2022-a-survey-of-family-learning"]
    assert (survey.category, survey.also_in, survey.authors) == (
        "a-foundations", ("d1-medical-imaging",), ())
    assert [(n.lang, n.text) for n in survey.notes] == [("zh", "一篇综述。"),
                                                        ("en", "A survey of the field.")]
    assert by_key["novak2023-paper-four-inspecting-parts"].marks == (
        "surveys-and-overviews", "must-read")
    assert len(plist.entries) == 5  # the two cross-listed papers are one record each

    assert main(["readme", "--papers", "first", "-o", "README.md"]) == 0
    readme = Path("README.md").read_text(encoding="utf-8")
    assert "## D. Applications <a id=\"sD\"></a>" in readme
    assert "### D1. Medical Imaging <a id=\"sD1\"></a>" in readme
    assert "  - [**D1. Medical Imaging**](#sD1)" in readme  # contents follow the nesting
    assert "- †⭐[[CVPR 2023]]" in readme  # marks in the order the list declares them
    assert "- †: Surveys and Overviews\n\n- ⭐: Must-Read Papers\n\n- :octocat:: Code" in readme
    assert "  - 简介: 一篇综述。\n  - Intro: A survey of the field." in readme
    assert "Applies the method to \\*brain\\* MRI." in readme  # note text is escaped
    assert readme.count("**A Survey of Family Learning**") == 2
    assert "↪ *cross-listed from [A. Foundations](#sA)*" in readme
    assert "Paper Two: Methods \\<and\\> Madness" in readme

    assert main(["site", "--papers", "first", "-d", "site"]) == 0
    capsys.readouterr()
    page = Path("site/sections/d1-medical-imaging/index.html").read_text(encoding="utf-8")
    assert 'id="anon2022-a-survey-of-family-learning"' not in page  # its home has the id
    assert "Cross-listed from" in page and "a-foundations/#anon2022-a-survey" in page
    parent = Path("site/sections/d-applications/index.html").read_text(encoding="utf-8")
    assert '<a href="../d1-medical-imaging/">D1. Medical Imaging</a>' in parent
    home = Path("site/sections/a-foundations/index.html").read_text(encoding="utf-8")
    assert home.count('id="anon2022-a-survey-of-family-learning"') == 1
    assert '<li lang="zh"><span class="sb-notes__label">简介</span>: 一篇综述。</li>' in home
    assert "&lt;and&gt;" in Path("site/sections/b-methods/index.html").read_text("utf-8")

    assert main(["import", "README.md", "--papers", "again"]) == 0
    assert "not imported" not in capsys.readouterr().err
    first = {p.name: p.read_bytes() for p in Path("first").iterdir()}
    again = {p.name: p.read_bytes() for p in Path("again").iterdir()}
    assert again == first
    assert main(["readme", "--papers", "again", "-o", "README2.md"]) == 0
    assert Path("README2.md").read_text(encoding="utf-8") == readme


def test_a_paper_listed_twice_with_different_details_is_reported() -> None:
    text = ("## 1. First <a id=\"s1\"></a>\n\n"
            "- [[CVPR 2024]](https://example.org/p) **A Paper**\n\n  *Doe, Jane*\n\n"
            "## 2. Second <a id=\"s2\"></a>\n\n"
            "- [[CVPR 2024]](https://example.org/p) **A Paper**\n\n  *Doe, Jane and Roe, Rick*\n"
            "\n## 3. Third <a id=\"s3\"></a>\n\n"
            "- [[CVPR 2024]](https://example.org/p) **A Paper**\n\n  *Doe, Jane*\n")
    imported = parse_readme(text)
    (paper,) = imported.papers
    assert (paper.category, paper.also_in) == ("first", ("second", "third"))
    assert imported.skipped == [(9, "listed again (one record, home section 'first'): its "
                                 "authors differ from the first entry's and were not "
                                 "imported")]
@pytest.mark.parametrize(("raw", "fixed"), [
    ("FrÃ©nay, BenoÃ®t", "Frénay, Benoît"),  # UTF-8 read as Latin-1 / cp1252
    ("the modelâ€™s output", "the model’s output"),
    ("KrÃ¼ger", "Krüger"),
])
def test_fix_mojibake_latin1(raw: str, fixed: str) -> None:
    assert fix_mojibake(raw) == fixed
    assert fix_mojibake(fixed) == fixed


def test_a_paper_sections_intro_paragraph_is_its_description(tmp_path: Path) -> None:
    """Prose before a section's first entry is the section's description: kept, shown on
    the site, and written back under the heading (an intro with HTML stays reported)."""
    from site_builder.checking import check_dir
    from site_builder.dump import write_list
    from site_builder.importers.readme import parse_readme
    from site_builder.render import render_readme

    text = ODD.replace("Some <b>intro</b> text that is not a paper.",
                       "Papers that *reconstruct* the image;\nsee [the survey](https://example.org/s).")
    text = text.replace("- [[CVPR]](https://example.org/b) **No Year Paper**\n", "")
    imported = parse_readme(text)
    assert imported.skipped == []
    [section] = [s for s in imported.info.sections if s.id]
    assert section.description == ("Papers that *reconstruct* the image; see "
                                   "[the survey](https://example.org/s).")
    write_list(tmp_path / "papers", imported.info, imported.papers, imported.stems)
    readme = render_readme(check_dir(tmp_path / "papers"))
    assert ('<a id="s3"></a>\n\nPapers that *reconstruct* the image; see '
            "[the survey](https://example.org/s).\n\n- [[CVPR 2024]]") in readme
    again = parse_readme(readme)
    assert [s.description for s in again.info.sections if s.id] == [section.description]
