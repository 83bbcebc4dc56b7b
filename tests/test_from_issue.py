"""``site-builder from-issue``: an issue form body → a validated record file."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder import cli, load
from site_builder.checking import check_dir
from site_builder.commands.from_issue import ListBroken, from_issue, report
from site_builder.errors import InvalidRecords
from site_builder.importers.issue_form import (
    FORM_FIELDS,
    mark_option,
    parse_issue,
    split_answers,
)
from site_builder.model import ListInfo, Mark, Paper, Section
from site_builder.records import check_paper
from tests.conftest import FLAGSHIP

SECTIONS = ["benchmarks", "supervised-learning"]
MARK = Mark(id="non-medical", symbol="*", label="non-medical",
            description="Papers for Non-Medical Anomaly Detection")
INFO = ListInfo(title="A list", sections=tuple(Section(title=s, id=s) for s in SECTIONS),
                marks=(MARK, Mark(id="survey", symbol="†", label="survey",
                                  description="Surveys")))
MARK_OPTION = mark_option(MARK)
ANSWERS = {
    "title": "Reconstruction Is Not All You Need: A Study of Anomaly Maps",
    "authors": "Doe, Jane\nRoe, Richard; Poe, Edgar",
    "venue": "MICCAI",
    "year": "2024",
    "venue_note": "",
    "url": "https://example.org/papers/42",
    "category": "benchmarks",
    "code": "https://github.com/example/anomaly-maps",
    "figure": "",
    "abstract": "We look at anomaly maps.\n\nThey are useful.",
    "marks": f"- [X] {MARK_OPTION}\n- [ ] {mark_option(INFO.marks[1])}",
    "arxiv": "2401.01234",
    "doi": "",
}


def body(answers: dict[str, str] | None = None, newline: str = "\n") -> str:
    """An issue body exactly as GitHub renders a submitted form."""
    answers = {**ANSWERS, **(answers or {})}
    parts = [f"### {f.label}\n\n{answers[f.id] or '_No response_'}" for f in FORM_FIELDS]
    return "\n\n".join(parts).replace("\n", newline)


def problems_of(text: str) -> dict[str, str]:
    with pytest.raises(InvalidRecords) as err:
        parse_issue(text, SECTIONS)
    assert all(p.line == 0 and p.path == "issue" for p in err.value.problems)
    return {p.field: p.message for p in err.value.problems}


@pytest.fixture
def papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real list, with the working directory above it."""
    shutil.copytree(FLAGSHIP, tmp_path / "papers")
    monkeypatch.chdir(tmp_path)
    return Path("papers")


def test_a_form_becomes_a_typed_paper() -> None:
    paper = parse_issue(body(), SECTIONS, info=INFO)
    assert paper == Paper(
        title=ANSWERS["title"], authors=("Doe, Jane", "Roe, Richard", "Poe, Edgar"),
        venue="MICCAI", year=2024, url=ANSWERS["url"], category="benchmarks",
        code=ANSWERS["code"], abstract="We look at anomaly maps.\n\nThey are useful.",
        marks=("non-medical",), arxiv="2401.01234")


def test_crlf_bodies_unticked_boxes_and_no_responses() -> None:
    paper = parse_issue(body({"marks": f"- [ ] {MARK_OPTION}", "code": "",
                              "arxiv": "", "abstract": ""}, "\r\n"), SECTIONS, info=INFO)
    assert (paper.marks, paper.code, paper.arxiv, paper.abstract) == \
        ((), None, None, None)


def test_a_heading_typed_inside_an_answer_stays_in_that_answer() -> None:
    text = body({"abstract": "First part.\n### Code link\nhttps://evil.example/x"})
    assert split_answers(text)["abstract"].endswith("https://evil.example/x")
    paper = parse_issue(text, SECTIONS)
    assert paper.code == ANSWERS["code"]
    assert "### Code link" in (paper.abstract or "")


def test_problems_name_the_form_fields() -> None:
    found = problems_of(body({"url": "example.org/paper", "year": "20x4", "title": "",
                              "doi": "https://doi.org/10.1000/xyz"}))
    assert set(found) == {"Paper link", "Year", "Title", "DOI"}
    assert found["Title"] == "is empty"
    assert "not an http(s) URL" in found["Paper link"]


def test_an_unknown_category_and_a_removed_section() -> None:
    assert "unknown category 'gan-stuff'" in problems_of(body({"category": "gan-stuff"}))[
        "Category"]
    text = body().replace("### Venue\n\nMICCAI\n\n", "")
    assert problems_of(text) == {"Venue": "is missing from the issue"}


def test_a_body_that_is_not_the_form() -> None:
    assert list(problems_of("Please add https://arxiv.org/abs/2401.01234 thanks")) == [""]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=80))
def test_any_title_is_only_data(title: str) -> None:
    """Whatever is typed, the record written loads back as the same paper: no YAML (or
    other) structure can be smuggled in through an answer."""
    try:
        paper = parse_issue(body({"title": title.replace("\n", " ")}), SECTIONS)
    except InvalidRecords:
        return
    from site_builder.dump import to_yaml

    src = load.parse("x.yaml", to_yaml(paper).encode())
    again, problems = check_paper(src, SECTIONS)
    assert problems == [] and again == paper


