"""Paper figures fetched once and kept as our own re-encoded copies.

A record's ``figure`` is an address on someone else's server.  Shown as it is, every
reader's browser would ask that server (and tell it who is reading what), so the site
offers it only behind a click.  ``site-builder figures`` fetches each figure once into a
figure cache, and the site build copies what is there into the pages: the reader's browser
then asks nobody but us.  The site build itself never fetches; it reads the cache with
:func:`site_figures`.

Fetching is bounded and polite: the shared :class:`~site_builder.services.http.Client`
(User-Agent, total deadline per figure, body cap while streaming, redirects checked hop by
hop, no private addresses), at most :attr:`Settings.per_host` requests at once to one host.
What comes back is not trusted: the type is sniffed from the bytes (``Content-Type`` is
ignored), only PNG, JPEG, GIF (its first frame) and WebP are accepted (SVG can carry
script), the pixel count is checked before decoding (a decompression bomb is a small file
with huge dimensions) and Pillow decodes with only that format's plugin.  The picture is
then drawn anew, so no metadata (EXIF: camera, place) survives: a thumbnail
:data:`THUMB_WIDTH` px wide for the cards and a copy at most :data:`FULL_WIDTH` px wide for
the paper page, both lossy WebP (quality :data:`QUALITY`).  WebP because every current
browser shows it, it keeps transparency (diagrams often have some) and it is a fraction of
PNG's size for screenshots and photos alike; the same input gives the same bytes.

The cache (``--cache DIR``, else ``$SITE_BUILDER_FIGURE_CACHE``, else ``figures/`` in the
tool's cache folder, see :mod:`site_builder.cache`) holds ``index.json`` (URL → status,
reason, content hash, ETag/Last-Modified, fetch time, image sizes; plain JSON, never
pickle) and two files per fetched URL, named by a hash of the URL.  A fresh entry (younger
than :attr:`Settings.max_age` days) is not asked about again; an older one is asked with
``If-None-Match``/``If-Modified-Since``; a failed fetch (network, server error) is tried on
every run.  Nothing here prints.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import io
import json
import os
import stat
import threading
import warnings
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import Problem
from .fsio import write_atomic
from .load import Source
from .model import PaperList

FORMAT = 1
INDEX = "index.json"
MAX_BYTES = 10 * 1024 * 1024  # the largest figure fetched
MAX_PIXELS = 40_000_000  # the largest picture decoded (a 8000 x 5000 figure)
THUMB_WIDTH = 480
FULL_WIDTH = 1600
QUALITY = 80
ALLOWED = ("PNG", "JPEG", "GIF", "WEBP")
ENV = "SITE_BUILDER_FIGURE_CACHE"
OK, REFUSED, FAILED = "ok", "refused", "failed"
FIX_IMAGE = "link a PNG, JPEG, GIF or WebP image file itself (not a page that shows it)"
FIX_RETRY = "run 'site-builder figures' again later, or link a copy of the figure elsewhere"
# One decode at a time: a picture near MAX_PIXELS takes a few hundred MB while it is drawn.
_DECODING = threading.Lock()


def figure_dir(override: Path | None = None) -> Path:
    """The figure cache: ``override`` (``--cache``), ``$SITE_BUILDER_FIGURE_CACHE``, or
    ``figures/`` in the tool's cache folder."""
    if override is not None:
        return Path(override)
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    from .cache import cache_dir

    return cache_dir() / "figures"


def url_key(url: str) -> str:
    """The file name stem of a URL's copies: a hash, so an address names no file."""
    return hashlib.blake2b(url.encode("utf-8"), digest_size=16).hexdigest()


@dataclass(frozen=True)
class Picture:
    """One re-encoded copy: its file in the cache and its size in pixels."""

    file: str
    width: int
    height: int


@dataclass(frozen=True)
class Cached:
    """What the cache knows about one figure URL."""

    status: str  # ok, refused (the content is not acceptable), failed (try again)
    fetched: str  # ISO time (UTC) of the last answer
    reason: str = ""
    fix: str = ""
    sha256: str = ""  # of the bytes the server sent
    etag: str = ""
    last_modified: str = ""
    thumb: Picture | None = None
    full: Picture | None = None


class NotAnImage(Exception):
    """The bytes are not a figure we accept; ``str()`` says why, :attr:`fix` what to do."""

    def __init__(self, reason: str, fix: str = FIX_IMAGE) -> None:
        super().__init__(reason)
        self.fix = fix


# --- the index ----------------------------------------------------------------------------

