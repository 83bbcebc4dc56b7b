"""GitHub's REST API for repositories: existence, renames, stars, last push, archived.

``GET /repos/{owner}/{name}`` answers a renamed or transferred repository with a 301 to
``/repositories/<id>`` on the same host (the client follows it; the new name is the
answer's ``full_name``), a missing or private one with 404.  Conditional requests
(``If-None-Match``) answer 304 when nothing changed, which does not count against the
rate limit when a token is sent.  An exhausted limit is 403 or 429 with
``x-ratelimit-remaining: 0`` and the reset time in ``x-ratelimit-reset`` (epoch seconds);
that is reported, not waited for (it can be an hour away).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from . import NotFound, ServiceError
from .shape import Node, load_json

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://api.github.com"
API_VERSION = "2022-11-28"
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


class RateLimited(ServiceError):
    """GitHub's rate limit is used up until ``reset`` (epoch seconds, when known)."""

    def __init__(self, message: str, reset: int | None = None) -> None:
        super().__init__(message)
        self.reset = reset


@dataclass(frozen=True)
class RepoLink:
    """A link into a repository on github.com: owner, name and the rest of the path."""

    owner: str
    name: str
    rest: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class Repo:
    """What GitHub says about one repository."""

    full_name: str
    html_url: str
    stars: int
    pushed_at: str
    archived: bool
    etag: str = ""


def repo_link(url: str) -> RepoLink | None:
    """The repository a ``https://github.com/owner/name[/...]`` link points into; None for
    other links (users, gists, attachments, github.io pages)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in (
            "github.com", "www.github.com") or parts.username or parts.port:
        return None
    segments = parts.path.split("/")
    if len(segments) < 3:
        return None
    owner, name = segments[1], segments[2].removesuffix(".git")
    if not (_NAME.match(owner) and _NAME.match(name)) or owner in ("user-attachments",
                                                                   "orgs", "settings"):
        return None
    rest = "/".join(segments[3:])
    return RepoLink(owner, name, ("/" + rest if rest else "") +
                    (f"?{parts.query}" if parts.query else "") +
                    (f"#{parts.fragment}" if parts.fragment else ""))


def headers(token: str | None, etag: str | None = None) -> dict[str, str]:
    out = {"X-GitHub-Api-Version": API_VERSION}
    if token:
        out["Authorization"] = f"Bearer {token}"
    if etag:
        out["If-None-Match"] = etag
    return out


def reset_time(reset: int | None) -> str:
    """``2026-11-30 14:05 UTC`` for an epoch time; "later" when unknown."""
    if reset is None:
        return "later"
    return dt.datetime.fromtimestamp(reset, dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def get_repo(client: Client, link: RepoLink, token: str | None = None,
             etag: str | None = None) -> Repo | None:
    """The repository behind ``link``; None when ``etag`` still matches (304).

    Raises :class:`NotFound` (missing or private), :class:`RateLimited` or ServiceError.
    """
    path = f"/repos/{quote(link.owner, safe='')}/{quote(link.name, safe='')}"
    reply = client.get(path, headers=headers(token, etag))
    if reply.status_code == 304:
        return None
    if reply.status_code == 404:
        raise NotFound(f"GitHub has no public repository {link.full_name}")
    if reply.status_code in (403, 429):
        limit = reply.headers.get("x-ratelimit-remaining", "")
        reset_header = reply.headers.get("x-ratelimit-reset", "")
        reset = int(reset_header) if reset_header.isdigit() else None
        what = "rate limit exhausted" if limit == "0" else "secondary rate limit hit"
        raise RateLimited(f"GitHub API {what} until {reset_time(reset)} — set GITHUB_TOKEN "
                          "for a higher limit, or run again later", reset)
    if reply.status_code != 200:
        raise ServiceError(f"GitHub answered {reply.status_code} {reply.reason} for "
                           f"{link.full_name} — try again later")

    def fail(what: str) -> ServiceError:
        return ServiceError(f"GitHub sent {what} for {link.full_name} — try again later")

    data = Node(load_json(reply.content, fail), "", fail)
    full_name = data.text("full_name")
    html_url = data.text("html_url")
    stars = data.value.get("stargazers_count") if isinstance(data.value, dict) else None
    if not full_name or not html_url.startswith("https://") or not isinstance(stars, int) \
            or isinstance(stars, bool):
        raise fail("a repository without full_name, html_url or stargazers_count")
    archived = data.value.get("archived") if isinstance(data.value, dict) else None
    return Repo(full_name, html_url, stars, data.text("pushed_at"), archived is True,
                reply.headers.get("ETag", ""))
