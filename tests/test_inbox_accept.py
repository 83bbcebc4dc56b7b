"""``site-builder inbox-accept``: boxes ticked in a fixture inbox issue → the expected new
records and dismissals, against local servers standing in for arXiv and Crossref."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from site_builder import cli, load
from site_builder.commands.inbox_accept import Accepted, accept, read_dismissed
from site_builder.commands.new import Services
from site_builder.errors import InvalidRecords, UsageError
from site_builder.importers.inbox_body import MARKER, boxes, newly_ticked
from tests.conftest import FakeTime

FIXTURES = Path(__file__).parent / "fixtures"
ISSUE = FIXTURES / "inbox_issue"
SERVICES = FIXTURES / "services"
BODY = (ISSUE / "body.md").read_text(encoding="utf-8")
TODAY = dt.date(2026, 11, 30)
MICCAI_DOI = "10.1007/978-3-031-72120-5_12"
CVPR_DOI = "10.1109/cvpr52734.2025.00999"
EXISTING = "smith2024-an-existing-paper-on-anomaly.yaml"


@pytest.fixture()
def papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp copy of a small list (sections diffusion-based-approaches, benchmarks)."""
    for var in ("SITE_BUILDER_ARXIV_API", "SITE_BUILDER_CROSSREF_API", "SITE_BUILDER_MAILTO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    return Path(shutil.copytree(SERVICES / "papers", tmp_path / "papers"))



def services(srv: HTTPServer, time: FakeTime | None = None) -> Services:
    time = time or FakeTime()
    return Services(arxiv_api=srv.url_for("/api/query"), crossref_api=srv.url_for(""),
                    clock=time.clock, sleep=time.sleep)


def serve_arxiv(srv: HTTPServer, arxiv_id: str, fixture: Path) -> None:
    srv.expect_request("/api/query", query_string={"id_list": arxiv_id, "max_results": "1"}
                       ).respond_with_data(fixture.read_bytes(),
                                           content_type="application/atom+xml")


def serve_crossref(srv: HTTPServer, doi: str, fixture: str) -> None:
    srv.expect_request(f"/works/{doi}").respond_with_data(
        (SERVICES / fixture).read_bytes(), content_type="application/json")


def serve_all(srv: HTTPServer) -> None:
    serve_arxiv(srv, "2407.01234", SERVICES / "arxiv_entry.xml")
    serve_arxiv(srv, "2411.00007", ISSUE / "arxiv_2411.00007.xml")
    serve_crossref(srv, MICCAI_DOI, "crossref_miccai.json")
    serve_crossref(srv, CVPR_DOI, "crossref_cvpr.json")


def files(papers: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(papers.iterdir())}


def statuses(result: Accepted) -> list[tuple[str, str]]:
    return [(o.status, o.id) for o in result.outcomes]


def report_body(*lines: str) -> str:
    return "\n".join([MARKER, "", *lines, ""])


# --- reading the issue body ----------------------------------------------------------

def test_only_boxes_in_the_report_s_exact_form_count() -> None:
    found = boxes(BODY)
    assert [(b.action, b.id, b.section, b.ticked) for b in found] == [
        ("add", "arxiv:2407.01234", "diffusion-based-approaches", True),
        ("dismiss", "arxiv:2407.01234", None, False),
        ("add", f"doi:{CVPR_DOI}", "benchmarks", True),  # ticked as [X]
        ("dismiss", f"doi:{CVPR_DOI}", None, False),
        ("add", "arxiv:2411.00007", "benchmarks", False),
        ("dismiss", "arxiv:2411.00007", None, True),
        ("add", "arxiv:2411.00008", "diffusion-based-approaches", False),
        ("dismiss", "arxiv:2411.00008", None, False),
    ]  # every forged line after these (versioned id, no emphasis, a quote, a fence...) is gone
    assert [b.line for b in found][:2] == [8, 9]


def test_a_body_that_is_not_the_report_is_refused() -> None:
    forged = BODY.replace(MARKER + "\n", "Some text\n" + MARKER + "\n", 1)
    with pytest.raises(UsageError, match="not a site-builder inbox report"):
        boxes(forged, "body.md")


def test_boxes_ticked_before_the_edit_are_left_alone() -> None:
    before = BODY.replace("- [X] Add to", "- [ ] Add to")
    assert [(b.action, b.id) for b in newly_ticked(BODY, before)] == [("add", f"doi:{CVPR_DOI}")]
    assert newly_ticked(BODY, BODY) == []
    assert len(newly_ticked(BODY, "an old body that was no report")) == 3


def test_windows_line_ends_and_upper_case_dois_read_the_same() -> None:
    body = report_body(f"- [x] Dismiss <!-- inbox:dismiss id=doi:{CVPR_DOI.upper()} -->")
    [box] = boxes(body.replace("\n", "\r\n"))
    assert (box.id, box.ticked) == (f"doi:{CVPR_DOI}", True)


# --- the fixture issue end to end ----------------------------------------------------

def test_ticking_boxes_yields_the_expected_records(server: HTTPServer, papers: Path) -> None:
    serve_all(server)
    time = FakeTime()
    result = accept(papers, BODY, services=services(server, time), today=TODAY)
    assert statuses(result) == [("added", "arxiv:2407.01234"), ("added", f"doi:{CVPR_DOI}"),
                                ("dismissed", "arxiv:2411.00007")]
    expected = ISSUE / "expected"
    written = files(papers)
    for path in sorted(expected.iterdir()):
        assert written[path.name] == path.read_text(encoding="utf-8"), path.name
    assert set(written) == {"_list.yaml", EXISTING} | {p.name for p in expected.iterdir()}
    # One arXiv client for the run: the dismissal's lookup waited for arXiv's 3 s.
    assert any(2.9 < s <= 3.0 for s in time.sleeps), time.sleeps
    assert cli.main(["check", "--papers", str(papers)]) == 0


def test_running_twice_adds_nothing(server: HTTPServer, papers: Path) -> None:
    serve_all(server)
    accept(papers, BODY, services=services(server), today=TODAY)
    before = files(papers)
    server.clear()  # a second run must not need the services at all
    again = accept(papers, BODY, services=services(server), today=dt.date(2026, 12, 7))
    assert files(papers) == before
    assert [o.status for o in again.outcomes] == ["skipped"] * 3
    assert "already in the list" in again.outcomes[0].message
    assert again.outcomes[2].message == "already dismissed on 2026-11-30"
    assert not server.log


def test_an_already_listed_paper_is_skipped_with_a_message(server: HTTPServer,
                                                           papers: Path) -> None:
    body = report_body("- [x] Add to *Benchmarks* <!-- inbox:add id=arxiv:2401.00042 "
                       "section=benchmarks -->")
    before = files(papers)
    result = accept(papers, body, services=services(server), today=TODAY)
    [outcome] = result.outcomes
    assert outcome.status == "skipped"
    assert outcome.message == (f"same arXiv id as {load.display_path(papers / EXISTING)}: "
                               "the paper is already in the list — nothing written; edit "
                               "that file instead")
    assert files(papers) == before and not server.log


def test_an_unknown_section_names_it_and_suggests_one(server: HTTPServer,
                                                      papers: Path) -> None:
    body = report_body("- [x] Add to *Diffusion* <!-- inbox:add id=arxiv:2407.01234 "
                       "section=diffusion-approaches -->")
    [outcome] = accept(papers, body, services=services(server), today=TODAY).outcomes
    assert outcome.status == "failed"
    assert "'diffusion-approaches'" in outcome.message
    assert "did you mean 'diffusion-based-approaches'?" in outcome.message
    assert not server.log


def test_add_and_dismiss_of_one_paper_is_refused(server: HTTPServer, papers: Path) -> None:
    body = report_body(
        "- [x] Add to *Benchmarks* <!-- inbox:add id=arxiv:2407.01234 section=benchmarks -->",
        "- [x] Dismiss <!-- inbox:dismiss id=arxiv:2407.01234 -->")
    before = files(papers)
    result = accept(papers, body, services=services(server), today=TODAY)
    assert [o.status for o in result.outcomes] == ["failed", "failed"]
    assert "both Add and Dismiss are ticked" in result.outcomes[0].message
    assert files(papers) == before


def test_dismissals_keep_existing_entries_in_id_order(server: HTTPServer,
                                                      papers: Path) -> None:
    (papers / "_inbox.yaml").write_text(
        "dismissed:\n- id: doi:10.9999/zzz\n  title: Last\n  date: 2026-01-02\n"
        "- id: arxiv:2001.00001\n  date: 2026-01-01\n", encoding="utf-8")
    serve_arxiv(server, "2411.00007", ISSUE / "arxiv_2411.00007.xml")
    body = report_body("- [x] Dismiss <!-- inbox:dismiss id=arxiv:2411.00007 -->")
    accept(papers, body, services=services(server), today=TODAY)
    text = (papers / "_inbox.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Papers a maintainer dismissed")
    assert [e["id"] for e in yaml.safe_load(text)["dismissed"]] == [
        "arxiv:2001.00001", "arxiv:2411.00007", "doi:10.9999/zzz"]
    assert read_dismissed(papers)[2] == {"id": "doi:10.9999/zzz", "title": "Last",
                                         "date": dt.date(2026, 1, 2)}


def test_a_dismissal_is_kept_when_the_title_lookup_fails(server: HTTPServer,
                                                         papers: Path) -> None:
    body = report_body("- [x] Dismiss <!-- inbox:dismiss id=arxiv:2411.00007 -->")
    server.expect_request("/api/query").respond_with_data("down", status=503)
    result = accept(papers, body, services=services(server), today=TODAY)
    assert statuses(result) == [("dismissed", "arxiv:2411.00007")]
    assert "dismissed without its title" in result.notes[0]
    assert read_dismissed(papers) == [{"id": "arxiv:2411.00007", "date": TODAY}]


def test_a_broken_dismissals_file_is_refused_not_rewritten(server: HTTPServer,
                                                           papers: Path) -> None:
    (papers / "_inbox.yaml").write_text("dismissed:\n- title: no id\n", encoding="utf-8")
    body = report_body("- [x] Dismiss <!-- inbox:dismiss id=arxiv:2411.00007 -->")
    with pytest.raises(InvalidRecords) as err:
        accept(papers, body, services=services(server), today=TODAY)
    [problem] = err.value.problems
    assert (problem.path.endswith("_inbox.yaml"), problem.line) == (True, 2)
    assert (problem.field, problem.message) == ("dismissed.0.id", "is missing") and problem.fix
    assert (papers / "_inbox.yaml").read_text() == "dismissed:\n- title: no id\n"


# --- the CLI verb ----------------------------------------------------------------------

def run(papers: Path, srv: HTTPServer, body: str, tmp_path: Path, *more: str) -> int:
    path = tmp_path / "body.md"
    path.write_text(body, encoding="utf-8")
    return cli.main(["inbox-accept", "--body", str(path), "--papers", str(papers),
                     "--arxiv-api", srv.url_for("/api/query"),
                     "--crossref-api", srv.url_for(""), *more])


def test_cli_adds_the_ticked_paper_and_writes_the_report(
        server: HTTPServer, papers: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    serve_crossref(server, CVPR_DOI, "crossref_cvpr.json")
    body = report_body("- [X] Add to *Benchmarks* <!-- inbox:add id=doi:10.1109/CVPR52734"
                       ".2025.00999 section=benchmarks -->")
    report = tmp_path / "accepted.md"
    assert run(papers, server, body, tmp_path, "--report", str(report)) == 0
    out = capsys.readouterr().out
    name = "chen2025-prompted-zero-shot-anomaly-detection.yaml"
    assert out == f"added doi:{CVPR_DOI}: {load.display_path(papers / name)}\n"
    record = yaml.safe_load((papers / name).read_text(encoding="utf-8"))
    assert (record["doi"], record["category"], record["added"]) == (
        CVPR_DOI, "benchmarks", dt.date.today())
    text = report.read_text(encoding="utf-8")
    assert text.count("```") == 2 and f"added doi:{CVPR_DOI}" in text


def test_cli_unknown_section_is_an_error_with_exit_1(
        server: HTTPServer, papers: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    body = report_body("- [x] Add to *B* <!-- inbox:add id=arxiv:2407.01234 "
                       "section=benchmark -->")
    assert run(papers, server, body, tmp_path) == 1
    err = capsys.readouterr().err
    assert err == ("error: arxiv:2407.01234: unknown category 'benchmark' — did you mean "
                   "'benchmarks'? use one of: diffusion-based-approaches, benchmarks (nothing "
                   "written)\n")
    assert "Traceback" not in err


def test_cli_nothing_ticked_and_not_a_report(server: HTTPServer, papers: Path,
                                             tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "accepted.md"
    assert run(papers, server, report_body("- [ ] Dismiss <!-- inbox:dismiss "
                                           "id=arxiv:2411.00007 -->"), tmp_path,
               "--report", str(report)) == 0
    assert capsys.readouterr().out == "no newly ticked box: nothing to do\n"
    assert not report.exists()
    assert run(papers, server, "# Add a paper\n", tmp_path) == 2
    assert "not a site-builder inbox report" in capsys.readouterr().err


def test_cli_before_leaves_boxes_of_earlier_edits_alone(
        server: HTTPServer, papers: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The workflow passes the body before the edit: a box ticked then is not done again
    (its pull request may still be open, so the list does not show it yet)."""
    before = tmp_path / "before.md"
    before.write_text(BODY, encoding="utf-8")
    listing = files(papers)
    assert run(papers, server, BODY, tmp_path, "--before", str(before)) == 0
    assert capsys.readouterr().out == "no newly ticked box: nothing to do\n"
    assert files(papers) == listing and not server.log
