"""``site-builder export``: the list as BibTeX, RIS, CSV, JSON or an Atom feed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..checking import check_dir
from ..exporters import FORMATS, Options, export
from ..fsio import check_outside, write_atomic
from ..model import PaperList
from ..venue_table import load_venues


@dataclass(frozen=True)
class ExportResult:
    text: str
    path: Path | None  # None: the caller prints ``text``
    changed: bool
    plist: PaperList


def export_list(papers: Path, fmt: str, out: Path | None = None, *,
                site_url: str | None = None, plist: PaperList | None = None) -> ExportResult:
    """Validate the records (nothing is written when that fails), export them in ``fmt``
    with the venue table plus the list's ``_venues.yaml``, and write ``out`` atomically
    when given (never inside the papers folder)."""
    if out is not None:
        check_outside(out, papers)
    plist = plist or check_dir(papers)
    text = export(plist, FORMATS[fmt].name, Options(load_venues(papers),
                                                  site_url or plist.info.site_url))
    if out is None:
        return ExportResult(text, None, False, plist)
    return ExportResult(text, out, write_atomic(out, text), plist)
