"""``site-builder inbox-accept``: the boxes ticked in the weekly inbox issue → new records
and dismissals.

A ticked *Add* becomes a record exactly as ``site-builder new --arxiv ID --category
SECTION`` (or ``--doi``) makes it: :func:`site_builder.commands.new.scaffold` fetches the
metadata, checks the record and writes it.  A ticked *Dismiss* joins
``papers/_inbox.yaml``, which ``site-builder inbox`` reads so that it never proposes the
paper again.  Running twice changes nothing: a paper already listed or already dismissed
is skipped with a note.  With ``before`` (the body before the edit), only boxes ticked by
this edit are acted on, so an edit that ticks one more box does not repeat earlier ones.

One set of clients serves the whole run, so arXiv's pacing spans every paper.  Nothing is
printed: :func:`accept` returns the outcomes for ``cli.py`` to show.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .. import load, outputs
from ..checking import check_dir
from ..errors import SiteBuilderError
from ..fsio import write_atomic
from ..importers.inbox_body import Box, newly_ticked
from ..inbox import DISMISSED_FILE, read_dismissals
from ..services import ServiceError, arxiv, crossref
from .from_issue import _fenced, read_body
from .new import AlreadyListed, Given, Services, scaffold, services_from_args

if TYPE_CHECKING:
    from ..services.http import Client

DISMISSED_HEADER = (
    "# Papers a maintainer dismissed from the weekly inbox issue: 'site-builder inbox' never\n"
    "# proposes them again. 'site-builder inbox-accept' adds to it; delete an entry to see\n"
    "# the paper again.\n")


@dataclass(frozen=True)
class Outcome:
    """What became of one ticked box: ``added``, ``dismissed``, ``skipped`` (nothing to
    do: done before) or ``failed`` (the message says how to fix it)."""

    line: int
    id: str
    status: str
    message: str
    path: Path | None = None

    def text(self) -> str:
        """One line for people: ``status id: message``."""
        return f"{self.status} {self.id}: {self.message}"


@dataclass(frozen=True)
class Accepted:
    """Every outcome in the order of the issue body, and notes (e.g. a lookup skipped)."""

    outcomes: tuple[Outcome, ...]
    notes: tuple[str, ...] = ()

    def having(self, status: str) -> list[Outcome]:
        """The outcomes of one status (``failed`` makes the exit code 1)."""
        return [o for o in self.outcomes if o.status == status]


@dataclass(frozen=True)
class _SharedServices(Services):
    """:class:`Services` that hand out one client per service for the whole run: the
    clients space their requests (arXiv asks for 3 s), which one client per paper would
    not."""

    clients: dict[str, Client] = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str) -> Client:
        if service not in self.clients:
            self.clients[service] = super().client(service)
        return self.clients[service]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


# --- the dismissals file -------------------------------------------------------------

def read_dismissed(papers_dir: Path) -> list[dict[str, Any]]:
    """The entries of ``papers_dir/_inbox.yaml`` as they will be written back (the inbox's
    own reader checks them: a file not in the format is refused with its line)."""
    return [{k: v for k, v in (("id", d.id), ("title", d.title), ("date", d.date))
             if v is not None} for d in read_dismissals(papers_dir)]


def _write_dismissed(papers_dir: Path, entries: list[dict[str, Any]]) -> Path:
    """All entries, one per id, sorted by id: the same set always gives the same file."""
    path = Path(papers_dir) / DISMISSED_FILE
    unique = {e["id"]: e for e in reversed(entries)}  # the first entry of an id wins
    ordered = [unique[k] for k in sorted(unique)]
    text = yaml.safe_dump({"dismissed": ordered}, allow_unicode=True, sort_keys=False,
                          width=88, default_flow_style=False)
    write_atomic(path, DISMISSED_HEADER + text)
    return path


def _title(paper_id: str, services: Services) -> str | None:
    """The paper's title for the dismissals file, from arXiv or Crossref (``None``, and
    the entry is still written, if the service does not answer)."""
    kind, _, value = paper_id.partition(":")
    if kind == "arxiv":
        return arxiv.fetch(services.client("arxiv"), value).title or None
    return crossref.fetch(services.client("crossref"), value).title or None


# --- the ticked boxes ----------------------------------------------------------------

def _conflicts(ticked: list[Box]) -> dict[str, str]:
    """Ids whose boxes ask for opposite things, with the reason."""
    wanted: dict[str, set[tuple[str, str | None]]] = {}
    for box in ticked:
        wanted.setdefault(box.id, set()).add((box.action, box.section))
    reasons = {}
    for paper_id, asks in wanted.items():
        if len(asks) > 1:
            both = {a for a, _ in asks} == {"add", "dismiss"}
            reasons[paper_id] = ("both Add and Dismiss are ticked" if both else
                                 "Add is ticked for more than one section")
    return reasons


def _add(box: Box, papers_dir: Path, services: Services, today: dt.date
         ) -> tuple[Outcome, tuple[str, ...]]:
    kind, _, value = box.id.partition(":")
    given = Given(arxiv=value if kind == "arxiv" else None,
                  doi=value if kind == "doi" else None, category=box.section)
    try:
        made = scaffold(papers_dir, given, services, today=today)
    except AlreadyListed as err:
        return Outcome(box.line, box.id, "skipped", str(err)), ()
    except ServiceError as err:
        return Outcome(box.line, box.id, "failed", f"{err} (nothing written; untick the box "
                       "and tick it again to retry)"), ()
    except SiteBuilderError as err:
        return Outcome(box.line, box.id, "failed", f"{err} (nothing written)"), ()
    return (Outcome(box.line, box.id, "added", load.display_path(made.path), made.path),
            made.notes)


def accept(papers_dir: Path, body: str, *, before: str | None = None, source: str = "issue",
           services: Services | None = None, today: dt.date | None = None) -> Accepted:
    """Act on every box newly ticked in ``body``: write the new records and the
    dismissals, and say what became of each box."""
    papers_dir = Path(papers_dir)
    ticked = newly_ticked(body, before, source)
    plist = check_dir(papers_dir)  # a broken list fails before any request
    dismissed = read_dismissed(papers_dir)
    today = today or dt.date.today()
    base = services or Services()
    settings = {f.name: getattr(base, f.name) for f in dataclasses.fields(Services)}
    settings["project_url"] = base.project_url or plist.info.repo
    shared = _SharedServices(**settings)
    conflicts = _conflicts(ticked)
    known = {e["id"]: e for e in dismissed}
    outcomes: list[Outcome] = []
    notes: list[str] = []
    new_entries: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str | None]] = set()
    try:
        for box in ticked:
            if box.key in seen:  # the same line twice: once is enough
                continue
            seen.add(box.key)
            if box.id in conflicts:
                outcomes.append(Outcome(box.line, box.id, "failed", f"{conflicts[box.id]} — "
                                        "untick them all and tick the one you mean"))
            elif box.action == "add":
                outcome, more = _add(box, papers_dir, shared, today)
                outcomes.append(outcome)
                notes.extend(f"{box.id}: {n}" for n in more)
            elif box.id in known:
                outcomes.append(Outcome(box.line, box.id, "skipped", "already dismissed on "
                                        f"{known[box.id].get('date', '?')}"))
            else:
                try:
                    title = _title(box.id, shared)
                except ServiceError as err:
                    title = None
                    notes.append(f"{box.id}: dismissed without its title: {err}")
                entry: dict[str, Any] = {"id": box.id}
                if title:
                    entry["title"] = title
                entry["date"] = today
                known[box.id] = entry
                new_entries.append(entry)
                outcomes.append(Outcome(box.line, box.id, "dismissed",
                                        load.display_path(papers_dir / DISMISSED_FILE)))
    finally:
        shared.close()
    if new_entries:
        _write_dismissed(papers_dir, [*dismissed, *new_entries])
    return Accepted(tuple(outcomes), tuple(notes))


# --- the CLI verb --------------------------------------------------------------------

def report(result: Accepted) -> str:
    """Markdown for the pull request and the issue comment: every line (titles included)
    sits inside a code block, so nothing a service sent can render."""
    lines = [o.text() for o in result.outcomes] + [f"note: {n}" for n in result.notes]
    return ("Boxes ticked in the inbox issue, as `site-builder inbox-accept` handled them. "
            "Please check each new record against its paper before merging.\n\n"
            + _fenced("\n".join(lines)) + "\n")


def accept_from_args(args: argparse.Namespace) -> Accepted:
    """Read the body (and ``--before``), accept, write ``--report`` when a box was
    handled."""
    if args.report:  # before any record is added
        outputs.refuse_foreign(args.report, args.papers, "inbox-accept", "report", "--report",
                               "accepted.md")
    source, body = read_body(args.body)
    before = read_body(args.before)[1] if args.before else None
    result = accept(args.papers, body, before=before, source=source,
                    services=services_from_args(args))
    if args.report and result.outcomes:  # an edit that ticks nothing gets no comment
        outputs.write(args.report, args.papers, report(result))
    return result
