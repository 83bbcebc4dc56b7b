"""The curator's inbox: recent papers on the list's topic that the list does not hold yet.

The searches come from the list file (``inbox:`` in ``_list.yaml``).  arXiv is asked first
(paced 3 s apart by the client), Semantic Scholar optionally after it; a service that fails
or is rate-limited past the deadline becomes a warning, and the run reports what the others
found.  Candidates found by both are merged (same arXiv id, DOI or look-alike title: the
keys of :mod:`site_builder.crosscheck`), then dropped when the list already holds them,
when a maintainer dismissed them (``papers/_inbox.yaml``), and ranked by their similarity
to the list's papers (the discovery index of :mod:`site_builder.similar`); candidates
shown in an earlier run are kept but marked "seen before" and ranked after the new ones,
so a report never loses a paper nobody has acted on yet.

Nothing here prints: :func:`run` returns an :class:`InboxReport`, :func:`as_markdown` turns
it into the report (``templates/reports/inbox.md.j2``).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from . import load
from .crosscheck import effective_arxiv, effective_doi, title_skeleton
from .errors import InvalidRecords, Problem, UsageError
from .fsio import write_atomic
from .ids import find_arxiv, find_doi
from .kinds import Kind, is_safe_url
from .model import Inbox, Paper, PaperList, spec
from .records import build_record
from .services import TIMEOUT, ServiceError, arxiv, semanticscholar

DISMISSED_FILE = "_inbox.yaml"
SEEN_FORMAT = 1
SIMILAR = 3  # most similar listed papers shown per candidate
DEADLINE = 300.0  # seconds for the searches of one run, every service together
# Characters a DOI may not hold to be used in the report's machine lines and commands.
_UNSAFE_IN_DOI = ("`", "'", '"', "<", ">", "\\", "--", " ")


# --- candidates ------------------------------------------------------------------------

@dataclass(frozen=True)
class Candidate:
    """A paper a service proposed (after merging, with every service that found it)."""

    title: str
    authors: tuple[str, ...]
    abstract: str
    published: dt.date | None
    arxiv: str | None
    doi: str | None
    url: str
    sources: tuple[str, ...]

    @property
    def ident(self) -> str:
        """``arxiv:<id>`` or, for a paper arXiv does not have, ``doi:<doi>``."""
        return f"arxiv:{self.arxiv}" if self.arxiv else f"doi:{self.doi}"

    def match_keys(self) -> list[str]:
        """What makes two candidates (or a candidate and a listed paper) the same paper."""
        keys = [f"arxiv:{self.arxiv}"] if self.arxiv else []
        keys += [f"doi:{self.doi}"] if self.doi else []
        skeleton = title_skeleton(self.title)
        return keys + ([f"title:{skeleton}"] if skeleton else [])

    def as_paper(self) -> Paper:
        """The candidate as a draft record: what the similarity index reads."""
        return Paper(title=self.title, authors=self.authors, venue="", year=0, url=self.url,
                     category="", abstract=self.abstract or None)


def _safe_doi(doi: str | None) -> str | None:
    """The DOI lower-cased, or None when it holds characters that could end a comment, a
    code span or a shell word in the report."""
    if not doi or any(bad in doi for bad in _UNSAFE_IN_DOI):
        return None
    return doi.lower()


def from_arxiv(entry: arxiv.ArxivEntry) -> Candidate:
    return Candidate(entry.title, entry.authors, entry.summary, entry.published, entry.arxiv,
                     _safe_doi(entry.doi), arxiv.abs_url(entry.arxiv), ("arXiv",))


def from_semantic_scholar(hit: semanticscholar.Hit) -> Candidate | None:
    """A search hit as a candidate; None without an arXiv id, a usable DOI or a title."""
    doi = _safe_doi(hit.doi)
    if not hit.title or not (hit.arxiv or doi):
        return None
    url = arxiv.abs_url(hit.arxiv) if hit.arxiv else f"https://doi.org/{doi}"
    if not is_safe_url(url):
        url = hit.url if is_safe_url(hit.url) else ""
    if not url:
        return None
    return Candidate(hit.title, hit.authors, hit.abstract, hit.published, hit.arxiv, doi, url,
                     ("Semantic Scholar",))


def _merged(a: Candidate, b: Candidate) -> Candidate:
    """``a`` (found first: arXiv's own metadata) completed by ``b``."""
    return replace(a, arxiv=a.arxiv or b.arxiv, doi=a.doi or b.doi,
                   abstract=a.abstract or b.abstract, authors=a.authors or b.authors,
                   published=a.published or b.published,
                   url=a.url if a.arxiv or not b.arxiv else b.url,
                   sources=tuple(dict.fromkeys((*a.sources, *b.sources))))


def merge(candidates: Iterable[Candidate]) -> tuple[list[Candidate], int]:
    """Candidates with duplicates (same arXiv id, DOI or look-alike title) merged, in the
    order first found, and how many were merged away."""
    merged: list[Candidate] = []
    slot: dict[str, int] = {}
    dropped = 0
    for cand in candidates:
        at = next((slot[k] for k in cand.match_keys() if k in slot), None)
        if at is None:
            at = len(merged)
            merged.append(cand)
        else:
            merged[at] = _merged(merged[at], cand)
            dropped += 1
        for key in merged[at].match_keys():
            slot.setdefault(key, at)
    return merged, dropped


def listed_keys(plist: PaperList) -> set[str]:
    """The keys of the papers the list holds (arXiv id, DOI and title skeleton)."""
    keys: set[str] = set()
    for entry in plist.entries:
        paper = entry.paper
        found = effective_arxiv(paper)
        doi = effective_doi(paper)
        keys |= {f"arxiv:{found}"} if found else set()
        keys |= {f"doi:{doi}"} if doi else set()
        skeleton = title_skeleton(paper.title)
        keys |= {f"title:{skeleton}"} if skeleton else set()
    return keys


# --- dismissals ------------------------------------------------------------------------

@dataclass(frozen=True)
class Dismissal:
    """A candidate a maintainer turned down: never proposed again."""

    id: str = spec(Kind.TEXT, "arxiv:<id> or doi:<doi> (as the report's Dismiss line has "
                   "it).", required=True, example="arxiv:2401.12345")
    title: str | None = spec(Kind.TITLE, "The paper's title, for the reader of the file.")
    date: dt.date | None = spec(Kind.DATE, "When it was dismissed.")


@dataclass(frozen=True)
class Dismissals:
    """``papers/_inbox.yaml``."""

    dismissed: tuple[Dismissal, ...] = spec(Kind.OBJECTS, "Candidates turned down.",
                                            record=Dismissal)


def canonical_id(text: str) -> str | None:
    """``arxiv:2401.12345`` or ``doi:10.…`` (lower-case) from an id as written; None when
    it is neither."""
    text = text.strip()
    if text.lower().startswith("doi:"):
        doi = find_doi(text[4:].strip())
        return f"doi:{doi.lower()}" if doi else None
    found = find_arxiv(text)
    return f"arxiv:{found}" if found else None


def read_dismissals(papers_dir: Path) -> tuple[Dismissal, ...]:
    """The entries of ``papers/_inbox.yaml`` (none when there is no such file), each id
    in its canonical form; a file that is not valid raises InvalidRecords naming the line
    (and is never rewritten)."""
    path = Path(papers_dir) / DISMISSED_FILE
    if not path.exists() and not path.is_symlink():
        return ()
    src = load.read(path, load.display_path(path))
    problems = list(src.problems)
    if src.data is None and not problems:
        return ()
    record = build_record(Dismissals, src.data, src, (), problems) if not problems else None
    entries: list[Dismissal] = []
    for i, item in enumerate(record.dismissed if record else ()):
        ident = canonical_id(item.id)
        if ident is None:
            problems.append(Problem(src.path, src.line("dismissed", i, "id"), "id",
                                    f"{item.id!r} is not an arXiv id or a DOI",
                                    "write it as arxiv:2401.12345 or doi:10.1234/abc"))
        else:
            entries.append(replace(item, id=ident))
    if problems:
        raise InvalidRecords(problems)
    return tuple(entries)


def read_dismissed(papers_dir: Path) -> set[str]:
    """The ids a maintainer dismissed (see :func:`read_dismissals`)."""
    return {d.id for d in read_dismissals(papers_dir)}


# --- what earlier runs showed ------------------------------------------------------------

def seen_file(papers_dir: Path) -> Path:
    """Where the dates candidates were first shown are kept: beside the record cache of
    the same list, in the tool's cache directory (:func:`site_builder.cache.cache_file`)."""
    from .cache import cache_file

    records = cache_file(papers_dir)
    return records.with_name(f"inbox-{records.name}")


def read_seen(path: Path) -> tuple[dict[str, dt.date], str | None]:
    """id → date first shown; a missing file is empty, an unreadable one too (with a
    warning: it is only a cache)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError, RecursionError):
        return {}, f"the inbox cache {path} is unreadable; starting afresh"
    seen: dict[str, dt.date] = {}
    if not isinstance(data, dict) or data.get("format") != SEEN_FORMAT \
            or not isinstance(data.get("seen"), dict):
        return {}, f"the inbox cache {path} has an unknown format; starting afresh"
    for ident, day in data["seen"].items():
        try:
            seen[str(ident)] = dt.date.fromisoformat(day)
        except (TypeError, ValueError):
            continue
    return seen, None


def dump_seen(seen: dict[str, dt.date]) -> str:
    return json.dumps({"format": SEEN_FORMAT,
                       "seen": {k: seen[k].isoformat() for k in sorted(seen)}},
                      indent=1) + "\n"


# --- ranking -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Ranked:
    """A candidate with what the discovery index says about it."""

    candidate: Candidate
    score: float  # highest cosine with a listed paper
    mean: float  # mean cosine with the listed papers
    section: str | None
    section_title: str
    section_score: float
    similar: tuple[tuple[str, float], ...]  # (title, cosine) of the closest listed papers
    seen: dt.date | None = None


def rank(plist: PaperList, candidates: list[Candidate],
         seen: dict[str, dt.date] | None = None) -> list[Ranked]:
    """New candidates first, then those seen before; each group by the highest similarity
    to a listed paper, then the section's score, then id."""
    from .similar import Centroids, build_index, dot

    seen = seen or {}
    index = build_index(plist.entries)
    centroids = Centroids(index)
    titles = {e.key: e.paper.title for e in plist.entries}
    sections = {s.id: s.title for s in plist.paper_sections() if s.id}
    out = []
    for cand in candidates:
        vector = index.vectorize(cand.as_paper())
        sims = sorted(((round(dot(vector, v), 6), key) for key, v in
                       zip(index.keys, index.vectors, strict=True)),
                      key=lambda sk: (-sk[0], sk[1]))
        best = centroids.suggest(vector).best if vector else None
        section, section_score = best if best and best[1] > 0 else (None, 0.0)
        out.append(Ranked(
            cand, sims[0][0] if sims else 0.0,
            round(sum(s for s, _ in sims) / len(sims), 6) if sims else 0.0,
            section, sections.get(section or "", ""), section_score,
            tuple((titles[k], s) for s, k in sims[:SIMILAR] if s > 0),
            seen.get(cand.ident)))
    out.sort(key=lambda r: (r.seen is not None, -r.score, -r.section_score,
                            r.candidate.ident))
    return out


# --- one run -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Settings:
    """Where and how to search; the clocks and sleep are injectable so tests never wait
    (``clock``/``sleep``: the clients' pacing and retries; ``now``: the run's deadline)."""

    arxiv_api: str = arxiv.DEFAULT_API
    semanticscholar_api: str = semanticscholar.DEFAULT_API
    semanticscholar_key: str | None = None
    semantic_scholar: bool = True
    agent: str = ""
    deadline: float = DEADLINE
    timeout: tuple[float, float] = TIMEOUT
    max_results: int | None = None  # overrides the list's max_results
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], float] = time.monotonic


