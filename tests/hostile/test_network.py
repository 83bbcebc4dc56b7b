"""Hostile metadata services: fake arXiv and Crossref servers on 127.0.0.1 that drip, reset,
redirect where they should not, send 100 MB, entity bombs, deep nesting and answers of
the wrong shape.  Each must end in one exact ``ServiceError`` line, quickly."""

from __future__ import annotations

import io
import json
import shutil
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from site_builder import cli
from site_builder.errors import UsageError
from site_builder.services import MANUAL_HINT, ServiceError, arxiv, crossref, http, shape
from site_builder.services.http import Client

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "services"
DOI = "10.1234/x"
LATER = f"try again later, {MANUAL_HINT}"
ADDRESS = f"check the address, {MANUAL_HINT}"
DEADLINE = 0.5  # the deadline tests' own; other tests get a roomy one (a loaded machine)
ROOMY = 10.0


class NoWait:
    """Clock and sleep for the client: polite waits are recorded, never slept."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def make_client(base: str, name: str = "arXiv", **kw: object) -> Client:
    wait = NoWait()
    options: dict = {"timeout": (2.0, 5.0), "deadline": ROOMY, "clock": wait.clock,
                     "sleep": wait.sleep, **kw}
    return Client(name, base, agent="test", **options)


# --- a raw TCP server for what a well-behaved HTTP server cannot do ---------------------

class RawServer:
    """A server on 127.0.0.1 whose every connection gets ``handler(server, sock)`` once
    the request head is read; it counts the body bytes it managed to send."""

    def __init__(self, handler: Callable[[RawServer, socket.socket], None]) -> None:
        self.handler = handler
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.sent = 0
        self.connections = 0
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            head = b""
            try:
                while b"\r\n\r\n" not in head:
                    data = conn.recv(4096)
                    if not data:
                        return
                    head += data
                self.handler(self, conn)
            except OSError:  # the client gave up, as it should
                pass

    def drip(self, conn: socket.socket, byte: bytes = b"a") -> None:
        """One byte every 50 ms until the client hangs up (or the test ends)."""
        while not self.stop.is_set():
            conn.sendall(byte)
            time.sleep(0.05)

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.fixture()
def raw() -> Iterator[Callable[[Callable[[RawServer, socket.socket], None]], RawServer]]:
    servers: list[RawServer] = []

    def start(handler: Callable[[RawServer, socket.socket], None]) -> RawServer:
        servers.append(RawServer(handler))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def reset(conn: socket.socket) -> None:
    """Close with a TCP reset rather than an orderly end."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


# --- the deadline ---------------------------------------------------------------------

def drip_headers(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    server.drip(conn)


def drip_body(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
    server.drip(conn)


def drip_body_unsized(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    server.drip(conn)


@pytest.mark.parametrize("handler", [drip_headers, drip_body, drip_body_unsized])
def test_a_dripping_server_is_cut_off_at_the_deadline(raw, handler) -> None:
    """Each byte comes well within the 5 s read timeout; only the deadline can stop it."""
    server = raw(handler)
    started = time.monotonic()
    with pytest.raises(ServiceError) as err:
        make_client(server.url, deadline=DEADLINE).get("")
    took = time.monotonic() - started
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) did not finish answering "
                              f"within {DEADLINE:g} s — {LATER}")
    assert DEADLINE <= took < DEADLINE + 1.0
    assert server.connections == 1  # the deadline covers every try: none after it


def test_the_deadline_holds_through_a_proxy_from_the_environment(raw, monkeypatch) -> None:
    """HTTP_PROXY is honoured as before, and the watchdog sees the proxy's socket too."""
    proxy = raw(drip_headers)
    for var in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with pytest.raises(ServiceError) as err:
        make_client("http://93.184.216.34/api", deadline=DEADLINE).get("")
    assert str(err.value) == (f"arXiv (93.184.216.34) did not finish answering within "
                              f"{DEADLINE:g} s — {LATER}")
    assert proxy.connections == 1


def test_the_deadline_holds_new_end_to_end(raw, tmp_path: Path, monkeypatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    papers = _papers(tmp_path, monkeypatch)
    monkeypatch.setattr(http, "DEADLINE", DEADLINE)
    server = raw(drip_headers)
    started = time.monotonic()
    code = cli.main(["new", "--papers", str(papers), "--arxiv", "2407.01234", "--category",
                     "benchmarks", "--arxiv-api", server.url + "/api/query"])
    assert time.monotonic() - started < DEADLINE + 1.5
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: arXiv (127.0.0.1:{server.port}) did not finish answering within "
                   f"{DEADLINE:g} s — {LATER}\n")
    assert _written(papers) == []


# --- resets and garbled answers ---------------------------------------------------------

def reset_at_once(server: RawServer, conn: socket.socket) -> None:
    reset(conn)


def reset_mid_body(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n<feed")
    time.sleep(0.05)
    reset(conn)


@pytest.mark.parametrize("handler", [reset_at_once, reset_mid_body])
def test_a_reset_connection_is_retried_then_one_line(raw, handler) -> None:
    server = raw(handler)
    wait = NoWait()
    client = make_client(server.url, sleep=wait.sleep)
    with pytest.raises(ServiceError) as err:
        client.get("")
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) sent a broken answer or "
                              f"closed the connection before it was complete (3 tries) — "
                              f"{LATER}")
    assert server.connections == 3
    assert wait.sleeps == [2.0, 4.0]


