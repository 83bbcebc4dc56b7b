"""The one polite HTTP client every metadata service uses.

Politeness lives here and nowhere else: a ``requests.Session`` per service with a
User-Agent naming the tool and a contact, pacing between requests (arXiv asks for one
request every 3 s), retries with backoff on 429 and 5xx that honour ``Retry-After``, and
timeouts.  The clock and the sleep are injectable so tests never wait.

Answers come from servers we do not control, so every exchange is bounded: a total
deadline for the time a whole :meth:`Client.get` spends on the network, every try and
redirect together (``requests`` only has a per-read timeout, which a server dripping one
byte at a time never hits; a watchdog shuts the socket down when the deadline passes; our
own polite waits do not count), a cap on the body while it streams in (``Content-Length``
is not trusted, but a larger one is refused at once), and redirects followed by this
code alone: at most :data:`MAX_REDIRECTS` hops, only over http(s), only to the host and port
of the configured base URL (which the user chose, so it is trusted even on 127.0.0.1), and
never to a loopback, private or link-local address.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime as dt
import email.utils
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .. import __version__
from ..errors import UsageError
from . import MANUAL_HINT, TIMEOUT, Offline, ServiceError

TRIES = 3
MAX_WAIT = 60.0  # longest wait between tries, whatever Retry-After asks for
BACKOFF = 2.0  # first wait without Retry-After; doubles on every try
DEADLINE = 60.0  # seconds on the network for a whole get(): every try and redirect
MAX_BYTES = 4 * 1024 * 1024  # largest answer read; a Crossref record is tens of kB
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_BROKEN = "sent a broken answer or closed the connection before it was complete"


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


@dataclass(frozen=True)
class Origin:
    """Scheme, host and port of a URL (the port filled in from the scheme)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def origin(url: str) -> Origin:
    """The :class:`Origin` of an absolute http(s) URL; ValueError for anything else."""
    parts: SplitResult = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("not an http(s) address")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a user name or password in the address")
    port = parts.port  # raises ValueError when out of range
    return Origin(scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80))


def base_origin(name: str, base: str) -> Origin:
    """The origin of a configured base URL; a URL that does not parse is a usage error."""
    try:
        return origin(base)
    except ValueError as err:
        raise UsageError(f"the {name} address {base!r} is not a usable URL ({err}) — give a "
                         "full address such as https://api.example.org") from None


def _addresses(host: str, port: int, timeout: float) -> list[str]:
    """Every address ``host`` resolves to (the host itself when it is an IP address).

    The lookup runs in a worker so a slow resolver cannot outlast the deadline.
    """
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return [host]
    pool = concurrent.futures.ThreadPoolExecutor(1)
    try:
        found = pool.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        return sorted({str(info[4][0]) for info in found.result(timeout=max(timeout, 0.0))})
    except (OSError, concurrent.futures.TimeoutError):
        return []
    finally:
        pool.shutdown(wait=False)


def _private(address: str) -> bool:
    """Loopback, private, link-local or otherwise not public (``::ffff:127.0.0.1`` too)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global


class _Sockets:
    """The sockets one exchange opened, so the deadline watchdog can shut them down."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.expired = False

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.append(sock)
            if self.expired:
                self._shut(sock)

    def cut(self) -> None:
        with self.lock:
            self.expired = True
            for sock in self.open:
                self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        with contextlib.suppress(OSError):  # already closed
            sock.shutdown(socket.SHUT_RDWR)


def _watched_pools(sockets: Callable[[], _Sockets]) -> dict[str, type[HTTPConnectionPool]]:
    """urllib3 pool classes whose connections hand each new socket to ``sockets()``."""

    class Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            sockets().add(sock)
            return sock

    class TLSConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            sockets().add(sock)
            return sock

    class Pool(HTTPConnectionPool):
        ConnectionCls = Conn

    class TLSPool(HTTPSConnectionPool):
        ConnectionCls = TLSConn

    return {"http": Pool, "https": TLSPool}


class _Adapter(HTTPAdapter):
    """An adapter whose connections, direct or through a proxy, report their sockets to
    :attr:`sockets`."""

    def __init__(self) -> None:
        self.sockets = _Sockets()
        self.pools = _watched_pools(lambda: self.sockets)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self.pools

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = self.pools
        return manager


@dataclass(frozen=True)
class Reply:
    """A complete answer: status, headers and the body (at most ``max_bytes`` of it)."""

    status_code: int
    reason: str
    url: str
    content: bytes
    headers: Mapping[str, str] = field(default_factory=CaseInsensitiveDict)

    @property
    def text(self) -> str:
        encoding = get_encoding_from_headers(CaseInsensitiveDict(self.headers)) or "utf-8"
        try:
            return self.content.decode(encoding, "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")


class _Retry(Exception):
    """One try failed in a way worth trying again (timeout, reset connection)."""


