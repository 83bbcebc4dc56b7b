"""Link health: every link of the list collected, checked politely, classified, remembered.

Links come from the validated list (paper, code, further and figure links; the list file's
images, repository and the http(s) links inside its Markdown), each with the file, field and
line it came from, one check per distinct URL.  Checks run in a thread pool through the open-web
:class:`~site_builder.services.http.Client` (SSRF guard at every hop, deadline, retries
honouring ``Retry-After``) with per-host limits: HEAD first, GET (body capped) when HEAD is
refused.  GitHub repository links go through the GitHub API instead, which tells renamed
from missing and reports archived repositories.

Verdicts: ``ok``; ``moved`` (a permanent redirect to a working page: ``--fix`` writes the new
address); ``broken`` (404/410, no such host, refused address, redirect loop, other 4xx);
``blocked`` (401/403/418/429/999 from a host in ``data/blocked_hosts.yaml``, which refuse
scripts whatever the link); ``rate-limited`` (429); ``transient`` (5xx, 408, timeouts, resets).

State (a JSON file, not in the records): good results are cached for ``max_age`` days and
not asked again; failures are never cached; each broken link's failing days are kept, so a
link is *dead*, and fails the run, only once it failed on ``dead_after`` different days.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from . import load
from .errors import UsageError
from .fsio import FileError, file_error, shown
from .kinds import MARKDOWN_LINK_URL, Kind, accepts
from .model import Image, PaperList

if TYPE_CHECKING:
    from .services.github import RepoLink
    from .services.http import Client, HostLimits, Reply

STATUSES = ("ok", "moved", "broken", "blocked", "rate-limited", "transient")
BLOCKED_HOSTS = Path(__file__).resolve().parent / "data" / "blocked_hosts.yaml"
BLOCK_CODES = frozenset({401, 403, 418, 429, 999})
GET_BODY = 64 * 1024  # bytes of a GET fallback read before the connection is dropped
_MD_LINK = re.compile(MARKDOWN_LINK_URL)
PAPER_LINK_FIELDS = ("url", "code", "figure")


@dataclass(frozen=True, order=True)
class Where:
    """Where a link is written: file, line and field (``sections[2].image.src``)."""

    path: str
    line: int
    field: str


@dataclass(frozen=True)
class Link:
    """One distinct URL and every place it is written."""

    url: str
    places: tuple[Where, ...]


@dataclass(frozen=True)
class Result:
    """The verdict on one link."""

    url: str
    status: str
    code: int | None = None
    detail: str = ""
    new_url: str | None = None  # for moved links
    archived: bool = False  # a GitHub repository marked archived (reported, still ok)
    cached: bool = False
    failing_days: int = 0  # broken on this many different days (this run included)
    dead: bool = False  # broken on at least dead_after days
    places: tuple[Where, ...] = ()


@dataclass(frozen=True)
class Settings:
    """How links are checked; every wait and limit is here so tests can shrink them."""

    workers: int = 16
    per_host: int = 4
    interval: float = 0.05  # seconds between two requests to one host
    deadline: float = 30.0  # network seconds per URL, every try and redirect included
    tries: int = 3
    backoff: float = 1.0
    max_wait: float = 10.0  # longest Retry-After honoured
    timeout: tuple[float, float] = (5.0, 15.0)
    allow_private: bool = False  # the switch tests use to reach 127.0.0.1
    agent: str = ""
    github_api: str = "https://api.github.com"
    github_token: str | None = None
    blocked: frozenset[str] = frozenset()
    sleep: Callable[[float], None] | None = None


def blocked_hosts(path: Path = BLOCKED_HOSTS) -> frozenset[str]:
    """The host names of the blocked-hosts data file (a mapping host → reason)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise UsageError(f"{path}: cannot read the blocked hosts ({err}) — it must be a "
                         "YAML mapping of host names to reasons") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UsageError(f"{path}: the blocked hosts must be a YAML mapping of host names "
                         "to reasons — write one 'host.example: why' per line")
    return frozenset(k.lower().strip(".") for k in data)


def _host_in(host: str, hosts: frozenset[str]) -> bool:
    host = host.lower().strip(".")
    return any(host == h or host.endswith("." + h) for h in hosts)


