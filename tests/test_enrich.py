"""`site-builder enrich` against fake GitHub, OpenAlex and Semantic Scholar servers shaped
as in the notes: found, renamed, archived, ETag 304, rate limits, not found, 429."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from site_builder import cli, enrich
from site_builder.checking import check_dir
from site_builder.services import NotFound, ServiceError, openalex, semanticscholar
from site_builder.services.http import Client
from tests.conftest import ONE_SECTION_LIST

from .conftest import write_paper

LIST = ONE_SECTION_LIST
DAY1, DAY2 = dt.date(2026, 11, 23), dt.date(2026, 11, 30)


@pytest.fixture
def papers(one_section_list: Path) -> Path:
    return one_section_list


def services(server: HTTPServer, **kw: object) -> enrich.Services:
    base = server.url_for("")
    options: dict = {"github_api": base + "/gh", "openalex_api": base + "/oa",
                     "semanticscholar_api": base + "/s2", "sleep": lambda s: None,
                     "timeout": (1.0, 2.0), **kw}
    return enrich.Services(**options)


def repo(full_name: str, stars: int = 80, archived: bool = False) -> dict:
    return {"full_name": full_name, "html_url": f"https://github.com/{full_name}",
            "stargazers_count": stars, "archived": archived,
            "pushed_at": "2025-01-26T19:06:43Z"}


def client(server: HTTPServer, path: str) -> Client:
    return Client("test", server.url_for(path), agent="test", hint="", sleep=lambda s: None)


# --- the services, one by one ---------------------------------------------------------

def test_openalex_found_not_found_and_429(server: HTTPServer) -> None:
    server.expect_request("/works/doi:10.7717/peerj.4375").respond_with_json(
        {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.7717/peerj.4375",
         "cited_by_count": 42})
    server.expect_request("/works/doi:10.1234/none").respond_with_json(
        {"error": "Not Found", "message": "no work"}, 404)
    server.expect_request("/works/doi:10.1234/busy").respond_with_json(
        {"error": "Too Many Requests"}, 429)
    assert openalex.citations(client(server, ""), "10.7717/peerj.4375",
                              mailto="me@example.org") == 42
    assert server.log[0][0].args["mailto"] == "me@example.org"
    with pytest.raises(NotFound):
        openalex.citations(client(server, ""), "10.1234/none")
    with pytest.raises(ServiceError, match="429"):
        openalex.citations(client(server, ""), "10.1234/busy")


def test_semantic_scholar_found_not_found_and_429(server: HTTPServer) -> None:
    server.expect_request("/paper/ARXIV:2403.09303").respond_with_json(
        {"paperId": "abc", "externalIds": {"ArXiv": "2403.09303"}, "citationCount": 7})
    server.expect_request("/paper/DOI:10.1234/none").respond_with_json(
        {"error": "Paper with id DOI:10.1234/none not found"}, 404)
    server.expect_request("/paper/DOI:10.1234/busy").respond_with_json(
        {"message": "Too Many Requests.", "code": "429"}, 429)
    assert semanticscholar.citations(client(server, ""), "ARXIV:2403.09303",
                                     api_key="k") == 7
    assert server.log[0][0].headers["x-api-key"] == "k"
    with pytest.raises(NotFound):
        semanticscholar.citations(client(server, ""), "DOI:10.1234/none")
    with pytest.raises(ServiceError, match="429"):
        semanticscholar.citations(client(server, ""), "DOI:10.1234/busy")


# --- the whole enrichment -------------------------------------------------------------

def test_enrich_writes_metrics_beside_the_records_never_in_them(server: HTTPServer,
                                                                 papers: Path) -> None:
    server.expect_request("/gh/repos/o/live").respond_with_json(
        repo("o/live", 80), headers={"ETag": '"v1"'})
    server.expect_request("/gh/repos/o/old").respond_with_data(
        "", 301, {"Location": server.url_for("/gh/repositories/9")})
    server.expect_request("/gh/repositories/9").respond_with_json(repo("o/new", 5, True))
    server.expect_request("/oa/works/doi:10.1234/found").respond_with_json(
        {"id": "https://openalex.org/W1", "doi": "https://doi.org/10.1234/found",
         "cited_by_count": 42})
    server.expect_request("/oa/works/doi:10.48550/arxiv.2403.09303").respond_with_json(
        {"error": "Not Found"}, 404)
    server.expect_request("/s2/paper/ARXIV:2403.09303").respond_with_json(
        {"paperId": "abc", "citationCount": 7})
    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/live\n"
                "doi: 10.1234/found\n")
    write_paper(papers, "b", title="Paper b", url="https://arxiv.org/abs/2403.09303v2",
                extra="code: https://github.com/o/old\n")
    before = {p.name: p.read_bytes() for p in papers.iterdir()}
    assert cli.main(["enrich", "--github-api", server.url_for("/gh"),
                     "--openalex-api", server.url_for("/oa"),
                     "--semanticscholar-api", server.url_for("/s2")]) == 0
    assert {p.name: p.read_bytes() for p in papers.iterdir() if p.name in before} == before
    metrics = json.loads((papers / "_metrics.json").read_text())
    today = dt.date.today().isoformat()
    assert metrics["repos"]["o/live"] == {
        "full_name": "o/live", "url": "https://github.com/o/live", "stars": 80,
        "pushed_at": "2025-01-26T19:06:43Z", "archived": False, "etag": '"v1"', "date": today}
    assert metrics["repos"]["o/old"]["full_name"] == "o/new"
    assert metrics["repos"]["o/old"]["archived"] is True
    assert metrics["papers"] == {
        "a": {"citations": 42, "source": "OpenAlex", "date": today},
        "b": {"citations": 7, "source": "Semantic Scholar", "date": today}}


def test_etag_304_keeps_the_figures_with_a_new_date(server: HTTPServer, papers: Path) -> None:
    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/live\n")
    server.expect_request("/gh/repos/o/live", headers={"If-None-Match": '"v1"'}) \
        .respond_with_data("", 304)
    old = {"repos": {"o/live": {"full_name": "o/live", "stars": 80, "etag": '"v1"',
                                "date": DAY1.isoformat()}}, "papers": {}}
    out = enrich.enrich(check_dir(papers), old, services(server, github_token="t"), DAY2)
    assert out.metrics["repos"]["o/live"] == {"full_name": "o/live", "stars": 80,
                                              "etag": '"v1"', "date": DAY2.isoformat()}
    assert server.log[0][0].headers["Authorization"] == "Bearer t"


def test_rate_limit_exhausted_keeps_previous_values_and_says_when(server: HTTPServer,
                                                                   papers: Path) -> None:
    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/one\n")
    write_paper(papers, "b", title="Paper b", extra="code: https://github.com/o/two\n")
    server.expect_request("/gh/repos/o/one").respond_with_json(
        {"message": "API rate limit exceeded"}, 403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1796040000"})
    old = {"repos": {"o/one": {"stars": 3, "date": DAY1.isoformat()}}, "papers": {}}
    out = enrich.enrich(check_dir(papers), old, services(server), DAY2)
    assert out.metrics["repos"]["o/one"]["stars"] == 3
    assert out.metrics["repos"]["o/one"]["date"] == DAY1.isoformat()
    assert "rate limit exhausted until 2026-11-30" in out.metrics["repos"]["o/one"]["failed"]
    assert "o/two" in out.metrics["repos"] and len(server.log) == 1  # not asked
    assert out.failed == 2 and any("rate limit" in n for n in out.notes)


def test_a_failed_citation_lookup_keeps_the_previous_count(server: HTTPServer,
                                                           papers: Path) -> None:
    write_paper(papers, "a", title="Paper a", extra="doi: 10.1234/busy\n")
    server.expect_request("/oa/works/doi:10.1234/busy").respond_with_json({"error": "x"}, 429)
    server.expect_request("/s2/paper/DOI:10.1234/busy").respond_with_json(
        {"message": "Too Many Requests.", "code": "429"}, 429)
    old = {"repos": {}, "papers": {"a": {"citations": 12, "source": "OpenAlex",
                                         "date": DAY1.isoformat()}}}
    out = enrich.enrich(check_dir(papers), old, services(server), DAY2)
    kept = out.metrics["papers"]["a"]
    assert (kept["citations"], kept["date"]) == (12, DAY1.isoformat())
    assert kept["failed"].startswith("2026-11-30: OpenAlex (")
    assert kept["failed"].count("answered 429") == 2 and "; Semantic Scholar (" in kept["failed"]
    assert out.notes == ["papers/a.yaml: no citation count: " + kept["failed"][12:] +
                         " (the count from 2026-11-23 is kept)"]


def test_ids_from_links_are_proposed_and_added_with_fix(server: HTTPServer, papers: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    path = write_paper(papers, "a", title="Paper a", url="https://arxiv.org/pdf/2403.09303v1",
                       extra="# keep this comment\n")
    server.expect_request("/oa/works/doi:10.48550/arxiv.2403.09303").respond_with_json(
        {"cited_by_count": 1})
    argv = ["enrich", "--openalex-api", server.url_for("/oa"),
            "--semanticscholar-api", server.url_for("/s2"), "--github-api", server.url_for("")]
    before = path.read_text()
    assert cli.main(argv) == 0
    assert "arxiv: missing; its link says 2403.09303" in capsys.readouterr().err
    assert path.read_text() == before
    assert cli.main([*argv, "--fix"]) == 0
    lines = path.read_text().splitlines()
    assert lines[5:8] == ["url: https://arxiv.org/pdf/2403.09303v1", 'arxiv: "2403.09303"',
                          "category: reconstruction"]
    assert path.read_text().replace('arxiv: "2403.09303"\n', "") == before
    assert check_dir(papers).entries[0].paper.arxiv == "2403.09303"


def test_no_metrics_file_reads_as_empty(tmp_path: Path) -> None:
    assert enrich.read_metrics(tmp_path / "_metrics.json") == {"repos": {}, "papers": {}}
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(cli.UsageError, match="delete the file"):
        enrich.read_metrics(bad)


# --- showing the figures ----------------------------------------------------------------

def test_the_site_shows_stars_citations_and_archived_and_sorts_by_them(papers: Path) -> None:
    from site_builder.commands.site import read_sources

    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/live\n")
    write_paper(papers, "b", title="Paper b")
    bare = {p.path: p.text for p in read_sources(papers).pages()}  # no metrics file yet
    assert "★" not in bare["explore.md"] and "Most cited" not in bare["explore.md"]
    (papers / "_metrics.json").write_text(json.dumps({
        "repos": {"o/live": {"stars": 80, "archived": True, "date": "2026-11-30",
                             "pushed_at": "2025-01-26T19:06:43Z"}},
        "papers": {"a": {"citations": 42, "source": "OpenAlex", "date": "<b>x</b>"}}}))
    pages = {p.path: p.text for p in read_sources(papers).pages()}
    section = pages["sections/reconstruction.md"] if "sections/reconstruction.md" in pages \
        else next(t for k, t in pages.items() if "Paper a" in t and k != "explore.md"
                  and k != "index.md")
    assert "★ 80</span>" in section and ">archived</span>" in section
    assert "42 citations</span>" in section and "last push 2025-01-26" in section
    assert "<b>x</b>" not in section and "&lt;b&gt;x&lt;/b&gt;" in section
    explore = pages["explore.md"]
    assert 'value="stars"' in explore and 'value="citations"' in explore
    assert 'data-stars="80" data-citations="42"' in explore
    assert 'data-stars="-1" data-citations="-1"' in explore


def test_figures_of_the_wrong_type_are_not_shown(papers: Path) -> None:
    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/live\n")
    shown = enrich.paper_metrics(check_dir(papers), {
        "repos": {"o/live": {"stars": "<script>", "archived": "yes"}},
        "papers": {"a": {"citations": True}}})
    assert shown == {}


def test_the_readme_shows_the_figures_only_when_the_list_asks(papers: Path) -> None:
    from site_builder.commands.readme import readme

    write_paper(papers, "a", title="Paper a", extra="code: https://github.com/o/live\n")
    (papers / "_metrics.json").write_text(json.dumps({
        "repos": {"o/live": {"stars": 80, "archived": True}},
        "papers": {"a": {"citations": 42}}}))
    out = papers.parent / "README.md"
    readme(papers, out)
    assert "⭐" not in out.read_text()
    (papers / "_list.yaml").write_text("show_metrics: true\n" + LIST)
    readme(papers, out)
    assert "[:octocat:](https://github.com/o/live) ⭐ 80 (archived) · 42 citations\n" in \
        out.read_text()
    (papers / "_metrics.json").unlink()
    readme(papers, out)  # no data file yet: no figures, no error
    assert "⭐" not in out.read_text()
