"""``site-builder inbox``: search for candidate papers and return the Markdown report.

Options and environment become :class:`~site_builder.inbox.Settings` (service addresses
are overridable so tests and mirrors can stand in for the real services).  The command
prints nothing: ``cli.py`` prints the report (or writes it to ``--output``) and shows the
warnings on stderr; a service that failed is a warning, not a failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from .. import inbox, outputs
from ..checking import check_dir
from ..errors import UsageError
from ..fsio import check_outside
from ..services import arxiv, semanticscholar


@dataclass(frozen=True)
class InboxResult:
    """The report and its text (``path`` when it was written to a file instead)."""

    report: inbox.InboxReport
    text: str
    path: Path | None = None


def _setting(option: str | None, env: str, default: str) -> str:
    return option or os.environ.get(env) or default


def settings_from(args: argparse.Namespace) -> inbox.Settings:
    from ..services.http import user_agent

    if args.max is not None and args.max < 1:
        raise UsageError("--max must be at least 1 — e.g. --max 50")
    if args.deadline <= 0:
        raise UsageError("--deadline must be more than 0 seconds — e.g. --deadline 300")
    return inbox.Settings(
        arxiv_api=_setting(args.arxiv_api, "SITE_BUILDER_ARXIV_API", arxiv.DEFAULT_API),
        semanticscholar_api=_setting(args.semanticscholar_api,
                                     "SITE_BUILDER_SEMANTICSCHOLAR_API",
                                     semanticscholar.DEFAULT_API),
        semanticscholar_key=os.environ.get("SEMANTIC_SCHOLAR_API_KEY") or None,
        semantic_scholar=not args.no_semantic_scholar,
        agent=user_agent(os.environ.get("SITE_BUILDER_MAILTO")),
        deadline=args.deadline, max_results=args.max)


def _date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date {text!r} is not a date — write it as YYYY-MM-DD") from None


def run_inbox(args: argparse.Namespace) -> InboxResult:
    """Check the list, search, rank, render; write the report to ``--output`` if given."""
    if args.output:
        check_outside(args.output, args.papers)  # before any search
        outputs.refuse_foreign(args.output, args.papers, "inbox", "report", "-o", "inbox.md")
    plist = check_dir(args.papers)
    settings = settings_from(args)
    report = inbox.run(args.papers, plist, settings, _date(args.date),
                       remember=not args.no_remember)
    text = inbox.as_markdown(report, args.templates)
    if args.output:
        outputs.write(args.output, args.papers, text)
    return InboxResult(report, text, args.output)