def many_headers(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"X-Junk: 1\r\n" * 1000 + b"\r\n")


def not_http(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")


@pytest.mark.parametrize("handler", [many_headers, not_http])
def test_a_garbled_answer_is_retried_then_one_line(raw, handler) -> None:
    server = raw(handler)
    with pytest.raises(ServiceError) as err:
        make_client(server.url).get("")
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) sent a broken answer or "
                              f"closed the connection before it was complete (3 tries) — "
                              f"{LATER}")
    assert server.connections == 3


# --- size -----------------------------------------------------------------------------

HUNDRED_MB = 100 * 1024 * 1024


def huge_unsized(server: RawServer, conn: socket.socket) -> None:
    """100 MB made up as it is sent, with no length announced."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 b"Connection: close\r\n\r\n")
    chunk = b"[" * 65536
    while server.sent < HUNDRED_MB:
        conn.sendall(chunk)
        server.sent += len(chunk)


def huge_announced(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % HUNDRED_MB)
    chunk = b"x" * 65536
    while server.sent < HUNDRED_MB:
        conn.sendall(chunk)
        server.sent += len(chunk)


def gzip_bomb(server: RawServer, conn: socket.socket) -> None:
    """100 MB of zeros that travel as about 100 kB of gzip."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close\r\n\r\n")
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(1024 * 1024)
    for _ in range(100):
        conn.sendall(packer.compress(zeros))
    conn.sendall(packer.flush())


@pytest.mark.parametrize("handler", [huge_unsized, huge_announced])
def test_a_100_mb_answer_is_refused_while_it_streams(raw, handler) -> None:
    server = raw(handler)
    tracemalloc.start()
    try:
        with pytest.raises(ServiceError) as err:
            make_client(server.url, deadline=10.0).get("")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) sent an answer larger than "
                              f"{http.MAX_BYTES // 1024} KiB, which is refused — {ADDRESS}")
    assert peak < 3 * http.MAX_BYTES  # never the whole answer
    time.sleep(0.1)  # let the server notice the hang-up
    assert server.sent < HUNDRED_MB // 4


def test_a_gzip_bomb_is_refused_as_it_inflates(raw) -> None:
    """The cap counts inflated bytes, and urllib3 inflates a bounded amount per read."""
    server = raw(gzip_bomb)
    tracemalloc.start()
    try:
        with pytest.raises(ServiceError) as err:
            make_client(server.url, deadline=10.0).get("")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) sent an answer larger than "
                              f"{http.MAX_BYTES // 1024} KiB, which is refused — {ADDRESS}")
    assert peak < 3 * http.MAX_BYTES


# --- redirects ------------------------------------------------------------------------

