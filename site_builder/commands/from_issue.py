"""``site-builder from-issue``: an "Add a paper" issue body → a new record file.

The issue is checked like any record (fields, category) and against the list (same DOI,
arXiv id or title as a listed paper is refused, naming that file).  The record is written
atomically to ``papers/<stem>.yaml``.  ``--report`` writes a Markdown comment for the issue
in which everything the contributor typed sits inside a code block, so it stays inert.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import replace
from pathlib import Path

from .. import load, outputs
from ..add import Added, AlreadyListed, NotValid, add_record
from ..checking import check_dir
from ..errors import InvalidRecords, Problem, SiteBuilderError, UsageError, format_problems
from ..importers.issue_form import form_problem, parse_issue
from ..model import PaperList

MAX_BODY = 256 * 1024
DUPLICATE_FIX = "to correct the listed one, open a 'Fix a paper' issue instead"


class ListBroken(SiteBuilderError):
    """The list itself does not pass ``check``: not the contributor's problem to fix."""


def read_list(papers_dir: Path) -> PaperList:
    """The list the issue's paper joins; its own problems are the maintainers' to fix."""
    try:
        return check_dir(papers_dir)
    except InvalidRecords as err:
        raise ListBroken(f"the list in {papers_dir} has problems ({err}) — run "
                         "'site-builder check' and fix them first") from err


def from_issue(body: str, papers_dir: Path, source: str = "issue", *, write: bool = True,
               today: dt.date | None = None, plist: PaperList | None = None) -> Added:
    """Check the issue's paper against the list (``plist``, read from ``papers_dir`` if not
    given) and write its record (unless ``write`` is false) with :func:`add_record`; raises
    InvalidRecords with form-field problems."""
    plist = plist or read_list(papers_dir)
    paper = parse_issue(body, [s.id for s in plist.paper_sections() if s.id], source,
                        plist.info)
    paper = replace(paper, added=today or dt.date.today())
    try:
        added = add_record(papers_dir, paper, plist, write=write)
    except AlreadyListed as err:
        raise InvalidRecords([_for_form(p, source) for p in err.problems]) from None
    except NotValid as err:  # parse_issue checked the same record: only a bug gets here
        raise InvalidRecords([form_problem(p, source) for p in err.problems]) from None
    return replace(added, warnings=tuple(_for_form(p, source) for p in added.warnings))


def _for_form(p: Problem, source: str) -> Problem:
    return form_problem(p, source, DUPLICATE_FIX if p.severity == "error" else None)


def _fenced(text: str, info: str = "") -> str:
    """A code block no content can close: the fence is longer than any backtick run."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def report(problems: list[Problem], result: Added | None,
           error: SiteBuilderError | None = None, suggestion: str = "") -> str:
    """The Markdown comment for the issue: the record, what to fix, or (``error``) that a
    maintainer must look; ``suggestion`` is the section the abstract suggests
    (:meth:`site_builder.similar.Suggestion.describe`: section ids and scores only)."""
    if error is not None:
        return ("The form could not be processed; a maintainer will have a look.\n\n"
                + _fenced(str(error)) + "\n")
    if result is None:
        return ("The form could not be turned into a record. Please edit the issue to fix "
                "the fields below; the check runs again on every edit.\n\n"
                + _fenced(format_problems(problems, "text")) + "\n")
    parts = [f"Thank you! This is the record `{load.display_path(result.path)}`; a "
             "maintainer will review it in a pull request.", _fenced(result.yaml, "yaml")]
    if suggestion:  # section ids (checked slugs) and scores: nothing to escape
        parts.append(f"Suggested section: {suggestion} — from the title and abstract; the "
                     f"record keeps the form's choice, `{result.paper.category}`.")
    if problems:
        parts += ["Please check:", _fenced(format_problems(problems, "text"))]
    return "\n\n".join(parts) + "\n"


def read_body(name: str) -> tuple[str, str]:
    """(source name for messages, text) of FILE or '-' (stdin)."""
    try:
        if name == "-":
            raw = sys.stdin.buffer.read(MAX_BODY + 1)
        else:
            with open(name, "rb") as fh:
                raw = fh.read(MAX_BODY + 1)
    except OSError as err:
        raise UsageError(f"{name}: {err.strerror}") from err
    if len(raw) > MAX_BODY:
        raise UsageError(f"{name}: over {MAX_BODY:,} bytes — not an issue body")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UsageError(f"{name}: not UTF-8 ({err.reason})") from err
    return ("issue" if name == "-" else name), text


def from_issue_args(args: argparse.Namespace) -> Added:
    """The verb's work: read the body, add the record, write the ``--report`` comment
    (also when the form is refused).  ``cli.py`` prints the result."""
    if args.report:  # before the record is added: a refusal then would lose the comment
        outputs.refuse_foreign(args.report, args.papers, "from-issue", "report", "--report",
                               "report.md")
    try:
        source, body = read_body(args.file)
        plist = read_list(args.papers)
        result = from_issue(body, args.papers, source, write=not args.dry_run, plist=plist)
    except InvalidRecords as err:
        if args.report:
            outputs.write(args.report, args.papers, report(err.problems, None))
        raise
    except SiteBuilderError as err:
        if args.report:
            outputs.write(args.report, args.papers, report([], None, err))
        raise
    if args.report:
        from ..similar import suggest_section

        suggestion = suggest_section(plist, result.paper).describe()
        outputs.write(args.report, args.papers,
                      report(list(result.warnings), result, suggestion=suggestion))
    return result
