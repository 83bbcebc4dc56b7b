"""The one polite HTTP client every metadata service uses.

Politeness lives here and nowhere else: a ``requests.Session`` per service with a
User-Agent naming the tool and a contact, pacing between requests (arXiv asks for one
request every 3 s), retries with backoff on 429 and 5xx that honour ``Retry-After``, and
timeouts.  The clock and the sleep are injectable so tests never wait.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

import requests

from .. import __version__
from . import MANUAL_HINT, TIMEOUT, Offline, ServiceError

TRIES = 3
MAX_WAIT = 60.0  # longest wait between tries, whatever Retry-After asks for
BACKOFF = 2.0  # first wait without Retry-After; doubles on every try


def user_agent(mailto: str | None = None, project_url: str | None = None) -> str:
    """``site-builder/0.1.0 (+https://github.com/...; mailto:me@example.org)``: the
    project is the list's own repository (``repo:`` in _list.yaml), if it has one."""
    about = "; ".join(part for part in (project_url and f"+{project_url}",
                                        mailto and f"mailto:{mailto}") if part)
    return f"site-builder/{__version__}" + (f" ({about})" if about else "")


def retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date),
    capped at :data:`MAX_WAIT`; None when the header is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_WAIT)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return min(max((when - now).total_seconds(), 0.0), MAX_WAIT)


def _reason(err: requests.ConnectionError) -> str:
    text = str(err)
    if "refused" in text.lower():
        return "connection refused"
    if any(s in text for s in ("NameResolution", "Name or service", "getaddrinfo",
                               "nodename nor servname", "Temporary failure in name")):
        return "name lookup failed"
    return "connection failed"


class Client:
    """A polite client for one service: ``get(path, params)`` returns the response of
    the first try that is neither 429 nor 5xx, or raises a ServiceError subclass."""

    def __init__(self, name: str, base: str, *, agent: str, accept: str = "*/*",
                 min_interval: float = 0.0, timeout: tuple[float, float] = TIMEOUT,
                 tries: int = TRIES, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name, self.base = name, base.rstrip("/")
        self.host = urlsplit(self.base).netloc or self.base
        self.min_interval, self.timeout, self.tries = min_interval, timeout, tries
        self.clock, self.sleep = clock, sleep
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": agent, "Accept": accept})
        self._last: float | None = None

    def _pace(self) -> None:
        if self._last is not None and self.min_interval:
            wait = self._last + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def get(self, path: str = "", params: Mapping[str, str] | None = None) -> requests.Response:
        url = self.base + path
        problem = ""
        for attempt in range(self.tries):
            self._pace()
            try:
                response = self.session.get(url, params=params, timeout=self.timeout)
            except requests.Timeout:
                problem = f"did not answer within {self.timeout[1]:g} s"
                wait = None
            except requests.ConnectionError as err:
                raise Offline(f"cannot reach {self.name} at {self.host} ({_reason(err)}) — "
                              f"check the internet connection, {MANUAL_HINT}") from err
            except requests.RequestException as err:
                raise ServiceError(f"{self.name}: request failed ({type(err).__name__}) — "
                                   f"check the address {url}") from err
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem = f"answered {response.status_code} {response.reason or ''}".rstrip()
                wait = retry_after(response.headers.get("Retry-After"))
            if attempt + 1 < self.tries:
                self.sleep(wait if wait is not None else min(BACKOFF * 2 ** attempt, MAX_WAIT))
        raise ServiceError(f"{self.name} ({self.host}) {problem} ({self.tries} tries) — "
                           f"try again later, {MANUAL_HINT}")