# --- collecting -----------------------------------------------------------------------

def _image_links(image: Image | None, prefix: str) -> Iterator[tuple[str, str, tuple]]:
    if image is None:
        return
    yield image.src, f"{prefix}.src", ("src",)
    if image.link:
        yield image.link, f"{prefix}.link", ("link",)


def _markdown_links(text: str | None) -> list[str]:
    return [a or b for a, b in _MD_LINK.findall(text or "")]


def _info_links(plist: PaperList) -> Iterator[tuple[str, str, tuple[str | int, ...]]]:
    """(url, field, key path) for every http(s) link of the list-level file."""
    info = plist.info
    if info.repo:
        yield info.repo, "repo", ("repo",)
    for name in ("banner", "footer"):
        for url, fld, keys in _image_links(getattr(info, name), name):
            yield url, fld, (name, *keys)
    for name in ("badges", "logos"):
        for i, image in enumerate(getattr(info, name)):
            for url, fld, keys in _image_links(image, f"{name}[{i}]"):
                yield url, fld, (name, i, *keys)
    for i, note in enumerate(info.notes):
        for url in _markdown_links(note.text):
            yield url, f"notes[{i}].text", ("notes", i, "text")
    for i, section in enumerate(info.sections):
        base: tuple[str | int, ...] = ("sections", i)
        for name in ("image", "chart"):
            for url, fld, keys in _image_links(getattr(section, name), f"sections[{i}].{name}"):
                yield url, fld, (*base, name, *keys)
        for url in _markdown_links(section.description):
            yield url, f"sections[{i}].description", (*base, "description")
        for name in ("items", "text"):
            for j, line in enumerate(getattr(section, name)):
                for url in _markdown_links(line):
                    yield url, f"sections[{i}].{name}[{j}]", (*base, name, j)


def collect(plist: PaperList, papers_dir: Path, only: set[str] | None = None) -> list[Link]:
    """Every http(s) link of the list with where it is written, one per distinct URL, in
    the order first met (list file first, then records in file order).  ``only`` keeps the
    links written in those display paths (``--changed-only``)."""
    places: dict[str, list[Where]] = {}

    def add(url: str, where: Where) -> None:
        if only is None or where.path in only:
            places.setdefault(url, []).append(where)

    list_path = Path(papers_dir) / load.LIST_FILE
    shown = load.display_path(list_path)
    src = load.Source(shown, file=list_path)
    for url, fld, keys in _info_links(plist):
        if url.startswith(("http://", "https://")):
            add(url, Where(shown, src.line(*keys), fld))
    for entry in plist.entries:
        paper = entry.paper
        src = load.Source(entry.path, file=Path(entry.path))
        for fld in PAPER_LINK_FIELDS:
            url = getattr(paper, fld)
            if url:
                add(url, Where(entry.path, src.line(fld), fld))
        for n, url in enumerate(paper.more_figures):
            add(url, Where(entry.path, src.line("more_figures", n), f"more_figures[{n}]"))
        for n, link in enumerate(paper.links):
            add(link.url, Where(entry.path, src.line("links", n, "url"), f"links[{n}].url"))
    return [Link(url, tuple(sorted(set(ws)))) for url, ws in places.items()]


# --- state: the cache of good results and the failure history -------------------------

