"""RIS: the tagged format EndNote, Zotero and Mendeley import.

``TY`` is ``CONF`` for conferences, ``JOUR`` for journals and ``GEN`` otherwise (arXiv,
unknown venues); the venue's full name goes in ``T2`` (conference) or ``JO`` (journal).
A value is one line: whitespace, line breaks included, is squashed, so no text can start a
tag line of its own.
"""

from __future__ import annotations

from ..ids import find_arxiv
from ..model import Paper, PaperList
from ..text import bare_name, squash
from .base import Options, ordered

_TYPES = {"conference": ("CONF", "T2"), "journal": ("JOUR", "JO")}


def _line(tag: str, value: str) -> str:
    return f"{tag}  - {squash(value)}\n"


def record(paper: Paper, options: Options) -> str:
    venue = options.venue(paper.venue)
    kind, venue_tag = _TYPES.get(venue.kind if venue else "", ("GEN", "T2"))
    lines = [_line("TY", kind)]
    lines += [_line("AU", bare_name(a)) for a in paper.authors if a.strip().lower() != "others"]
    lines.append(_line("TI", paper.title))
    lines.append(_line("PY", str(paper.year)))
    lines.append(_line(venue_tag, venue.name if venue else paper.venue))
    if paper.venue_note:  # "Oral", "Best Paper": RIS's free-text note
        lines.append(_line("N1", paper.venue_note))
    if paper.doi:
        lines.append(_line("DO", paper.doi))
    lines.append(_line("UR", paper.url))
    arxiv = paper.arxiv or find_arxiv(paper.url)
    if arxiv:
        lines.append(_line("AN", f"arXiv:{arxiv}"))
    lines += [_line("KW", tag) for tag in paper.tags]
    if paper.abstract:
        lines.append(_line("AB", paper.abstract))
    lines.append("ER  - \n")
    return "".join(lines)


def export(plist: PaperList, options: Options | None = None) -> str:
    options = options or Options()
    return "\n".join(record(e.paper, options) for e in ordered(plist))
