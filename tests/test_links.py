"""`site-builder links` against local servers only: every answer a link can get, the SSRF
guard, the cache and failure history, concurrency, the fake GitHub API and `--fix`."""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from site_builder import cli, links
from site_builder.checking import check_dir
from site_builder.services import http

from .conftest import ONE_SECTION_LIST, write_paper

NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)
LIST = ONE_SECTION_LIST


def fast(**kw: object) -> links.Settings:
    options: dict = {"allow_private": True, "deadline": 2.0, "timeout": (1.0, 1.0),
                     "interval": 0.0, "sleep": lambda s: None, "workers": 8, **kw}
    return links.Settings(**options)


def check(url: str, **kw: object) -> links.Result:
    checker = links.Checker(fast(**kw))
    try:
        return checker.check(url)
    finally:
        checker.close()


# --- one link, every answer -----------------------------------------------------------

def test_200_is_ok(server: HTTPServer) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    assert check(server.url_for("/ok")).status == "ok"


def test_a_301_chain_is_moved_to_its_end(server: HTTPServer) -> None:
    server.expect_request("/a").respond_with_data("", 301, {"Location": "/b"})
    server.expect_request("/b").respond_with_data("", 308, {"Location": server.url_for("/c")})
    server.expect_request("/c").respond_with_data("here")
    result = check(server.url_for("/a"))
    assert (result.status, result.new_url) == ("moved", server.url_for("/c"))


def test_a_temporary_redirect_is_ok(server: HTTPServer) -> None:
    server.expect_request("/doi").respond_with_data("", 302, {"Location": "/landing"})
    server.expect_request("/landing").respond_with_data("here")
    assert check(server.url_for("/doi")).status == "ok"


def test_a_redirect_loop_is_broken(server: HTTPServer) -> None:
    server.expect_request("/loop").respond_with_data("", 302, {"Location": "/loop"})
    result = check(server.url_for("/loop"))
    assert result.status == "broken" and "redirected more than 5 times" in result.detail


@pytest.mark.parametrize("code", [404, 410])
def test_404_and_410_are_broken(server: HTTPServer, code: int) -> None:
    server.expect_request("/gone").respond_with_data("no", code)
    result = check(server.url_for("/gone"))
    assert (result.status, result.code) == ("broken", code)


def test_403_from_a_blocking_host_is_blocked_elsewhere_broken(server: HTTPServer) -> None:
    server.expect_request("/paper").respond_with_data("go away", 403)
    url = server.url_for("/paper")
    assert check(url, blocked=frozenset({"127.0.0.1"})).status == "blocked"
    assert check(url).status == "broken"


def test_the_blocked_hosts_are_data() -> None:
    hosts = links.blocked_hosts()
    assert {"ieeexplore.ieee.org", "sciencedirect.com", "linkedin.com"} <= hosts
    assert links._host_in("www.sciencedirect.com", hosts)
    assert not links._host_in("notsciencedirect.com", hosts)


def test_429_with_retry_after_then_200(server: HTTPServer) -> None:
    waits: list[float] = []
    server.expect_oneshot_request("/busy").respond_with_data("", 429, {"Retry-After": "7"})
    server.expect_request("/busy").respond_with_data("ok")
    result = check(server.url_for("/busy"), sleep=waits.append)
    assert result.status == "ok" and waits == [7.0]


def test_retry_after_is_capped(server: HTTPServer) -> None:
    waits: list[float] = []
    server.expect_request("/slow").respond_with_data("", 429, {"Retry-After": "86400"})
    result = check(server.url_for("/slow"), sleep=waits.append, max_wait=10.0)
    assert result.status == "rate-limited" and waits == [10.0, 10.0]


def test_503_then_200_backs_off(server: HTTPServer) -> None:
    waits: list[float] = []
    server.expect_oneshot_request("/flaky").respond_with_data("", 503)
    server.expect_request("/flaky").respond_with_data("ok")
    assert check(server.url_for("/flaky"), sleep=waits.append, backoff=1.0).status == "ok"
    assert waits == [1.0]


