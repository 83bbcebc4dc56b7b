"""Builds that are killed, run twice at once, or fill the disk: the site is always the old
complete one or the new complete one, never a mix, and the loser gets one clear line."""

from __future__ import annotations

import errno
import fcntl
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from site_builder.cli import main
from tests.conftest import LIST_FIXTURE, REPO
from tests.hostile.fs_helpers import snapshot, tmpfs

NOSPACE = "No space left on device — free some disk space and run again"


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "site_builder", *args]


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(LIST_FIXTURE, tmp_path / "papers")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _retitle(papers: Path) -> None:
    record = papers / "bao2024-bmad.yaml"
    record.write_text(record.read_text().replace("title: 'BMAD", "title: 'Revised BMAD", 1))


def _wait_for_lock(lock: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if lock.is_file() and lock.read_text().strip():
            return
        time.sleep(0.01)
    raise AssertionError("the first build never took the lock")


# --- kill -9 at random moments ------------------------------------------------------------

@pytest.mark.slow
def test_a_killed_build_leaves_the_old_or_the_new_site(project: Path) -> None:
    assert main(["site"]) == 0
    old = snapshot(project / "site")
    _retitle(project / "papers")
    assert main(["site", "-d", "expected"]) == 0
    new = snapshot(project / "expected")
    assert new != old
    start = time.monotonic()
    subprocess.run(_cli("site", "-d", "timing"), cwd=project, env=_env(), check=True,
                   capture_output=True)
    took = time.monotonic() - start
    rng = random.Random(8)  # fixed seed: the same moments on every run
    for delay in sorted(rng.uniform(0.05, took) for _ in range(5)):
        proc = subprocess.Popen(_cli("site"), cwd=project, env=_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        assert snapshot(project / "site") in (old, new), f"mixed site after {delay:.2f}s"
    assert main(["site"]) == 0  # leftovers of killed builds are no obstacle, and are cleared
    assert snapshot(project / "site") == new
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site.")) == []


def test_an_interrupted_build_keeps_the_old_site(project: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["site"]) == 0
    old = snapshot(project / "site")
    _retitle(project / "papers")
    import mkdocs.commands.build as mkdocs_build

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(mkdocs_build, "_build_page", interrupted)
    assert main(["site"]) == 130
    assert snapshot(project / "site") == old
    assert sorted(p.name for p in project.iterdir() if p.name.startswith(".site.")) == []


# --- two builds at once -------------------------------------------------------------------

def test_a_second_build_stops_with_the_pid_of_the_first(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lock = project / ".site-builder.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, b"4242\n")
        for argv in (["site"], ["build"]):
            assert main(argv) == 2
            assert capsys.readouterr().err == \
                "error: another build is running (pid 4242) — wait for it to finish, then " \
                f"run again (lock: {lock})\n"
    finally:
        os.close(fd)
    assert not (project / "site").exists() and not (project / "README.md").exists()
    assert main(["build"]) == 0  # the lock is free once its holder is gone


def test_two_builds_at_once(project: Path) -> None:
    lock = project / ".site-builder.lock"
    first = subprocess.Popen(_cli("build"), cwd=project, env=_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _wait_for_lock(lock, first)
    second = subprocess.run(_cli("build"), cwd=project, env=_env(), capture_output=True,
                            text=True, timeout=120)
    _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == 2
    assert second.stderr == f"error: another build is running (pid {first.pid}) — wait for " \
        f"it to finish, then run again (lock: {lock})\n"
    assert (project / "site" / "index.html").is_file()
    assert main(["site", "-d", "expected"]) == 0
    assert snapshot(project / "site") == snapshot(project / "expected")


def test_a_dead_build_leaves_no_stuck_lock(project: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; "
         "from site_builder.fsio import lock\n"
         "with lock(Path('.site-builder.lock')):\n"
         "    print('locked', flush=True); time.sleep(600)"],
        cwd=project, env=_env(), stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == b"locked\n"
    holder.kill()
    holder.wait()
    holder.stdout.close()
    assert (project / ".site-builder.lock").read_text() == f"{holder.pid}\n"
    assert main(["site"]) == 0


# --- a full disk --------------------------------------------------------------------------

def test_a_full_disk_keeps_the_old_readme(tmp_path: Path, project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    disk = tmp_path / "disk"
    with tmpfs(disk, "64k") as mounted:
        readme = disk / "README.md"
        assert main(["readme", "-o", str(readme)]) == 0
        before = readme.read_bytes()
        _retitle(project / "papers")
        if mounted:
            filler = disk / "filler"
            with open(filler, "wb") as fh, pytest.raises(OSError):
                fh.write(b"x" * 128 * 1024)
                fh.flush()
            patch = None
        else:
            patch = pytest.MonkeyPatch()
            patch.setattr(os, "replace", _no_space)
        try:
            assert main(["readme", "-o", str(readme)]) == 2
        finally:
            if patch:
                patch.undo()
        assert capsys.readouterr().err == f"error: {readme}: cannot write: {NOSPACE}\n"
        assert readme.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["README.md", "filler"][:1 + mounted]


def test_a_full_disk_keeps_the_old_site(tmp_path: Path, project: Path,
                                        monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    disk = tmp_path / "disk"
    with tmpfs(disk, "4m") as mounted:  # room for one site (2.8 MB), not for two
        site = disk / "site"
        assert main(["site", "-d", str(site)]) == 0
        old = snapshot(site)
        _retitle(project / "papers")
        if not mounted:
            import mkdocs.utils

            monkeypatch.setattr(mkdocs.utils, "copy_file", _no_space)
        assert main(["site", "-d", str(site)]) == 2
        assert capsys.readouterr().err == f"error: {site}: the site could not be built (the " \
            f"previous site is unchanged): {NOSPACE}\n"
        assert snapshot(site) == old
        assert sorted(p.name for p in disk.iterdir()) == [".site-builder.lock", "site"]


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
