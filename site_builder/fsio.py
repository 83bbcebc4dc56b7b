"""The file system boundary: every file the tool writes, and the inputs it must not follow.

Writing: every file is written atomically (temp file + rename) and only when its content
changes, so a reader never sees half a file and a watching server does not rebuild in a
loop; the file gets the mode a plain ``open()`` would give (umask respected, an existing
file's mode kept).  Generated folders are replaced whole by a rename swap
(:func:`swap_dir`) and only when they carry our marker (:func:`check_replaceable`), so a
mistyped ``--site-dir`` cannot delete someone's files.  Builds take a lock
(:func:`lock`) that a dead process cannot leave stuck.

Reading: inputs that end up in published output (CONTRIBUTING.md, templates, the README
compared by ``readme --check``) are read by :func:`read_regular`, which refuses symbolic
links and anything that is not a regular file: a link to ``.git/config`` must never put a
CI job's credentials on the public site, and a FIFO must never hang a build.

Every failure is a :class:`FileError` (exit 2) naming the path and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError

try:  # what hashlib.blake2b is, without loading OpenSSL's hashes (a start-up cost of check)
    from _blake2 import blake2b as blake2b
except ImportError:  # an interpreter without CPython's module
    from hashlib import blake2b as blake2b


class FileError(UsageError):
    """A file or folder could not be read or written; the message names it and the fix."""


_FIXES = {
    errno.EACCES: "make it writable for you, or choose another path",
    errno.EPERM: "make it writable for you, or choose another path",
    errno.EROFS: "the file system is read-only; choose a path on a writable one",
    errno.ENOSPC: "free some disk space and run again",
    errno.EDQUOT: "free some space in your disk quota and run again",
    errno.EISDIR: "give a file name, not a folder",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.ENOENT: "check the path: its folder must exist and accept new files",
    errno.ENAMETOOLONG: "choose a shorter path",
    errno.ELOOP: "replace the symbolic link by the file itself",
    errno.EEXIST: "choose a path that is not taken",
}


def shown(path: object) -> str:
    """A path as text that any terminal can print: bytes that are not UTF-8 in a file
    name come out as ``\\xff`` instead of crashing the output stream."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else str(path)
    try:
        raw = os.fsencode(text)
    except UnicodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return raw.decode("utf-8", "backslashreplace")


def file_error(path: object, err: OSError, action: str = "cannot write") -> FileError:
    """``PATH: cannot write: <reason> — <fix>`` for an OSError."""
    reason = err.strerror or str(err)
    return FileError(f"{shown(path)}: {action}: {reason} — "
                     f"{_FIXES.get(err.errno or 0, 'check the path and its permissions')}")


# --- writing files -----------------------------------------------------------------------

def write_atomic(path: Path, content: str | bytes) -> bool:
    """Write ``content`` (text as UTF-8, or bytes as they are) to ``path`` via a temp file
    and rename; False if unchanged.

    Raises :class:`FileError` when the file cannot be written; the old file is then intact.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    mode: int | None = None  # None: a new file, which gets 0o666 minus the umask
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise file_error(path, err) from err
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise file_error(path, IsADirectoryError(errno.EISDIR, "is a folder"))
        if stat.S_ISREG(st.st_mode):
            mode = stat.S_IMODE(st.st_mode)
            with contextlib.suppress(OSError):
                if st.st_size == len(data) and path.read_bytes() == data:
                    return False
        elif not stat.S_ISLNK(st.st_mode):  # a FIFO, a device, a socket: never replaced
            raise FileError(f"{shown(path)}: cannot write: not a regular file — "
                            "choose another path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise file_error(err.filename or path.parent, err) from err
    tmp = path.with_name(f".{path.name[:200]}.{os.urandom(4).hex()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as err:
        raise file_error(path, err) from err
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise file_error(path, err) from err
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return True


# --- reading inputs ----------------------------------------------------------------------

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def read_regular(path: Path, what: str = "file") -> bytes | None:
    """The bytes of ``path``, or None when it does not exist.

    A symbolic link or anything but a regular file (a FIFO, a device) is refused with a
    :class:`FileError`, before it is opened: its target's text must never reach output.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as err:
        raise file_error(path, err, "cannot read") from err
    if stat.S_ISLNK(st.st_mode):
        raise FileError(f"{shown(path)}: the {what} is a symbolic link; site-builder "
                        "does not follow links for its inputs (a link could put any file of "
                        "the machine into its output) — replace the link by the file itself")
    if not stat.S_ISREG(st.st_mode):
        raise FileError(f"{shown(path)}: is not a regular file — the {what} must be a plain "
                        "file")
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | os.O_CLOEXEC)
    except OSError as err:
        raise file_error(path, err, "cannot read") from err
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since the lstat
            raise FileError(f"{shown(path)}: is not a regular file — the {what} must be a "
                            "plain file")
        return fh.read()


