"""Crossref: DOIs in the forms people paste, and the ``/works/{doi}`` record.

An unknown DOI is a 404 whose body is plain text, not JSON.  Abstracts come as JATS XML
(``<jats:p>…</jats:p>``); tags are stripped and entities decoded to plain text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..errors import UsageError
from ..ids import find_doi
from ..text import squash
from . import MANUAL_HINT, NotFound, ServiceError

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://api.crossref.org"
_TAG = re.compile(r"<[^<>]*>")  # [^<>]: linear on '<<<<...' (see tests/hostile)
_JATS_TITLE = re.compile(r"<(jats:)?title\b[^<>]*>(?:(?!<(?:jats:)?title\b).)*?</(jats:)?title>",
                         re.DOTALL)


def parse_doi(text: str) -> str:
    """Like :func:`find_doi`, but junk is a usage error that shows the accepted forms."""
    found = find_doi(text)
    if not found:
        raise UsageError(f"{text!r} is not a DOI — give it as 10.1109/CVPR52734.2025.01234 "
                         "or https://doi.org/10.1109/CVPR52734.2025.01234")
    return found


def doi_url(doi: str) -> str:
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}"


def plain_text(markup: str) -> str:
    """JATS or HTML markup → one line of plain text (section titles like "Abstract" go)."""
    return squash(html.unescape(_TAG.sub(" ", _JATS_TITLE.sub(" ", markup))))


@dataclass(frozen=True)
class Work:
    """The parts of a Crossref work record a paper record needs."""

    doi: str
    title: str
    authors: tuple[str, ...]
    venues: tuple[str, ...]  # container titles, then short titles, then the event name
    year: int | None
    abstract: str | None
    kind: str


def _year(message: dict[str, Any]) -> int | None:
    for key in ("issued", "published-print", "published-online", "published", "created"):
        parts = (message.get(key) or {}).get("date-parts") or [[None]]
        year = parts[0][0] if parts and parts[0] else None
        if isinstance(year, int):
            return year
    return None


def _author(person: dict[str, Any]) -> str:
    family, given = squash(person.get("family") or ""), squash(person.get("given") or "")
    if family and given:
        return f"{family}, {given}"
    return family or given or squash(person.get("name") or "")


def parse_work(message: dict[str, Any], doi: str) -> Work:
    """A Crossref ``message`` object → :class:`Work`."""
    venues = [*(message.get("container-title") or []),
              *(message.get("short-container-title") or [])]
    event = (message.get("event") or {}).get("name")
    if event:
        venues.append(event)
    titles = message.get("title") or []
    abstract = plain_text(message.get("abstract") or "")
    return Work(
        doi=message.get("DOI") or doi,
        title=plain_text(titles[0]) if titles else "",
        authors=tuple(a for a in (_author(p) for p in message.get("author") or []) if a),
        venues=tuple(plain_text(v) for v in venues if isinstance(v, str) and v.strip()),
        year=_year(message),
        abstract=abstract or None,
        kind=message.get("type") or "",
    )


def fetch(client: Client, doi: str) -> Work:
    """Ask Crossref for one DOI; 404 is NotFound, anything unreadable a ServiceError."""
    response = client.get(f"/works/{quote(doi, safe='/:;()._-')}")
    if response.status_code == 404:
        raise NotFound(f"Crossref has no record of DOI {doi} — check the DOI, {MANUAL_HINT}")
    if response.status_code != 200:
        raise ServiceError(f"Crossref answered {response.status_code} for DOI {doi} — try "
                           f"again later, {MANUAL_HINT}")
    try:
        body = response.json()
        message = body["message"]
        if body.get("status") != "ok" or not isinstance(message, dict):
            raise ValueError(body.get("status"))
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ServiceError(f"Crossref sent an answer that is not a work record for DOI {doi} "
                           f"— try again later, {MANUAL_HINT}") from err
    return parse_work(message, doi)