@dataclass(frozen=True)
class InboxReport:
    """What one run found: the ranked candidates and what was left out, and why."""

    date: dt.date
    candidates: tuple[Ranked, ...]
    queries: tuple[str, ...]
    sources: tuple[str, ...]
    found: int = 0
    merged: int = 0
    listed: int = 0
    dismissed: int = 0
    warnings: tuple[str, ...] = ()
    new: int = 0


def search(inbox: Inbox, settings: Settings, today: dt.date
           ) -> tuple[list[Candidate], list[str], list[str]]:
    """Ask every service; returns the candidates (in the services' order), the warnings
    and the services asked."""
    from .services.http import Client

    deadline = settings.now() + settings.deadline
    cap = settings.max_results or inbox.max_results
    since = today - dt.timedelta(days=inbox.days)
    found: list[Candidate] = []
    warnings: list[str] = []
    client = Client("arXiv", settings.arxiv_api, agent=settings.agent,
                    accept="application/atom+xml", min_interval=arxiv.MIN_INTERVAL,
                    timeout=settings.timeout, clock=settings.clock, sleep=settings.sleep)
    asked = ["arXiv"]
    try:
        for query in inbox.queries:
            entries, cut = arxiv.search(client, query, categories=inbox.categories,
                                        max_results=cap - len(found), since=since,
                                        deadline=deadline, now=settings.now)
            found += [from_arxiv(e) for e in entries]
            if cut:
                warnings.append(f"arXiv: the {settings.deadline:g} s deadline passed; the "
                                "report shows what was found until then")
                break
            if len(found) >= cap:
                break
    except ServiceError as err:
        warnings.append(_skipped("arXiv", err, settings, deadline))
    finally:
        client.close()
    if settings.semantic_scholar:
        asked.append("Semantic Scholar")
        found += _semantic_scholar(inbox, settings, cap, since, deadline, warnings)
    return found, warnings, asked


