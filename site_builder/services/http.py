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

The link checker asks about addresses nobody vetted (URLs from contributors' records), so a
client can be made for the open web (``open_web=True``): it takes absolute URLs, follows
redirects to other hosts, and guards every hop, the first included: http(s) only, no user
name or password, every address the host resolves to public, and the address the socket
actually connected to public too (so a name that resolves differently the second time
gains nothing).  ``allow_private=True`` is the one switch that lifts the address rule;
tests use it to reach their servers on 127.0.0.1.  :class:`HostLimits` spaces and bounds
the requests many threads make to one host; a :class:`Client` itself is used by one thread
at a time.
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
from collections.abc import Callable, Iterator, Mapping
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
PERMANENT = frozenset({301, 308})
RETRY_STATUSES = frozenset({408, 429})  # and every 5xx
_BROKEN = "sent a broken answer or closed the connection before it was complete"


def user_agent(mailto: str | None = None, project_url: str | None = None) -> str:
    """``site-builder/0.1.0 (+https://github.com/...; mailto:me@example.org)``: the
    project is the list's own repository (``repo:`` in _list.yaml), if it has one."""
    about = "; ".join(part for part in (project_url and f"+{project_url}",
                                        mailto and f"mailto:{mailto}") if part)
    return f"site-builder/{__version__}" + (f" ({about})" if about else "")


class Refused(ServiceError):
    """The address is not one this client may ask: not http(s), credentials in it, or a
    private, loopback or link-local address (at the first hop or any redirect)."""


class NoSuchHost(Offline):
    """The host name does not resolve."""


class Transient(ServiceError):
    """Every try timed out or lost its connection, or the deadline passed."""


class TooManyRedirects(ServiceError):
    """More than :data:`MAX_REDIRECTS` redirects (a loop, most often)."""


def retry_after(value: str | None, now: dt.datetime | None = None,
                cap: float = MAX_WAIT) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay seconds or an HTTP date),
    capped at ``cap``; None when the header is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), cap)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return min(max((when - now).total_seconds(), 0.0), cap)


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


class _PeerRefused(Exception):
    """The socket connected to a private address (raised through urllib3 untouched)."""


class _Sockets:
    """The sockets one exchange opened, so the deadline watchdog can shut them down; with
    ``guard`` set, a socket connected to a private address is shut at once."""

    def __init__(self, guard: bool = False) -> None:
        self.lock = threading.Lock()
        self.open: list[socket.socket] = []
        self.expired = False
        self.guard = guard

    def add(self, sock: socket.socket) -> None:
        with self.lock:
            self.open.append(sock)
            if self.expired:
                self._shut(sock)
        if self.guard:
            try:
                peer = str(sock.getpeername()[0])
            except OSError:
                return
            if _private(peer):
                self._shut(sock)
                sock.close()  # urllib3 never sees it, so nobody else would
                raise _PeerRefused(peer)

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
    hops: tuple[tuple[int, str], ...] = ()  # (status, address asked) of each redirect

    @property
    def text(self) -> str:
        encoding = get_encoding_from_headers(CaseInsensitiveDict(self.headers)) or "utf-8"
        try:
            return self.content.decode(encoding, "replace")
        except LookupError:  # a charset Python does not know
            return self.content.decode("utf-8", "replace")


class _Retry(Exception):
    """One try failed in a way worth trying again (timeout, reset connection)."""


class _Budget:
    """The network time left for one fetch; our own waits (pacing, a host's turn, backoff)
    are given back, as they are not the server's."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        start = time.monotonic()
        try:
            yield
        finally:
            self.end += time.monotonic() - start


class HostLimits:
    """At most ``per_host`` requests at once to one host, started at least ``interval``
    seconds apart; shared by the threads of a link check."""

    def __init__(self, per_host: int = 4, interval: float = 0.05,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_host, self.interval, self.clock, self.sleep = per_host, interval, clock, sleep
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next: dict[str, float] = {}

    @contextlib.contextmanager
    def slot(self, host: str) -> Iterator[None]:
        with self._lock:
            slots = self._slots.setdefault(host, threading.Semaphore(self.per_host))
        with slots:
            with self._lock:
                now = self.clock()
                start = max(now, self._next.get(host, now))
                self._next[host] = start + self.interval
            if start > now:
                self.sleep(start - now)
            yield


class ThreadClients:
    """One client per thread and kind (a requests session is not thread-safe), made on
    first use; the clients share whatever limits they were made with."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._clients: list[Client] = []
        self._lock = threading.Lock()

    def get(self, kind: str, make: Callable[[], Client]) -> Client:
        client: Client | None = getattr(self._local, kind, None)
        if client is None:
            client = make()
            setattr(self._local, kind, client)
            with self._lock:
                self._clients.append(client)
        return client

    def close(self) -> None:
        for client in self._clients:
            client.close()