@dataclass
class State:
    """``cache``: url → {"status": "ok", "checked": ISO time}; ``history``: url → the
    days (ISO dates) it was found broken, since it last worked."""

    cache: dict[str, dict[str, str]] = field(default_factory=dict)
    history: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def read(cls, path: Path | None) -> State:
        """The state in ``path``; a fresh one when there is none or it is empty.  A file
        that is not a state (JSON with ``cache`` and ``history`` only) is refused
        (FileError), since the run would replace it: it is someone's file."""
        if path is None:
            return cls()
        try:
            raw = path.read_bytes()
            data = json.loads(raw) if raw.strip() else {"cache": {}, "history": {}}
        except FileNotFoundError:
            return cls()
        except OSError as err:
            raise file_error(path, err, "cannot read") from err
        except ValueError:
            data = None
        if not isinstance(data, dict) or set(data) != {"cache", "history"}:
            raise FileError(f"{shown(path)}: is not a link state that site-builder wrote, "
                            "so it is left alone — delete it, or give another --state FILE")
        cache = data.get("cache")
        history = data.get("history")
        cache = cache if isinstance(cache, dict) else {}
        history = history if isinstance(history, dict) else {}
        return cls({k: v for k, v in cache.items() if isinstance(v, dict)
                    and isinstance(v.get("checked"), str)},
                   {k: [d for d in v if isinstance(d, str)] for k, v in history.items()
                    if isinstance(v, list)})

    def dump(self) -> str:
        return json.dumps({"cache": dict(sorted(self.cache.items())),
                           "history": dict(sorted(self.history.items()))},
                          indent=1, sort_keys=True) + "\n"

    def fresh(self, url: str, now: dt.datetime, max_age: dt.timedelta) -> bool:
        """True when ``url`` was found ok less than ``max_age`` ago."""
        hit = self.cache.get(url)
        if not hit or hit.get("status") != "ok":
            return False
        try:
            checked = dt.datetime.fromisoformat(hit["checked"])
        except ValueError:
            return False
        if checked.tzinfo is None:
            checked = checked.replace(tzinfo=dt.timezone.utc)
        return dt.timedelta(0) <= now - checked < max_age

    def record(self, result: Result, now: dt.datetime, dead_after: int) -> Result:
        """Remember ``result``; returns it with its failing days and whether it is dead."""
        url = result.url
        if result.status in ("ok", "moved"):
            self.history.pop(url, None)
            if result.status == "ok" and not result.cached:
                self.cache[url] = {"status": "ok", "checked": now.isoformat(timespec="seconds")}
            return result
        self.cache.pop(url, None)  # failures are never cached
        if result.status != "broken":
            return result
        days = sorted({*self.history.get(url, []), now.date().isoformat()})
        self.history[url] = days
        return replace(result, failing_days=len(days), dead=len(days) >= dead_after)


# --- checking -------------------------------------------------------------------------

def _classify(url: str, reply: Reply, blocked: frozenset[str]) -> Result:
    from urllib.parse import urlsplit

    from .services.http import PERMANENT

    code = reply.status_code
    if 200 <= code < 300:
        if reply.hops and reply.hops[0][0] in PERMANENT:
            targets = [u for _, u in reply.hops[1:]] + [reply.url]
            moved_to = targets[0]
            for (status, _), target in zip(reply.hops, targets, strict=True):
                if status not in PERMANENT:
                    break
                moved_to = target
            return _moved(Result(url, "moved", code, f"permanently redirected to {moved_to}"),
                          moved_to)
        return Result(url, "ok", code)
    reason = f"answered {code} {reply.reason}".rstrip()
    hosts = {urlsplit(url).hostname or "", urlsplit(reply.url).hostname or ""}
    if code in BLOCK_CODES and any(_host_in(h, blocked) for h in hosts):
        return Result(url, "blocked", code, f"{reason}; this host refuses scripts")
    if code == 429:
        return Result(url, "rate-limited", code, reason)
    if code == 408 or code >= 500:
        return Result(url, "transient", code, reason)
    return Result(url, "broken", code, reason)


