"""Crossref: DOIs in the forms people paste, and the ``/works/{doi}`` record.

An unknown DOI is a 404 whose body is plain text, not JSON.  Abstracts come as JATS XML
(``<jats:p>…</jats:p>``); tags are stripped and entities decoded to plain text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import UsageError
from ..ids import find_doi
from ..text import squash
from . import MANUAL_HINT, NotFound, ServiceError
from .shape import Node, load_json

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://api.crossref.org"
# Both stop at the next '<', so every match attempt is bounded by the next one's start:
# linear time on any text ("<<<<..." with no '>' included).
_TAG = re.compile(r"<[^<>]*>")
_TITLE_TAG = re.compile(r"(</?(?:jats:)?title\b[^<>]*>)")


def parse_doi(text: str) -> str:
    """Like :func:`find_doi`, but junk is a usage error that shows the accepted forms."""
    found = find_doi(text)
    if not found:
        raise UsageError(f"{text!r} is not a DOI — give it as 10.1109/CVPR52734.2025.01234 "
                         "or https://doi.org/10.1109/CVPR52734.2025.01234")
    return found


def doi_url(doi: str) -> str:
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}"


def _drop_titles(markup: str) -> str:
    """``markup`` without its ``<title>…</title>`` parts (an unclosed title is kept)."""
    kept: list[str] = []
    title: list[str] | None = None  # the parts of an open title, until it closes
    for i, part in enumerate(_TITLE_TAG.split(markup)):
        if i % 2 and not part.startswith("</"):
            title = [] if title is None else title
        elif i % 2 and title is not None:
            title = None
            continue
        (kept if title is None else title).append(part)
    return " ".join(kept + (title or []))


def plain_text(markup: str) -> str:
    """JATS or HTML markup → one line of plain text (section titles like "Abstract" go)."""
    return squash(html.unescape(_TAG.sub(" ", _drop_titles(markup))))


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


def _year(message: Node) -> int | None:
    """The first year found in the date fields, best effort: odd dates are skipped."""
    for key in ("issued", "published-print", "published-online", "published", "created"):
        for parts in message.obj(key).items("date-parts"):
            year = parts.value[0] if isinstance(parts.value, list) and parts.value else None
            if isinstance(year, int) and not isinstance(year, bool):
                return year
            break
    return None


def _author(person: Node) -> str:
    family, given = squash(person.text("family")), squash(person.text("given"))
    if family and given:
        return f"{family}, {given}"
    return family or given or squash(person.text("name"))


def parse_work(message: object, doi: str) -> Work:
    """A Crossref ``message`` object → :class:`Work`; a field of the wrong type is a
    ServiceError that names it."""
    def fail(what: str) -> ServiceError:
        return ServiceError(f"Crossref sent a record for DOI {doi} whose {what} — try again "
                            f"later, {MANUAL_HINT}")

    work = Node(message, "message", fail)
    venues = [*work.texts("container-title"), *work.texts("short-container-title")]
    event = work.obj("event").text("name")
    if event:
        venues.append(event)
    titles = work.texts("title")
    abstract = plain_text(work.text("abstract"))
    return Work(
        doi=work.text("DOI") or doi,
        title=plain_text(titles[0]) if titles else "",
        authors=tuple(a for a in (_author(p) for p in work.items("author")) if a),
        venues=tuple(plain_text(v) for v in venues if v.strip()),
        year=_year(work),
        abstract=abstract or None,
        kind=work.text("type"),
    )


def fetch(client: Client, doi: str) -> Work:
    """Ask Crossref for one DOI; 404 is NotFound, anything unreadable a ServiceError."""
    response = client.get(f"/works/{quote(doi, safe='/:;()._-')}")
    if response.status_code == 404:
        raise NotFound(f"Crossref has no record of DOI {doi} — check the DOI, {MANUAL_HINT}")
    if response.status_code != 200:
        raise ServiceError(f"Crossref answered {response.status_code} for DOI {doi} — try "
                           f"again later, {MANUAL_HINT}")

    def unreadable(what: str) -> ServiceError:
        return ServiceError(f"Crossref sent {what} for DOI {doi} — try again later, "
                            f"{MANUAL_HINT}")

    body = load_json(response.content, unreadable)
    if not isinstance(body, dict) or body.get("status") != "ok" or \
            not isinstance(body.get("message"), dict):
        raise unreadable("an answer that is not a work record")
    return parse_work(body["message"], doi)