def test_a_redirect_loop_stops_after_five_hops(server: HTTPServer) -> None:
    server.expect_request("/api").respond_with_data("", status=302, headers={"Location": "/api"})
    with pytest.raises(ServiceError) as err:
        make_client(server.url_for("/api")).get("")
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) redirected more than 5 times "
                              f"— {ADDRESS}")
    assert len(server.log) == 6


def test_a_redirect_on_the_same_host_and_port_is_followed(server: HTTPServer) -> None:
    server.expect_request("/old").respond_with_data("", status=301,
                                                    headers={"Location": "/new?a=1"})
    server.expect_request("/new", query_string="a=1").respond_with_data("moved here")
    reply = make_client(server.url_for("/old")).get("")
    assert (reply.status_code, reply.text) == (200, "moved here")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = _closed_port()


@pytest.mark.parametrize(("location", "refusal"), [
    (f"http://127.0.0.1:{PORT}/api", f"another port or scheme (http://127.0.0.1:{PORT})"),
    ("https://{here}/api", "another port or scheme (https://{here})"),
    ("http://10.0.0.7/api", "a private or local address (10.0.0.7)"),
    ("http://169.254.169.254/latest/meta-data/", "a private or local address "
                                                 "(169.254.169.254)"),
    ("http://[::ffff:127.0.0.1]:8080/", "a private or local address (::ffff:127.0.0.1)"),
    ("http://localhost:8080/", "a private or local address (localhost is 127.0.0.1)"),
    ("http://93.184.216.34/api", "another host (93.184.216.34:80)"),
])
def test_a_redirect_elsewhere_is_refused(server: HTTPServer, location: str,
                                         refusal: str) -> None:
    here = f"127.0.0.1:{server.port}"
    server.expect_request("/api").respond_with_data(
        "", status=307, headers={"Location": location.format(here=here)})
    with pytest.raises(ServiceError) as err:
        make_client(server.url_for("/api")).get("")
    assert str(err.value) == (f"arXiv ({here}) redirected to {refusal.format(here=here)}, "
                              f"which is refused — {ADDRESS}")
    assert len(server.log) == 1


@pytest.mark.parametrize(("location", "why"), [
    ("file:///etc/passwd", "not an http(s) address"),
    ("gopher://127.0.0.1/", "not an http(s) address"),
    ("http://user:secret@127.0.0.1/", "a user name or password in the address"),
    ("http://[::1/", "Invalid IPv6 URL"),
])
def test_a_redirect_to_an_odd_address_is_refused(raw, location: str, why: str) -> None:
    def redirect(server: RawServer, conn: socket.socket) -> None:
        conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: {location}\r\n"
                     "Content-Length: 0\r\n\r\n".encode())

    server = raw(redirect)
    with pytest.raises(ServiceError) as err:
        make_client(server.url).get("")
    assert str(err.value) == (f"arXiv (127.0.0.1:{server.port}) redirected to {location!r}, "
                              f"which is refused ({why}) — {ADDRESS}")
    assert server.connections == 1


@pytest.mark.parametrize(("base", "why"), [
    ("http://[::1", "Invalid IPv6 URL"),
    ("http://127.0.0.1:99999/api", "Port out of range 0-65535"),
    ("ftp://example.org/api", "not an http(s) address"),
    ("export.arxiv.org/api/query", "not an http(s) address"),
])
def test_a_base_url_that_does_not_parse_is_a_usage_error(base: str, why: str) -> None:
    with pytest.raises(UsageError) as err:
        make_client(base)
    assert str(err.value) == (f"the arXiv address {base!r} is not a usable URL ({why}) — give "
                              "a full address such as https://api.example.org")


