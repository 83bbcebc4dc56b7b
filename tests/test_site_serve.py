"""`mkdocs serve` from a project root: the records are watched, and a broken record shows
its problems on the home page while the server keeps running."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import FLAGSHIP

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as resp:
        return str(resp.read().decode("utf-8"))


def _wait_for(check: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError("timed out")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    shutil.copytree(FLAGSHIP, tmp_path / "papers")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    (tmp_path / "docs").mkdir()
    port = _free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with open(tmp_path / "serve.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve",
                                 "-a", f"127.0.0.1:{port}"], cwd=tmp_path, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            yield f"http://127.0.0.1:{port}/", tmp_path, proc
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_serve_rebuilds_on_a_record_change_and_survives_a_broken_record(served) -> None:
    url, root, proc = served
    _wait_for(lambda: "Solving" in _get(url))
    record = root / "papers" / "guo2025-dinomaly-the-less-is-more.yaml"
    good = record.read_text(encoding="utf-8")

    record.write_text(good.replace("year: 2025", "year: twenty"), encoding="utf-8")
    _wait_for(lambda: "The records are invalid" in _get(url))
    page = _get(url)
    assert "guo2025-dinomaly-the-less-is-more.yaml" in page and "year" in page
    assert proc.poll() is None

    record.write_text(good.replace("Dinomaly: The Less", "Dinomaly: The Much Less"),
                      encoding="utf-8")
    _wait_for(lambda: "Much Less" in _get(url + "sections/solving-identity-mapping/"))
    assert "The records are invalid" not in _get(url)
    assert proc.poll() is None


def test_the_mkdocs_adapter_imports_no_cli_command() -> None:
    """The plugin runs inside ``mkdocs serve``: it uses the library (site.read_sources,
    which reads in one process), never a CLI verb's module."""
    import ast

    from tests.conftest import REPO

    tree = ast.parse((REPO / "site_builder" / "mkdocs_plugin.py").read_text(encoding="utf-8"))
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert "site" in imported
    assert not [m for m in imported if m.startswith(("commands", "cli"))]
