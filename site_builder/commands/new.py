"""``site-builder new``: scaffold one valid paper record from arXiv, a DOI or by hand.

Options always win over fetched metadata; on a terminal, missing required fields are asked
for.  Without --category, the section the title and abstract suggest is shown in the prompt
(or in the error asking for --category), after the metadata is fetched.  Typed text only
becomes raw values here (:func:`site_builder.kinds.from_text`); the record is named,
checked exactly as ``check`` would and written by :func:`site_builder.add.add_record`, so a
duplicate or a bad value never reaches ``papers/``.  Nothing is printed: :func:`new_from_args`
returns what ``cli.py`` shows.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..add import AlreadyListed as Listed
from ..add import NotValid as Invalid
from ..add import add_record, refuse_listed
from ..checking import check_dir
from ..errors import SiteBuilderError, UsageError
from ..ids import find_arxiv, find_doi
from ..kinds import YEAR_DIGITS, Bad, Kind, from_text
from ..model import Paper, PaperList
from ..records import suggest
from ..services import TIMEOUT, ServiceError, arxiv, crossref
from ..services.venues import short_venue, venue_name
from ..text import squash

if TYPE_CHECKING:
    from ..services.http import Client

T = TypeVar("T")


class AlreadyListed(SiteBuilderError):
    """The paper is in the list already (same DOI, arXiv id or title)."""


class NotValid(SiteBuilderError):
    """The record built from the options and metadata would not pass ``check``."""


@dataclass(frozen=True)
class Given:
    """What the contributor gave as options; every field that is set wins."""

    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    title: str | None = None
    authors: tuple[str, ...] | None = None
    venue: str | None = None
    year: int | None = None
    venue_note: str | None = None
    paper_url: str | None = None
    code: str | None = None
    abstract: str | None = None
    marks: tuple[str, ...] = ()
    category: str | None = None
    fetch: bool = True


@dataclass(frozen=True)
class Services:
    """Where and how to ask the metadata services; clock, sleep and timeout are for tests."""

    arxiv_api: str = arxiv.DEFAULT_API
    crossref_api: str = crossref.DEFAULT_API
    mailto: str | None = None
    project_url: str | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    timeout: tuple[float, float] = TIMEOUT

    def client(self, service: str) -> Client:
        from ..services.http import Client, user_agent

        agent = user_agent(self.mailto, self.project_url)
        if service == "arxiv":
            return Client("arXiv", self.arxiv_api, agent=agent, accept="application/atom+xml",
                          min_interval=arxiv.MIN_INTERVAL, timeout=self.timeout,
                          clock=self.clock, sleep=self.sleep)
        return Client("Crossref", self.crossref_api, agent=agent, accept="application/json",
                      timeout=self.timeout, clock=self.clock, sleep=self.sleep)


@dataclass(frozen=True)
class Found:
    """Metadata gathered from the services (every field may be missing)."""

    title: str | None = None
    authors: tuple[str, ...] = ()
    venue: str | None = None
    year: int | None = None
    url: str | None = None
    abstract: str | None = None
    doi: str | None = None
    arxiv: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scaffolded:
    """What ``new`` wrote, and notes for the contributor (warnings, skipped lookups)."""

    path: Path
    paper: Paper
    notes: tuple[str, ...] = ()


# --- asking on a terminal ------------------------------------------------------------

class Prompter:
    """Asks for missing fields through ``read`` and ``write`` (the CLI passes the terminal's
    input and output; tests talk to it directly)."""

    def __init__(self, read: Callable[[str], str], write: Callable[[str], None]) -> None:
        self.read, self.write = read, write

    def ask(self, label: str, convert: Callable[[str], T], hint: str = "") -> T:
        """Ask until ``convert`` accepts the answer (it raises ValueError with the reason)."""
        if hint:
            self.write(hint)
        while True:
            try:
                answer = squash(self.read(f"{label}: "))
            except EOFError:
                raise UsageError("no answer given — nothing written") from None
            try:
                return convert(answer)
            except ValueError as err:
                self.write(f"  {err}")

    def choose(self, label: str, options: list[tuple[str, str]]) -> str:
        """Pick one of ``(value, description)`` by number or by value."""
        self.write(f"{label}:")
        for i, (value, text) in enumerate(options, 1):
            self.write(f"  {i}. {text} ({value})")
        values = [v for v, _ in options]

        def pick(answer: str) -> str:
            if answer.isdigit() and 1 <= int(answer) <= len(options):
                return values[int(answer) - 1]
            if answer in values:
                return answer
            raise ValueError(f"answer with a number from 1 to {len(options)}")

        return self.ask("number", pick)


def _answer(kind: Kind) -> Callable[[str], Any]:
    """An answer of ``kind`` as the rulebook reads it; ValueError (asked again) if bad."""
    def convert(text: str) -> Any:
        try:
            return from_text(kind, text)
        except Bad as bad:
            raise ValueError(str(bad)) from None

    return convert


def _option(name: str, kind: Kind, text: str | None) -> Any:
    """An option's value as the rulebook reads it; a bad one is a usage error."""
    if not text:
        return None
    try:
        return from_text(kind, text)
    except Bad as bad:
        raise UsageError(f"--{name}: {bad}") from None