def test_a_head_answered_405_falls_back_to_get(server: HTTPServer) -> None:
    server.expect_request("/nohead", method="HEAD").respond_with_data("", 405)
    server.expect_request("/nohead", method="GET").respond_with_data("page")
    assert check(server.url_for("/nohead")).status == "ok"
    methods = [r.method for r, _ in server.log]
    assert methods == ["HEAD", "GET"]


def test_an_endless_body_is_read_only_to_the_cap(server: HTTPServer) -> None:
    sent = [0]

    def endless(request: Request) -> Response:
        def body() -> Iterator[bytes]:
            while sent[0] < 100 * 1024 * 1024:
                sent[0] += 65536
                yield b"x" * 65536
        return Response(body(), 200)

    server.expect_request("/big", method="HEAD").respond_with_data("", 405)
    server.expect_request("/big", method="GET").respond_with_handler(endless)
    started = time.monotonic()
    assert check(server.url_for("/big")).status == "ok"
    assert time.monotonic() - started < 2 and sent[0] < 50 * 1024 * 1024


class Raw:
    """A TCP server on 127.0.0.1 that reads the request, then ``mode``: "silent" never
    answers, "reset" resets the connection."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/x"
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            conn.recv(65536)
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            else:
                self.held.append(conn)

    def close(self) -> None:
        self.listener.close()
        for conn in self.held:
            conn.close()


@pytest.mark.parametrize("mode", ["silent", "reset"])
def test_a_server_that_never_answers_or_resets_is_transient(mode: str) -> None:
    raw = Raw(mode)
    try:
        started = time.monotonic()
        result = check(raw.url, deadline=1.0, timeout=(0.5, 0.5))
        assert result.status == "transient"
        assert time.monotonic() - started < 5
    finally:
        raw.close()


def test_a_name_that_does_not_resolve_is_broken() -> None:
    result = check("http://no-such-host.invalid/paper")
    assert result.status == "broken" and "does not resolve" in result.detail


# --- the SSRF guard -------------------------------------------------------------------

def test_loopback_is_refused_unless_allowed(server: HTTPServer) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    result = check(server.url_for("/ok"), allow_private=False)
    assert result.status == "broken" and "private or local address" in result.detail
    assert server.log == []


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                                 "http://10.0.0.1/", "http://[fd00::1]/", "http://100.64.0.1/"])
def test_private_link_local_and_metadata_addresses_are_refused(url: str) -> None:
    result = check(url, allow_private=False)
    assert result.status == "broken" and "private or local address" in result.detail


@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)",
                                 "ftp://example.org/x"])
def test_other_schemes_are_always_refused(url: str) -> None:
    result = check(url)
    assert result.status == "broken" and "not an http(s) address" in result.detail


def test_credentials_are_always_refused(server: HTTPServer) -> None:
    result = check(server.url_for("/ok").replace("http://", "http://user:pw@"))
    assert result.status == "broken" and "user name or password" in result.detail
    assert server.log == []


@pytest.mark.parametrize("target", ["file:///etc/passwd", "javascript:alert(1)",
                                    "http://user:pw@127.0.0.1/"])
def test_a_redirect_to_a_refused_address_is_refused(server: HTTPServer, target: str) -> None:
    server.expect_request("/r").respond_with_data("", 301, {"Location": target})
    assert check(server.url_for("/r")).status == "broken"
    assert len(server.log) == 1


def test_a_redirect_to_loopback_is_refused(server: HTTPServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """127.0.0.1 plays a public host here; its redirect to 127.0.0.2 must be refused."""
    monkeypatch.setattr(http, "_private", lambda a: a != "127.0.0.1")
    server.expect_request("/r").respond_with_data(
        "", 302, {"Location": f"http://127.0.0.2:{server.port}/inside"})
    result = check(server.url_for("/r"), allow_private=False)
    assert result.status == "broken" and "127.0.0.2" in result.detail
    assert [r.path for r, _ in server.log] == ["/r"]


def test_the_connected_address_is_checked_too(server: HTTPServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A name that resolved to a public address but connects to loopback (DNS rebinding)."""
    monkeypatch.setattr(http, "_addresses", lambda host, port, timeout: ["93.184.216.34"])
    server.expect_request("/ok").respond_with_data("fine")
    result = check(f"http://localhost:{server.port}/ok", allow_private=False)
    assert result.status == "broken" and "connected to a private" in result.detail
    assert server.log == []


