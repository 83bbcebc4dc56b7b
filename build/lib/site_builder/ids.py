"""arXiv identifiers and DOIs in every form people paste: one place for both the
validator (duplicate detection, field checks) and the metadata services."""

from __future__ import annotations

import re
from urllib.parse import unquote

_NEW = r"\d{4}\.\d{4,5}"
_OLD = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7}"
ARXIV_ID = re.compile(rf"^(?:{_NEW}|{_OLD})$")  # the form records store: no prefix, no version
_ID = re.compile(rf"^(?:arxiv:)?({_NEW}|{_OLD})(?:v\d+)?$", re.IGNORECASE)
_IN_URL = re.compile(rf"arxiv\.org/(?:abs|pdf|html|format)/({_NEW}|{_OLD})(?:v\d+)?"
                     r"(?:\.pdf)?(?=$|[/?#\s])", re.IGNORECASE)
_ARXIV_DOI = re.compile(rf"^10\.48550/arxiv\.({_NEW}|{_OLD})$", re.IGNORECASE)

DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/(\S+)$", re.IGNORECASE)
_DOI_INSIDE = re.compile(r"\b(10\.\d{4,9}/[^\s?#&]+)")


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

