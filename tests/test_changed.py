"""``check --changed-only``: git decides which records are reported (temp git repos)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.commands.changed import changed_files
from site_builder.errors import UsageError
from tests.conftest import FLAGSHIP

ROOT = Path(__file__).resolve().parents[1]

GIT_ENV = {"GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.org",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.org",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
BROKEN = """\
title: A Broken Record About Anomalies
authors:
- Doe, Jane
venue: MICCAI
year: 20x5
url: example.org/paper
category: benchmarks
"""


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV},
                          capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A clone-like repo: the real list committed on main, a branch 'work' checked out,
    and the working directory at its root."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / "repo"
    shutil.copytree(FLAGSHIP, repo / "papers")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "list")
    git(repo, "checkout", "-q", "-b", "work")
    monkeypatch.chdir(repo)
    return repo


def some_record(repo: Path, n: int = 0) -> Path:
    return sorted((repo / "papers").glob("[a-z]*.yaml"))[n]


def test_nothing_changed_gives_no_file(repo: Path) -> None:
    assert changed_files(Path("papers"), "main") == set()


def test_committed_staged_modified_and_untracked_records_are_found(repo: Path) -> None:
    committed, staged, modified = some_record(repo, 0), some_record(repo, 1), \
        some_record(repo, 2)
    committed.write_text(committed.read_text() + "tags:\n- one\n")
    git(repo, "commit", "-q", "-am", "tag")
    staged.write_text(staged.read_text() + "tags:\n- two\n")
    git(repo, "add", str(staged))
    modified.write_text(modified.read_text() + "tags:\n- three\n")
    (repo / "papers" / "new-paper.yaml").write_text(BROKEN)
    (repo / "notes.yaml").write_text("not: a record\n")  # outside papers/
    assert changed_files(Path("papers"), "main") == {
        f"papers/{p.name}" for p in (committed, staged, modified)} | {"papers/new-paper.yaml"}


def test_deleted_and_renamed_records(repo: Path) -> None:
    gone, moved = some_record(repo, 0), some_record(repo, 1)
    git(repo, "rm", "-q", str(gone))
    git(repo, "mv", str(moved), "papers/renamed.yaml")
    git(repo, "commit", "-q", "-m", "move")
    assert changed_files(Path("papers"), "main") == {"papers/renamed.yaml"}


def test_changes_on_the_base_after_the_fork_are_not_the_branch_s(repo: Path) -> None:
    on_main, on_branch = some_record(repo, 0), some_record(repo, 1)
    git(repo, "checkout", "-q", "main")
    on_main.write_text(on_main.read_text() + "tags:\n- main\n")
    git(repo, "commit", "-q", "-am", "main moves on")
    git(repo, "checkout", "-q", "work")
    on_branch.write_text(on_branch.read_text() + "tags:\n- work\n")
    assert changed_files(Path("papers"), "main") == {f"papers/{on_branch.name}"}


def test_a_changed_list_file_makes_every_record_checked(repo: Path) -> None:
    list_file = repo / "papers" / "_list.yaml"
    list_file.write_text(list_file.read_text() + "\n# a comment\n")
    every = {f"papers/{p.name}" for p in (repo / "papers").glob("[a-z]*.yaml")}
    assert len(every) > 10
    assert changed_files(Path("papers"), "main") == every


def test_paths_are_relative_to_the_working_directory(repo: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "papers" / "new-paper.yaml").write_text(BROKEN)
    monkeypatch.chdir(repo.parent)
    assert changed_files(Path("repo/papers"), "main") == {"repo/papers/new-paper.yaml"}


def test_an_unknown_base_says_how_to_fetch_it(repo: Path) -> None:
    with pytest.raises(UsageError, match=r"git fetch origin main.*fetch-depth: 0"):
        changed_files(Path("papers"), "origin/main")
    with pytest.raises(UsageError, match="unknown git ref"):
        changed_files(Path("papers"), "--output=/tmp/x")


def test_outside_a_repository_is_a_usage_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    (tmp_path / "papers").mkdir()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="not inside a git repository"):
        changed_files(Path("papers"), "main")
    assert cli.main(["check", "--changed-only", "--papers", "papers"]) == 2


def test_a_broken_record_in_a_pr_gives_annotations_on_its_lines(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    existing = some_record(repo, 3)
    (repo / "papers" / "doe2025-broken.yaml").write_text(BROKEN)
    # A copy of a listed paper: the duplicate lands on the new file, not the listed one.
    (repo / "papers" / "zz-copy.yaml").write_text(existing.read_text())
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "add papers")
    code = cli.main(["check", "--changed-only", "--base", "main", "--format", "github",
                     "--papers", "papers"])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert any(line.startswith("::error file=papers/doe2025-broken.yaml,line=5,title=year::")
               for line in out)
    assert any(line.startswith("::error file=papers/doe2025-broken.yaml,line=6,"
                               "title=url::") for line in out)
    copy = [line for line in out if "file=papers/zz-copy.yaml" in line]
    assert copy and all(f"papers/{existing.name}" in line for line in copy)
    annotated = {line.split("file=")[1].split(",")[0] for line in out if line.startswith("::")}
    assert annotated == {"papers/doe2025-broken.yaml", "papers/zz-copy.yaml"}


def test_unchanged_broken_files_do_not_fail_a_pr(repo: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "papers" / "old-broken.yaml").write_text(BROKEN)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken on main")
    git(repo, "branch", "-f", "main")
    fine = some_record(repo, 0)
    fine.write_text(fine.read_text() + "tags:\n- fine\n")
    assert cli.main(["check", "--changed-only", "--base", "main", "--papers", "papers"]) == 0
    assert "(1 changed file)" in capsys.readouterr().out
    assert cli.main(["check", "--papers", "papers"]) == 1
