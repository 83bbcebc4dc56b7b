"""Files the commands write where the user points them — exports and reports: a file
already there is replaced only when a run of ours wrote it, since the tool overwrites
only what it made.  A format with room for a marker is known by it; any file is known by
the digest the run that wrote it remembered (:func:`site_builder.quick.remember`), which
a hand edit, another machine's run or someone's own file does not match."""

from __future__ import annotations

import os
from pathlib import Path

from . import quick
from .fsio import FileError, read_regular, shown, write_atomic


def foreign(out: Path, papers: Path, what: str, option: str, example: str, *,
            marker: str | None = None, force: bool = False) -> bytes | None:
    """The bytes of a file at ``out`` that a run of ours did not write; None when there
    is nothing to protect: no file, an empty one, one holding ``marker``, or the very
    file the last run for this list wrote there.  A folder or a symbolic link is refused
    (FileError), worded with the ``what`` written, the ``option`` that names it, an
    ``example`` file name and whether the command takes ``--force``."""
    if os.path.isdir(out):
        raise FileError(f"{shown(out)}: is a folder — give the {what}'s file name with "
                        f"{option}, e.g. {option} {example}")
    if os.path.islink(out):
        way = f"pass --force to replace the link by the {what}" if force else \
            f"write the {what} elsewhere with {option} FILE"
        raise FileError(f"{shown(out)}: is a symbolic link — replace the link by the file, "
                        f"or {way}")
    current = read_regular(out, what)
    if not current or (marker is not None and marker.encode() in current):
        return None
    found = quick.recalled(papers, _name(out), None)
    return None if found is not None and found[0] == quick.output_digest(current) \
        else current


def not_ours(out: Path, command: str, why: str, option: str, force: bool = False
             ) -> FileError:
    """The refusal for a file :func:`foreign` found: ``why`` says how it is known."""
    way = "pass --force to replace it" if force else "delete it"
    return FileError(f"{shown(out)}: was not written by site-builder {command} ({why}), so "
                     f"it is left alone — {way}, or write elsewhere with {option} FILE")


def refuse_foreign(out: Path, papers: Path, command: str, what: str, option: str,
                   example: str) -> None:
    """Refuse (FileError) before any work when ``out`` holds a file we did not write: a
    report differs at each run, so such a file could only be replaced."""
    if foreign(out, papers, what, option, example) is not None:
        raise not_ours(out, command, f"it is not the {what} a run for this list last "
                       "wrote there", option)


def write(out: Path, papers: Path, data: str | bytes) -> bool:
    """Write ``out`` atomically and remember it as ours; False when it was unchanged."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    changed = write_atomic(out, raw)
    quick.remember(papers, _name(out), "output", quick.output_digest(raw))
    return changed


def _name(out: Path) -> str:
    """The file's name among the remembered outputs."""
    return f"output:{os.path.realpath(out)}"