class Client:
    """A polite client for one service: ``get(path, params)`` returns the :class:`Reply`
    of the first try that is neither 429 nor 5xx, or raises a ServiceError subclass."""

    def __init__(self, name: str, base: str, *, agent: str, accept: str = "*/*",
                 min_interval: float = 0.0, timeout: tuple[float, float] = TIMEOUT,
                 tries: int = TRIES, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
                 max_bytes: int | None = None) -> None:
        self.name, self.base = name, base.rstrip("/")
        self.origin = base_origin(name, self.base)
        self.host = urlsplit(self.base).netloc
        self.min_interval, self.timeout, self.tries = min_interval, timeout, tries
        self.deadline = DEADLINE if deadline is None else deadline
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        self.clock, self.sleep = clock, sleep
        self.session = requests.Session()
        self.adapter = _Adapter()
        self.session.headers.update({"User-Agent": agent, "Accept": accept})
        self._last: float | None = None

    def _pace(self) -> None:
        if self._last is not None and self.min_interval:
            wait = self._last + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def _fail(self, what: str, fix: str = "try again later") -> ServiceError:
        return ServiceError(f"{self.name} ({self.host}) {what} — {fix}, {MANUAL_HINT}")

    def get(self, path: str = "", params: Mapping[str, str] | None = None) -> Reply:
        url = self.base + path
        end = time.monotonic() + self.deadline
        problem = ""
        for attempt in range(self.tries):
            waited = time.monotonic()
            self._pace()
            end += time.monotonic() - waited
            try:
                reply = self._follow(url, params, end)
            except _Retry as err:
                problem, wait = str(err), None
            else:
                if reply.status_code != 429 and reply.status_code < 500:
                    return reply
                problem = f"answered {reply.status_code} {reply.reason}".rstrip()
                wait = retry_after(reply.headers.get("Retry-After"))
            if attempt + 1 < self.tries:
                waited = time.monotonic()
                self.sleep(wait if wait is not None else min(BACKOFF * 2 ** attempt, MAX_WAIT))
                end += time.monotonic() - waited  # our own polite wait is not the server's
        raise self._fail(f"{problem} ({self.tries} tries)")

    def _follow(self, url: str, params: Mapping[str, str] | None, end: float) -> Reply:
        """One try: the request and its redirects, each hop checked before it is asked."""
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._exchange(url, params, end)
            if reply.status_code not in _REDIRECTS:
                return reply
            location = reply.headers.get("Location", "")
            if not location:
                raise self._fail(f"answered {reply.status_code} without a Location",
                                 "check the address")
            try:
                url = urljoin(reply.url, location.strip())
            except ValueError:
                url = location
            self._check_redirect(url, end)
            params = None  # the new address carries its own query
        raise self._fail(f"redirected more than {MAX_REDIRECTS} times", "check the address")

    def _check_redirect(self, url: str, end: float) -> None:
        """Refuse a hop that leaves http(s) or the base's host and port; a hop to another
        host that is (or resolves to) a private address says so, as that is the attack."""
        shown = url if len(url) <= 80 else url[:77] + "..."
        try:
            target = origin(url)
        except ValueError as err:
            raise self._fail(f"redirected to {shown!r}, which is refused ({err})",
                             "check the address") from None
        if target.host != self.origin.host:
            private = [a for a in _addresses(target.host, target.port, end - time.monotonic())
                       if _private(a)]
            if private:
                named = "" if private[0] == target.host else f"{target.host} is "
                raise self._fail(f"redirected to a private or local address ({named}"
                                 f"{private[0]}), which is refused", "check the address")
            raise self._fail(f"redirected to another host ({target}), which is refused",
                             "check the address")
        if target.port != self.origin.port or target.scheme != self.origin.scheme:
            raise self._fail(f"redirected to another port or scheme ({target.scheme}://"
                             f"{target}), which is refused", "check the address")

    def _exchange(self, url: str, params: Mapping[str, str] | None, end: float) -> Reply:
        """One request and its whole answer, cut off at ``end`` and at ``max_bytes``."""
        left = end - time.monotonic()
        if left <= 0:
            raise self._deadline()
        sockets = self.adapter.sockets = _Sockets()
        self.adapter.close()  # no kept-alive socket from an earlier exchange escapes the watch
        watchdog = threading.Timer(left, sockets.cut)
        watchdog.daemon = True
        watchdog.start()
        connect, read = self.timeout
        try:
            # The adapter, not the session: the session would parse Location itself.
            request = self.session.prepare_request(requests.Request("GET", url, params=params))
            env = self.session.merge_environment_settings(request.url, {}, True, None, None)
            verify = True if env["verify"] is None else env["verify"]
            with self.adapter.send(request, stream=True, verify=verify, proxies=env["proxies"],
                                   timeout=(min(connect, left), min(read, left))) as response:
                redirect = response.status_code in _REDIRECTS
                body = b"" if redirect else self._read(response, end)
                if sockets.expired:  # the cut looked like the end of the body
                    raise self._deadline()
                return Reply(response.status_code, response.reason or "", response.url, body,
                             CaseInsensitiveDict(response.headers))
        except requests.exceptions.SSLError as err:
            raise self._fail("refused a secure connection (certificate or TLS problem)",
                             "check the address and the system's certificates") from err
        except requests.Timeout as err:
            if sockets.expired:
                raise self._deadline() from err
            raise _Retry(f"did not answer within {read:g} s") from err
        except requests.ConnectionError as err:
            if sockets.expired:
                raise self._deadline() from err
            if not sockets.open:  # no connection was made: refused, no route, no name
                raise Offline(f"cannot reach {self.name} at {self.host} ({_reason(err)}) — "
                              f"check the internet connection, {MANUAL_HINT}") from err
            raise _Retry(_BROKEN) from err
        except requests.RequestException as err:
            if sockets.expired:
                raise self._deadline() from err
            if isinstance(err, requests.exceptions.ChunkedEncodingError):
                raise _Retry(_BROKEN) from err
            raise self._fail(f"request failed ({type(err).__name__})",
                             f"check the address {url}") from err
        finally:
            watchdog.cancel()

    def _read(self, response: requests.Response, end: float) -> bytes:
        """The body, refused as soon as it grows past ``max_bytes`` (or says it will)."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_big()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise self._too_big()
            if time.monotonic() > end:
                raise self._deadline()
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_big(self) -> ServiceError:
        return self._fail(f"sent an answer larger than {self.max_bytes // 1024} KiB, which "
                          "is refused", "check the address")

    def _deadline(self) -> ServiceError:
        return self._fail(f"did not finish answering within {self.deadline:g} s")