def _semantic_scholar(inbox: Inbox, settings: Settings, cap: int, since: dt.date,
                      deadline: float, warnings: list[str]) -> list[Candidate]:
    from .services.http import Client

    client = Client("Semantic Scholar", settings.semanticscholar_api, agent=settings.agent,
                    accept="application/json", min_interval=1.0, timeout=settings.timeout,
                    clock=settings.clock, sleep=settings.sleep, retry_on=frozenset({408}))
    found: list[Candidate] = []
    try:
        for query in inbox.queries:
            hits = semanticscholar.search(
                client, keywords(query), max_results=cap - len(found), since=since,
                api_key=settings.semanticscholar_key, deadline=deadline, now=settings.now,
                sleep=settings.sleep)
            found += [c for c in map(from_semantic_scholar, hits) if c is not None]
            if len(found) >= cap:
                break
    except ServiceError as err:
        warnings.append(_skipped("Semantic Scholar", err, settings, deadline))
    finally:
        client.close()
    return found


def _skipped(service: str, err: ServiceError, settings: Settings, deadline: float) -> str:
    """The warning for a service given up on; a cut at the run's deadline says so plainly
    (the client's own message would name the seconds that were left)."""
    if settings.now() >= deadline:
        return f"{service} was skipped: it did not answer within the run's " \
            f"{settings.deadline:g} s deadline"
    return f"{service} was skipped: {err}"