def _picture(value: Any) -> Picture | None:
    if not isinstance(value, dict):
        return None
    name, width, height = value.get("file"), value.get("width"), value.get("height")
    if not (isinstance(name, str) and name and "/" not in name and "\\" not in name
            and not name.startswith(".")):
        return None
    if not (isinstance(width, int) and isinstance(height, int)
            and _size(width) and _size(height)):
        return None
    return Picture(name, width, height)


def _size(n: int) -> bool:
    return not isinstance(n, bool) and 0 < n <= 100_000


def _entry(value: Any) -> Cached | None:
    """An index entry checked for shape and type; None for anything else."""
    if not isinstance(value, dict) or value.get("status") not in (OK, REFUSED, FAILED):
        return None
    text = {k: value.get(k, "") for k in ("fetched", "reason", "fix", "sha256", "etag",
                                           "last_modified")}
    if not all(isinstance(v, str) for v in text.values()):
        return None
    thumb, full = _picture(value.get("thumb")), _picture(value.get("full"))
    if value["status"] == OK and (thumb is None or full is None):
        return None
    return Cached(value["status"], thumb=thumb, full=full, **text)


def read_index(folder: Path) -> dict[str, Cached]:
    """The cache's index, URL → entry; a missing, corrupt or foreign index is empty (the
    cache is only ever a hint) and entries of the wrong shape are dropped."""
    try:
        data = json.loads((folder / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return {}
    figures = data.get("figures")
    if not isinstance(figures, dict):
        return {}
    found = {url: _entry(value) for url, value in figures.items() if isinstance(url, str)}
    return {url: entry for url, entry in found.items() if entry is not None}


def write_index(folder: Path, index: Mapping[str, Cached]) -> None:
    data = {"format": FORMAT, "figures": {url: _plain(entry)
                                          for url, entry in sorted(index.items())}}
    write_atomic(folder / INDEX, json.dumps(data, indent=1, sort_keys=True,
                                            ensure_ascii=False) + "\n")


def _plain(entry: Cached) -> dict[str, Any]:
    return {k: v for k, v in asdict(entry).items() if v not in ("", None)}


def _read_file(folder: Path, name: str) -> bytes | None:
    """A cached copy's bytes, if it is a regular file (never a link) that is WebP."""
    path = folder / name
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        data = path.read_bytes()
    except OSError:
        return None
    return data if sniff(data) == "WEBP" else None


# --- decoding and re-encoding ---------------------------------------------------------

def sniff(data: bytes) -> str | None:
    """The image format the bytes start with (PIL's name), whatever the server said."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _what_it_is(data: bytes) -> str:
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in head or (head.startswith(b"<?xml") and b"svg" in head):
        return "an SVG image, which can carry script and is refused"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in head:
        return "not an image (an HTML page)"
    if not data:
        return "not an image (an empty answer)"
    return "not an image in PNG, JPEG, GIF or WebP"


@dataclass(frozen=True)
class Encoded:
    thumb: bytes
    thumb_size: tuple[int, int]
    full: bytes
    full_size: tuple[int, int]


def reencode(data: bytes, max_pixels: int = MAX_PIXELS) -> Encoded:
    """The thumbnail and full-width copy of an image, drawn anew (no metadata) as WebP;
    raises :class:`NotAnImage` for anything but a decodable PNG, JPEG, GIF or WebP no
    larger than ``max_pixels``."""
    kind = sniff(data)
    if kind is None:
        raise NotAnImage(_what_it_is(data))
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels  # Pillow's own bomb check, as a second guard
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as img:
                width, height = img.size
                if width * height > max_pixels:
                    raise NotAnImage(f"a {kind} of {width} x {height} pixels, more than the "
                                     f"{max_pixels:,} allowed (a decompression bomb?)",
                                     "link a smaller version of the figure")
                img.seek(0)  # an animation's first frame
                img.load()
                picture = _plain_pixels(ImageOps.exif_transpose(img) or img)
    except NotAnImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnImage(f"a {kind} of more than {max_pixels:,} pixels, which is refused (a "
                         "decompression bomb?)", "link a smaller version of the figure") from None
    except Exception as err:  # a third-party decoder on untrusted bytes: any failure is a reason
        raise NotAnImage(f"a damaged or unreadable {kind} ({type(err).__name__})") from None
    thumb = _scaled(picture, THUMB_WIDTH)
    full = _scaled(picture, FULL_WIDTH)
    return Encoded(_webp(thumb), thumb.size, _webp(full), full.size)


def _plain_pixels(img: Any) -> Any:
    """The pixels alone, RGB or RGBA, in a new image: no EXIF, ICC, XMP or comments."""
    from PIL import Image

    alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
    mode = "RGBA" if alpha else "RGB"
    pixels = img.convert(mode)
    return Image.frombytes(mode, pixels.size, pixels.tobytes())


def _scaled(img: Any, width: int) -> Any:
    from PIL import Image

    if img.width <= width:
        return img
    height = max(1, round(img.height * width / img.width))
    return img.resize((width, height), Image.Resampling.LANCZOS)


def _webp(img: Any) -> bytes:
    out = io.BytesIO()
    img.save(out, "WEBP", quality=QUALITY, method=4)
    return out.getvalue()


# --- fetching -------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """How figures are fetched; every limit is here so tests can shrink them."""

    max_bytes: int = MAX_BYTES
    max_pixels: int = MAX_PIXELS
    deadline: float = 60.0  # network seconds per figure, every try and redirect included
    timeout: tuple[float, float] = (5.0, 20.0)
    tries: int = 2
    workers: int = 4
    per_host: int = 2
    interval: float = 0.5  # seconds between two requests to one host
    max_age: float = 30.0  # days before an answer is asked about again
    refresh: bool = False  # ask about every figure, fresh or not
    allow_private: bool = False  # the switch tests use to reach 127.0.0.1
    agent: str = ""
    sleep: Callable[[float], None] | None = None


@dataclass(frozen=True)
class Outcome:
    """What happened to one paper's figure in this run."""

    key: str
    path: str
    line: int
    url: str
    result: str  # fetched, unchanged, cached (not asked), refused, failed
    reason: str = ""
    fix: str = ""


@dataclass
class Report:
    folder: Path
    outcomes: list[Outcome] = field(default_factory=list)
    asked: int = 0  # distinct URLs asked this run

    def counts(self) -> dict[str, int]:
        names = ("fetched", "unchanged", "cached", "refused", "failed")
        return {n: sum(1 for o in self.outcomes if o.result == n) for n in names}

    def problems(self) -> list[Problem]:
        """A warning per figure that was refused or could not be fetched."""
        return [Problem(o.path, o.line, "figure", o.reason, o.fix, severity="warning")
                for o in self.outcomes if o.result in (REFUSED, FAILED)]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _fresh(entry: Cached, settings: Settings, now: dt.datetime) -> bool:
    if settings.refresh or entry.status == FAILED:
        return False
    try:
        when = dt.datetime.fromisoformat(entry.fetched)
    except ValueError:
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return now - when < dt.timedelta(days=settings.max_age)


class _Fetcher:
    """Fetches from many threads; each thread gets its own client, hosts share limits."""

    def __init__(self, settings: Settings) -> None:
        from .services.http import HostLimits, ThreadClients

        self.settings = settings
        self.limits = HostLimits(settings.per_host, settings.interval)
        self._clients = ThreadClients()

    def _make_client(self) -> Any:
        from .services.http import Client, user_agent

        s = self.settings
        extra: dict[str, Any] = {"sleep": s.sleep} if s.sleep else {}
        return Client("figure host", "", agent=s.agent or user_agent(), open_web=True,
                      accept="image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1",
                      allow_private=s.allow_private, limits=self.limits,
                      deadline=s.deadline, tries=s.tries, timeout=s.timeout,
                      max_bytes=s.max_bytes, hint="", **extra)

    def _client(self) -> Any:
        return self._clients.get("figures", self._make_client)

    def close(self) -> None:
        self._clients.close()

    def fetch(self, url: str, old: Cached | None) -> tuple[Cached, Encoded | None]:
        """The new index entry for ``url`` and, when the image changed, its copies; never
        raises for anything the network or the bytes do."""
        from .services import ServiceError
        from .services.http import Refused, TooManyRedirects

        now = _now().isoformat()
        headers = {}
        if old is not None and old.status == OK and not self.settings.refresh:
            if old.etag:
                headers["If-None-Match"] = old.etag
            if old.last_modified:
                headers["If-Modified-Since"] = old.last_modified
        try:
            reply = self._client().fetch(url, headers=headers)
        except (Refused, TooManyRedirects) as err:
            return Cached(REFUSED, now, _plain_reason(err), "link the image at its final, "
                          "public address"), None
        except ServiceError as err:
            reason = _plain_reason(err)
            if "larger than" in reason:
                return Cached(REFUSED, now, reason, "link a smaller version of the figure "
                              f"(at most {self.settings.max_bytes // (1024 * 1024)} MB)"), None
            return Cached(FAILED, now, reason, FIX_RETRY), None
        if reply.status_code == 304 and old is not None:
            return replace(old, fetched=now), None
        if reply.status_code != 200:
            reason = f"answered {reply.status_code} {reply.reason}".rstrip()
            return Cached(FAILED, now, reason, "check the address, or " + FIX_RETRY), None
        etag = reply.headers.get("ETag", "")
        modified = reply.headers.get("Last-Modified", "")
        digest = hashlib.sha256(reply.content).hexdigest()
        if old is not None and old.status == OK and old.sha256 == digest:
            return replace(old, fetched=now, etag=etag, last_modified=modified), None
        try:
            with _DECODING:
                encoded = reencode(reply.content, self.settings.max_pixels)
        except NotAnImage as err:
            return Cached(REFUSED, now, str(err), err.fix, digest, etag, modified), None
        key = url_key(url)
        return Cached(OK, now, sha256=digest, etag=etag, last_modified=modified,
                      thumb=Picture(f"{key}.thumb.webp", *encoded.thumb_size),
                      full=Picture(f"{key}.webp", *encoded.full_size)), encoded


def _plain_reason(err: Exception) -> str:
    """A service error's what-is-wrong part (its fix is the figure's own)."""
    text = str(err).split(" — ", 1)[0]
    prefix = "figure host ("
    if text.startswith(prefix) and ") " in text:
        text = text.split(") ", 1)[1]
    return text


def fetch_figures(plist: PaperList, folder: Path, settings: Settings | None = None,
                  progress: Callable[[int, int], None] | None = None) -> Report:
    """Bring the figure cache in ``folder`` up to date with the list's figures: each
    distinct URL is asked once (a fresh entry not at all), images are re-encoded and
    stored, refusals and failures recorded with their reason.  ``progress(done, total)``
    after each URL asked."""
    settings = settings or Settings()
    index = read_index(folder)
    now = _now()
    figures: dict[str, list[tuple[str, str]]] = {}  # url → (key, path)
    for entry in plist.entries:
        if entry.paper.figure:
            figures.setdefault(entry.paper.figure, []).append((entry.key, entry.path))
    usable = {url: _usable(folder, index.get(url)) for url in figures}
    stale = {url: old for url, old in usable.items()
             if old is None or not _fresh(old, settings, now)}
    results: dict[str, str] = {}
    fetcher = _Fetcher(settings)
    try:
        with concurrent.futures.ThreadPoolExecutor(max(1, settings.workers)) as pool:
            jobs = {pool.submit(fetcher.fetch, url, old): url for url, old in stale.items()}
            for done, job in enumerate(concurrent.futures.as_completed(jobs), 1):
                url = jobs[job]
                new, encoded = job.result()
                if encoded is not None:
                    assert new.thumb is not None and new.full is not None
                    write_atomic(folder / new.thumb.file, encoded.thumb)
                    write_atomic(folder / new.full.file, encoded.full)
                    results[url] = "fetched"
                else:
                    results[url] = "unchanged" if new.status == OK else new.status
                index[url] = new
                if progress is not None:
                    progress(done, len(jobs))
    finally:
        fetcher.close()
    write_index(folder, index)
    report = Report(folder, asked=len(stale))
    for url, users in figures.items():
        known = index[url]
        result = results.get(url) or ("cached" if known.status == OK else known.status)
        for key, path in users:
            line = Source(path, file=Path(path)).line("figure")
            report.outcomes.append(Outcome(key, path, line, url, result,
                                           known.reason, known.fix))
    report.outcomes.sort(key=lambda o: (o.path, o.key))
    return report


def _usable(folder: Path, entry: Cached | None) -> Cached | None:
    """The entry, unless it is ok and a copy has gone from the cache (then fetch anew)."""
    if entry is None or entry.status != OK:
        return entry
    copies = (entry.thumb, entry.full)
    return entry if all(p is not None and (folder / p.file).is_file() for p in copies) else None


# --- the site's side: reading only ------------------------------------------------------

@dataclass(frozen=True)
class SiteFigure:
    """A paper's figure as the site serves it: our own copies and their sizes."""

    thumb: bytes
    thumb_size: tuple[int, int]
    full: bytes
    full_size: tuple[int, int]


def site_figures(plist: PaperList, folder: Path | None = None) -> dict[str, SiteFigure]:
    """Record key → its figure's cached copies, for every paper whose figure is in the
    cache; asks no server (the site build never fetches)."""
    folder = figure_dir(folder)
    index = read_index(folder)
    found: dict[str, SiteFigure] = {}
    for entry in plist.entries:
        cached = index.get(entry.paper.figure or "")
        if cached is None or cached.status != OK or not cached.thumb or not cached.full:
            continue
        thumb, full = _read_file(folder, cached.thumb.file), _read_file(folder, cached.full.file)
        if thumb is not None and full is not None:
            found[entry.key] = SiteFigure(thumb, (cached.thumb.width, cached.thumb.height),
                                          full, (cached.full.width, cached.full.height))
    return found