def test_writes_the_record_and_the_list_stays_valid(papers: Path) -> None:
    result = from_issue(body(), papers)
    assert result.written and result.path.exists()
    assert result.path.name.startswith("doe2024-reconstruction-is-not-all")
    data = yaml.safe_load(result.path.read_text())
    assert data["title"] == ANSWERS["title"] and data["added"]
    plist = check_dir(papers)
    assert any(e.path == load.display_path(result.path) for e in plist.entries)


def test_a_listed_paper_is_refused_naming_its_file(papers: Path) -> None:
    listed = yaml.safe_load((papers / "guo2025-dinomaly-the-less-is-more.yaml").read_text())
    before = sorted(papers.iterdir())
    with pytest.raises(InvalidRecords) as err:
        from_issue(body({"title": listed["title"]}), papers)
    (problem,) = err.value.problems
    assert problem.field == "Title" and problem.line == 0
    assert "papers/guo2025-dinomaly-the-less-is-more.yaml" in problem.message
    assert "Fix a paper" in problem.fix
    assert sorted(papers.iterdir()) == before


def test_a_taken_file_name_gets_a_number(papers: Path) -> None:
    result = from_issue(body({"title": "Dinomaly: The Less Is More, Revisited",
                              "authors": "Guo, Jia", "year": "2025"}), papers, write=False)
    assert result.path.name == "guo2025-dinomaly-the-less-is-more-2.yaml"
    assert not result.written and not result.path.exists()


def test_a_broken_list_is_not_the_contributor_s_problem(papers: Path) -> None:
    (papers / "broken.yaml").write_text("title: [\n")
    with pytest.raises(ListBroken, match="site-builder check"):
        from_issue(body(), papers)


def test_cli_prints_the_path_and_writes_the_report(papers: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    Path("issue.md").write_text(body())
    assert cli.main(["from-issue", "issue.md", "--report", "report.md"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("papers/doe2024-") and Path(out).is_file()
    comment = Path("report.md").read_text()
    assert f"`{out}`" in comment and "```yaml\n" in comment


def test_the_report_replaces_only_a_report_of_ours(papers: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Someone's file at --report is left alone, and refused before the record is added
    (a refusal after it would lose the comment); the report of an earlier run is ours."""
    Path("issue.md").write_text(body())
    Path("notes.md").write_text("my notes\n")
    before = sorted(papers.iterdir())
    assert cli.main(["from-issue", "issue.md", "--report", "notes.md"]) == 2
    assert capsys.readouterr().err == (
        "error: notes.md: was not written by site-builder from-issue (it is not the report a "
        "run for this list last wrote there), so it is left alone — delete it, or write "
        "elsewhere with --report FILE\n")
    assert Path("notes.md").read_text() == "my notes\n" and sorted(papers.iterdir()) == before
    assert cli.main(["from-issue", "issue.md", "--report", "report.md", "--dry-run"]) == 0
    assert cli.main(["from-issue", "issue.md", "--report", "report.md"]) == 0  # ours
    assert len(list(papers.glob("doe2024-*"))) == 1


def test_cli_reads_stdin_and_reports_problems_inertly(
        papers: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    evil = "javascript:alert(1)`````@maintainer<img src=x>"
    text = body({"url": evil})
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    before = sorted(papers.iterdir())
    assert cli.main(["from-issue", "-", "--report", "report.md"]) == 1
    err = capsys.readouterr().err
    assert f"issue: Paper link: {evil!r} is not an http(s) URL" in err
    comment = Path("report.md").read_text()
    fence = "``````"  # longer than the contributor's five backticks
    assert comment.count(fence) == 2 and "`" * 7 not in comment
    inside = comment.split(fence)[1]
    assert evil in inside and evil not in comment.replace(inside, "")
    assert sorted(papers.iterdir()) == before


def test_dry_run_prints_the_record(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("issue.md").write_text(body())
    assert cli.main(["from-issue", "issue.md", "--dry-run"]) == 0
    data = yaml.safe_load(capsys.readouterr().out)
    assert data["authors"] == ["Doe, Jane", "Roe, Richard", "Poe, Edgar"]
    assert len(list(papers.glob("doe2024-*"))) == 0


def test_report_fences_grow_past_any_backtick_run() -> None:
    with pytest.raises(InvalidRecords) as err:
        parse_issue(body({"url": "``````````x"}), SECTIONS)
    text = report(err.value.problems, None)
    assert "`" * 11 + "\n" in text and text.count("`" * 11) == 2


def test_unreadable_input_is_a_usage_error(papers: Path) -> None:
    assert cli.main(["from-issue", "missing.md"]) == 2
    Path("latin1.md").write_bytes("### Title\n\nCaf\xe9".encode("latin-1"))
    assert cli.main(["from-issue", "latin1.md", "--report", "r.md"]) == 2
    assert "maintainer" in Path("r.md").read_text()


def test_the_venue_note_is_an_optional_answer() -> None:
    assert parse_issue(body({"venue_note": "Oral"}), SECTIONS, info=INFO).venue_note == "Oral"
    assert parse_issue(body(), SECTIONS, info=INFO).venue_note is None
    # an issue opened before the form asked for it has no such heading at all
    older = body().replace("### Venue note\n\n_No response_\n\n", "")
    assert "Venue note" not in older
    assert parse_issue(older, SECTIONS, info=INFO).venue_note is None
    assert "Venue note" in problems_of(body({"venue_note": "Oral 2024"}))
