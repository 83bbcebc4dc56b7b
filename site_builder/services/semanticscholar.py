"""Semantic Scholar: the citation count of one paper, the fallback when OpenAlex has none;
and a keyword search for the curator's inbox.

``GET /paper/DOI:<doi>?fields=citationCount`` (or ``ARXIV:<id>``, never with a version)
answers ``{"paperId", "citationCount", ...}`` or 404.  Calls without a key share one pool
and often get 429 (with no ``Retry-After``); ``x-api-key`` is sent when configured.
``GET /paper/search?query=…&fields=…&offset=&limit=`` answers ``{"total", "offset",
"next", "data": [paper, …]}``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..ids import find_arxiv, find_doi
from ..text import squash
from . import ServiceError
from .arxiv import family_first
from .shape import Node, citation_count, load_json

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://api.semanticscholar.org/graph/v1"


def paper_id(doi: str | None, arxiv: str | None) -> str | None:
    """``DOI:…`` when there is a DOI, else ``ARXIV:…``; None without either."""
    if doi:
        return f"DOI:{doi}"
    return f"ARXIV:{arxiv}" if arxiv else None


def citations(client: Client, ident: str, *, api_key: str | None = None) -> int:
    """``citationCount`` of the paper ``ident``; NotFound or ServiceError otherwise."""
    headers = {"x-api-key": api_key} if api_key else None
    reply = client.get(f"/paper/{quote(ident, safe='/:;()._-')}",
                       {"fields": "citationCount,externalIds"}, headers=headers)
    return citation_count(reply, "Semantic Scholar", ident, "citationCount",
                          "a paper without a citationCount",
                          f"Semantic Scholar has no paper {ident}")


SEARCH_FIELDS = "title,abstract,authors,year,externalIds,publicationDate,url"
PAGE = 100  # the most the search endpoint gives per request


@dataclass(frozen=True)
class Hit:
    """One paper a search found (authors "Family, Given"; ids as records store them)."""

    title: str
    authors: tuple[str, ...]
    abstract: str
    published: dt.date | None
    year: int | None
    doi: str | None
    arxiv: str | None
    url: str


def _fail(what: str) -> ServiceError:
    return ServiceError(f"Semantic Scholar sent {what} to a search — try again later")


def _hit(node: Node) -> Hit:
    ids = node.obj("externalIds")
    arxiv_id = ids.text("ArXiv")
    doi = ids.text("DOI")
    published = node.text("publicationDate")
    try:
        day = dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        day = None
    year = node.value.get("year") if isinstance(node.value, dict) else None
    return Hit(title=squash(node.text("title")),
               authors=tuple(family_first(a.text("name")) for a in node.items("authors")
                             if a.text("name").strip()),
               abstract=squash(node.text("abstract")), published=day,
               year=year if isinstance(year, int) and not isinstance(year, bool) else None,
               doi=(find_doi(doi) or None) if doi else None,
               arxiv=find_arxiv(arxiv_id) if arxiv_id else None, url=node.text("url"))


def search(client: Client, query: str, *, max_results: int = 100,
           since: dt.date | None = None, api_key: str | None = None,
           deadline: float | None = None, now: Callable[[], float] = time.monotonic,
           sleep: Callable[[float], None] = time.sleep) -> list[Hit]:
    """Papers matching the keywords ``query`` (published on or after ``since``).

    A 429 is waited out when its ``Retry-After`` fits before ``deadline`` (a ``now()``
    time) and asked once more; otherwise, and for any other failure, ServiceError: the
    caller goes on without this service.
    """
    headers = {"x-api-key": api_key} if api_key else None
    found: list[Hit] = []
    offset, waited = 0, False
    while len(found) < max_results:
        left = None if deadline is None else deadline - now()
        if left is not None:
            if left <= 0:
                raise ServiceError("Semantic Scholar did not finish within the deadline")
            client.deadline = min(client.deadline, left)
        params = {"query": query, "fields": SEARCH_FIELDS, "offset": str(offset),
                  "limit": str(min(PAGE, max_results - len(found)))}
        if since is not None:
            params["publicationDateOrYear"] = f"{since.isoformat()}:"
        reply = client.get("/paper/search", params, headers=headers)
        if reply.status_code == 429:
            from .http import retry_after

            wait = retry_after(reply.headers.get("Retry-After"), cap=float("inf"))
            if waited or wait is None or (left is not None and wait >= left):
                raise ServiceError("Semantic Scholar answered 429 Too Many Requests"
                                   + ("" if wait is None else f" (retry after {wait:g} s)")
                                   + " — try again later, or set SEMANTIC_SCHOLAR_API_KEY")
            sleep(wait)
            waited = True
            continue
        if reply.status_code != 200:
            raise ServiceError(f"Semantic Scholar answered {reply.status_code} "
                               f"{reply.reason} to a search — try again later")
        data = Node(load_json(reply.content, _fail), "", _fail)
        page = [_hit(item) for item in data.items("data")]
        found += page
        following = data.value.get("next") if isinstance(data.value, dict) else None
        if not page or not isinstance(following, int) or following <= offset:
            break
        offset = following
    return found[:max_results]
