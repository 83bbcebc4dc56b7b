"""``site-builder export``: the list as BibTeX, RIS, CSV, JSON or an Atom feed."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .. import quick
from ..checking import check_dir
from ..exporters import FORMATS, Format, Options, export
from ..fsio import FileError, check_outside, read_regular, shown, write_atomic
from ..model import PaperList
from ..venue_table import load_venues


@dataclass(frozen=True)
class ExportResult:
    text: str
    path: Path | None  # None: the caller prints ``text``
    changed: bool
    plist: PaperList


def export_list(papers: Path, fmt: str, out: Path | None = None, *,
                site_url: str | None = None, plist: PaperList | None = None,
                force: bool = False) -> ExportResult:
    """Validate the records (nothing is written when that fails), export them in ``fmt``
    with the venue table plus the list's ``_venues.yaml``, and write ``out`` atomically
    when given (never inside the papers folder).  An existing ``out`` is replaced only
    when an export wrote it (:func:`check_output`) or with ``force``."""
    current = None
    if out is not None:
        check_outside(out, papers)  # not even with force: it would replace a record
        if not force:
            current = check_output(out, FORMATS[fmt], papers)
    plist = plist or check_dir(papers)
    text = export(plist, FORMATS[fmt].name, Options(load_venues(papers),
                                                  site_url or plist.info.site_url))
    if out is None:
        return ExportResult(text, None, False, plist)
    data = text.encode("utf-8")
    if current is not None and current != data:
        raise _not_ours(out, FORMATS[fmt])
    changed = write_atomic(out, data)
    quick.remember(papers, _output_name(out), fmt, quick.output_digest(data))
    return ExportResult(text, out, changed, plist)


def check_output(out: Path, fmt: Format, papers: Path) -> bytes | None:
    """The bytes of a file at ``out`` that an export did not write, which only the same
    bytes may replace (then nothing is written); None when there is nothing to protect:
    no file, an empty one, or one an export wrote — it holds the format's marker, or it
    is the very file the last export of this list to this path wrote (its digest is
    remembered, for the formats with no room for a marker).  A folder or a symbolic link
    is refused here (FileError)."""
    if os.path.isdir(out):
        raise FileError(f"{shown(out)}: is a folder — give the export's file name with -o, "
                        f"e.g. -o {fmt.filename}")
    if os.path.islink(out):
        raise FileError(f"{shown(out)}: is a symbolic link — replace the link by the file, "
                        "or pass --force to replace the link by the export")
    current = read_regular(out, "export")
    if not current or (fmt.marker is not None and fmt.marker.encode() in current):
        return None
    found = quick.recalled(papers, _output_name(out), None)
    return None if found is not None and found[0] == quick.output_digest(current) \
        else current


def _not_ours(out: Path, fmt: Format) -> FileError:
    why = f"it does not hold '{fmt.marker}'" if fmt.marker else \
        f"it is not the file an export of this list last wrote there; a {fmt.label} file " \
        "cannot say who wrote it"
    return FileError(f"{shown(out)}: was not written by site-builder export ({why}), so it "
                     "is left alone — pass --force to replace it, or write elsewhere with "
                     "-o FILE")


def _output_name(out: Path) -> str:
    """The export's name among the remembered outputs (quick.remember)."""
    return f"export:{os.path.realpath(out)}"
