"""arXiv identifiers and DOIs in every form people paste: one place for both the
validator (duplicate detection, field checks) and the metadata services.

The patterns of the stored forms (:data:`ARXIV_CORE`, :data:`DOI_CORE`) are the ones the
rulebook (:mod:`site_builder.kinds`) checks records and writes JSON Schemas with.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote


class LazyPattern:
    """A regular expression compiled when it is first used: most runs (``check`` of a
    list without arXiv or DOI links) use none of these, and compiling them all costs
    start-up time.  It offers the methods of :class:`re.Pattern` that are used here."""

    __slots__ = ("_compiled", "flags", "source")

    def __init__(self, source: str, flags: int = 0) -> None:
        self.source, self.flags = source, flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.source, self.flags)
        return self._compiled

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)


_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_CORE = rf"{_NEW}|{_OLD}"  # the form records store: no prefix, no version
_ID = LazyPattern(rf"^(?:arxiv:)?({_NEW}|{_OLD})(?:v\d+)?$", re.IGNORECASE)
_IN_URL = LazyPattern(rf"arxiv\.org/(?:abs|pdf|html|format)/({_NEW}|{_OLD})(?:v\d+)?"
                      r"(?:\.pdf)?(?=$|[/?#\s])", re.IGNORECASE)
_ARXIV_DOI = LazyPattern(rf"^10\.48550/arxiv\.({_NEW}|{_OLD})$", re.IGNORECASE)

DOI_CORE = r"10\.\d{4,9}/\S+"
DOI = LazyPattern(rf"^{DOI_CORE}$")
_DOI_URL = LazyPattern(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/(\S+)$", re.IGNORECASE)
_DOI_INSIDE = LazyPattern(r"\b(10\.\d{4,9}/[^\s?#&]+)")
def _canonical(found: str) -> str:
    """Old-style ids keep their lower-case archive name; the subject class stays upper."""
    if "/" not in found:
        return found
    archive, number = found.split("/")
    head, _, subject = archive.partition(".")
    return f"{head.lower()}{'.' + subject.upper() if subject else ''}/{number}"


def find_arxiv(text: str) -> str | None:
    """The arXiv id (without version) in an id, an arXiv URL or an arXiv DOI; else None."""
    text = text.strip()
    for pattern in (_ID, _ARXIV_DOI):
        m = pattern.match(text)
        if m:
            return _canonical(m.group(1))
    m = _IN_URL.search(text)
    if m:
        return _canonical(m.group(1))
    m = re.search(r"doi\.org/(10\.48550/arxiv\.\S+)$", text, re.IGNORECASE)
    return find_arxiv(m.group(1)) if m else None


def find_doi(text: str) -> str | None:
    """The DOI in a bare DOI, ``doi:…``, a doi.org link or a publisher URL; else None."""
    text = unquote(text.strip())
    m = _DOI_URL.match(text)
    if m:
        text = m.group(1)
    text = re.sub(r"^doi:\s*", "", text, flags=re.IGNORECASE)
    if DOI.match(text):
        return text.rstrip(".,;")
    m = _DOI_INSIDE.search(text)
    if not m:
        return None
    return re.sub(r"(?:/full|/abstract|/pdf|\.pdf)$", "", m.group(1).rstrip("/.,;"))

