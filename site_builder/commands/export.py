"""``site-builder export``: the list as BibTeX, RIS, CSV, JSON or an Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .. import outputs
from ..checking import check_dir
from ..exporters import FORMATS, Format, Options, export
from ..fsio import FileError, check_outside
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
    changed = outputs.write(out, papers, data)
    return ExportResult(text, out, changed, plist)


def check_output(out: Path, fmt: Format, papers: Path) -> bytes | None:
    """The bytes of a file at ``out`` that an export did not write, which only the same
    bytes may replace (then nothing is written); None when there is nothing to protect
    (:func:`site_builder.outputs.foreign`: the format's marker, or the digest remembered
    for the formats with no room for one)."""
    return outputs.foreign(out, papers, "export", "-o", fmt.filename, marker=fmt.marker,
                           force=True)


def _not_ours(out: Path, fmt: Format) -> FileError:
    why = f"it does not hold '{fmt.marker}'" if fmt.marker else \
        f"it is not the file an export of this list last wrote there; a {fmt.label} file " \
        "cannot say who wrote it"
    return outputs.not_ours(out, "export", why, "-o", force=True)