def test_a_bad_base_url_end_to_end(tmp_path: Path, monkeypatch,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    papers = _papers(tmp_path, monkeypatch)
    code = cli.main(["new", "--papers", str(papers), "--doi", DOI, "--category", "benchmarks",
                     "--crossref-api", "http://[::1"])
    assert code == 2
    assert capsys.readouterr().err == (
        "error: the Crossref address 'http://[::1' is not a usable URL (Invalid IPv6 URL) — "
        "give a full address such as https://api.example.org\n")
    assert _written(papers) == []


# --- XML ------------------------------------------------------------------------------

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE feed [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2407.01234</id>
<title>&f;</title></entry></feed>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY secret SYSTEM "file:///etc/hostname">]>
<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>http://arxiv.org/abs/2407.01234</id>
<title>&secret;</title></entry></feed>"""
DEEP_XML = (b'<feed xmlns="http://www.w3.org/2005/Atom">' + b"<a>" * 100_000 +
            b"</a>" * 100_000 + b"</feed>")
ENTRY = '<feed xmlns="http://www.w3.org/2005/Atom"><entry>{}</entry></feed>'


def _arxiv_error(body: bytes, server: HTTPServer) -> str:
    server.expect_request("/api").respond_with_data(body, content_type="application/atom+xml")
    with pytest.raises(ServiceError) as err:
        arxiv.fetch(make_client(server.url_for("/api")), "2407.01234")
    return str(err.value)


@pytest.mark.parametrize(("body", "what"), [
    (BOMB, "XML with a DOCTYPE (entity declarations are refused)"),
    (EXTERNAL, "XML with a DOCTYPE (entity declarations are refused)"),
    (DEEP_XML, "XML nested deeper than 64 levels"),
    (b"<html><body>Service unavailable</body></html>",
     "an answer that is not an Atom feed (<html>)"),
    (ENTRY.format("<title>No id</title>").encode(), "an entry without an arXiv id"),
    (ENTRY.format("<id>http://arxiv.org/abs/2407.01234<id>").encode(),
     "an answer that is not Atom XML (mismatched tag: line 1, column 90)"),
])
def test_hostile_arxiv_xml_is_one_line(server: HTTPServer, body: bytes, what: str) -> None:
    started = time.monotonic()
    assert _arxiv_error(body, server) == f"arXiv sent {what} — {LATER}"
    assert time.monotonic() - started < 2.0


def test_odd_arxiv_elements_give_a_best_effort_entry() -> None:
    entry = arxiv.parse_feed(ENTRY.format(
        "<id>http://arxiv.org/abs/2407.01234v1</id><title>A <b>bold</b> title</title>"
        "<published>last Tuesday</published><author/><author><name>Ada Lovelace</name>"
        "</author><summary/>").encode())
    assert entry == arxiv.ArxivEntry(arxiv="2407.01234", title="A bold title",
                                     authors=("Lovelace, Ada",), published=None, summary="")


# --- JSON -----------------------------------------------------------------------------

def _crossref_error(body: bytes, server: HTTPServer) -> str:
    server.expect_request(f"/works/{DOI}").respond_with_data(body,
                                                             content_type="application/json")
    with pytest.raises(ServiceError) as err:
        crossref.fetch(make_client(server.url_for(""), "Crossref"), DOI)
    return str(err.value)


def _record(**message: object) -> bytes:
    return json.dumps({"status": "ok", "message": {"title": ["T"], **message}}).encode()


def test_json_nested_100000_deep_is_refused_without_recursion(server: HTTPServer) -> None:
    body = b'{"status": "ok", "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    started = time.monotonic()
    assert _crossref_error(body, server) == (f"Crossref sent JSON nested deeper than 64 levels "
                                             f"for DOI {DOI} — {LATER}")
    assert time.monotonic() - started < 2.0


def test_json_depth_skips_brackets_in_strings() -> None:
    assert shape.depth('{"a": ["[[[[{{{{", "\\"]]]"], "b": {}}') == 2
    assert shape.depth("[" * 65 + "]" * 65) == 65


@pytest.mark.parametrize("text", ['"' + '\\"' * 50_000, '"' * 100_001, "[" * 100_000,
                                  '{"a":' * 20_000])
def test_json_depth_is_linear_on_its_worst_cases(text: str) -> None:
    started = time.monotonic()
    shape.depth(text)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize("markup", ["<" * 100_000, "<title>" * 15_000,
                                    "<jats:title " * 10_000, "<a" + "<" * 100_000 + ">"])
def test_abstract_markup_is_stripped_in_linear_time(markup: str) -> None:
    started = time.monotonic()
    crossref.plain_text(markup)
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(("markup", "text"), [
    ("<jats:title>Abstract</jats:title><jats:p>We <i>find</i> &amp; fix.</jats:p>",
     "We find & fix."),
    ("<title>An unclosed title stays</title", "An unclosed title stays</title"),
    ("<title>A <title>nested</title> title</title> kept", "title kept"),
    ("1 < 2 and 3 > 2", "1 2"),
])
def test_abstract_markup_becomes_plain_text(markup: str, text: str) -> None:
    assert crossref.plain_text(markup) == text


@pytest.mark.parametrize(("body", "what"), [
    (b"[]", "an answer that is not a work record"),
    (b'"ok"', "an answer that is not a work record"),
    (b'{"status": "ok", "message": []}', "an answer that is not a work record"),
    (b'{"status": "ok", "message": "T"}', "an answer that is not a work record"),
    (b'{"status": "failed", "message": {}}', "an answer that is not a work record"),
    (b"\xff\xfe{}", "an answer that is not UTF-8 text"),
    (b"{'status': 'ok'}", "an answer that is not JSON"),
])
def test_crossref_answers_that_are_not_records(server: HTTPServer, body: bytes,
                                               what: str) -> None:
    assert _crossref_error(body, server) == f"Crossref sent {what} for DOI {DOI} — {LATER}"


@pytest.mark.parametrize(("message", "what"), [
    ({"title": 42}, "message.title is a number where a list was expected"),
    ({"title": "A Title"}, "message.title is a text where a list was expected"),
    ({"title": [["A Title"]]}, "message.title[0] is a list where a text was expected"),
    ({"author": ["Smith, Jane"]}, "message.author[0] is a text where an object was expected"),
    ({"author": {"family": "Smith"}}, "message.author is an object where a list was expected"),
    ({"author": [{"family": ["Smith"]}]},
     "message.author[0].family is a list where a text was expected"),
    ({"event": "MICCAI"}, "message.event is a text where an object was expected"),
    ({"issued": [[2024]]}, "message.issued is a list where an object was expected"),
    ({"issued": {"date-parts": "2024"}},
     "message.issued.date-parts is a text where a list was expected"),
    ({"container-title": [None, True]},
     "message.container-title[1] is true/false where a text was expected"),
    ({"abstract": {"jats": "x"}}, "message.abstract is an object where a text was expected"),
    ({"DOI": 10.1}, "message.DOI is a number where a text was expected"),
])
def test_crossref_fields_of_the_wrong_shape(server: HTTPServer, message: dict,
                                            what: str) -> None:
    assert _crossref_error(_record(**message), server) == (
        f"Crossref sent a record for DOI {DOI} whose {what} — {LATER}")


@pytest.mark.parametrize("issued", [{"date-parts": [["2024"]]}, {"date-parts": [[True]]},
                                    {"date-parts": [2024]}, {"date-parts": []}, {}])
def test_odd_crossref_dates_give_no_year(issued: dict) -> None:
    work = crossref.parse_work({"title": ["T"], "issued": issued}, DOI)
    assert (work.title, work.year) == ("T", None)


def test_a_wrong_shape_end_to_end(server: HTTPServer, tmp_path: Path, monkeypatch,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    papers = _papers(tmp_path, monkeypatch)
    server.expect_request(f"/works/{DOI}").respond_with_data(
        _record(author=["Smith, Jane"]), content_type="application/json")
    code = cli.main(["new", "--papers", str(papers), "--doi", DOI, "--category", "benchmarks",
                     "--crossref-api", server.url_for("")])
    assert code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (f"error: Crossref sent a record for DOI {DOI} whose message.author[0] is a "
                   f"text where an object was expected — {LATER}\n")
    assert _written(papers) == []


# --- helpers for the end-to-end cases -------------------------------------------------

def _papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the small list; no terminal and no service settings from the environment."""
    for var in ("SITE_BUILDER_ARXIV_API", "SITE_BUILDER_CROSSREF_API", "SITE_BUILDER_MAILTO"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO())
    return Path(shutil.copytree(FIXTURES / "papers", tmp_path / "papers"))


def _written(papers: Path) -> list[str]:
    before = sorted(p.name for p in (FIXTURES / "papers").iterdir())
    return sorted(p.name for p in papers.iterdir() if p.name not in before)