class Checker:
    """Checks links from many threads; each thread gets its own clients."""

    def __init__(self, settings: Settings) -> None:
        from .services.http import HostLimits, ThreadClients

        self.settings = settings
        self.limits: HostLimits = HostLimits(settings.per_host, settings.interval)
        self._clients = ThreadClients()
        self._github_stop: str | None = None  # set once GitHub's rate limit is exhausted

    def _client(self, kind: str) -> Client:
        return self._clients.get(kind, lambda: self._make_client(kind))

    def _make_client(self, kind: str) -> Client:
        from .services.http import Client, user_agent

        s = self.settings
        extra: dict[str, Any] = {"sleep": s.sleep} if s.sleep else {}
        if kind == "web":
            return Client("link check", "", agent=s.agent or user_agent(), open_web=True,
                          allow_private=s.allow_private, limits=self.limits,
                          deadline=s.deadline, tries=s.tries, backoff=s.backoff,
                          max_wait=s.max_wait, timeout=s.timeout, hint="", **extra)
        return Client("GitHub", s.github_api, agent=s.agent or user_agent(),
                      accept="application/vnd.github+json", limits=self.limits,
                      deadline=s.deadline, tries=s.tries, backoff=s.backoff,
                      max_wait=s.max_wait, timeout=s.timeout, hint="",
                      retry_on=frozenset({408}), **extra)

    def close(self) -> None:
        self._clients.close()

    def check(self, url: str) -> Result:
        """The verdict on one URL; never raises for anything the network does."""
        from .services.github import repo_link

        repo = repo_link(url)
        if repo is not None:
            return self._check_github(url, repo)
        return self._check_web(url)

    def _check_web(self, url: str) -> Result:
        from .services import Offline, ServiceError
        from .services.http import NoSuchHost, Refused, TooManyRedirects, Transient

        client = self._client("web")
        try:
            reply = client.fetch(url, method="HEAD", final=True)
            if 400 <= reply.status_code < 500 and reply.status_code not in (408, 429):
                reply = client.fetch(url, final=True, limit=GET_BODY)  # HEAD refused: GET
        except (NoSuchHost, Refused, TooManyRedirects) as err:
            return Result(url, "broken", None, _short(err))
        except (Transient, Offline) as err:
            return Result(url, "transient", None, _short(err))
        except ServiceError as err:
            return Result(url, "transient", None, _short(err))
        return _classify(url, reply, self.settings.blocked)

    def _check_github(self, url: str, repo: RepoLink) -> Result:
        from .services import NotFound, ServiceError
        from .services.github import RateLimited, get_repo

        if self._github_stop:
            return Result(url, "rate-limited", None, self._github_stop)
        try:
            found = get_repo(self._client("github"), repo, self.settings.github_token)
        except NotFound as err:
            return Result(url, "broken", 404, str(err))
        except RateLimited as err:
            self._github_stop = str(err)
            return Result(url, "rate-limited", None, str(err))
        except ServiceError as err:
            return Result(url, "transient", None, _short(err))
        assert found is not None  # no ETag was sent
        note = "archived by its owners (read-only)" if found.archived else ""
        if found.full_name.lower() != repo.full_name.lower():
            new = found.html_url + repo.rest
            return _moved(Result(url, "moved", 200, f"the repository is now "
                                 f"{found.full_name}", archived=found.archived), new)
        return Result(url, "ok", 200, note, archived=found.archived)


def _moved(result: Result, target: str) -> Result:
    """``result`` with its new address, which ``--fix`` writes into records: only when the
    URL rule of records accepts it as it is (the address is a server's word)."""
    if accepts(Kind.URL, target):
        return replace(result, new_url=target)
    return replace(result, detail=f"{result.detail} (not an address a record may hold: fix "
                   "the link by hand)")


def _short(err: Exception) -> str:
    return str(err).split(" — ", 1)[0]


@dataclass(frozen=True)
class Report:
    """Every link's result in the order collected, and the counts per status."""

    results: tuple[Result, ...]
    checked: int  # asked on the network this run (the rest came from the cache)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.results:
            out[r.status] += 1
        return out

    @property
    def dead(self) -> list[Result]:
        return [r for r in self.results if r.dead]

    def problems(self) -> list[Result]:
        """Everything but plain ok results (archived repositories are shown)."""
        return [r for r in self.results if r.status != "ok" or r.archived]


OFFLINE_AFTER = 3  # this many links asked and not one server answered: we are offline


def check_links(links: list[Link], settings: Settings, state: State, *,
                now: dt.datetime | None = None, max_age: dt.timedelta = dt.timedelta(days=7),
                dead_after: int = 3,
                progress: Callable[[int, int, Result], None] | None = None) -> Report:
    """Check ``links`` (the cached good ones are not asked again), then update ``state``.

    When :data:`OFFLINE_AFTER` or more links were asked and no server answered any of
    them, the machine is offline, not every link dead: :class:`Offline` is raised and
    nothing is recorded.
    """
    from .services import Offline

    now = now or dt.datetime.now(dt.timezone.utc)
    checker = Checker(settings)
    done = 0
    lock = threading.Lock()

    def one(link: Link) -> Result:
        nonlocal done
        if state.fresh(link.url, now, max_age):
            result = Result(link.url, "ok", None, "checked recently", cached=True)
        else:
            result = checker.check(link.url)
        result = replace(result, places=link.places)
        with lock:
            done += 1
            if progress:
                progress(done, len(links), result)
        return result

    try:
        with ThreadPoolExecutor(max(1, settings.workers)) as pool:
            checked = tuple(pool.map(one, links))
    finally:
        checker.close()
    asked = [r for r in checked if not r.cached]
    if len(asked) >= OFFLINE_AFTER and all(r.code is None for r in asked):
        raise Offline(f"no server answered any of the {len(asked)} links asked (the first: "
                      f"{asked[0].detail}) — check the internet connection; nothing was "
                      "recorded in the failure history")
    results = tuple(state.record(r, now, dead_after) for r in checked)
    return Report(results, len(asked))


