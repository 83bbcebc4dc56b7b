"""File-system tools for the output-safety tests: snapshots, read-only and full folders.

A read-only or full folder is a small tmpfs when the tests run as root and may mount
(so the kernel gives the real errors); otherwise a read-only folder is made with chmod
(non-root) and a full disk is simulated by patching the writes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from unittest import mock


def snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (relative path → sha256 of its bytes) plus modes."""
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = (
                f"{oct(path.stat().st_mode & 0o777)} "
                + hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def _mount(args: list[str]) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[bool]:
    """Mount a tmpfs of ``size`` on ``folder``; yields False when mounting is not allowed."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = _mount(["-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)])
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=False)


ROFS = "Read-only file system — the file system is read-only; choose a path on a writable one"


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` (already filled) read-only; yields the error text a write gets
    (``reason — fix``) for the mechanism used: chmod when not root, a read-only bind mount
    as root, and as a last resort writes below it patched to fail with EROFS."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield "Permission denied — make it writable for you, or choose another path"
        finally:
            folder.chmod(0o755)
        return
    if _mount(["--bind", str(folder), str(folder)]):
        try:
            if _mount(["-o", "remount,bind,ro", str(folder)]):
                yield ROFS
                return
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
    with _refused_writes(folder):
        yield ROFS


@contextlib.contextmanager
def _refused_writes(folder: Path) -> Iterator[None]:
    real_open, real_mkdir = os.open, os.mkdir
    inside = str(folder.resolve()) + os.sep

    def below(path: object) -> bool:
        return os.path.abspath(os.fsdecode(path)).startswith(inside)  # type: ignore[arg-type]

    def fake_open(path: object, flags: int, *args: object, **kw: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and below(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]
        return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

    def fake_mkdir(path: object, *args: object, **kw: object) -> None:
        if below(path):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))  # type: ignore[arg-type]
        real_mkdir(path, *args, **kw)  # type: ignore[arg-type]

    with mock.patch("os.open", fake_open), mock.patch("os.mkdir", fake_mkdir):
        yield
