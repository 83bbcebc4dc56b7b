"""Enrichment: GitHub stars, last push and archived flags, and citation counts.

Results live in one data file beside the records (``papers/_metrics.json``), never in the
records, so contributors' files stay theirs.  Every figure carries the date it was read;
a lookup that fails keeps the previous figure (and its date) and says why in ``failed``.
GitHub is asked with the ETag of the last answer (a 304 costs nothing with a token);
citations come from OpenAlex, and from Semantic Scholar when OpenAlex has none.  A paper
without ``doi``/``arxiv`` fields is looked up by the ids in its link, which ``--fix`` adds
to the record.

File shape::

    {"repos": {"owner/name": {"full_name", "url", "stars", "pushed_at", "archived",
                              "etag", "date", "failed"?}},
     "papers": {"<record key>": {"citations", "source", "date", "failed"?}}}
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import load
from .errors import UsageError
from .ids import find_arxiv, find_doi
from .model import Entry, PaperList

if TYPE_CHECKING:
    from .services.http import Client

METRICS_FILE = load.METRICS_FILE


def metrics_path(papers_dir: Path) -> Path:
    return Path(papers_dir) / METRICS_FILE


def read_metrics(path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """The metrics file; empty when there is none yet (first run, offline build)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"repos": {}, "papers": {}}
    except (OSError, ValueError) as err:
        raise UsageError(f"{path}: cannot read the metrics ({err}) — delete the file and run "
                         "'site-builder enrich' again") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: the metrics are not a JSON object — delete the file and "
                         "run 'site-builder enrich' again")
    return {part: {k: v for k, v in (data.get(part) or {}).items() if isinstance(v, dict)}
            if isinstance(data.get(part), dict) else {} for part in ("repos", "papers")}


