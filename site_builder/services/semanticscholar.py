"""Semantic Scholar: the citation count of one paper, the fallback when OpenAlex has none.

``GET /paper/DOI:<doi>?fields=citationCount`` (or ``ARXIV:<id>``, never with a version)
answers ``{"paperId", "citationCount", ...}`` or 404.  Calls without a key share one pool
and often get 429 (with no ``Retry-After``); ``x-api-key`` is sent when configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from .shape import citation_count

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
