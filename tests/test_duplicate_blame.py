"""Which of two duplicate records is blamed: the newer one, whatever the file names.

The repositories here are built from the fixture list; commit times are set explicitly so
that "older" never depends on how fast the test runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.crosscheck import cross_check
from site_builder.load import Source
from site_builder.model import Entry, Paper
from tests.conftest import LIST_FIXTURE
from tests.test_changed import GIT_ENV

# Same title as bao2024-bmad.yaml; its name sorts before the original's.
COPY = """\
title: 'BMAD: Benchmarks for Medical Anomaly Detection'
authors:
- Bao, Jinan
venue: CVPR Workshops
year: 2024
url: https://example.org/bmad-copy
category: benchmarks
"""
BLAME = ("papers/aaa-bmad.yaml:1: title: same title as papers/bao2024-bmad.yaml: the paper "
         "is already in the list — delete this file, or edit the existing one")


def git(repo: Path, *args: str, when: int = 1_700_000_000) -> None:
    stamp = f"@{when} +0000"
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": stamp,
                        "GIT_COMMITTER_DATE": stamp})


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture list committed on main; a branch 'work' checked out."""
    repo = tmp_path / "repo"
    shutil.copytree(LIST_FIXTURE, repo / "papers")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "list")
    git(repo, "checkout", "-q", "-b", "work")
    monkeypatch.chdir(repo)
    return repo


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.mark.parametrize("committed", [False, True], ids=["untracked", "committed"])
def test_check_blames_the_new_file_not_the_existing_one(
        repo: Path, capsys: pytest.CaptureFixture[str], committed: bool) -> None:
    (repo / "papers" / "aaa-bmad.yaml").write_text(COPY, encoding="utf-8")
    if committed:  # as in CI on a pull request: both committed, the copy later
        git(repo, "add", ".")
        git(repo, "commit", "-q", "-m", "copy", when=1_700_100_000)
    code, out = run(capsys, "check", "--papers", "papers")
    assert code == 1
    assert BLAME in out
    assert not [line for line in out.splitlines() if line.startswith("papers/bao2024")]


def test_changed_only_reports_the_duplicate(repo: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "papers" / "aaa-bmad.yaml").write_text(COPY, encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "copy", when=1_700_000_000)  # same second as main
    code, out = run(capsys, "check", "--changed-only", "--base", "main", "--papers", "papers")
    assert code == 1
    assert BLAME in out
    assert "ok:" not in out


def test_the_changed_file_is_blamed_even_when_it_is_the_older_name(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The branch edits a record whose name sorts first into a copy of another paper:
    the edited (changed) file is blamed, not the untouched one."""
    original = (repo / "papers" / "guo2025-dinomaly.yaml").read_text(encoding="utf-8")
    (repo / "papers" / "bao2024-bmad.yaml").write_text(original, encoding="utf-8")
    code, out = run(capsys, "check", "--changed-only", "--base", "main", "--papers", "papers")
    assert code == 1
    assert "papers/bao2024-bmad.yaml:2: title: same title as papers/guo2025-dinomaly.yaml" \
        in out
    assert not [line for line in out.splitlines() if line.startswith("papers/guo2025")]


def _entry(name: str, added: str | None) -> tuple[Entry, Source]:
    import datetime as dt

    paper = Paper(title="Same Title", authors=("Doe, Jane",), venue="X", year=2024,
                  url=f"https://example.org/{name}", category="c",
                  added=dt.date.fromisoformat(added) if added else None)
    return Entry(name, f"papers/{name}.yaml", paper), Source(f"papers/{name}.yaml")


@pytest.mark.parametrize(("first", "second", "blamed"), [
    (("a", "2025-02-01"), ("b", "2025-01-01"), "papers/a.yaml"),  # later date
    (("a", "2025-02-01"), ("b", None), "papers/a.yaml"),  # dated after undated
    (("a", None), ("b", None), "papers/b.yaml"),  # nothing else: the later name
])
def test_without_git_the_added_date_decides(first: tuple[str, str | None],
                                            second: tuple[str, str | None],
                                            blamed: str) -> None:
    problems = cross_check([_entry(*first), _entry(*second)])
    assert [p.path for p in problems] == [blamed]


def test_a_changed_file_is_newer_than_any_date() -> None:
    problems = cross_check([_entry("a", "2020-01-01"), _entry("b", "2025-01-01")],
                           changed={"papers/a.yaml"})
    assert [p.path for p in problems] == ["papers/a.yaml"]