_OPERATORS = frozenset({"AND", "OR", "ANDNOT"})
_FIELDS = ("abs:", "ti:", "all:", "au:", "co:", "jr:", "cat:")


def keywords(query: str) -> str:
    """An arXiv query as plain keywords for a service without search syntax: field
    prefixes, operators, brackets and quotes left out, each word once."""
    words: list[str] = []
    for raw in query.replace("(", " ").replace(")", " ").replace('"', " ").split():
        word = raw
        for prefix in _FIELDS:
            word = word.removeprefix(prefix)
        if word and word not in _OPERATORS and not raw.startswith("cat:"):
            words.append(word)
    return " ".join(dict.fromkeys(words))


def run(papers_dir: Path, plist: PaperList, settings: Settings, today: dt.date,
        remember: bool = True) -> InboxReport:
    """Search, merge, drop what is listed or dismissed, mark what was seen, rank; with
    ``remember``, the ids shown are added to the seen cache."""
    inbox = plist.info.inbox
    if inbox is None:
        raise UsageError(f"{Path(papers_dir) / '_list.yaml'} has no inbox: block — declare "
                         "the searches, e.g. inbox: {queries: ['abs:\"anomaly detection\" "
                         "AND abs:MRI']}")
    dismissed = read_dismissed(papers_dir)
    found, warnings, asked = search(inbox, settings, today)
    merged, n_merged = merge(found)
    listed = listed_keys(plist)
    keep, n_listed, n_dismissed = [], 0, 0
    for cand in merged:
        if any(k in listed for k in cand.match_keys()):
            n_listed += 1
        elif any(k in dismissed for k in cand.match_keys()):
            n_dismissed += 1
        else:
            keep.append(cand)
    path = seen_file(papers_dir)
    seen, problem = read_seen(path)
    if problem:
        warnings.append(problem)
    ranked = rank(plist, keep, seen)
    if remember and keep:
        updated = dict(seen)
        for cand in keep:
            updated.setdefault(cand.ident, today)
        write_atomic(path, dump_seen(updated))
    return InboxReport(today, tuple(ranked), inbox.queries, tuple(asked), len(found),
                       n_merged, n_listed, n_dismissed, tuple(warnings),
                       sum(r.seen is None for r in ranked))


def as_markdown(report: InboxReport, templates: Path | None = None) -> str:
    """The report (``templates/reports/inbox.md.j2``); every untrusted value is escaped by
    the template."""
    from .render import environment

    env = environment(templates, comment=True)
    return str(env.get_template("reports/inbox.md.j2").render(
        report=report, date=report.date.isoformat()))
