"""OpenAlex: the citation count of one work, by DOI (arXiv ids through their DataCite DOI).

``GET /works/doi:<doi>`` answers one work (``cited_by_count``) or 404; single works are
free.  The polite pool takes ``mailto=``; an ``api_key=`` is sent when one is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from . import NotFound, ServiceError
from .shape import Node, load_json

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://api.openalex.org"


def work_doi(doi: str | None, arxiv: str | None) -> str | None:
    """The DOI to ask about: the paper's own, else arXiv's DataCite DOI."""
    if doi:
        return doi.lower()
    return f"10.48550/arxiv.{arxiv}".lower() if arxiv else None


def citations(client: Client, doi: str, *, mailto: str | None = None,
              api_key: str | None = None) -> int:
    """``cited_by_count`` of the work with ``doi``; NotFound or ServiceError otherwise."""
    params = {"select": "id,doi,cited_by_count"}
    if mailto:
        params["mailto"] = mailto
    if api_key:
        params["api_key"] = api_key
    reply = client.get(f"/works/doi:{quote(doi, safe='/:;()._-')}", params)
    if reply.status_code == 404:
        raise NotFound(f"OpenAlex has no work with DOI {doi}")
    if reply.status_code != 200:
        raise ServiceError(f"OpenAlex answered {reply.status_code} {reply.reason} for DOI "
                           f"{doi} — try again later")

    def fail(what: str) -> ServiceError:
        return ServiceError(f"OpenAlex sent {what} for DOI {doi} — try again later")

    data = Node(load_json(reply.content, fail), "", fail)
    count = data.value.get("cited_by_count") if isinstance(data.value, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise fail("a work without a cited_by_count")
    return count