def _venue(answer: str) -> str:
    return short_venue([answer]) or _answer(Kind.TEXT)(answer)


_LABELS = {"title": "Title", "authors": "Authors (Family, Given; Family, Given)",
           "venue": "Venue (short name: CVPR, MICCAI, MedIA, arXiv...)", "year": "Year",
           "url": "Link to the paper (https://...)"}


# --- fetching ------------------------------------------------------------------------

def _journal_ref(ref: str | None, published: int | None) -> tuple[str, int | None] | None:
    """A venue named in arXiv's journal_ref ("MICCAI 2024"), with its year if given."""
    venue = short_venue([ref]) if ref else None
    if not venue or not ref:
        return None
    years = [int(y) for y in re.findall(rf"\b{YEAR_DIGITS}\b", ref)]
    return venue, (years[-1] if years else published)


def fetch_metadata(arxiv_id: str | None, doi: str | None, services: Services) -> Found:
    """arXiv first when there is an arXiv id (Crossref then only for venue and year),
    else Crossref alone."""
    if arxiv_id:
        entry = arxiv.fetch(services.client("arxiv"), arxiv_id)
        doi = doi or entry.doi
        year = entry.published.year if entry.published else None
        venue, url, notes = "arXiv", arxiv.abs_url(entry.arxiv), []
        from_ref = _journal_ref(entry.journal_ref, year)
        if from_ref:
            venue, year = from_ref
        if doi:
            try:
                work = crossref.fetch(services.client("crossref"), doi)
            except ServiceError as err:
                notes.append(f"venue and year were not checked with Crossref: {err}")
            else:
                found_venue = venue_name(work.venues)
                if found_venue:
                    venue, url = found_venue, crossref.doi_url(work.doi)
                year = work.year or year
                doi = work.doi
        return Found(entry.title or None, entry.authors, venue, year, url,
                     entry.summary or None, doi, entry.arxiv, tuple(notes))
    if doi:
        work = crossref.fetch(services.client("crossref"), doi)
        return Found(work.title or None, work.authors, venue_name(work.venues), work.year,
                     crossref.doi_url(work.doi), work.abstract, work.doi)
    return Found()


# --- the record ----------------------------------------------------------------------

def _ids(given: Given) -> tuple[str | None, str | None, str | None]:
    """(arXiv id, DOI, paper page) from --arxiv, --doi and --url.

    arXiv's own DOIs (10.48550/arXiv.*) are arXiv ids; --url is the paper page unless it
    is an arXiv or doi.org link, which are replaced by their canonical form.
    """
    arxiv_id = arxiv.parse_id(given.arxiv) if given.arxiv else None
    doi = None
    if given.doi:
        as_arxiv = find_arxiv(given.doi)
        arxiv_id = arxiv_id or as_arxiv
        doi = None if as_arxiv else crossref.parse_doi(given.doi)
    page = None
    if given.url:
        url = squash(given.url)
        in_url = find_arxiv(url)
        arxiv_id = arxiv_id or in_url
        doi = doi or (None if in_url else find_doi(url))
        if not in_url and "doi.org/" not in url.lower():
            page = url
    return arxiv_id, doi, page


def _known_category(given: Given, plist: PaperList) -> None:
    """Refuse an unknown --category before any request is made."""
    ids = [s.id for s in plist.paper_sections() if s.id]
    if given.category and given.category not in ids:
        hint = suggest(given.category, ids)
        raise UsageError(f"unknown category {given.category!r} — "
                         f"{hint + ' ' if hint else ''}use one of: {', '.join(ids)}")


def _category(given: Given, plist: PaperList, ask: Prompter | None, title: str | None,
              abstract: str | None) -> str:
    """--category, else the contributor's choice, shown the section the title and abstract
    suggest (:mod:`site_builder.similar`, pure Python)."""
    if given.category:
        return given.category
    from ..similar import suggest_for_text

    sections = [(s.id, s.title) for s in plist.paper_sections() if s.id]
    ids = [i for i, _ in sections]
    hint = suggest_for_text(plist, title, abstract).describe()
    if ask is None:
        raise UsageError(f"give --category, one of: {', '.join(ids)}"
                         + (f" (suggested from the title and abstract: {hint})" if hint else ""))
    if hint:
        ask.write(f"Suggested from the title and abstract: {hint}")
    return ask.choose("Section of the list", sections)


def _need(value: T | None, name: str, ask: Prompter | None, convert: Callable[[str], T]) -> T:
    """A required field: the value if there is one, else the contributor's answer."""
    if value:
        return value
    if ask is None:  # _check_complete has already refused this case
        raise UsageError(f"missing {name}")
    return ask.ask(_LABELS[name], convert, Paper.__dataclass_fields__[name].metadata["spec"].doc)


