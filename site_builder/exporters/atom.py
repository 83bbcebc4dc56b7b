"""Atom: a feed of the newest additions, by the records' ``added`` date.

Papers without ``added`` are left out (their arrival date is unknown).  The feed's id and
links come from the site's address (or else the list's repository); ``updated`` is the
newest ``added`` date, so the same records always give the same bytes.  The XML is built
with ElementTree, which escapes all text; characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import xml.etree.ElementTree as ET

from ..model import Entry, PaperList, sort_key
from ..text import bare_name, display_name, squash
from . import FEED_FILE
from .base import Options

ATOM = "http://www.w3.org/2005/Atom"
LIMIT = 50
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: str) -> str:
    return _NOT_XML.sub("", squash(value))


def _stamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def newest(plist: PaperList, limit: int = LIMIT) -> list[Entry]:
    """Papers with an ``added`` date, newest first (ties in the site's order)."""
    dated = sorted((e for e in plist.entries if e.paper.added), key=sort_key)
    return sorted(dated, key=lambda e: e.paper.added or dt.date.min, reverse=True)[:limit]


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = _text(text)
    return element


def export(plist: PaperList, options: Options | None = None) -> str:
    options = options or Options()
    site = (options.site_url or "").rstrip("/")
    base = site or (plist.info.repo or "").rstrip("/")
    feed_id = f"{base}/" if base else \
        f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'site-builder:' + plist.info.title)}"
    entries = newest(plist)
    years = [e.paper.year for e in plist.entries]
    updated = entries[0].paper.added if entries and entries[0].paper.added else \
        dt.date(max(years) if years else 1970, 1, 1)

    root = ET.Element(f"{{{ATOM}}}feed")
    _add(root, "title", f"{plist.info.title}: newest papers")
    _add(root, "id", feed_id)
    _add(root, "updated", _stamp(updated))
    if site:
        _add(root, "link", rel="self", type="application/atom+xml",
             href=f"{site}/{FEED_FILE}")
    if base:
        _add(root, "link", rel="alternate", type="text/html", href=f"{base}/")
    _add(root, "generator", "site-builder")
    for entry in entries:
        paper = entry.paper
        item = _add(root, "entry")
        _add(item, "title", paper.title, type="text")
        _add(item, "id", f"{site}/papers/{entry.key}/" if site else
             f"{feed_id.rstrip('/')}#{entry.key}" if base else f"{feed_id}:{entry.key}")
        _add(item, "link", rel="alternate", href=paper.url)
        _add(item, "updated", _stamp(paper.added or updated))
        _add(item, "published", _stamp(paper.added or updated))
        for name in paper.authors:
            if name.strip().lower() != "others":
                _add(_add(item, "author"), "name", display_name(bare_name(name)))
        for term in dict.fromkeys((paper.category, *paper.tags)):
            _add(item, "category", term=term)
        summary = " ".join(filter(None, (paper.venue, str(paper.year), paper.venue_note)))
        if paper.abstract:
            summary += f". {paper.abstract}"
        _add(item, "summary", summary, type="text")
    ET.register_namespace("", ATOM)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + \
        ET.tostring(root, encoding="unicode") + "\n"
