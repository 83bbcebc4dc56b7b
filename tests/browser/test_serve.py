"""`site-builder serve` in Chromium: an open page reloads by itself after a record is
saved, shows a half-saved record's problems (also printed in the terminal) and recovers
when the record is fixed, while the server keeps running."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "list"
RECORD = "guo2025-dinomaly"
TIMEOUT = 120  # seconds: a rebuild on a loaded 2-core machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _poll(check: Callable[[], bool], what: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server stopped:\n{log.read_text('utf-8')}"
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text('utf-8')}")


class Server:
    def __init__(self, root: Path, proc: subprocess.Popen, url: str, log: Path) -> None:
        self.root, self.proc, self.url, self.log = root, proc, url, log

    def wait(self, check: Callable[[], bool], what: str) -> None:
        _poll(check, what, self.proc, self.log)

    def output(self) -> str:
        return self.log.read_text("utf-8")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    shutil.copytree(FIXTURE, tmp_path / "papers")
    port = _free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "site_builder", "serve",
                                 "--port", str(port)], cwd=tmp_path, stdout=out,
                                stderr=subprocess.STDOUT, env={**os.environ})
        srv = Server(tmp_path, proc, f"http://127.0.0.1:{port}/", log)
        try:
            srv.wait(lambda: urllib.request.urlopen(srv.url, timeout=5).status == 200,
                     "the first build")
            yield srv
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)  # Ctrl-C
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def test_an_open_page_follows_edits_errors_and_fixes(browser: object, server: Server) -> None:
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    try:
        page.goto(f"{server.url}papers/{RECORD}/")
        assert "The Less Is More" in page.inner_text("h1")
        record = server.root / "papers" / f"{RECORD}.yaml"
        good = record.read_text("utf-8")

        page.evaluate("window.__notReloaded = true")
        record.write_text(good.replace("The Less Is More", "The Much Less"), encoding="utf-8")
        page.wait_for_function("!window.__notReloaded && document.querySelector('h1') && "
                               "document.querySelector('h1').innerText.includes('Much Less')",
                               timeout=TIMEOUT * 1000)

        page.evaluate("window.__notReloaded = true")
        record.write_text(good + "title: [half saved\n", encoding="utf-8")
        page.wait_for_function("!window.__notReloaded && "
                               "document.body.innerText.includes('The records are invalid')",
                               timeout=TIMEOUT * 1000)
        assert f"papers/{RECORD}.yaml:" in page.inner_text("body")
        server.wait(lambda: f"papers/{RECORD}.yaml:" in server.output(),
                    "the problem in the terminal")
        assert server.proc.poll() is None

        page.evaluate("window.__notReloaded = true")
        record.write_text(good, encoding="utf-8")
        page.wait_for_function("!window.__notReloaded && document.querySelector('h1') && "
                               "document.querySelector('h1').innerText.includes('Less Is More')",
                               timeout=TIMEOUT * 1000)
        assert server.proc.poll() is None
    finally:
        context.close()

    server.proc.send_signal(signal.SIGINT)  # Ctrl-C: a clean exit, no traceback
    assert server.proc.wait(timeout=60) == 0
    assert "Traceback" not in server.output()
