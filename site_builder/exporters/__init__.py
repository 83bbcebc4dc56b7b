"""Exports of the validated list: BibTeX, RIS, CSV, JSON and an Atom feed.

One module per format, each with ``export(plist, options) -> str``, chosen from
:data:`FORMATS` by name.  The same text is written by ``site-builder export`` and served
by the site (:data:`Format.filename` next to the pages).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model import PaperList
from . import atom, bibtex, csv, json, ris
from .base import Options

__all__ = ["FORMATS", "Format", "Options", "export"]


@dataclass(frozen=True)
class Format:
    name: str
    export: Callable[[PaperList, Options | None], str]
    filename: str  # in the site
    media_type: str
    label: str  # the site's download link


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("bibtex", bibtex.export, "papers.bib", "application/x-bibtex", "BibTeX"),
    Format("ris", ris.export, "papers.ris", "application/x-research-info-systems",
           "RIS"),
    Format("csv", csv.export, "papers.csv", "text/csv", "CSV"),
    Format("json", json.export, "papers.json", "application/json", "JSON"),
    Format("atom", atom.export, atom.FEED_FILE, "application/atom+xml",
           "Atom feed"),
)}


def export(plist: PaperList, fmt: str, options: Options | None = None) -> str:
    """The list in format ``fmt`` (a key of :data:`FORMATS`)."""
    return FORMATS[fmt].export(plist, options)