def read_text(path: Path, what: str = "file") -> str | None:
    """:func:`read_regular`, decoded as UTF-8 (a BOM is dropped)."""
    raw = read_regular(path, what)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FileError(f"{shown(path)}: not valid UTF-8 (byte 0x{raw[err.start]:02X}) — "
                        "save it with UTF-8 encoding") from err


# --- output files ------------------------------------------------------------------------

def check_outside(out: Path, papers: Path) -> None:
    """Refuse (:class:`FileError`) an output file inside the papers folder: written there,
    an export or a report would replace a record or ``_list.yaml`` (which the tool did not
    make) or be read back as one."""
    folder = Path(papers).resolve()
    real = Path(out).resolve()
    if folder in real.parents:  # the folder itself: "is a folder", where it is written
        raise FileError(f"{shown(out)}: is in the papers folder ({shown(papers)}), which "
                        "holds only the list's own files — give a path outside it")


# --- generated folders -------------------------------------------------------------------

def check_replaceable(target: Path, marker: str, protected: dict[Path, str]) -> None:
    """Raise :class:`FileError` unless ``target`` may be emptied or replaced by a build.

    It may when it is missing, empty, or holds ``marker`` (a file only we write), and it
    is none of ``protected`` (resolved folder → what it is) nor a parent of one, nor the
    home folder.
    """
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise file_error(target, err) from err
    if st is not None and stat.S_ISLNK(st.st_mode):
        raise FileError(f"{shown(target)}: is a symbolic link — give the folder itself, "
                        "or a new folder")
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise FileError(f"{shown(target)}: is a file, not a folder — give a folder for the "
                        "site, such as 'site'")
    real = target.resolve()
    home = Path.home().resolve()
    guarded = {**protected, home: "your home folder"}
    clash = next((what for folder, what in guarded.items() if real == folder), None) or \
        next((f"a parent of {what}" for folder, what in guarded.items()
              if real in folder.parents), None)
    if clash:
        raise FileError(f"{shown(target)}: is {clash}; a build replaces the whole folder — "
                        "give a folder of its own, such as 'site'")
    if st is None or (real / marker).is_file():
        return
    try:
        with os.scandir(target) as entries:
            empty = next(entries, None) is None
    except OSError as err:
        raise file_error(target, err, "cannot read") from err
    if not empty:
        raise FileError(f"{shown(target)}: holds files that site-builder did not make (no "
                        f"{marker} file in it), and a build replaces the whole folder — give "
                        "a new or empty folder, or delete this one yourself if it is an old "
                        "build")


def new_sibling(target: Path, tag: str) -> Path:
    """A new, empty folder next to ``target`` (same file system, so it can be renamed
    onto it), with the permissions ``mkdir`` gives."""
    for _ in range(100):
        path = target.with_name(f".{target.name}.{tag}-{os.urandom(4).hex()}")
        try:
            path.mkdir()
        except FileExistsError:
            continue
        except OSError as err:
            raise file_error(target.parent, err) from err
        return path
    raise FileError(f"{shown(target.parent)}: cannot create a temporary folder — "
                    "check the folder")


def siblings(target: Path, tag: str) -> list[Path]:
    """Folders :func:`new_sibling` made for ``target`` (left behind by a killed build)."""
    prefix = f".{target.name}.{tag}-"
    try:
        with os.scandir(target.parent) as entries:
            return [Path(e.path) for e in entries
                    if e.name.startswith(prefix) and e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), os.fsdecode(a))


def swap_dir(new: Path, target: Path) -> None:
    """Put the complete folder ``new`` at ``target``; the old content is deleted after.

    Where the system allows it, both folders trade places in one rename, so at every
    moment ``target`` is either the old folder or the new one; elsewhere two renames
    leave a window of a few microseconds without it.
    """
    import shutil  # a site build's; the checks that import this module never delete

    try:
        if not target.exists():
            os.rename(new, target)
            return
        if _exchange(new, target):
            shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old folder
            return
        old = new_sibling(target, "old")
        os.rename(target, old)
        os.rename(new, target)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as err:
        raise file_error(target, err) from err


# --- the build lock ----------------------------------------------------------------------

_held: dict[str, int] = {}


@contextlib.contextmanager
def lock(path: Path, what: str = "build") -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) or raise :class:`FileError`
    naming the process holding it.  The kernel releases it when the process dies, so a
    killed build cannot leave it stuck.  Re-entrant within one process."""
    import fcntl

    key = os.path.abspath(path)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | _NOFOLLOW, 0o666)
    except OSError as err:
        raise file_error(path, err, "cannot create the lock file") from err
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            who = f" (pid {pid})" if pid.isdigit() else ""
            raise FileError(f"another {what} is running{who} — wait for it to finish, "
                            f"then run again (lock: {shown(path)})") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held[key] = 1
        try:
            yield
        finally:
            del _held[key]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
