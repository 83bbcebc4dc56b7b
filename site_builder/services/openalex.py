"""OpenAlex: the citation count of one work, by DOI (arXiv ids through their DataCite DOI).

``GET /works/doi:<doi>`` answers one work (``cited_by_count``) or 404; single works are
free.  The polite pool takes ``mailto=``; an ``api_key=`` is sent when one is configured.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from .shape import citation_count

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
    return citation_count(reply, "OpenAlex", f"DOI {doi}", "cited_by_count",
                          "a work without a cited_by_count",
                          f"OpenAlex has no work with DOI {doi}")
