"""Discovery: related papers, the map of the field and the section suggestion.

The fixture list (tests/fixtures/discovery) has five sections of six papers whose abstracts
use each section's own words, so the right answers are known.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from site_builder import cli, similar
from site_builder.checking import check_dir
from site_builder.commands.from_issue import report
from site_builder.model import Entry, Paper, PaperList
from site_builder.site import build_pages, section_path
from tests.test_from_issue import body

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "discovery"
SVG = "{http://www.w3.org/2000/svg}"
NUMERIC = ("numpy", "scipy", "sklearn", "threadpoolctl")


@pytest.fixture(scope="module")
def plist() -> PaperList:
    return check_dir(FIXTURE)


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE, tmp_path / "papers"))


def test_check_and_readme_never_import_the_numeric_libraries(tmp_path: Path) -> None:
    script = (
        "import json, sys\n"
        "from site_builder.cli import main\n"
        f"codes = [main(['check', '--papers', {str(FIXTURE)!r}, '--notes']),\n"
        f"         main(['readme', '--papers', {str(FIXTURE)!r}, '-o', "
        f"{str(tmp_path / 'README.md')!r}])]\n"
        "print(json.dumps([codes, sorted(m.split('.')[0] for m in sys.modules)]))\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    codes, modules = json.loads(out.splitlines()[-1])
    assert codes == [0, 0]
    assert "site_builder" in modules  # the probe works
    assert not set(NUMERIC) & set(modules)


def test_related_lists_leave_out_the_paper_and_hold_five(plist: PaperList) -> None:
    rel = similar.related(similar.term_matrix(plist.entries))
    assert set(rel) == {e.key for e in plist.entries}
    for key, items in rel.items():
        assert len(items) == similar.RELATED
        assert key not in [r.key for r in items]
        assert len({r.key for r in items}) == len(items)
        scores = [r.score for r in items]
        assert scores == sorted(scores, reverse=True) and scores[-1] > 0


def test_related_reasons_are_terms_both_papers_share(plist: PaperList) -> None:
    index = similar.build_index(plist.entries)
    vectors = dict(zip(index.keys, index.vectors, strict=True))
    for key, items in similar.related(similar.term_matrix(plist.entries)).items():
        for r in items:
            assert r.terms and all(t in vectors[key] and t in vectors[r.key] for t in r.terms)


def test_the_term_matrix_holds_the_index_vectors(plist: PaperList) -> None:
    """The site's matrix and check's pure-Python vectors weigh every term alike."""
    index, matrix = similar.build_index(plist.entries), similar.term_matrix(plist.entries)
    assert matrix.keys == index.keys and list(matrix.terms) == sorted(index.idf)
    for i, vector in enumerate(index.vectors):
        row = similar._row(matrix.matrix, i)
        assert {matrix.terms[c] for c in row} == set(vector)
        assert all(math.isclose(w, vector[matrix.terms[c]], rel_tol=1e-12)
                   for c, w in row.items())


def test_related_papers_do_not_depend_on_how_the_product_is_split(plist: PaperList,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """Common terms go through a dense product, the others a sparse one: any split (all
    dense, all sparse, small blocks) finds the same papers, in the same order."""
    matrix = similar.term_matrix(plist.entries)

    def keys(**split: int) -> dict[str, list[str]]:
        monkeypatch.setattr(similar, "COMMON_SHARE", split.get("share", 20))
        monkeypatch.setattr(similar, "COMMON_MOST", split.get("most", 512))
        found = similar.related(matrix, block=split.get("block", 256))
        return {k: [r.key for r in v] for k, v in found.items()}

    usual = keys()
    assert usual == keys(share=10**9) == keys(most=0) == keys(share=1, block=7)


def test_related_papers_are_mostly_from_the_same_section(plist: PaperList) -> None:
    category = {e.key: e.paper.category for e in plist.entries}
    rel = similar.related(similar.term_matrix(plist.entries))
    same = sum(category[r.key] == category[k] for k, items in rel.items() for r in items)
    assert same / sum(len(items) for items in rel.values()) >= 0.8


def test_related_lists_are_symmetric_enough(plist: PaperList) -> None:
    rel = similar.related(similar.term_matrix(plist.entries))
    listed = {k: {r.key for r in items} for k, items in rel.items()}
    pairs = [(k, other) for k, others in listed.items() for other in others]
    back = sum(k in listed[other] for k, other in pairs)
    assert back / len(pairs) >= 0.7


def _related_in_a_fresh_process(seed: str) -> str:
    script = ("import json\nfrom site_builder import similar\n"
              "from site_builder.checking import check_dir\n"
              f"p = check_dir(__import__('pathlib').Path({str(FIXTURE)!r}))\n"
              "i = similar.term_matrix(p.entries)\n"
              "print(json.dumps([{k: [(r.key, r.score, r.terms) for r in v]\n"
              "                   for k, v in similar.related(i).items()},\n"
              "                  similar.project(i)], sort_keys=True))\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, cwd=ROOT, env={"PYTHONHASHSEED": seed,
                                                     "PATH": "/usr/bin:/bin"}).stdout


def test_related_lists_and_the_map_are_stable_across_runs() -> None:
    """Different hash seeds change set and dict order: the output must not follow it."""
    assert _related_in_a_fresh_process("1") == _related_in_a_fresh_process("2")


def test_ties_are_broken_by_key() -> None:
    from scipy.sparse import csr_matrix

    index = similar.TermMatrix(keys=("a", "b", "c", "d"), terms=("t", "u"),
                               matrix=csr_matrix([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0],
                                                  [0.0, 1.0]]))
    rel = similar.related(index, k=5)
    assert [r.key for r in rel["c"]] == ["a", "b"]  # never itself, never d (nothing shared)
    assert rel["d"] == []


def test_suggestion_finds_each_papers_section_left_out(plist: PaperList) -> None:
    assert similar.leave_one_out_accuracy(plist) == (30, 30)


@pytest.mark.parametrize(("title", "abstract", "section"), [
    ("Denoising Restoration", "A diffusion model with few denoising steps restores the scan; "
     "the reverse diffusion residual marks tumours.", "diffusion"),
    ("Critic Scores", "A generative adversarial network whose discriminator and generator "
     "inversion score outliers.", "gan"),
    ("Teaching Students", "A student network distils a frozen teacher; the teacher-student "
     "feature discrepancy scores anomalies.", "distill"),
    ("Prompt Me", "CLIP text prompts align with image patches for zero-shot "
     "vision-language anomaly segmentation.", "vlm"),
    ("Fair Comparison", "We benchmark methods on public datasets with standard evaluation "
     "metrics and protocols.", "bench"),
])
def test_suggestion_for_a_new_abstract(plist: PaperList, title: str, abstract: str,
                                       section: str) -> None:
    s = similar.suggest_for_text(plist, title, abstract)
    assert s.best is not None and s.best[0] == section
    assert s.runner_up is not None and s.runner_up[1] < s.best[1]
    assert s.describe().startswith(f"{section} ({s.best[1]:.2f}), runner-up ")


def test_no_text_no_suggestion(plist: PaperList) -> None:
    assert similar.suggest_for_text(plist, "", None).describe() == ""


def test_check_notes_a_misfiled_paper_without_failing(
        papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    misfiled = next(papers.glob("author12021-denoising-diffusion*.yaml"))
    misfiled.write_text(misfiled.read_text().replace("category: diffusion", "category: gan"))
    assert cli.main(["check", "--papers", str(papers)]) == 0
    assert "note" not in capsys.readouterr().out  # only when asked
    assert cli.main(["check", "--papers", str(papers), "--notes", "--strict"]) == 0
    out = capsys.readouterr().out
    assert f"{misfiled.name}: category: note: the abstract reads far closer to section " \
        "'diffusion'" in out
    assert "0 errors and 1 note in 1 file" in out
    assert cli.main(["check", "--papers", str(papers), "--notes", "--format", "github"]) == 0
    assert "::notice file=" in capsys.readouterr().out
    assert cli.main(["check", "--papers", str(papers), "--notes", "--format", "json"]) == 0
    (note,) = json.loads(capsys.readouterr().out.rsplit("]", 1)[0] + "]")
    assert note["severity"] == "note" and note["field"] == "category"


def test_no_notes_for_a_list_that_fits_or_small_sections(papers: Path) -> None:
    assert similar.section_notes(check_dir(papers)) == []
    for extra in sorted(papers.glob("*.yaml"))[1:]:  # a section under MIN_SECTION
        if "category: gan" in extra.read_text():
            extra.unlink()
    assert similar.section_notes(check_dir(papers)) == []


def test_new_names_the_suggested_section_when_asking_for_one(
        papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["new", "--papers", str(papers), "--no-fetch", "--title",
                     "Teaching Students", "--abstract", "A student distils a frozen teacher; "
                     "teacher-student feature discrepancy."]) == 2
    err = capsys.readouterr().err
    assert re.search(r"give --category, one of: diffusion, gan, distill, vlm, bench "
                     r"\(suggested from the title and abstract: distill \(\d\.\d\d\), "
                     r"runner-up \w+ \(\d\.\d\d\)\)", err), err


def test_new_shows_the_suggestion_in_the_prompt(papers: Path) -> None:
    from site_builder.commands.new import Given, Prompter, scaffold

    shown: list[str] = []
    answers = iter(["5", "Doe, Jane", "MICCAI", "2024", "https://example.org/x"])
    scaffold(papers, Given(fetch=False, title="Fair Comparison of Methods",
                           abstract="We benchmark methods with evaluation metrics."),
             ask=Prompter(lambda prompt: next(answers), shown.append))
    assert shown[0].startswith("Suggested from the title and abstract: bench (")
    assert "  5. Benchmarks (bench)" in shown


def test_from_issue_report_shows_the_suggested_section(
        papers: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("issue.md").write_text(body({
        "category": "bench", "title": "Prompted Segmentation of Anomalies",
        "abstract": "CLIP text prompts and vision-language models segment anomalies "
                    "zero-shot.", "arxiv": "", "code": ""}))
    assert cli.main(["from-issue", "issue.md", "--papers", str(papers), "--report",
                     "report.md"]) == 0
    comment = Path("report.md").read_text()
    assert re.search(r"Suggested section: vlm \(\d\.\d\d\), runner-up \w+ \(\d\.\d\d\) — "
                     r"from the title and abstract; the record keeps the form's choice, "
                     r"`bench`\.", comment), comment


def test_report_without_a_suggestion_says_nothing_of_it(papers: Path) -> None:
    from site_builder.commands.from_issue import from_issue

    added = from_issue(body({"category": "bench"}), papers, write=False)
    assert "Suggested section" not in report([], added)


# --- the map ---------------------------------------------------------------------------

def _svg(text: str) -> ET.Element:
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="sb-map__svg".*?</svg>',
                      text, re.S)
    assert match, "no map in the page"
    return ET.fromstring(match.group(0))


def test_map_page_is_svg_with_one_linked_point_per_paper(plist: PaperList) -> None:
    pages = {p.path: p for p in build_pages(plist)}
    svg = _svg(pages["map.md"].text)
    points = svg.findall(f"{SVG}a")
    assert len(points) == len(plist.entries)
    keys = {e.key: e.paper for e in plist.entries}
    for a in points:
        key = a.get("data-key") or ""
        href = a.get("href") or ""
        page, _, anchor = href.partition("#")
        assert anchor == key and key in keys
        assert page == f"../sections/{keys[key].category}/"
        assert f'id="{key}"' in pages[section_path(keys[key].category)].text
        assert (a.findtext(f"{SVG}title") or "").startswith(keys[key].title)
        circle = a.find(f"{SVG}circle")
        assert circle is not None
        assert 0 <= float(circle.get("cx", -1)) <= 960 and 0 <= float(circle.get("cy", -1)) <= 640
    colours = {a.get("data-section"): a.find(f"{SVG}circle").get("fill")  # type: ignore[union-attr]
               for a in points}
    assert len(set(colours.values())) == len(plist.paper_sections())
    marked = {a.get("data-key") for a in points if "sb-pt--mark" in (a.get("class") or "")}
    assert marked == {e.key for e in plist.entries if e.paper.marks} != set()


def test_map_and_related_keep_hostile_text_as_text(papers: Path) -> None:
    hostile = next(papers.glob("author12021-*.yaml"))
    hostile.write_text(re.sub(r"(?m)^title: .*$", "title: '</title><script>alert(1)</script>"
                              " Denoising Diffusion & <b>Friends</b>'", hostile.read_text()))
    plist = check_dir(papers)
    pages = {p.path: p for p in build_pages(plist)}
    svg = _svg(pages["map.md"].text)  # still parses: the title stayed text
    assert "<script>alert" not in pages["map.md"].text
    assert any("<script>alert(1)" in (a.findtext(f"{SVG}title") or "")
               for a in svg.findall(f"{SVG}a"))
    section = "\n".join(p.text for p in pages.values() if p.path.startswith("sections/"))
    assert "<script>alert" not in section and "&lt;script&gt;alert(1)" in section


def test_section_cards_list_related_papers(plist: PaperList) -> None:
    pages = {p.path: p for p in build_pages(plist)}
    text = pages[section_path("gan")].text
    toggle = '<details class="sb-related" data-search-exclude>'
    assert text.count(f"{toggle}<summary>Related</summary>") == 6
    first = text.split(toggle, 1)[1].split("</details>", 1)[0]
    assert first.count("<li>") == similar.RELATED and "shared: " in first


def test_map_for_tiny_lists(papers: Path) -> None:
    for path in sorted(papers.glob("author*.yaml"))[2:]:
        path.unlink()
    plist = check_dir(papers)
    pages = {p.path: p for p in build_pages(plist)}
    assert len(_svg(pages["map.md"].text).findall(f"{SVG}a")) == 2


def test_notes_count_once_a_record_has_them() -> None:
    """The hook for the coming ``notes`` field: strings or records with a ``text``."""
    from types import SimpleNamespace

    paper = SimpleNamespace(title="Title Words", abstract="Abstract words.", tags=("brain-mri",),
                            notes=("Uses wavelets.", SimpleNamespace(text="Cites wavelets.")))
    terms = similar.paper_terms(paper)  # type: ignore[arg-type]
    assert terms["wavelet"] == 2 and terms["title"] == similar.TITLE_WEIGHT
    assert terms["brain"] == terms["mri"] == 1 and "the" not in terms


def test_words_of_any_script_are_terms() -> None:
    """Accented words stay whole (NFC or not); Han and kana, written without spaces, are
    cut into pairs of characters, so lists in those languages get related papers too."""
    assert similar.tokens("Détection d'anomalies, naïve Fre\u0301chet") == [
        "détection", "anomaly", "naïve", "fréchet"]
    assert similar.tokens("医学图像异常检测 と GAN模型") == [
        "医学", "学图", "图像", "像异", "异常", "常检", "检测", "gan", "模型"]
    assert similar.tokens("异") == []


def test_ascii_text_splits_as_with_any_script() -> None:
    """The ASCII shortcut finds exactly the words the pattern of every script finds."""
    text = ("Self-supervised 3D-CT anomaly_detection: x-ray -- a--b networks, U-Net++ "
            "(2024) e.g. MVTec-AD ")
    assert similar._WORD.findall(text.lower()) == similar._ANY_WORD.findall(text.lower())


def test_related_papers_in_a_list_written_in_chinese() -> None:
    def entry(key: str, title: str) -> Entry:
        return Entry(key, f"{key}.yaml", Paper(title=title, authors=(), venue="X", year=2024,
                                               url="https://example.org", category="a"))

    matrix = similar.term_matrix([entry("a", "医学图像异常检测"), entry("b", "脑部图像异常检测"),
                                  entry("c", "蛋白质结构预测")])
    related = similar.related(matrix)
    assert [r.key for r in related["a"]] == ["b"]
    assert related["c"] == []


def _discovered(found: similar.Discovery) -> tuple[object, object]:
    return ({k: [(r.key, r.score, r.terms) for r in v] for k, v in found.related.items()},
            found.positions)


def test_discovery_is_kept_between_builds_and_is_what_a_computation_gives(
        plist: PaperList, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "cache" / "list.similar.json"
    cold = similar.discover(plist.entries)
    assert not store.exists()
    assert _discovered(similar.discover(plist.entries, store)) == _discovered(cold)
    assert store.is_file()

    def no_numbers(*args: object) -> None:
        raise AssertionError("computed again although nothing changed")

    monkeypatch.setattr(similar, "term_matrix", no_numbers)
    assert _discovered(similar.discover(plist.entries, store)) == _discovered(cold)


def test_discovery_is_found_again_when_a_text_changes(plist: PaperList, tmp_path: Path
                                                      ) -> None:
    import dataclasses

    store = tmp_path / "list.similar.json"
    similar.discover(plist.entries, store)
    first = plist.entries[0]
    edited = [dataclasses.replace(first, paper=dataclasses.replace(
        first.paper, abstract="Protein folding with lattice models and no images at all.")),
        *plist.entries[1:]]
    assert _discovered(similar.discover(edited, store)) == \
        _discovered(similar.discover(edited))
    assert _discovered(similar.discover(edited, store)) != \
        _discovered(similar.discover(plist.entries))


@pytest.mark.parametrize("damage", [
    b"", b"\xff\xfe", b"[]", b'{"format": 1}', b"[" * 100_000,
    "unknown key", "itself", "score as text", "point off the map", "terms not text",
])
def test_a_damaged_or_foreign_discovery_store_is_computed_again(
        plist: PaperList, tmp_path: Path, damage: bytes | str) -> None:
    import json

    store = tmp_path / "list.similar.json"
    cold = _discovered(similar.discover(plist.entries))
    similar.discover(plist.entries, store)
    if isinstance(damage, bytes):
        store.write_bytes(damage)
    else:
        data = json.loads(store.read_text(encoding="utf-8"))
        paper = sorted(data["related"])[0]
        item = data["related"][paper][0]
        if damage == "unknown key":
            item[0] = "not-a-paper"
        elif damage == "itself":
            item[0] = paper
        elif damage == "score as text":
            item[1] = "0.9"
        elif damage == "terms not text":
            item[2] = [1]
        else:
            data["positions"][paper] = [2.0, 0.5]
        store.write_text(json.dumps(data), encoding="utf-8")
    assert _discovered(similar.discover(plist.entries, store)) == cold
    assert _discovered(similar.discover(plist.entries, store)) == cold  # written again