def dump_metrics(metrics: dict[str, dict[str, dict[str, Any]]]) -> str:
    return json.dumps(metrics, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Services:
    """Where the services are and how to reach them (base URLs can point at test servers)."""

    github_api: str = "https://api.github.com"
    openalex_api: str = "https://api.openalex.org"
    semanticscholar_api: str = "https://api.semanticscholar.org/graph/v1"
    github_token: str | None = None
    openalex_key: str | None = None
    semanticscholar_key: str | None = None
    mailto: str | None = None
    sleep: Callable[[float], None] | None = None
    timeout: tuple[float, float] = (5.0, 20.0)

    def client(self, name: str, base: str, accept: str = "application/json",
               retry_on: frozenset[int] | None = None, min_interval: float = 0.0) -> Client:
        from .services.http import RETRY_STATUSES, Client, user_agent

        extra: dict[str, Any] = {"sleep": self.sleep} if self.sleep else {}
        return Client(name, base, agent=user_agent(self.mailto), accept=accept, hint="",
                      timeout=self.timeout, backoff=1.0, max_wait=30.0,
                      min_interval=min_interval,
                      retry_on=RETRY_STATUSES if retry_on is None else retry_on, **extra)

    def clients(self) -> dict[str, Client]:
        """One client per service for a whole run (GitHub's 429 is a rate limit to report,
        not to wait out; OpenAlex's polite pool takes 10 requests a second, Semantic
        Scholar one)."""
        return {
            "github": self.client("GitHub", self.github_api, "application/vnd.github+json",
                                  frozenset({408})),
            "openalex": self.client("OpenAlex", self.openalex_api, min_interval=0.1),
            "s2": self.client("Semantic Scholar", self.semanticscholar_api, min_interval=1.0),
        }


@dataclass(frozen=True)
class Proposal:
    """An id found in a paper's link that its record lacks."""

    path: str
    field: str
    value: str


@dataclass
class Outcome:
    """The new metrics and what a person should hear about."""

    metrics: dict[str, dict[str, dict[str, Any]]]
    notes: list[str] = field(default_factory=list)
    proposals: list[Proposal] = field(default_factory=list)
    repos: int = 0
    papers: int = 0
    failed: int = 0


def paper_ids(entry: Entry) -> tuple[str | None, str | None, list[Proposal]]:
    """The paper's DOI and arXiv id: its fields, else found in its link (proposed)."""
    paper = entry.paper
    doi, arxiv, proposals = paper.doi, paper.arxiv, []
    if not arxiv:
        arxiv = find_arxiv(paper.url)
        if arxiv:
            proposals.append(Proposal(entry.path, "arxiv", arxiv))
    if not doi and not arxiv:
        doi = find_doi(paper.url)
        if doi and not doi.lower().startswith("10.48550/"):
            proposals.append(Proposal(entry.path, "doi", doi))
    return doi, arxiv, proposals


def _kept(old: dict[str, Any] | None, today: str, why: str) -> dict[str, Any]:
    return {**(old or {}), "failed": f"{today}: {why}"}


def _enrich_repos(plist: PaperList, services: Services, client: Client,
                  old: dict[str, dict[str, Any]], today: str,
                  out: Outcome) -> dict[str, dict[str, Any]]:
    from .services import NotFound, ServiceError
    from .services.github import RateLimited, get_repo, repo_link

    repos: dict[str, dict[str, Any]] = {}
    stopped = ""
    for entry in plist.entries:
        link = repo_link(entry.paper.code or "")
        if link is None:
            continue
        key = link.full_name.lower()
        if key in repos:
            continue
        before = old.get(key)
        if stopped:
            repos[key] = _kept(before, today, stopped)
            out.failed += 1
            continue
        try:
            found = get_repo(client, link, services.github_token,
                             (before or {}).get("etag") or None)
        except RateLimited as err:
            stopped = str(err).split(" — ")[0]
            repos[key] = _kept(before, today, stopped)
            out.failed += 1
            out.notes.append(f"{stopped}: kept the previous figures of the repositories "
                             "not yet asked")
            continue
        except (NotFound, ServiceError) as err:
            why = str(err).split(" — ")[0]
            repos[key] = _kept(before, today, why)
            out.failed += 1
            shown = f" (figures from {before.get('date')} kept)" if before else ""
            out.notes.append(f"{entry.path}: code: {why}{shown}")
            continue
        out.repos += 1
        if found is None:  # 304: unchanged since the ETag was given
            repos[key] = {k: v for k, v in (before or {}).items() if k != "failed"} | {
                "date": today}
            continue
        repos[key] = {"full_name": found.full_name, "url": found.html_url,
                      "stars": found.stars, "pushed_at": found.pushed_at,
                      "archived": found.archived, "etag": found.etag, "date": today}
        if found.full_name.lower() != key:
            out.notes.append(f"{entry.path}: code: the repository is now {found.full_name} "
                             "— 'site-builder links --fix' updates the link")
    return repos


def _citations(services: Services, clients: dict[str, Client], doi: str | None,
               arxiv: str | None) -> tuple[int, str] | str:
    """(count, source), or why neither service had one."""
    from .services import ServiceError, openalex, semanticscholar

    reasons = []
    work = openalex.work_doi(doi, arxiv)
    if work:
        try:
            return openalex.citations(clients["openalex"], work, mailto=services.mailto,
                                      api_key=services.openalex_key), "OpenAlex"
        except ServiceError as err:
            reasons.append(str(err).split(" — ")[0])
    ident = semanticscholar.paper_id(doi, arxiv)
    if ident:
        try:
            return semanticscholar.citations(clients["s2"], ident,
                                             api_key=services.semanticscholar_key), \
                "Semantic Scholar"
        except ServiceError as err:
            reasons.append(str(err).split(" — ")[0])
    return "; ".join(reasons)


def enrich(plist: PaperList, metrics: dict[str, dict[str, dict[str, Any]]],
           services: Services, today: dt.date | None = None) -> Outcome:
    """Fresh figures for every repository and paper of ``plist``; entries gone from the
    list are dropped, failed lookups keep their previous figures."""
    clients = services.clients()
    try:
        return _enrich(plist, metrics, services, clients,
                       (today or dt.date.today()).isoformat())
    finally:
        for client in clients.values():
            client.close()


def _enrich(plist: PaperList, metrics: dict[str, dict[str, dict[str, Any]]],
            services: Services, clients: dict[str, Client], day: str) -> Outcome:
    out = Outcome({})
    out.metrics["repos"] = _enrich_repos(plist, services, clients["github"],
                                         metrics.get("repos", {}), day, out)
    papers: dict[str, dict[str, Any]] = {}
    old = metrics.get("papers", {})
    for entry in plist.entries:
        doi, arxiv, proposals = paper_ids(entry)
        out.proposals += proposals
        if not doi and not arxiv:
            continue
        found = _citations(services, clients, doi, arxiv)
        before = old.get(entry.key)
        if isinstance(found, str):
            papers[entry.key] = _kept(before, day, found)
            out.failed += 1
            shown = f" (the count from {before.get('date')} is kept)" if before else ""
            out.notes.append(f"{entry.path}: no citation count: {found}{shown}")
            continue
        out.papers += 1
        papers[entry.key] = {"citations": found[0], "source": found[1], "date": day}
    out.metrics["papers"] = papers
    return out


def add_id(proposal: Proposal) -> bool:
    """Write the proposed id into its record as a new line after ``url:``; False (file
    untouched) when the record does not have a plain top-level ``url:`` line."""
    from .fsio import write_atomic

    path = Path(proposal.path)
    text = path.read_bytes().decode("utf-8")
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith("url:")), None)
    if at is None:
        return False
    newline = "\r\n" if lines[at].endswith("\r\n") else "\n"
    if not lines[at].endswith(("\n", "\r")):
        lines[at] += newline
    quoted = proposal.value.replace("\\", "\\\\").replace('"', '\\"')
    lines.insert(at + 1, f'{proposal.field}: "{quoted}"{newline}')
    edited = "".join(lines)
    before = load.parse(str(path), text.encode())
    after = load.parse(str(path), edited.encode())
    if after.problems or not isinstance(before.data, dict) or \
            after.data != {**before.data, proposal.field: proposal.value}:
        return False
    write_atomic(path, edited)
    return True


@dataclass(frozen=True)
class PaperMetrics:
    """What the pages show for one paper: figures from the metrics file, with their dates
    (None when there is no figure yet)."""

    stars: int | None = None
    pushed_at: str | None = None
    archived: bool = False
    stars_date: str | None = None
    citations: int | None = None
    citations_source: str | None = None
    citations_date: str | None = None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 \
        else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def paper_metrics(plist: PaperList, metrics: dict[str, dict[str, dict[str, Any]]]
                  ) -> dict[str, PaperMetrics]:
    """Record key → :class:`PaperMetrics` for the papers the metrics file has figures for;
    what the command layer hands to the renderers (which never read files)."""
    from .services.github import repo_link

    repos, papers = metrics.get("repos", {}), metrics.get("papers", {})
    out: dict[str, PaperMetrics] = {}
    for entry in plist.entries:
        link = repo_link(entry.paper.code or "")
        repo = repos.get(link.full_name.lower(), {}) if link else {}
        cited = papers.get(entry.key, {})
        found = PaperMetrics(
            stars=_int(repo.get("stars")), pushed_at=_str(repo.get("pushed_at")),
            archived=repo.get("archived") is True, stars_date=_str(repo.get("date")),
            citations=_int(cited.get("citations")),
            citations_source=_str(cited.get("source")), citations_date=_str(cited.get("date")))
        if found != PaperMetrics():
            out[entry.key] = found
    return out
