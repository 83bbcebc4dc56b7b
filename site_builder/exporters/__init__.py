"""Exports of the validated list: BibTeX, RIS, CSV, JSON and an Atom feed.

One module per format, each with ``export(plist, options) -> str``, chosen from
:data:`FORMATS` by name; a format's module is imported when it is used, so the CLI can
list the formats without paying for their imports.  The same text is written by
``site-builder export`` and served by the site (:data:`Format.filename` next to the pages).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from ..model import PaperList
from .base import Options

__all__ = ["FEED_FILE", "FORMATS", "Format", "Options", "export"]

FEED_FILE = "feed.xml"  # the Atom feed's name in the site (its self link says it too)


@dataclass(frozen=True)
class Format:
    name: str  # also the module's name
    filename: str  # in the site
    media_type: str
    label: str  # the site's download link
    # Text every export in this format holds, by which ``export -o`` knows a file it may
    # replace; None for formats with no room for it (a CSV or JSON file cannot say who
    # wrote it, nor an RIS one).
    marker: str | None = None

    @property
    def export(self) -> Callable[[PaperList, Options | None], str]:
        return importlib.import_module(f"{__name__}.{self.name}").export  # type: ignore[no-any-return]


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("bibtex", "papers.bib", "application/x-bibtex", "BibTeX",
           "% Exported by site-builder"),
    Format("ris", "papers.ris", "application/x-research-info-systems", "RIS"),
    Format("csv", "papers.csv", "text/csv", "CSV"),
    Format("json", "papers.json", "application/json", "JSON"),
    Format("atom", FEED_FILE, "application/atom+xml", "Atom feed",
           "<generator>site-builder</generator>"),
)}


def export(plist: PaperList, fmt: str, options: Options | None = None) -> str:
    """The list in format ``fmt`` (a key of :data:`FORMATS`)."""
    return FORMATS[fmt].export(plist, options)