# --- fixing moved links ---------------------------------------------------------------

def _swap(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_swap(v, old, new) for v in value]
    if isinstance(value, dict):
        return {k: _swap(v, old, new) for k, v in value.items()}
    return value


def _quoted(line: str, at: int, url: str) -> str:
    """``url`` written as the scalar around position ``at`` of ``line`` needs it."""
    before = line[:at].rstrip()
    if before.endswith("'") and not line[:at].endswith("''"):
        return url.replace("'", "''")
    if before.endswith('"'):
        return url.replace("\\", "\\\\").replace('"', '\\"')
    return url


def rewrite(path: Path, edits: list[tuple[int, str, str]]) -> bool:
    """Replace each ``old`` by ``new`` on its line of ``path`` and nowhere else, keeping the
    file's formatting; False (file untouched) when a line does not hold its ``old`` or the
    edited file would mean anything but those changes."""
    from .fsio import write_atomic

    text = path.read_bytes().decode("utf-8")
    lines = text.splitlines(keepends=True)
    for line, old, new in edits:
        if not 0 < line <= len(lines) or old not in lines[line - 1]:
            return False
        target = lines[line - 1]
        at = target.index(old)
        lines[line - 1] = target[:at] + _quoted(target, at, new) + target[at + len(old):]
    edited = "".join(lines)
    before, after = load.parse(str(path), text.encode()), load.parse(str(path), edited.encode())
    expected = before.data
    for _, old, new in edits:
        expected = _swap(expected, old, new)
    if after.problems or before.data is None or expected != after.data:
        return False
    write_atomic(path, edited)
    return True


def fix_moved(report: Report) -> tuple[list[tuple[Where, str, str]], list[tuple[Where, str]]]:
    """Rewrite every moved link where it is written, one file at a time: (place, old, new)
    done, and (place, old) left alone because its file could not be changed safely."""
    by_file: dict[str, list[tuple[Where, str, str]]] = {}
    for result in report.results:
        if result.status == "moved" and result.new_url:
            for where in result.places:
                by_file.setdefault(where.path, []).append((where, result.url, result.new_url))
    done: list[tuple[Where, str, str]] = []
    skipped: list[tuple[Where, str]] = []
    for path, edits in sorted(by_file.items()):
        if rewrite(Path(path), [(w.line, old, new) for w, old, new in edits]):
            done += edits
        else:
            skipped += [(w, old) for w, old, _ in edits]
    return done, skipped


# --- reports --------------------------------------------------------------------------

def as_json(report: Report) -> str:
    return json.dumps({
        "counts": report.counts(),
        "checked": report.checked,
        "links": [{"url": r.url, "status": r.status, "code": r.code, "detail": r.detail,
                   "new_url": r.new_url, "archived": r.archived, "cached": r.cached,
                   "failing_days": r.failing_days, "dead": r.dead,
                   "places": [{"path": w.path, "line": w.line, "field": w.field}
                              for w in r.places]}
                  for r in report.results],
    }, indent=2, ensure_ascii=False) + "\n"


def as_markdown(report: Report, templates: Path | None = None, *,
                date: dt.date | None = None) -> str:
    """The Markdown report (``templates/reports/links.md.j2``): what the weekly workflow
    posts as its issue.  Every untrusted value is escaped by the template."""
    from .render import environment

    env = environment(templates, comment=True)
    return str(env.get_template("reports/links.md.j2").render(
        report=report, counts=report.counts(), problems=report.problems(),
        statuses=STATUSES, date=(date or dt.date.today()).isoformat()))
