"""Inputs that are not what they seem: symbolic links (a pull request can add a link to
``.git/config`` and have CI publish it), FIFOs and devices named ``*.yaml``, and file
names that are not UTF-8.  Links are refused with the file's name and their target's text
never reaches any output; special files are reported without being opened."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder.cli import main
from tests.conftest import LIST_FIXTURE, REPO
from tests.hostile.fs_helpers import snapshot

SECRET = "token = ghp_SECRET_NEVER_PUBLISHED"
NO_LINKS = ("site-builder does not follow links for its inputs (a link could put any file "
            "of the machine into its output) — replace the link by the file itself")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture list as papers/ and, outside the project, a file holding a secret."""
    root = tmp_path / "project"
    shutil.copytree(LIST_FIXTURE, root / "papers")
    (tmp_path / "credentials").write_text(SECRET + "\n")
    monkeypatch.chdir(root)
    return root


def _secret_link(project: Path, name: str) -> None:
    link = project / name
    link.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(project.parent / "credentials", link)


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert SECRET not in out + err
    assert "Traceback" not in err
    return err


def _published(project: Path) -> str:
    """Every byte a build left behind, to look for the secret in."""
    return "".join(p.read_text(errors="replace") for p in project.rglob("*")
                   if p.is_file() and not p.is_symlink())


# --- symbolic links -----------------------------------------------------------------------

def test_a_linked_contributing_guide_is_refused(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    _secret_link(project, "CONTRIBUTING.md")
    for argv in (["site"], ["build"]):
        assert _refused(argv, capsys) == \
            f"error: CONTRIBUTING.md: the contributing guide is a symbolic link; {NO_LINKS}\n"
    assert not (project / "site").exists()
    assert SECRET not in _published(project)


@pytest.mark.parametrize("template", ["readme/entry.md.j2", "site/section.md.j2"])
def test_a_linked_template_is_refused(project: Path, template: str,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    _secret_link(project, f"templates/{template}")
    verb = "readme" if template.startswith("readme") else "site"
    assert _refused([verb], capsys) == \
        f"error: templates/{template}: the template is a symbolic link; {NO_LINKS}\n"
    assert SECRET not in _published(project)


def test_a_linked_template_folder_is_refused(project: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    outside = project.parent / "outside"
    outside.mkdir()
    (outside / "entry.md.j2").write_text(SECRET + "\n")
    (project / "templates").mkdir()
    os.symlink(outside, project / "templates" / "readme")
    assert _refused(["readme"], capsys) == \
        "error: templates/readme: is a symbolic link; site-builder does not follow links " \
        "for its templates — replace the link by the folder itself\n"
    shutil.rmtree(project / "templates")
    os.symlink(outside, project / "templates")
    assert _refused(["readme"], capsys) == \
        "error: templates: the templates folder is a symbolic link — replace the link by " \
        "the folder itself\n"
    assert SECRET not in _published(project)


def test_readme_check_never_prints_a_linked_file(project: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    _secret_link(project, "README.md")
    assert _refused(["readme", "--check"], capsys) == \
        f"error: README.md: the README is a symbolic link; {NO_LINKS}\n"
    assert _refused(["readme"], capsys) == \
        "error: README.md: is a symbolic link — replace the link by the file, or pass " \
        "--force to replace the link by the README\n"
    assert (project.parent / "credentials").read_text() == SECRET + "\n"  # never written


def test_a_linked_mkdocs_config_is_refused(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    _secret_link(project, "mkdocs.yml")
    assert _refused(["site"], capsys) == \
        f"error: mkdocs.yml: the MkDocs configuration is a symbolic link; {NO_LINKS}\n"


def test_a_link_in_the_pages_folder_is_refused(project: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copyfile(REPO / "mkdocs.yml", project / "mkdocs.yml")
    _secret_link(project, "docs/notes.txt")
    assert _refused(["site"], capsys) == "error: docs/notes.txt: is a symbolic link in the " \
        "pages folder, whose files are all published — delete the link\n"
    assert not (project / "site").exists()
    assert SECRET not in _published(project)


# --- files that are not regular files -------------------------------------------------------

def _check(project: Path, *extra: str, env: dict[str, str] | None = None
           ) -> subprocess.CompletedProcess[str]:
    """``check`` in a child process, so that a hang is a test failure, not a stuck run."""
    return subprocess.run([sys.executable, "-m", "site_builder", "check", *extra],
                          cwd=project, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})


def test_a_fifo_record_is_reported_not_opened(project: Path) -> None:
    os.mkfifo(project / "papers" / "pipe.yaml")
    os.mkfifo(project / "papers" / "_list.yaml.new")  # not a record name: ignored
    result = _check(project)
    assert result.returncode == 1
    assert result.stdout == "papers/pipe.yaml: is a FIFO (named pipe), not a regular file; " \
        "it was not read — delete it, or replace it by a record file\n1 error in 1 file\n"


def test_a_fifo_list_file_is_reported_not_opened(project: Path) -> None:
    (project / "papers" / "_list.yaml").unlink()
    os.mkfifo(project / "papers" / "_list.yaml")
    result = _check(project)
    assert result.returncode == 1
    assert result.stdout.startswith("papers/_list.yaml: is a FIFO (named pipe), not a "
                                    "regular file; it was not read — delete it, or replace "
                                    "it by a record file\n")


def test_a_socket_record_is_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind("papers/sock.yaml")
        assert main(["check"]) == 1
    assert capsys.readouterr().out == "papers/sock.yaml: is a socket, not a regular file; it " \
        "was not read — delete it, or replace it by a record file\n1 error in 1 file\n"


# --- file names that are not UTF-8 -----------------------------------------------------------

BAD_NAME = ("papers/\\xffbao2024-bmad.yaml: file name is not valid UTF-8 — rename the file "
            "using UTF-8 characters, e.g. author-year-title.yaml")


def test_a_file_name_that_is_not_utf8(project: Path, capsys: pytest.CaptureFixture[str]
                                      ) -> None:
    papers = os.fsencode(project / "papers")
    os.rename(papers + b"/bao2024-bmad.yaml", papers + b"/\xffbao2024-bmad.yaml")
    before = snapshot(project)
    for argv in (["check"], ["build"]):
        assert main(argv) == 1
        out, err = capsys.readouterr()
        assert (out + err) == f"{BAD_NAME}\n1 error in 1 file\n"
    after = snapshot(project)
    assert after.pop(".site-builder.lock").endswith(hashlib.sha256(b"").hexdigest())
    assert after == before  # build wrote nothing but its (released) lock
    strict = _check(project, env={"PYTHONIOENCODING": "utf-8:strict"})
    assert (strict.returncode, strict.stdout, strict.stderr) == \
        (1, f"{BAD_NAME}\n1 error in 1 file\n", "")
