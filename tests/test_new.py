"""``site-builder new`` end to end, against local servers standing in for arXiv and Crossref."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import socket
from pathlib import Path

import pytest
import yaml
from pytest_httpserver import HTTPServer

from site_builder import cli
from site_builder.commands.new import Given, Prompter, Services, scaffold
from site_builder.errors import UsageError

FIXTURES = Path(__file__).parent / "fixtures" / "services"
EXISTING = "smith2024-an-existing-paper-on-anomaly.yaml"
MICCAI_DOI = "10.1007/978-3-031-72120-5_12"
CVPR_DOI = "10.1109/cvpr52734.2025.00999"




@pytest.fixture()
def papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temp copy of a small list; stdin is not a terminal and the environment is clean."""
    for var in ("SITE_BUILDER_ARXIV_API", "SITE_BUILDER_CROSSREF_API", "SITE_BUILDER_MAILTO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    return Path(shutil.copytree(FIXTURES / "papers", tmp_path / "papers"))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_arxiv(srv: HTTPServer, arxiv_id: str = "2407.01234", body: bytes | None = None) -> None:
    srv.expect_request("/api/query", query_string={"id_list": arxiv_id, "max_results": "1"}
                       ).respond_with_data(body or (FIXTURES / "arxiv_entry.xml").read_bytes(),
                                           content_type="application/atom+xml")


def serve_crossref(srv: HTTPServer, doi: str, fixture: str) -> None:
    srv.expect_request(f"/works/{doi}").respond_with_data(
        (FIXTURES / fixture).read_bytes(), content_type="application/json")


def apis(srv: HTTPServer) -> list[str]:
    return ["--arxiv-api", srv.url_for("/api/query"), "--crossref-api", srv.url_for("")]


def new(papers: Path, *args: str) -> int:
    return cli.main(["new", "--papers", str(papers), *args])


def written(papers: Path) -> list[Path]:
    return sorted(p for p in papers.glob("*.yaml") if p.name not in ("_list.yaml", EXISTING))


def passes_check_and_renders(papers: Path, tmp_path: Path) -> str:
    assert cli.main(["check", "--papers", str(papers)]) == 0
    out = tmp_path / "README.md"
    assert cli.main(["readme", "--papers", str(papers), "-o", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_new_arxiv_with_doi_asks_crossref_for_venue_and_year(
        server: HTTPServer, papers: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    serve_arxiv(server)
    serve_crossref(server, MICCAI_DOI, "crossref_miccai.json")
    assert new(papers, "--arxiv", "2407.01234v2", "--category", "diffusion-based-approaches",
               *apis(server)) == 0
    [path] = written(papers)
    assert capsys.readouterr().out.strip() == str(path)
    assert path.name == "muller2024-masked-diffusion-priors-for-unsupervised.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["title"] == "Masked Diffusion Priors for Unsupervised Anomaly Segmentation " \
        "in Brain MRI"
    assert record["authors"] == ["Müller, Anna", "van Beethoven, Ludwig", "Zhang, Wei"]
    assert (record["venue"], record["year"]) == ("MICCAI", 2024)
    assert record["url"] == f"https://doi.org/{MICCAI_DOI}"
    assert (record["arxiv"], record["doi"]) == ("2407.01234", MICCAI_DOI)
    assert record["category"] == "diffusion-based-approaches"
    assert record["added"] == dt.date.today()
    assert record["abstract"].startswith("Unsupervised anomaly detection in brain MRI")
    assert "marks" not in record and "code" not in record
    readme = passes_check_and_renders(papers, tmp_path)
    assert "[[MICCAI 2024]](https://doi.org/10.1007/978-3-031-72120-5_12) **Masked Diffusion " \
        "Priors" in readme


def test_new_doi_uses_crossref_alone(server: HTTPServer, papers: Path, tmp_path: Path) -> None:
    serve_crossref(server, CVPR_DOI, "crossref_cvpr.json")
    assert new(papers, "--doi", f"https://doi.org/{CVPR_DOI}", "--category", "benchmarks",
               "--mark", "non-medical", *apis(server)) == 0
    [path] = written(papers)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["title"] == "Prompted Zero-Shot Anomaly Detection for Retinal OCT & Fundus " \
        "Images"
    assert record["authors"] == ["Chen, Li", "García-López, María José", "Okonkwo"]
    assert (record["venue"], record["year"]) == ("CVPR", 2025)
    assert record["url"] == f"https://doi.org/{CVPR_DOI}"
    assert record["doi"] == CVPR_DOI and "arxiv" not in record
    assert record["marks"] == ["non-medical"]
    assert record["abstract"].startswith("Zero-shot anomaly detection asks a model")
    assert "<" not in record["abstract"]
    readme = passes_check_and_renders(papers, tmp_path)
    assert "*[[CVPR 2025]]" in readme


def test_new_url_with_an_arxiv_link(server: HTTPServer, papers: Path, tmp_path: Path) -> None:
    serve_arxiv(server)
    serve_crossref(server, MICCAI_DOI, "crossref_miccai.json")
    assert new(papers, "--url", "https://arxiv.org/pdf/2407.01234v2.pdf", "--category",
               "diffusion-based-approaches", *apis(server)) == 0
    [path] = written(papers)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (record["arxiv"], record["venue"]) == ("2407.01234", "MICCAI")
    passes_check_and_renders(papers, tmp_path)


def test_new_url_with_a_doi_inside_keeps_the_publisher_page(
        server: HTTPServer, papers: Path, tmp_path: Path) -> None:
    serve_crossref(server, MICCAI_DOI, "crossref_miccai.json")
    page = f"https://link.springer.com/chapter/{MICCAI_DOI}"
    assert new(papers, "--url", page, "--category", "benchmarks", *apis(server)) == 0
    [path] = written(papers)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record["url"] == page
    assert (record["doi"], record["venue"], record["year"]) == (MICCAI_DOI, "MICCAI", 2024)
    assert "arxiv" not in record
    assert [r[0].path for r in server.log] == [f"/works/{MICCAI_DOI}"]
    passes_check_and_renders(papers, tmp_path)


def test_flags_override_fetched_metadata(server: HTTPServer, papers: Path,
                                         tmp_path: Path) -> None:
    serve_arxiv(server)
    serve_crossref(server, MICCAI_DOI, "crossref_miccai.json")
    assert new(papers, "--arxiv", "2407.01234", "--category", "benchmarks",
               "--venue", "Medical Image Analysis", "--year", "2025",
               "--code", "https://github.com/x/y", "--title", "A Better Title for Tests",
               "--authors", "Roe, Richard; Doe, Jane", "--paper-url", "https://example.org/p",
               "--abstract", "Our own words.", *apis(server)) == 0
    [path] = written(papers)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert path.name.startswith("roe2025-a-better-title-for-tests")
    assert record["title"] == "A Better Title for Tests"
    assert record["authors"] == ["Roe, Richard", "Doe, Jane"]
    assert (record["venue"], record["year"]) == ("MedIA", 2025)
    assert record["code"] == "https://github.com/x/y"
    assert record["url"] == "https://example.org/p"
    assert record["abstract"] == "Our own words."
    assert (record["arxiv"], record["doi"]) == ("2407.01234", MICCAI_DOI)
    passes_check_and_renders(papers, tmp_path)


def test_crossref_failure_after_arxiv_keeps_the_arxiv_record(
        server: HTTPServer, papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    serve_arxiv(server)
    server.expect_request(f"/works/{MICCAI_DOI}").respond_with_data("Resource not found.",
                                                                    status=404)
    assert new(papers, "--arxiv", "2407.01234", "--category", "benchmarks",
               *apis(server)) == 0
    [path] = written(papers)
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    # The venue then comes from arXiv's journal_ref ("MICCAI 2024, LNCS 15011").
    assert (record["venue"], record["year"]) == ("MICCAI", 2024)
    assert record["url"] == "https://arxiv.org/abs/2407.01234"
    assert "not checked with Crossref" in capsys.readouterr().err


def test_arxiv_only_paper_is_venue_arxiv_with_the_published_year(
        server: HTTPServer, papers: Path) -> None:
    text = (FIXTURES / "arxiv_entry.xml").read_text(encoding="utf-8")
    start, end = text.index("    <arxiv:doi"), text.index("  <link href=\"http://arxiv.org/abs/")
    serve_arxiv(server, body=(text[:start] + text[end:]).encode())
    assert new(papers, "--arxiv", "2407.01234", "--category", "benchmarks",
               *apis(server)) == 0
    record = yaml.safe_load(written(papers)[0].read_text(encoding="utf-8"))
    assert (record["venue"], record["year"]) == ("arXiv", 2024)
    assert record["url"] == "https://arxiv.org/abs/2407.01234"
    assert "doi" not in record
    assert len(server.log) == 1


def test_env_vars_configure_the_services_and_the_contact(
        server: HTTPServer, papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve_crossref(server, CVPR_DOI, "crossref_cvpr.json")
    monkeypatch.setenv("SITE_BUILDER_CROSSREF_API", server.url_for(""))
    monkeypatch.setenv("SITE_BUILDER_ARXIV_API", f"http://127.0.0.1:{closed_port()}/api")
    monkeypatch.setenv("SITE_BUILDER_MAILTO", "lists@example.org")
    assert new(papers, "--doi", CVPR_DOI, "--category", "benchmarks") == 0
    agent = server.log[0][0].headers["User-Agent"]
    assert agent.startswith("site-builder/")
    assert "+https://github.com/example/paper-list" in agent  # the list's repo
    assert agent.endswith("mailto:lists@example.org)")


@pytest.mark.parametrize(("args", "existing_field"), [
    (["--arxiv", "2401.00042"], "arXiv id"),
    (["--url", "https://arxiv.org/abs/2401.00042v3"], "arXiv id"),
    (["--doi", "10.1016/J.MEDIA.2024.103200"], "DOI"),
    (["--no-fetch", "--title", "An existing paper on anomaly detection in chest X-rays",
      "--authors", "Smith, Jane", "--venue", "MedIA", "--year", "2024",
      "--url", "https://example.org/other"], "title"),
])
def test_duplicate_is_refused_with_the_existing_path(
        server: HTTPServer, papers: Path, capsys: pytest.CaptureFixture[str],
        args: list[str], existing_field: str) -> None:
    text = (FIXTURES / "arxiv_entry.xml").read_text(encoding="utf-8")
    serve_arxiv(server, "2401.00042", text.replace("2407.01234", "2401.00042").encode())
    server.expect_request("/works/10.1016/j.media.2024.103200").respond_with_json(
        {"status": "ok", "message": {"title": ["An Existing Paper"], "author": [
            {"given": "Jane", "family": "Smith"}], "container-title": ["Medical Image Analysis"],
            "issued": {"date-parts": [[2024]]}, "DOI": "10.1016/j.media.2024.103200"}})
    before = sorted(papers.iterdir())
    assert new(papers, *args, "--category", "benchmarks", *apis(server)) == 1
    assert server.log == []  # refused from the id alone, before any request
    err = capsys.readouterr().err
    assert err.startswith(f"error: same {existing_field} as ")
    assert EXISTING in err and "nothing written" in err
    assert sorted(papers.iterdir()) == before


def test_duplicate_found_through_fetched_metadata(
        server: HTTPServer, papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """arXiv names a DOI that the list already has under another arXiv id."""
    text = (FIXTURES / "arxiv_entry.xml").read_text(encoding="utf-8")
    serve_arxiv(server, body=text.replace(MICCAI_DOI, "10.1016/j.media.2024.103200").encode())
    server.expect_request("/works/10.1016/j.media.2024.103200").respond_with_data(
        "Resource not found.", status=404)
    assert new(papers, "--arxiv", "2407.01234", "--category", "benchmarks",
               *apis(server)) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: same DOI as ") and EXISTING in err
    assert written(papers) == []


def test_offline_is_one_line_and_exit_2(papers: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    port = closed_port()
    assert new(papers, "--arxiv", "2407.01234", "--category", "benchmarks",
               "--arxiv-api", f"http://127.0.0.1:{port}/api/query") == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: cannot reach arXiv at 127.0.0.1:{port} (connection refused)")
    assert written(papers) == []


def test_unknown_doi_is_one_line_and_exit_2(server: HTTPServer, papers: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/works/10.1234/nope").respond_with_data("Resource not found.",
                                                                   status=404)
    assert new(papers, "--doi", "10.1234/nope", "--category", "benchmarks",
               *apis(server)) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Crossref has no record of DOI 10.1234/nope — check the DOI")
    assert err.count("\n") == 1
    assert written(papers) == []


def test_manual_path_needs_no_network(papers: Path, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    dead = f"http://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("SITE_BUILDER_ARXIV_API", dead)
    monkeypatch.setenv("SITE_BUILDER_CROSSREF_API", dead)
    assert new(papers, "--title", "Hand-Written Records for Lesion Detection",
               "--authors", "Doe, Jane; Roe, Richard", "--venue", "Medical Image Analysis",
               "--year", "2024", "--url", "https://example.org/paper", "--category",
               "benchmarks", "--code", "https://github.com/x/y") == 0
    [path] = written(papers)
    assert path.name == "doe2024-hand-written-records-for-lesion.yaml"
    record = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert record == {"title": "Hand-Written Records for Lesion Detection",
                      "authors": ["Doe, Jane", "Roe, Richard"], "venue": "MedIA",
                      "year": 2024, "url": "https://example.org/paper",
                      "category": "benchmarks", "code": "https://github.com/x/y",
                      "added": dt.date.today()}
    passes_check_and_renders(papers, tmp_path)


def test_missing_category_off_a_terminal_lists_the_sections(
        papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(papers, "--no-fetch", "--title", "T") == 2
    assert "give --category, one of: diffusion-based-approaches, benchmarks" in \
        capsys.readouterr().err


def test_unknown_category_suggests_one(papers: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert new(papers, "--no-fetch", "--category", "benchmark") == 2
    assert "did you mean 'benchmarks'?" in capsys.readouterr().err


def test_missing_fields_off_a_terminal_name_the_options(
        papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert new(papers, "--title", "Only a Title", "--category", "benchmarks") == 2
    err = capsys.readouterr().err
    assert "missing authors, venue, year, url — give --authors, --venue, --year, " \
        "--paper-url" in err
    assert written(papers) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--arxiv", "not-an-id"], "is not an arXiv id"),
    (["--doi", "12345"], "is not a DOI"),
    (["--year", "20x5"], "--year: must be a year, got str '20x5' — write the four-digit year"),
    (["--authors", "Guo, Jia, Lu, Shuai"], "separate authors with ';'"),
])
def test_bad_options_are_usage_errors(papers: Path, capsys: pytest.CaptureFixture[str],
                                      args: list[str], message: str) -> None:
    assert new(papers, *args, "--category", "benchmarks") == 2
    assert message in capsys.readouterr().err


def test_a_value_that_fails_validation_is_refused(papers: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert new(papers, "--no-fetch", "--title", "T", "--authors", "Doe, Jane", "--venue",
               "X", "--year", "2024", "--url", "https://example.org/a", "--code",
               "https://example.org/has space", "--category", "benchmarks") == 1
    err = capsys.readouterr().err
    assert "would not pass check (nothing written): code:" in err
    assert written(papers) == []


def test_prompts_fill_missing_fields_and_the_category(papers: Path) -> None:
    answers = iter(["2", "Asked For: A Prompted Paper", "Doe, Jane; Roe, Richard", "CVPR",
                    "twenty", "2025", "example.org", "https://example.org/asked"])
    shown: list[str] = []
    asked: list[str] = []

    def read(prompt: str) -> str:
        asked.append(prompt)
        return next(answers)

    result = scaffold(papers, Given(fetch=False), ask=Prompter(read, shown.append),
                      today=dt.date(2025, 3, 1))
    record = yaml.safe_load(result.path.read_text(encoding="utf-8"))
    assert record["category"] == "benchmarks"
    assert record["title"] == "Asked For: A Prompted Paper"
    assert record["authors"] == ["Doe, Jane", "Roe, Richard"]
    assert (record["venue"], record["year"]) == ("CVPR", 2025)
    assert record["url"] == "https://example.org/asked"
    assert record["added"] == dt.date(2025, 3, 1)
    assert "  2. Benchmarks (benchmarks)" in shown
    assert any("four-digit year" in line for line in shown)  # "twenty" was asked again
    assert any("https://" in line for line in shown)  # so was "example.org"
    assert asked.count("Year: ") == 2
    assert next(answers, None) is None


def test_prompt_end_of_input_is_a_usage_error(papers: Path) -> None:
    def read(prompt: str) -> str:
        raise EOFError

    with pytest.raises(UsageError, match="nothing written"):
        scaffold(papers, Given(fetch=False, category="benchmarks"),
                 ask=Prompter(read, lambda line: None))
    assert written(papers) == []


def test_cli_on_a_terminal_asks(papers: Path, monkeypatch: pytest.MonkeyPatch,
                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(["1"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(answers))
    assert new(papers, "--no-fetch", "--title", "Terminal Paper", "--authors", "Doe, Jane",
               "--venue", "MICCAI", "--year", "2024", "--paper-url",
               "https://example.org/t") == 0
    out = capsys.readouterr().out
    assert "1. Diffusion-Based Approaches (diffusion-based-approaches)" in out
    record = yaml.safe_load(written(papers)[0].read_text(encoding="utf-8"))
    assert record["category"] == "diffusion-based-approaches"


def test_library_scaffold_with_injected_services(server: HTTPServer, papers: Path) -> None:
    """The library function is usable without the CLI, with a fake clock for pacing."""
    serve_arxiv(server)
    serve_crossref(server, MICCAI_DOI, "crossref_miccai.json")
    sleeps: list[float] = []
    services = Services(arxiv_api=server.url_for("/api/query"),
                        crossref_api=server.url_for(""), clock=lambda: 0.0,
                        sleep=sleeps.append)
    result = scaffold(papers, Given(arxiv="2407.01234", category="benchmarks"), services)
    assert result.path.exists()
    assert result.paper.venue == "MICCAI" and result.paper.arxiv == "2407.01234"
    assert sleeps == []
    assert result.notes == ()
    assert [r[0].path for r in server.log] == ["/api/query", f"/works/{MICCAI_DOI}"]


def test_an_unknown_mark_is_refused_with_a_hint(server: HTTPServer, papers: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert new(papers, "--title", "T", "--authors", "Doe, Jane", "--venue", "ISBI",
               "--year", "2024", "--paper-url", "https://example.org/t", "--category",
               "benchmarks", "--mark", "non-medcal", "--no-fetch", *apis(server)) == 1
    err = capsys.readouterr().err
    assert "marks: unknown mark 'non-medcal' — did you mean 'non-medical'?" in err
    assert written(papers) == []


def test_a_venue_note_is_written_and_checked(papers: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--no-fetch", "--title", "Noted Paper on Anomalies", "--authors", "Doe, Jane",
            "--venue", "CVPR", "--year", "2024", "--url", "https://example.org/noted",
            "--category", "benchmarks"]
    assert new(papers, *base, "--venue-note", "Oral 2024") == 1
    assert "venue_note:" in capsys.readouterr().err and written(papers) == []
    assert new(papers, *base, "--venue-note", "Highlight") == 0
    [record] = written(papers)
    assert "venue_note: Highlight\n" in record.read_text(encoding="utf-8")
    assert "[[CVPR 2024 Highlight]](https://example.org/noted)" in \
        passes_check_and_renders(papers, tmp_path)