# --- many links: cache, history, concurrency ------------------------------------------

def test_the_cache_skips_good_links_but_never_failures(server: HTTPServer) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    server.expect_request("/gone").respond_with_data("", 404)
    found = [links.Link(server.url_for(p), ()) for p in ("/ok", "/gone")]
    state = links.State()
    first = links.check_links(found, fast(), state, now=NOW)
    assert [r.status for r in first.results] == ["ok", "broken"] and first.checked == 2
    asked = len(server.log)
    second = links.check_links(found, fast(), state,
                               now=NOW + dt.timedelta(days=1))
    assert second.checked == 1 and second.results[0].cached
    assert [r.path for r, _ in server.log[asked:]] == ["/gone", "/gone"]  # HEAD, then GET
    later = links.check_links(found, fast(), state, now=NOW + dt.timedelta(days=8))
    assert later.checked == 2


def test_a_link_is_dead_only_after_failing_on_n_different_days(server: HTTPServer,
                                                                tmp_path: Path) -> None:
    server.expect_request("/gone").respond_with_data("", 404)
    found = [links.Link(server.url_for("/gone"), ())]
    path = tmp_path / "state.json"
    days = [NOW, NOW + dt.timedelta(hours=2), NOW + dt.timedelta(days=1)]
    verdicts = []
    for when in days:
        state = links.State.read(path)
        report = links.check_links(found, fast(), state, now=when, dead_after=2)
        path.write_text(state.dump())
        verdicts.append((report.results[0].failing_days, report.results[0].dead))
    assert verdicts == [(1, False), (1, False), (2, True)]