def _check_complete(values: dict[str, object], ask: Prompter | None) -> None:
    missing = [name for name, value in values.items() if not value]
    if missing and ask is None:
        flags = ", ".join("--paper-url" if n == "url" else f"--{n}" for n in missing)
        raise UsageError(f"missing {', '.join(missing)} — give {flags} (or --arxiv, --doi or "
                         "--url to fetch them, or run in a terminal to be asked)")


def _add(papers_dir: Path, paper: Paper, plist: PaperList) -> Scaffolded:
    """:func:`add_record`, its refusals restated as ``new``'s errors."""
    try:
        added = add_record(papers_dir, paper, plist)
    except Listed as err:
        raise _already_listed(err) from None
    except Invalid as err:
        raise NotValid("the new record would not pass check (nothing written): " + "; ".join(
            p.detail() for p in err.problems if p.severity == "error")) from None
    return Scaffolded(added.path, added.paper, tuple(p.detail() for p in added.warnings))


def _already_listed(err: Listed) -> AlreadyListed:
    first = next(p for p in err.problems if p.severity == "error")
    return AlreadyListed(f"{first.message} — nothing written; edit that file instead")


def scaffold(papers_dir: Path, given: Given, services: Services | None = None,
             ask: Prompter | None = None, today: dt.date | None = None) -> Scaffolded:
    """Build, validate and write one record; returns where it was written.

    The list is read first, so a broken list or a bad option fails before any request.
    """
    papers_dir = Path(papers_dir)
    plist = check_dir(papers_dir)
    arxiv_id, doi, page = _ids(given)
    _known_category(given, plist)
    if arxiv_id or doi:  # refuse a listed paper before asking any service about it
        known = Paper(title="", authors=(), venue="", year=0, url=page or "",
                      category=given.category or "", doi=doi, arxiv=arxiv_id)
        try:
            refuse_listed(known, plist)
        except Listed as err:
            raise _already_listed(err) from None
    services = services or Services()
    if services.project_url is None:
        services = dataclasses.replace(services, project_url=plist.info.repo)
    found = fetch_metadata(arxiv_id, doi, services) if given.fetch else Found()
    venue = (short_venue([given.venue]) or given.venue) if given.venue else found.venue
    url = given.paper_url or page or found.url or \
        (arxiv.abs_url(arxiv_id) if arxiv_id else crossref.doi_url(doi) if doi else None)
    title, authors = given.title or found.title, given.authors or found.authors
    year = given.year or found.year
    abstract = given.abstract or found.abstract
    category = _category(given, plist, ask, title, abstract)
    _check_complete({"title": title, "authors": authors, "venue": venue, "year": year,
                     "url": url}, ask)
    paper = Paper(
        title=_need(title, "title", ask, _answer(Kind.TITLE)),
        authors=_need(authors, "authors", ask, _answer(Kind.NAMES)),
        venue=_need(venue, "venue", ask, _venue),
        year=_need(year, "year", ask, _answer(Kind.YEAR)),
        url=_need(url, "url", ask, _answer(Kind.URL)),
        venue_note=given.venue_note, category=category, code=given.code, abstract=abstract,
        marks=given.marks, doi=found.doi or doi, arxiv=found.arxiv or arxiv_id,
        added=today or dt.date.today())
    added = _add(papers_dir, paper, plist)
    return dataclasses.replace(added, notes=(*found.notes, *added.notes))


# --- the CLI verb --------------------------------------------------------------------

def _setting(option: str | None, env: str, default: str) -> str:
    return option or os.environ.get(env) or default


def new_from_args(args: argparse.Namespace, ask: Prompter | None) -> Scaffolded:
    """Options → :class:`Given` → :func:`scaffold` (``ask`` on a terminal)."""
    given = Given(arxiv=args.arxiv, doi=args.doi, url=args.url, title=args.title,
                  authors=_option("authors", Kind.NAMES, args.authors), venue=args.venue,
                  year=_option("year", Kind.YEAR, args.year), venue_note=args.venue_note,
                  paper_url=args.paper_url,
                  code=args.code, abstract=args.abstract, marks=tuple(args.mark or ()),
                  category=args.category, fetch=not args.no_fetch)
    return scaffold(args.papers, given, services_from_args(args), ask)


def services_from_args(args: argparse.Namespace) -> Services:
    """--arxiv-api, --crossref-api and --mailto, else their environment variables (every
    verb that looks papers up takes these options)."""
    return Services(
        arxiv_api=_setting(args.arxiv_api, "SITE_BUILDER_ARXIV_API", arxiv.DEFAULT_API),
        crossref_api=_setting(args.crossref_api, "SITE_BUILDER_CROSSREF_API",
                              crossref.DEFAULT_API),
        mailto=os.environ.get("SITE_BUILDER_MAILTO") if args.mailto is None else args.mailto)
