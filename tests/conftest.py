"""Shared fixtures: repository paths, the markdownlint tool, and the bad-input cases.

Bad-input cases (pypa/build style): every file ``tests/fixtures/bad/<case>.yaml`` is one
failure mode.  It is checked as a paper record added to the fixture list
(``tests/fixtures/list/``), and its ``# expect:`` header lines give every problem the check
must report, exactly, as ``path:line: field: what is wrong — how to fix``
(``# expect: none`` for input that must be accepted).  A case whose bytes cannot hold a
header (an empty file) keeps its expectations in ``<case>.expect``.  ``# max-bytes: N``
lowers the size cap for that case.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
LIST_FIXTURE = FIXTURES / "list"
BAD = FIXTURES / "bad"
GOLDEN = TESTS / "golden"
SEED = FIXTURES / "seed" / "README.md"  # the hand-written list, encoding damage and all
# A snapshot of the flagship list's records: tests never read the live papers/ folder.
FLAGSHIP = FIXTURES / "flagship"
# A second list of the family: marks, bilingual notes, cross-listed papers, subsections.
FAMILY = FIXTURES / "readmes" / "family.md"
MARKDOWNLINT_CONFIG = REPO / ".markdownlint.jsonc"


@pytest.fixture(autouse=True, scope="session")
def _no_figure_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Site builds read the figure cache: tests (session fixtures too) start with an empty
    one, whatever the user's own cache holds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SITE_BUILDER_FIGURE_CACHE", str(tmp_path_factory.mktemp("figures")))
        yield


@pytest.fixture(autouse=True)
def _cache_in_tmp(monkeypatch: pytest.MonkeyPatch,
                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """The CLI keeps a cache of checked records: tests keep theirs out of the user's home."""
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


# --- markdownlint-cli2 -----------------------------------------------------------------

def find_markdownlint() -> str | None:
    """markdownlint-cli2 on PATH, or the copy .ci/run installs into .ci/node."""
    local = REPO / ".ci" / "node" / "node_modules" / ".bin" / "markdownlint-cli2"
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    return shutil.which("markdownlint-cli2")


def require_tool(name: str, path: str | None,
                 package: str = "markdownlint-cli2@0.22.1") -> str:
    """The tool's path; skip without it, or fail when CI says tools are required."""
    if path:
        return path
    message = (f"{name} not found (install it with: npm install --no-save --no-package-lock "
               f"--prefix .ci/node {package})")
    if os.environ.get("SITE_BUILDER_REQUIRE_TOOLS") == "1":
        pytest.fail(f"{message}; SITE_BUILDER_REQUIRE_TOOLS=1 makes this a failure")
    pytest.skip(message)


@dataclass
class Lint:
    findings: int
    output: str


@pytest.fixture(scope="session")
def markdownlint(tmp_path_factory: pytest.TempPathFactory):
    """``markdownlint(text) -> Lint``: lint Markdown text with the repo's configuration."""
    tool = require_tool("markdownlint-cli2", find_markdownlint())
    work = tmp_path_factory.mktemp("lint")

    def run(text: str, name: str = "README.md") -> Lint:
        target = work / name
        target.write_text(text, encoding="utf-8")
        proc = subprocess.run([tool, "--config", str(MARKDOWNLINT_CONFIG), f":{target}"],
                              cwd=work, capture_output=True, text=True, timeout=120)
        out = proc.stdout + proc.stderr
        m = re.search(r"Summary: (\d+) error", out)
        assert m, f"unexpected markdownlint output:\n{out}"
        return Lint(int(m.group(1)), out)

    return run


# --- bad-input cases -------------------------------------------------------------------

@dataclass(frozen=True)
class BadCase:
    name: str
    path: Path
    expected: tuple[str, ...]  # Problem.text() lines, paths as 'papers/<file>'
    max_bytes: int | None

    def __str__(self) -> str:
        return self.name


def _bad_case(path: Path) -> BadCase:
    raw = path.read_bytes()
    header = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    sidecar = path.with_suffix(".expect")
    if sidecar.exists():
        header = "\n".join(f"# expect: {line}" for line in
                           sidecar.read_text(encoding="utf-8").splitlines() if line.strip())
    expected = tuple(m.strip() for m in re.findall(r"^# expect: (.*)$", header, re.M))
    assert expected, f"{path.name}: no '# expect:' line"
    size = re.search(r"^# max-bytes: (\d+)", header, re.M)
    if expected == ("none",):
        expected = ()
    return BadCase(path.stem, path, expected, int(size.group(1)) if size else None)


BAD_CASES = [_bad_case(p) for p in sorted(BAD.glob("*.yaml"))]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "bad_case" in metafunc.fixturenames:
        metafunc.parametrize("bad_case", BAD_CASES, ids=[c.name for c in BAD_CASES])


def run_bad_case(case: BadCase, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Check the fixture list plus the case file from ``workdir``; every problem's text."""
    from site_builder import load
    from site_builder.checking import check_dir
    from site_builder.errors import InvalidRecords

    papers = workdir / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    shutil.copyfile(case.path, papers / case.path.name)
    monkeypatch.chdir(workdir)
    if case.max_bytes is not None:
        read = load.read

        def capped(path: Path, display: str | None = None,
                   max_bytes: int = load.MAX_BYTES) -> load.Source:
            cap = case.max_bytes if path.name == case.path.name else max_bytes
            return read(path, display, cap)  # type: ignore[arg-type]

        monkeypatch.setattr(load, "read", capped)
    try:
        problems = list(check_dir(Path("papers")).warnings)
    except InvalidRecords as err:
        problems = err.problems
    return [p.text() for p in problems]


def expected_lines(case: BadCase) -> list[str]:
    from site_builder.model import max_year

    return [line.replace("{max_year}", str(max_year())) for line in case.expected]


@pytest.fixture
def list_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the fixture list as ``papers/`` in a temporary working directory."""
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    monkeypatch.chdir(tmp_path)
    return papers


ONE_SECTION_LIST = "title: Test List\nsections:\n- title: Reconstruction\n  id: reconstruction\n"


@pytest.fixture
def one_section_list(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty ``papers/`` with a one-section list file, in a temporary working directory."""
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "_list.yaml").write_text(ONE_SECTION_LIST)
    monkeypatch.chdir(tmp_path)
    return folder


# --- small helpers ---------------------------------------------------------------------

PAPER = """\
title: {title}
authors:
- Doe, Jane
venue: MICCAI
year: {year}
url: {url}
category: reconstruction
"""


def write_paper(folder: Path, name: str, title: str = "A Fine Paper", year: int = 2024,
                url: str = "https://example.org/paper", extra: str = "") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(PAPER.format(title=title, year=year, url=url) + extra, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def local_server() -> Iterator[HTTPServer]:
    """A local HTTP server on 127.0.0.1 standing in for arXiv and Crossref."""
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture()
def server(local_server: HTTPServer) -> Iterator[HTTPServer]:
    local_server.clear()
    yield local_server
    local_server.clear()


def build_site(work: Path) -> Path:
    """Build ``work/papers`` into ``work/site`` as a repository does: from ``work``, with
    this repository's mkdocs.yml (strict), through the CLI."""
    from site_builder.cli import main

    shutil.copy(REPO / "mkdocs.yml", work / "mkdocs.yml")
    cwd = Path.cwd()
    os.chdir(work)
    try:
        assert main(["site", "--papers", "papers", "-d", "site"]) == 0
    finally:
        os.chdir(cwd)
    return work / "site"


class FakeTime:
    """A clock that only moves when something sleeps; records every sleep (pacing is
    visible without waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