class Slow(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


class SlowHandler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        time.sleep(0.1)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_200_links_at_100_ms_take_a_small_fraction_of_the_sequential_time() -> None:
    """The sequential time is measured, not assumed (10 links one at a time, times 20), so
    a loaded machine slows both sides alike."""
    srv = Slow(("127.0.0.1", 0), SlowHandler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    settings = fast(workers=40, per_host=40, deadline=20.0, timeout=(5.0, 10.0))
    try:
        found = [links.Link(f"http://127.0.0.1:{srv.server_port}/p{i}", ())
                 for i in range(200)]
        started = time.monotonic()
        links.check_links(found[:10], replace(settings, workers=1), links.State(), now=NOW)
        sequential = (time.monotonic() - started) * 20
        started = time.monotonic()
        report = links.check_links(found, settings, links.State(), now=NOW)
        took = time.monotonic() - started
    finally:
        srv.shutdown()
        srv.server_close()
    assert report.counts()["ok"] == 200
    assert sequential >= 200 * 0.1
    assert took < sequential / 4, f"{took:.1f} s against {sequential:.1f} s one at a time"


def test_per_host_limits_bound_the_requests_at_once() -> None:
    limits = http.HostLimits(per_host=2, interval=0.0)
    busy, peak, lock = [0], [0], threading.Lock()

    def work() -> None:
        with limits.slot("h"):
            with lock:
                busy[0] += 1
                peak[0] = max(peak[0], busy[0])
            time.sleep(0.02)
            with lock:
                busy[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_the_minimum_interval_per_host_is_kept() -> None:
    clock = [0.0]
    waits: list[float] = []
    limits = http.HostLimits(per_host=4, interval=0.5, clock=lambda: clock[0],
                             sleep=waits.append)
    for _ in range(3):
        with limits.slot("h"):
            pass
    with limits.slot("other"):
        pass
    assert waits == [0.5, 1.0]


# --- GitHub through its API -----------------------------------------------------------

def repo_json(full_name: str, archived: bool = False) -> dict:
    return {"full_name": full_name, "html_url": f"https://github.com/{full_name}",
            "stargazers_count": 80, "archived": archived, "pushed_at": "2025-01-26T19:06:43Z"}


def test_github_renamed_archived_missing_and_rate_limited(server: HTTPServer) -> None:
    server.expect_request("/repos/o/old").respond_with_data(
        "", 301, {"Location": server.url_for("/repositories/42")})
    server.expect_request("/repositories/42").respond_with_json(repo_json("o/new"))
    server.expect_request("/repos/o/frozen").respond_with_json(repo_json("o/frozen", True))
    server.expect_request("/repos/o/gone").respond_with_json(
        {"message": "Not Found", "status": "404"}, 404)
    checker = links.Checker(fast(github_api=server.url_for(""), github_token="t0ken"))
    moved = checker.check("https://github.com/o/old/tree/main/src")
    assert (moved.status, moved.new_url) == ("moved", "https://github.com/o/new/tree/main/src")
    frozen = checker.check("https://github.com/o/frozen")
    assert (frozen.status, frozen.archived) == ("ok", True)
    assert checker.check("https://github.com/o/gone").status == "broken"
    request = server.log[0][0]
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"

    server.clear()
    server.expect_request("/repos/o/next").respond_with_json(
        {"message": "API rate limit exceeded"}, 403,
        {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1796040000"})
    limited = checker.check("https://github.com/o/next")
    assert limited.status == "rate-limited" and "2026-11-30" in limited.detail
    after = checker.check("https://github.com/o/other")
    checker.close()
    assert after.status == "rate-limited" and len(server.log) == 1  # not asked again


# --- the command ----------------------------------------------------------------------

@pytest.fixture
def papers(one_section_list: Path) -> Path:
    return one_section_list


def run(*args: str) -> int:
    return cli.main(["links", "--allow-private-addresses", "--no-state", "--interval", "0",
                     *args])


def test_collect_gives_record_field_and_line_once_per_url(papers: Path) -> None:
    (papers / "_list.yaml").write_text(
        LIST + "- title: Tips\n  text:\n  - See [the guide](https://example.org/guide).\n")
    write_paper(papers, "a", title="Paper a", url="https://example.org/p", extra="code: https://example.org/p\n")
    write_paper(papers, "b", title="Paper b", url="https://example.org/p")
    found = links.collect(check_dir(papers), papers)
    assert [(ln.url, [(w.path, w.line, w.field) for w in ln.places]) for ln in found] == [
        ("https://example.org/guide", [("papers/_list.yaml", 7, "sections[1].text[0]")]),
        ("https://example.org/p", [("papers/a.yaml", 6, "url"), ("papers/a.yaml", 8, "code"),
                                   ("papers/b.yaml", 6, "url")]),
    ]


def test_collect_gives_a_papers_further_links_and_figures(papers: Path) -> None:
    write_paper(papers, "a", title="Paper a", url="https://example.org/p",
                extra="links:\n- label: Project\n  url: https://example.org/project\n"
                      "- label: Demo\n  url: https://example.org/demo\n"
                      "more_figures:\n- https://example.org/f2.png\n")
    found = links.collect(check_dir(papers), papers)
    assert [(ln.url, [(w.line, w.field) for w in ln.places]) for ln in found] == [
        ("https://example.org/p", [(6, "url")]),
        ("https://example.org/f2.png", [(14, "more_figures[0]")]),
        ("https://example.org/project", [(10, "links[0].url")]),
        ("https://example.org/demo", [(12, "links[1].url")]),
    ]


def test_exit_1_only_for_broken(server: HTTPServer, papers: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    server.expect_request("/busy").respond_with_data("", 503)
    server.expect_request("/gone").respond_with_data("", 404)
    write_paper(papers, "a", title="Paper a", url=server.url_for("/ok"))
    write_paper(papers, "b", title="Paper b", url=server.url_for("/busy"))
    assert run("--dead-after", "1", "--deadline", "2") == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0] == (f"papers/b.yaml:6: url: transient: {server.url_for('/busy')} — "
                       "answered 503 SERVICE UNAVAILABLE")
    assert text[-8:] == ["status         links", "ok                 1", "moved              0",
                         "broken             0", "blocked            0", "rate-limited       0",
                         "transient          1",
                         "total              2  (2 asked, 0 fine recently)"]
    write_paper(papers, "c", title="Paper c", url=server.url_for("/gone"))
    assert run("--dead-after", "1", "--format", "json") == 1
    out = capsys.readouterr()
    assert json.loads(out.out)["counts"] == {"ok": 1, "moved": 0, "broken": 1, "blocked": 0,
                                             "rate-limited": 0, "transient": 1}
    assert "1 dead link (broken on 1 or more days)" in out.err
    assert run("--format", "json") == 0  # broken once, not yet dead (default: 3 days)


def test_json_and_markdown_reports(server: HTTPServer, papers: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    server.expect_request("/gone").respond_with_data("", 404)
    write_paper(papers, "c", title="Paper c", url=server.url_for("/gone") + "?q=b*c*_d_")
    assert run("--dead-after", "1", "--format", "json") == 1
    out = capsys.readouterr()
    report = json.loads(out.out)
    assert report["counts"]["broken"] == 1
    (link,) = report["links"]
    assert link["places"] == [{"path": "papers/c.yaml", "line": 6, "field": "url"}]
    assert link["dead"] and "checked 1/1 links" in out.err
    assert run("--dead-after", "1", "--format", "markdown") == 1
    md = capsys.readouterr().out
    assert md.startswith("## Link health") and "| broken | 1 |" in md
    assert "?q=b\\*c\\*\\_d\\_" in md


def test_fix_rewrites_only_the_moved_line(server: HTTPServer, papers: Path) -> None:
    server.expect_request("/old").respond_with_data("", 301, {"Location": "/new"})
    server.expect_request("/new").respond_with_data("here")
    old = server.url_for("/old")
    path = write_paper(papers, "a", title="Paper a", url=old,
                       extra=f"# a comment\nfigure:   '{old}'  # keep\n")
    before = path.read_text().splitlines()
    assert run("--fix") == 0
    after = path.read_text().splitlines()
    changed = [(b, a) for b, a in zip(before, after, strict=True) if b != a]
    new = server.url_for("/new")
    assert changed == [(f"url: {old}", f"url: {new}"),
                       (f"figure:   '{old}'  # keep", f"figure:   '{new}'  # keep")]


def test_changed_only_checks_the_changed_records(server: HTTPServer, papers: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from site_builder.commands import changed

    server.expect_request("/a").respond_with_data("fine")
    write_paper(papers, "a", title="Paper a", url=server.url_for("/a"))
    write_paper(papers, "b", title="Paper b", url=server.url_for("/b-not-asked"))
    monkeypatch.setattr(changed, "changed_files", lambda folder, base: {"papers/a.yaml"})
    assert run("--changed-only", "--format", "json") == 0
    assert [ln["url"] for ln in json.loads(capsys.readouterr().out)["links"]] == \
        [server.url_for("/a")]


def test_the_state_file_is_written_atomically_and_read_back(server: HTTPServer,
                                                            papers: Path) -> None:
    server.expect_request("/ok").respond_with_data("fine")
    write_paper(papers, "a", title="Paper a", url=server.url_for("/ok"))
    state = papers.parent / "state.json"
    argv = ["links", "--allow-private-addresses", "--state", str(state)]
    assert cli.main(argv) == 0
    assert server.url_for("/ok") in json.loads(state.read_text())["cache"]
    asked = len(server.log)
    assert cli.main(argv) == 0 and len(server.log) == asked


# --- the workflows ----------------------------------------------------------------------

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"


def _workflow(name: str) -> dict:
    import yaml

    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True)
    return data


def test_the_weekly_workflow_keeps_one_issue_and_the_history() -> None:
    weekly = _workflow("links.yml")
    assert weekly["on"]["schedule"] and "workflow_dispatch" in weekly["on"]
    assert weekly["permissions"] == {"contents": "read"}
    job = weekly["jobs"]["links"]
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--format markdown" in runs and "gh issue edit" in runs and "--label link-health" in runs
    cached = {s["uses"].split("@")[0]: s["with"]["path"] for s in job["steps"]
              if s.get("uses", "").startswith("actions/cache")}
    assert cached == {"actions/cache/restore": ".site-builder",
                      "actions/cache/save": ".site-builder"}
    assert any("site-builder enrich" in s.get("run", "")
               for s in weekly["jobs"]["metrics"]["steps"])


def test_the_pull_request_workflow_checks_changed_records_without_secrets() -> None:
    text = (WORKFLOWS / "links-pr.yml").read_text()
    pr = _workflow("links-pr.yml")
    assert pr["permissions"] == {"contents": "read"} and "secrets." not in text
    assert "GITHUB_TOKEN" not in text
    assert "--changed-only" in text and "--dead-after 1" in text


# --- the example report in CONTRIBUTING.md ----------------------------------------------

def example_report() -> links.Report:
    W = links.Where
    return links.Report((
        links.Result("https://arxiv.org/abs/2405.14325", "ok", 200,
                     places=(W("papers/guo2025-dinomaly.yaml", 6, "url"),)),
        links.Result("https://github.com/old-owner/bmad", "moved", 200,
                     "the repository is now new-owner/bmad",
                     new_url="https://github.com/new-owner/bmad",
                     places=(W("papers/bao2024-bmad.yaml", 8, "code"),)),
        links.Result("https://example.org/figures/gone.png", "broken", 404,
                     "answered 404 NOT FOUND", failing_days=3, dead=True,
                     places=(W("papers/zhou2024-anomalyclip.yaml", 9, "figure"),)),
        links.Result("https://ieeexplore.ieee.org/document/1234567", "blocked", 418,
                     "answered 418 I'M A TEAPOT; this host refuses scripts",
                     places=(W("papers/huang2024-adapting-visual-language.yaml", 6, "url"),)),
        links.Result("https://github.com/someone/frozen", "ok", 200,
                     "archived by its owners (read-only)", archived=True,
                     places=(W("papers/guo2025-dinomaly.yaml", 8, "code"),)),
    ), checked=4)


def test_contributing_shows_the_report_the_template_renders() -> None:
    text = (Path(__file__).resolve().parents[1] / "CONTRIBUTING.md").read_text()
    rendered = links.as_markdown(example_report(), date=dt.date(2026, 11, 30))
    table = rendered[rendered.index("| Status | Links |"):].rstrip("\n")
    assert table in text, f"update the example in CONTRIBUTING.md to:\n\n{table}\n"
    assert "#### Link health — 2026-11-30" in text


def test_progress_is_a_counter_on_a_terminal_and_plain_lines_elsewhere() -> None:
    import io

    from site_builder.cli import LinkProgress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty, ci = Terminal(), io.StringIO()
    counter, plain = LinkProgress(tty), LinkProgress(ci)
    for done in range(1, 21):
        counter(done, 20)
        plain(done, 20)
    assert tty.getvalue().endswith("\rchecking links: 19/20\rchecking links: 20/20\n")
    assert ci.getvalue().splitlines() == [f"checked {n}/20 links" for n in range(2, 21, 2)]


def test_offline_is_an_error_not_a_list_of_dead_links(tmp_path: Path) -> None:
    from site_builder.services import Offline

    found = [links.Link(f"http://no-such-host-{i}.invalid/", ()) for i in range(3)]
    state = links.State()
    with pytest.raises(Offline, match="no server answered any of the 3 links"):
        links.check_links(found, fast(), state, now=NOW)
    assert state.history == {}
    report = links.check_links(found[:2], fast(), state, now=NOW)  # too few to tell
    assert [r.status for r in report.results] == ["broken", "broken"]


def test_rewrite_keeps_quoting_and_refuses_what_it_cannot_change_safely(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("url: 'https://a.example/x'\nfigure: >-\n  https://a.example/y\n")
    assert links.rewrite(path, [(1, "https://a.example/x", "https://b.example/it's")])
    assert path.read_text().splitlines()[0] == "url: 'https://b.example/it''s'"
    before = path.read_text()
    assert not links.rewrite(path, [(2, "https://a.example/y", "https://b.example/y")])
    plain = tmp_path / "plain.yaml"
    plain.write_text("url: https://a.example/x\n")
    # " #x" would start a YAML comment: the value would not be the new address
    assert not links.rewrite(plain, [(1, "https://a.example/x", "https://b.example/x #x")])
    assert plain.read_text() == "url: https://a.example/x\n"
    assert not links.rewrite(path, [(1, "https://elsewhere.example/", "https://b.example/")])
    assert path.read_text() == before


def test_markdown_links_are_found_with_the_rulebook_url_rule() -> None:
    text = ("See [the guide](https://example.org/guide), <https://example.org/auto>, "
            "[top](#top), [mail](mailto:a@example.org) and [ftp](ftp://example.org/f).")
    assert links._markdown_links(text) == ["https://example.org/guide",
                                           "https://example.org/auto"]
    assert links._markdown_links(None) == []


@pytest.mark.parametrize("verb", ["check", "readme"])
def test_check_and_readme_load_no_network_or_site_machinery(verb: str, tmp_path: Path) -> None:
    """Start-up stays light: the link and enrich verbs load their machinery when run."""
    import subprocess
    import sys

    from .conftest import LIST_FIXTURE, REPO

    argv = [verb, "--papers", str(LIST_FIXTURE)]
    if verb == "readme":
        argv += ["-o", str(tmp_path / "README.md")]
    heavy = {"requests", "urllib3", "mkdocs", "material"}
    code = ("import sys; from site_builder.cli import main; code = main(sys.argv[1:]); "
            f"print(code, sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r} "
            "or m.startswith(('site_builder.links', 'site_builder.enrich', "
            "'site_builder.commands.links', 'site_builder.commands.enrich', "
            "'site_builder.services'))))")
    proc = subprocess.run([sys.executable, "-c", code, *argv], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "0 []"


def test_the_report_cannot_mention_people_or_reference_issues() -> None:
    """The report is posted as an issue: a server's message or a URL naming ``@someone``
    or ``#12`` must not notify that person or link that issue (GitHub's autolinks)."""
    import re

    hostile = links.Result("https://example.org/@octocat/#12", "broken", 404,
                           "answered 404; ask @octocat or @github/security, see #12, "
                           "owner/repo#3 and GH-7",
                           new_url="https://example.org/gh-9", places=(
                               links.Where("papers/a@b#1.yaml", 3, "url"),))
    report = links.Report((hostile,), checked=1)
    text = links.as_markdown(report, date=dt.date(2026, 11, 30))
    assert re.search(r"(?<![A-Za-z0-9])@[A-Za-z0-9]|#[0-9]|(?i:GH-[0-9])", text) is None, text
    assert "ask @\u2060octocat or @\u2060github/security, see #\u206012, " \
        "owner/repo#\u20603 and GH-\u20607" in text