class Client:
    """A polite client for one service: ``get(path, params)`` returns the :class:`Reply`
    of the first try whose status is not worth another (408, 429, 5xx), or raises a
    ServiceError subclass.  ``fetch(url, ...)`` asks an absolute address (HEAD too).

    ``base`` may be empty for an ``open_web`` client, which only fetches absolute URLs.
    """

    def __init__(self, name: str, base: str, *, agent: str, accept: str = "*/*",
                 min_interval: float = 0.0, timeout: tuple[float, float] = TIMEOUT,
                 tries: int = TRIES, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, deadline: float | None = None,
                 max_bytes: int | None = None, hint: str = MANUAL_HINT,
                 backoff: float = BACKOFF, max_wait: float = MAX_WAIT,
                 retry_on: frozenset[int] = RETRY_STATUSES, open_web: bool = False,
                 allow_private: bool = False, limits: HostLimits | None = None) -> None:
        self.name, self.base = name, base.rstrip("/")
        self.open_web, self.allow_private, self.limits = open_web, allow_private, limits
        self.origin = base_origin(name, self.base) if self.base or not open_web else None
        self.host = urlsplit(self.base).netloc
        self.min_interval, self.timeout, self.tries = min_interval, timeout, tries
        self.deadline = DEADLINE if deadline is None else deadline
        self.max_bytes = MAX_BYTES if max_bytes is None else max_bytes
        self.hint, self.backoff, self.max_wait, self.retry_on = hint, backoff, max_wait, retry_on
        self.clock, self.sleep = clock, sleep
        self.session = requests.Session()
        self.adapter = _Adapter()
        self.session.headers.update({"User-Agent": agent, "Accept": accept})
        self._last: float | None = None

    def close(self) -> None:
        """Close kept-alive connections (a thread pool's clients outlive their threads)."""
        self.adapter.close()
        self.session.close()

    def _retryable(self, status: int) -> bool:
        return status in self.retry_on or status >= 500

    def _pace(self) -> None:
        if self._last is not None and self.min_interval:
            wait = self._last + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last = self.clock()

    def _fail(self, what: str, fix: str = "try again later",
              error: type[ServiceError] = ServiceError) -> ServiceError:
        hint = f", {self.hint}" if self.hint else ""
        return error(f"{self.name} ({self.host}) {what} — {fix}{hint}")

    def get(self, path: str = "", params: Mapping[str, str] | None = None,
            headers: Mapping[str, str] | None = None) -> Reply:
        return self.fetch(self.base + path, params=params, headers=headers)

    def fetch(self, url: str, *, method: str = "GET", params: Mapping[str, str] | None = None,
              headers: Mapping[str, str] | None = None, final: bool = False,
              limit: int | None = None) -> Reply:
        """Ask ``url`` (with retries); ``final`` returns the last 408/429/5xx answer instead
        of raising, ``limit`` reads at most that many body bytes and keeps them without
        complaint (a link check needs the status, not the page)."""
        budget = _Budget(self.deadline)
        if self.open_web:
            self.host = urlsplit(url).netloc
            self._guard(url, budget)
        problem = ""
        reply: Reply | None = None
        for attempt in range(self.tries):
            with budget.paused():
                self._pace()
            try:
                reply = self._follow(method, url, params, headers, budget, limit)
            except _Retry as err:
                problem, wait, reply = str(err), None, None
            else:
                if not self._retryable(reply.status_code):
                    return reply
                problem = f"answered {reply.status_code} {reply.reason}".rstrip()
                wait = retry_after(reply.headers.get("Retry-After"), cap=self.max_wait)
            if attempt + 1 < self.tries:
                with budget.paused():  # our own polite wait is not the server's
                    self.sleep(wait if wait is not None
                               else min(self.backoff * 2 ** attempt, self.max_wait))
        if reply is not None and final:
            return reply
        raise self._fail(f"{problem} ({self.tries} tries)",
                         error=ServiceError if reply is not None else Transient)

    def _follow(self, method: str, url: str, params: Mapping[str, str] | None,
                headers: Mapping[str, str] | None, budget: _Budget,
                limit: int | None) -> Reply:
        """One try: the request and its redirects, each hop checked before it is asked."""
        hops: list[tuple[int, str]] = []
        for _ in range(MAX_REDIRECTS + 1):
            reply = self._exchange(method, url, params, headers, budget, limit)
            if reply.status_code not in _REDIRECTS:
                return Reply(reply.status_code, reply.reason, reply.url, reply.content,
                             reply.headers, tuple(hops))
            hops.append((reply.status_code, reply.url))
            location = reply.headers.get("Location", "")
            if not location:
                raise self._fail(f"answered {reply.status_code} without a Location",
                                 "check the address")
            try:
                url = urljoin(reply.url, location.strip())
            except ValueError:
                url = location
            if self.open_web:
                self._guard(url, budget)
            else:
                self._check_redirect(url, budget.end)
            params = None  # the new address carries its own query
        raise self._fail(f"redirected more than {MAX_REDIRECTS} times", "check the address",
                         TooManyRedirects)

    def _guard(self, url: str, budget: _Budget) -> None:
        """For the open web: refuse what is not http(s), carries credentials, or resolves
        to a private address (unless ``allow_private``); a name that does not resolve is
        :class:`NoSuchHost`."""
        shown = url if len(url) <= 80 else url[:77] + "..."
        try:
            target = origin(url)
        except ValueError as err:
            raise self._fail(f"{shown!r} is refused ({err})", "check the address",
                             Refused) from None
        found = _addresses(target.host, target.port, budget.left())
        if not found:
            raise self._fail(f"{target.host} does not resolve (name lookup failed)",
                             "check the address", NoSuchHost)
        private = [a for a in found if _private(a)]
        if private and not self.allow_private:
            named = "" if private[0] == target.host else f"{target.host} is "
            raise self._fail(f"{shown!r} is a private or local address ({named}{private[0]}),"
                             " which is refused", "check the address", Refused)

    def _check_redirect(self, url: str, end: float) -> None:
        """Refuse a hop that leaves http(s) or the base's host and port; a hop to another
        host that is (or resolves to) a private address says so, as that is the attack."""
        shown = url if len(url) <= 80 else url[:77] + "..."
        try:
            target = origin(url)
        except ValueError as err:
            raise self._fail(f"redirected to {shown!r}, which is refused ({err})",
                             "check the address") from None
        assert self.origin is not None  # only open-web clients have no base
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

    def _exchange(self, method: str, url: str, params: Mapping[str, str] | None,
                  headers: Mapping[str, str] | None, budget: _Budget,
                  limit: int | None) -> Reply:
        """One request and its whole answer, cut off at the deadline and at ``max_bytes``
        (or quietly at ``limit``)."""
        with contextlib.ExitStack() as turn:
            if self.limits is not None:
                with budget.paused():  # waiting for the host's turn is ours, not the server's
                    turn.enter_context(self.limits.slot(urlsplit(url).hostname or ""))
            return self._exchange_now(method, url, params, headers, budget, limit)

    def _exchange_now(self, method: str, url: str, params: Mapping[str, str] | None,
                      headers: Mapping[str, str] | None, budget: _Budget,
                      limit: int | None) -> Reply:
        end = budget.end
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
            request = self.session.prepare_request(
                requests.Request(method, url, params=params, headers=dict(headers or {})))
            env = self.session.merge_environment_settings(request.url, {}, True, None, None)
            verify = True if env["verify"] is None else env["verify"]
            # Through a proxy the socket's peer is the proxy, which the user chose.
            sockets.guard = (self.open_web and not self.allow_private
                             and not requests.utils.select_proxy(url, env["proxies"]))
            with self.adapter.send(request, stream=True, verify=verify, proxies=env["proxies"],
                                   timeout=(min(connect, left), min(read, left))) as response:
                redirect = response.status_code in _REDIRECTS
                body = b"" if redirect or method == "HEAD" else \
                    self._read(response, end, limit)
                if sockets.expired:  # the cut looked like the end of the body
                    raise self._deadline()
                return Reply(response.status_code, response.reason or "", response.url, body,
                             CaseInsensitiveDict(response.headers))
        except _PeerRefused as err:
            raise self._fail(f"connected to a private or local address ({err}), which is "
                             "refused", "check the address", Refused) from None
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
                reason = _reason(err)
                hint = f", {self.hint}" if self.hint else ""
                error = NoSuchHost if reason == "name lookup failed" else Offline
                raise error(f"cannot reach {self.name} at {self.host} ({reason}) — "
                            f"check the internet connection{hint}") from err
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

    def _read(self, response: requests.Response, end: float, limit: int | None = None) -> bytes:
        """The body, refused as soon as it grows past ``max_bytes`` (or says it will); with
        a ``limit``, its first ``limit`` bytes."""
        declared = response.headers.get("Content-Length", "")
        if limit is None and declared.isdigit() and int(declared) > self.max_bytes:
            raise self._too_big()
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if limit is not None and size >= limit:
                chunks.append(chunk[: len(chunk) - (size - limit)])
                break
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
        return self._fail(f"did not finish answering within {self.deadline:g} s",
                          error=Transient)
