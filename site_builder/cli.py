"""The ``site-builder`` command: argument parsing and the one error handler.

Each verb parses its options, calls one library function and prints its result.  Library
errors become exit codes here and nowhere else: 0 success, 1 invalid records or an
out-of-date file, 2 usage and file errors (one line naming the path and the fix), 70 an
unexpected error (a bug: the guard in :func:`main` asks for a report).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from . import __version__
from .errors import (
    InvalidRecords,
    Problem,
    SiteBuilderError,
    UsageError,
    counted,
    format_problems,
)

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any, TextIO

    from .commands.imports import ImportResult
    from .importers.history import ReadmeHistory
    from .model import PaperList
    from .quick import Stats

Handler = Callable[[argparse.Namespace], int]


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size`` gives it (``$COLUMNS``, else the
    terminal, else 80)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout; its width found without importing shutil, which argparse
    does for every parser it builds (start-up time of every run)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 for every usage error and a "did you mean" for verbs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if "invalid choice" in message and self._subparsers is not None:
            import difflib
            import re

            m = re.search(r"invalid choice: '([^']*)'", message)
            verbs = [a for act in self._subparsers._group_actions
                     for a in getattr(act, "choices", {}) or {}]
            close = difflib.get_close_matches(m.group(1), verbs, 1) if m else []
            if close:
                message += f" — did you mean '{close[0]}'?"
        raise UsageError(f"{self.prog}: {message}")


def _print_problems(problems: list[Problem], fmt: str, stream: object = None) -> None:
    if problems:
        print(format_problems(problems, fmt), file=stream or sys.stdout)  # type: ignore[arg-type]


def _print_stats(stats: Stats) -> None:
    """``--verbose``: what the run read and where its time went (on stderr)."""
    print(f"files read: {stats.files_read}, from cache: {stats.files_cached}",
          file=sys.stderr)
    for stage, seconds in stats.stages.items():
        print(f"  {stage}: {seconds:.3f} s", file=sys.stderr)


@contextmanager
def _reporting(args: argparse.Namespace) -> Iterator[Stats]:
    """The run's stats, printed at the end with ``--verbose`` (also when it fails)."""
    from .quick import Stats

    stats = Stats()
    try:
        yield stats
    finally:
        if args.verbose:
            _print_stats(stats)


def _check_list(args: argparse.Namespace, stats: Stats) -> PaperList:
    from .checking import check_dir

    return check_dir(args.papers, parallel=True, cache=not args.no_cache, stats=stats)


def _cmd_check(args: argparse.Namespace) -> int:
    from .commands.check import check

    only = None
    if args.changed_only:
        from .commands.changed import changed_files

        only = changed_files(args.papers, args.base)
    with _reporting(args) as stats:
        plist = check(args.papers, only, parallel=True, cache=not args.no_cache, stats=stats)
    notes = []
    if args.notes:  # pure Python, but it reads every abstract: only when asked
        from .similar import section_notes

        notes = section_notes(plist, only)
    _print_problems([*plist.warnings, *notes], args.format)
    if args.strict and plist.warnings:  # notes never fail a check
        return 1
    if args.format == "text":
        scope = f" ({counted(len(only), 'changed file')})" \
            if only is not None else ""
        print(f"ok: {counted(len(plist.entries), 'paper')} in "
              f"{counted(len(plist.paper_sections()), 'section')}"
              f"{scope}")
    elif args.format == "json" and not plist.warnings and not notes:
        print("[]")
    return 0


def _cmd_readme(args: argparse.Namespace) -> int:
    from .quick import up_to_date  # light: the records, Jinja2 and PyYAML only when needed

    out = _readme_path(args)
    with _reporting(args) as stats:
        warnings = None if args.no_cache or args.force else \
            up_to_date(args.papers, out, args.templates, check_only=args.check, stats=stats)
        changed = False
        if warnings is None:
            from .commands.readme import readme

            result = readme(args.papers, out, args.templates, check_only=args.check,
                            force=args.force, plist=_check_list(args, stats), stats=stats)
            warnings, changed = list(result.warnings), result.changed
    _print_problems(warnings, "text", sys.stderr)
    if args.check:
        print(f"{out} is up to date")
    else:
        print(f"{'wrote' if changed else 'unchanged'} {out}")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from .checking import check_dir
    from .commands.imports import import_file

    result = import_file(args.source, args.papers, force=args.force, history=args.history)
    if result.lost:
        print(f"{args.source}: error: {result.lost} paper entr"
              f"{'y is' if result.lost == 1 else 'ies are'} not in the list's format, so "
              f"nothing was written to {args.papers}/ — fix the lines below and import again",
              file=sys.stderr)
    else:
        print(f"imported {counted(result.papers, 'paper')} in "
              f"{counted(result.sections, 'section')} into "
              f"{args.papers}/ ({counted(len(result.written), 'file')})")
    if result.history is not None:
        _print_import_history(args.source, result, result.history)
    from .importers.readme import looks_like_entry, lost_entry_fix

    for line, text in result.skipped:
        if looks_like_entry(text):
            print(f"{args.source}:{line}: error: this paper entry is not in the list's format "
                  f"and was not imported: {text!r} — {lost_entry_fix(text)}",
                  file=sys.stderr)
        else:
            print(f"{args.source}:{line}: warning: not imported: {text!r} — the list's format "
                  "has no place for it; add it to the records by hand if it matters",
                  file=sys.stderr)
    if result.lost:
        return 1
    try:
        plist = check_dir(args.papers, parallel=True)
    except InvalidRecords as err:
        print("the imported records need a person's eye:", file=sys.stderr)
        _print_problems(err.problems, "text", sys.stderr)
        return 1
    _print_problems(list(plist.warnings), "text", sys.stderr)
    return 0


def _print_import_history(source: Path, result: ImportResult, history: ReadmeHistory) -> None:
    """``import --history``: how many papers got a date, and which did not (on stderr)."""
    dated = result.papers - len(result.undated) - len(result.future)
    print(f"dated {dated} of {counted(result.papers, 'paper')} from "
          f"{counted(history.versions, 'committed version')} of "
          f"{source}", file=sys.stderr)
    for commit in history.unparsable:
        print(f"{source}: warning: the version of commit {commit.sha[:10]} ({commit.day}) "
              "could not be read and was skipped — its entries are dated by the next "
              "version that holds them", file=sys.stderr)
    for paper in result.undated:
        print(f"{source}: warning: no committed version holds {paper.title!r} — it was "
              "left without 'added'; commit the README and import again, or add the date "
              "by hand", file=sys.stderr)
    for paper, day in result.future:
        print(f"{source}: warning: the history dates {paper.title!r} {day}, in the future (a "
              "commit's date is its committer's clock) — it was left without 'added'; add "
              "the date by hand", file=sys.stderr)


def _cmd_dates(args: argparse.Namespace) -> int:
    from .commands.dates import fill_dates
    from .load import display_path

    result = fill_dates(args.papers, dry_run=args.dry_run, bulk=args.bulk)
    verb = "would add" if args.dry_run else "added"
    for path, day in result.dated:
        print(f"{display_path(path)}: {verb} added: {day}")
    for item in result.undated:
        print(f"{display_path(item.path)}: not dated: {item.reason}", file=sys.stderr)
    for hint in result.hints:
        print(f"note: {hint}", file=sys.stderr)
    print(f"{counted(len(result.dated), 'record')} "
          f"{'to date' if args.dry_run else 'dated'}, {len(result.undated)} left undated, "
          f"{result.kept} already dated", file=sys.stderr)
    return 0


def _non_negative(value: str) -> int:
    """A count option: a whole number, 0 or more."""
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number (0 or more)")
    return int(value)


def _add_dates(sub: argparse._SubParsersAction) -> None:
    from .commands.dates import BULK

    p = sub.add_parser("dates", help="fill missing 'added' dates from the records' git "
                       "history", description="Give each record without 'added' the day "
                       "(UTC, committer date) of the commit that first added its file. "
                       "Existing dates are never changed; records that came in with a bulk "
                       "import, or are not committed, are left undated and reported.")
    _common(p)
    p.add_argument("--dry-run", action="store_true",
                   help="write nothing; print the dates that would be added")
    p.add_argument("--bulk", type=_non_negative, default=BULK, metavar="N",
                   help="a commit that added more than N record files is a bulk import: "
                   f"its date is not when those papers joined the list (default: {BULK})")
    p.set_defaults(func=_cmd_dates)


def _cmd_site(args: argparse.Namespace) -> int:
    from .commands.site import site

    with _reporting(args) as stats:
        plist = _check_list(args, stats)
        with stats.stage("site"):
            result = site(args.papers, args.site_dir, args.templates, offline=args.offline,
                          plist=plist, cache=not args.no_cache)
    _print_problems(list(result.plist.warnings), "text", sys.stderr)
    print(f"built {args.site_dir}/ ({counted(len(result.plist.entries), 'paper')}, "
          f"{counted(result.pages, 'page')})")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from .commands.export import export_list

    result = export_list(args.papers, args.format, args.output, site_url=args.site_url,
                         force=args.force)
    _print_problems(list(result.plist.warnings), "text", sys.stderr)
    if result.path is None:
        sys.stdout.write(result.text)
    else:
        print(f"{'wrote' if result.changed else 'unchanged'} {result.path}", file=sys.stderr)
    return 0


def _add_export(sub: argparse._SubParsersAction) -> None:
    from .exporters import FORMATS

    p = sub.add_parser("export", help="write the list as BibTeX, RIS, CSV, JSON or Atom",
                       description="Export every paper (newest first) in one format; the "
                       "site serves the same files. Venues come from the bundled table "
                       "plus papers/_venues.yaml.")
    _common(p)
    p.add_argument("--format", required=True, choices=tuple(FORMATS),
                   help="bibtex, ris, csv, json, or atom (the newest additions by 'added')")
    p.add_argument("-o", "--output", type=_output_path, metavar="FILE",
                   help="file to write (default: standard output); an existing file is "
                   "replaced only if an export wrote it")
    p.add_argument("--force", action="store_true",
                   help="replace FILE even if site-builder export did not write it")
    p.add_argument("--site-url", metavar="URL",
                   help="the site's address, for the feed's links (default: the repository)")
    p.set_defaults(func=_cmd_export)


def _cmd_build(args: argparse.Namespace) -> int:
    from .commands.readme import check_output, readme
    from .commands.site import build_lock, check_site_dir, site
    from .fsio import check_outside

    out = _readme_path(args)
    check_outside(out, args.papers)  # every refusal before anything is written
    check_site_dir(args.papers, args.site_dir)
    if not args.force:
        check_output(out)
    with build_lock(args.site_dir), _reporting(args) as stats:  # one build at a time
        plist = _check_list(args, stats)  # once, for both outputs
        result = readme(args.papers, out, args.templates, plist=plist, force=args.force,
                        stats=stats)
        _print_problems(list(result.warnings), "text", sys.stderr)
        print(f"{'wrote' if result.changed else 'unchanged'} {out}")
        with stats.stage("site"):
            built = site(args.papers, args.site_dir, args.templates, offline=args.offline,
                         plist=plist)
    print(f"built {args.site_dir}/ ({counted(len(built.plist.entries), 'paper')}, "
          f"{counted(built.pages, 'page')})")
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    import logging

    from .commands.serve import serve

    handler = logging.StreamHandler(sys.stderr)  # MkDocs' "Serving on ..." and rebuilds
    handler.setFormatter(logging.Formatter("%(levelname)-7s -  %(message)s"))
    mkdocs_log = logging.getLogger("mkdocs")
    mkdocs_log.addHandler(handler)
    mkdocs_log.setLevel(logging.INFO)

    def report(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    serve(args.papers, args.templates, args.config_file, host=args.host, port=args.port,
          report=report)
    return 0


def _port(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number (1 to 65535)")
    return int(value)


LOCAL_HOST = "127.0.0.1"  # a preview shows drafts: this machine only, unless asked


def _add_serve(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="preview the website, rebuilt and reloaded on every save",
                       description="Build the website and serve it on this machine; open "
                       "pages reload by themselves when a record, the list file, a template, "
                       "mkdocs.yml or CONTRIBUTING.md changes. A broken record shows its "
                       "problems in the page and here, and the preview recovers once it is "
                       "fixed. Ctrl-C stops it.")
    _common(p)
    _templates_option(p)
    p.add_argument("--port", type=_port, default=8000, help="port to serve on (default: 8000)")
    p.add_argument("--host", default=LOCAL_HOST, metavar="ADDRESS",
                   help=f"address to serve on (default: {LOCAL_HOST}, this machine only; "
                   "another address shows the drafts to the network)")
    p.add_argument("--config-file", type=Path, metavar="FILE",
                   help="MkDocs configuration (default: mkdocs.yml if there is one, else "
                   "the bundled one)")
    p.set_defaults(func=_cmd_serve)


# --- owned by the contributor-workflow work: `new` and `from-issue` -------------------

def _readme_path(args: argparse.Namespace) -> Path:
    """-o FILE, or README.md beside the papers folder: the README belongs to that list,
    wherever the command is run from."""
    return args.output or args.papers.parent / "README.md"


def _output_path(value: str) -> Path:
    """An output path option; '' would silently mean the working folder."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path — give a file or folder name")
    return Path(value)


def _readme_options(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("-o", "--output", type=_output_path, default=None, metavar="FILE",
                   help=f"{what} (default: README.md beside the papers folder, i.e. "
                   "README.md for --papers papers); an existing file is replaced only if "
                   "site-builder generated it")
    p.add_argument("--force", action="store_true",
                   help="replace FILE even if site-builder did not generate it")


def _cmd_new(args: argparse.Namespace) -> int:
    from .commands.new import Prompter, new_from_args

    ask = Prompter(input, print) if sys.stdin.isatty() else None
    result = new_from_args(args, ask)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    print(result.path)
    return 0


def _cmd_from_issue(args: argparse.Namespace) -> int:
    from .commands.from_issue import from_issue_args
    from .load import display_path

    result = from_issue_args(args)
    _print_problems(list(result.warnings), "text", sys.stderr)
    if args.dry_run:
        print(result.yaml, end="")
    else:
        print(display_path(result.path))
    return 0


def _metadata_services(p: argparse.ArgumentParser) -> None:
    """Where ``new`` and ``inbox-accept`` look papers up (both through new's scaffold)."""
    g = p.add_argument_group("services")
    g.add_argument("--arxiv-api", metavar="URL", help="arXiv API (env SITE_BUILDER_ARXIV_API;"
                   " default https://export.arxiv.org/api/query)")
    g.add_argument("--crossref-api", metavar="URL", help="Crossref API (env "
                   "SITE_BUILDER_CROSSREF_API; default https://api.crossref.org)")
    g.add_argument("--mailto", metavar="EMAIL", help="contact sent in the User-Agent (env "
                   "SITE_BUILDER_MAILTO)")


def _add_new(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="scaffold a paper record from arXiv, a DOI or by hand",
                       description="Write one new, valid record into the papers folder and "
                       "print its path. Options win over fetched metadata; on a terminal, "
                       "missing fields are asked for.")
    _common(p)
    g = p.add_argument_group("find the paper")
    g.add_argument("--arxiv", metavar="ID", help="arXiv id or link (2403.09303, "
                   "hep-th/9901001, https://arxiv.org/abs/2403.09303v2)")
    g.add_argument("--doi", metavar="DOI", help="DOI or https://doi.org/ link")
    g.add_argument("--url", metavar="URL", help="a link to the paper; an arXiv id or DOI in "
                   "it is looked up, any other link becomes the paper's url")
    g.add_argument("--no-fetch", action="store_true",
                   help="ask no service; every field comes from options or prompts")
    g = p.add_argument_group("fields (override fetched metadata)")
    g.add_argument("--category", metavar="ID", help="section id from _list.yaml")
    g.add_argument("--title", help="title as published")
    g.add_argument("--authors", metavar='"FAMILY, GIVEN; ..."',
                   help="authors in order, separated by ';'")
    g.add_argument("--venue", help="short venue name (CVPR, MICCAI, MedIA, arXiv...)")
    g.add_argument("--year", metavar="YYYY", help="year of publication")
    g.add_argument("--venue-note", metavar="TEXT",
                   help="words the list writes after the year (Oral, Highlight, Best Paper)")
    g.add_argument("--paper-url", metavar="URL", help="link to the paper")
    g.add_argument("--code", metavar="URL", help="link to the official code")
    g.add_argument("--abstract", metavar="TEXT", help="the abstract, as plain text")
    g.add_argument("--mark", metavar="ID", action="append",
                   help="a mark the paper carries, from marks: in _list.yaml (repeatable)")
    _metadata_services(p)
    p.set_defaults(func=_cmd_new)


def _add_from_issue(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("from-issue", help="turn an 'Add a paper' issue form into a record")
    p.add_argument("file", metavar="FILE", help="the issue body as GitHub renders the form "
                   "('-' reads standard input)")
    _common(p)
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="also write a Markdown comment for the issue (the record, or what "
                   "to fix) to FILE")
    p.add_argument("--dry-run", action="store_true",
                   help="print the record instead of writing it")
    p.set_defaults(func=_cmd_from_issue)


# --- owned by the inbox work: `inbox-accept` ------------------------------------------

def _cmd_inbox_accept(args: argparse.Namespace) -> int:
    from .commands.inbox_accept import accept_from_args

    result = accept_from_args(args)
    for outcome in result.outcomes:
        if outcome.status == "failed":
            print(f"error: {outcome.id}: {outcome.message}", file=sys.stderr)
        else:
            print(outcome.text())
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if not result.outcomes:
        print("no newly ticked box: nothing to do")
    return 1 if result.having("failed") else 0


def _add_inbox_accept(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inbox-accept", help="turn the boxes ticked in the inbox issue into "
                       "records and dismissals",
                       description="Read the weekly inbox issue's body: each ticked 'Add to' "
                       "box becomes a record (as 'site-builder new --arxiv ID --category "
                       "SECTION' makes it), each ticked 'Dismiss' box an entry of "
                       "DIR/_inbox.yaml. Papers already listed or dismissed are skipped.")
    p.add_argument("--body", required=True, metavar="FILE",
                   help="the issue body ('-' reads standard input)")
    p.add_argument("--before", metavar="FILE",
                   help="the body before the edit: boxes already ticked there are left alone")
    _common(p)
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="also write a Markdown summary (for the pull request) to FILE")
    _metadata_services(p)
    p.set_defaults(func=_cmd_inbox_accept)


# --- owned by the link-health work: `links` and `enrich` -------------------------------

LINKS_STATE = Path(".site-builder") / "links.json"


class LinkProgress:
    """A one-line counter on a terminal; plain lines (every tenth) elsewhere, as in CI."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.tty:
            end = "\n" if done == total else ""
            self.stream.write(f"\rchecking links: {done}/{total}{end}")
            self.stream.flush()
            return
        step = max(1, total // 10)
        if done == total or done - self.shown >= step:
            self.shown = done
            print(f"checked {done}/{total} links", file=self.stream)


def _cmd_links(args: argparse.Namespace) -> int:
    from .commands.links import run_links

    result = run_links(args, LinkProgress(sys.stderr))
    if result.path is None:
        sys.stdout.write(result.text)
    for where, old, new in result.fixed:
        print(f"{where.path}:{where.line}: {where.field}: fixed: {old} → {new}",
              file=sys.stderr)
    for where, old in result.not_fixed:
        print(f"{where.path}:{where.line}: {where.field}: not fixed: {old} is not written "
              "on that line as a plain value — edit it by hand", file=sys.stderr)
    dead = result.dead
    if dead:
        print(f"{counted(len(dead), 'dead link')} (broken on "
              f"{args.dead_after} or more days) — fix or remove them", file=sys.stderr)
        return 1
    return 0


def _cmd_enrich(args: argparse.Namespace) -> int:
    from .commands.enrich import run_enrich

    result = run_enrich(args)
    outcome = result.outcome
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    for proposal, added in result.added:
        if added:
            print(f"{proposal.path}: {proposal.field}: added {proposal.value}", file=sys.stderr)
        elif added is not None:
            print(f"{proposal.path}: {proposal.field}: not added — the record has no plain "
                  f"'url:' line to add it after; add '{proposal.field}: \"{proposal.value}\"' "
                  "by hand", file=sys.stderr)
        else:
            print(f"{proposal.path}: {proposal.field}: missing; its link says "
                  f"{proposal.value} — run 'site-builder enrich --fix' to add it",
                  file=sys.stderr)
    kept = f"; {outcome.failed} lookups failed, previous figures kept" if outcome.failed else ""
    print(f"wrote {result.path} ({outcome.repos} repositories, {outcome.papers} citation "
          f"counts{kept})")
    return 0


def _add_links(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("links", help="check every link of the list (exit 1 for dead links)",
                       description="Check every paper, code, figure and list-file link: "
                       "ok, moved, broken, blocked, rate-limited or transient. A broken link "
                       "is dead, and fails the run, once it failed on --dead-after different "
                       "days.")
    _common(p)
    p.add_argument("--format", choices=("text", "json", "markdown"), default="text",
                   help="text for people, json for tools, markdown for an issue")
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--fix", action="store_true",
                   help="rewrite moved links in the records (only the line that holds them)")
    p.add_argument("--changed-only", action="store_true",
                   help="check only links of records changed since --base")
    p.add_argument("--base", default="origin/main", metavar="REF",
                   help="git ref for --changed-only (default: origin/main)")
    p.add_argument("--state", type=Path, default=LINKS_STATE, metavar="FILE",
                   help=f"cache and failure history (default: {LINKS_STATE})")
    p.add_argument("--no-state", action="store_true", help="neither read nor write the state")
    p.add_argument("--max-age", type=float, default=7.0, metavar="DAYS",
                   help="ask again about a good link after DAYS (default: 7)")
    p.add_argument("--dead-after", type=int, default=3, metavar="N",
                   help="a broken link is dead after failing on N different days "
                   "(default: 3; 1 fails at once, as pull requests do)")
    p.add_argument("--workers", type=int, default=16, metavar="N",
                   help="links checked at once (default: 16)")
    p.add_argument("--per-host", type=int, default=4, metavar="N",
                   help="requests at once to one host (default: 4)")
    p.add_argument("--interval", type=float, default=0.05, metavar="SECONDS",
                   help="least time between two requests to one host (default: 0.05)")
    p.add_argument("--deadline", type=float, default=30.0, metavar="SECONDS",
                   help="network time per link, retries included (default: 30)")
    p.add_argument("--blocked-hosts", type=Path, metavar="FILE",
                   help="YAML mapping of hosts that refuse scripts to the reason "
                   "(default: the bundled list)")
    p.add_argument("--github-api", metavar="URL", help="GitHub API (env "
                   "SITE_BUILDER_GITHUB_API; default https://api.github.com); the token "
                   "comes from GITHUB_TOKEN")
    p.add_argument("--allow-private-addresses", action="store_true",
                   help="allow loopback and private addresses (for tests against local "
                   "servers only; never on untrusted links)")
    _templates_option(p)
    p.set_defaults(func=_cmd_links)


def _cmd_inbox(args: argparse.Namespace) -> int:
    from .commands.inbox import run_inbox

    result = run_inbox(args)
    for warning in result.report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if result.path is None:
        sys.stdout.write(result.text)
    else:
        report = result.report
        print(f"wrote {result.path} ({len(report.candidates)} candidates, {report.new} new)",
              file=sys.stderr)
    return 0


def _add_inbox(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("inbox", help="propose recent papers on the list's topic (a Markdown "
                       "report)",
                       description="Search arXiv (and Semantic Scholar) with the queries of "
                       "the inbox: block of _list.yaml; leave out papers already listed or "
                       "dismissed (DIR/_inbox.yaml); rank the rest by similarity to the list "
                       "and suggest a section for each.")
    _common(p)
    p.add_argument("-o", "--output", type=Path, metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--max", type=int, metavar="N",
                   help="most candidates per run (default: the list's max_results)")
    p.add_argument("--no-semantic-scholar", action="store_true",
                   help="ask arXiv only")
    p.add_argument("--deadline", type=float, default=300.0, metavar="SECONDS",
                   help="time for all the searches together (default: 300)")
    p.add_argument("--date", metavar="YYYY-MM-DD",
                   help="the report's date, and the end of the look-back window "
                   "(default: today)")
    p.add_argument("--no-remember", action="store_true",
                   help="do not record the candidates shown as seen")
    g = p.add_argument_group("services")
    g.add_argument("--arxiv-api", metavar="URL", help="arXiv API (env "
                   "SITE_BUILDER_ARXIV_API; default https://export.arxiv.org/api/query)")
    g.add_argument("--semanticscholar-api", metavar="URL", help="Semantic Scholar API (env "
                   "SITE_BUILDER_SEMANTICSCHOLAR_API; default "
                   "https://api.semanticscholar.org/graph/v1); key from "
                   "SEMANTIC_SCHOLAR_API_KEY")
    _templates_option(p)
    p.set_defaults(func=_cmd_inbox)


def _add_enrich(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrich", help="refresh GitHub stars and citation counts "
                       "(papers/_metrics.json)",
                       description="Ask GitHub about every code repository and OpenAlex "
                       "(then Semantic Scholar) about every paper with a DOI or arXiv id; "
                       "write the figures with their dates to the metrics file.")
    _common(p)
    p.add_argument("--metrics", type=Path, metavar="FILE",
                   help="the data file (default: DIR/_metrics.json)")
    p.add_argument("--fix", action="store_true",
                   help="add the DOI or arXiv id found in a paper's link to its record")
    g = p.add_argument_group("services")
    g.add_argument("--github-api", metavar="URL", help="GitHub API (env "
                   "SITE_BUILDER_GITHUB_API; default https://api.github.com); token from "
                   "GITHUB_TOKEN")
    g.add_argument("--openalex-api", metavar="URL", help="OpenAlex API (env "
                   "SITE_BUILDER_OPENALEX_API; default https://api.openalex.org); key from "
                   "OPENALEX_API_KEY")
    g.add_argument("--semanticscholar-api", metavar="URL", help="Semantic Scholar API (env "
                   "SITE_BUILDER_SEMANTICSCHOLAR_API; default "
                   "https://api.semanticscholar.org/graph/v1); key from "
                   "SEMANTIC_SCHOLAR_API_KEY")
    g.add_argument("--mailto", metavar="EMAIL", help="contact sent to the services (env "
                   "SITE_BUILDER_MAILTO)")
    p.set_defaults(func=_cmd_enrich)


# --- owned by the figures work: `figures` ---------------------------------------------

def _cmd_figures(args: argparse.Namespace) -> int:
    from .commands.figures import as_json, run_figures

    report = run_figures(args)
    _print_problems(report.problems(), "text", sys.stderr)
    if args.json:
        sys.stdout.write(as_json(report))
        return 0
    counts = report.counts()
    print(f"figures: {counts['fetched']} fetched, {counts['unchanged']} unchanged, "
          f"{counts['cached']} from the cache, {counts['refused']} refused, "
          f"{counts['failed']} failed ({report.folder})")
    return 0


def _add_figures(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("figures", help="fetch the papers' figures into the figure cache "
                       "(the site then serves its own copies)",
                       description="Fetch each paper's figure once (PNG, JPEG, GIF or WebP, "
                       "within a size cap), re-encode it as a WebP thumbnail and full-width "
                       "copy, and keep both in the figure cache, which 'site-builder site' "
                       "reads. Fresh entries are not asked again. Refusals are warnings; the "
                       "exit code is 0.")
    _common(p)
    p.add_argument("--cache", type=_output_path, metavar="DIR",
                   help="the figure cache (env SITE_BUILDER_FIGURE_CACHE; default: figures/ "
                   "in the tool's cache folder, which the site build reads)")
    p.add_argument("--refresh", action="store_true",
                   help="ask about every figure again, fresh or not")
    p.add_argument("--max-age", type=float, default=30.0, metavar="DAYS",
                   help="ask again about a figure fetched DAYS ago (default: 30)")
    p.add_argument("--max-size", type=float, default=10.0, metavar="MB",
                   help="largest figure fetched (default: 10)")
    p.add_argument("--deadline", type=float, default=60.0, metavar="SECONDS",
                   help="network time per figure, retries included (default: 60)")
    p.add_argument("--per-host", type=int, default=2, metavar="N",
                   help="requests at once to one host, 1 or 2 (default: 2)")
    p.add_argument("--json", action="store_true",
                   help="print every paper's outcome as JSON instead of the summary")
    p.add_argument("--allow-private-addresses", action="store_true",
                   help="allow loopback and private addresses (for tests against local "
                   "servers only; never on untrusted links)")
    p.set_defaults(func=_cmd_figures)


# ---------------------------------------------------------------------------------------

def _cmd_schema(args: argparse.Namespace) -> int:
    from .schema import write_schemas

    for path in write_schemas(args.output):
        print(f"wrote {path}")
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                   help="folder of paper records (default: papers)")


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true",
                   help="read and check every file (and, for site, find related papers "
                   "again), neither using nor updating the cache (CI's cold runs)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print files read, files from the cache and the time of each stage "
                   "(on standard error)")


def _templates_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--templates", type=Path, default=Path("templates"), metavar="DIR",
                   help="templates that override the bundled ones (default: templates)")


def _site_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-d", "--site-dir", type=_output_path, default=Path("site"),
                   metavar="SITE_DIR", help="folder for the built website (default: site); "
                   "it is replaced whole, so it must be empty, new or a site built before")
    p.add_argument("--offline", action="store_true",
                   help="build a site that also works opened from the file system "
                   "(pages end in .html; search works without a server)")
    _templates_option(p)


def _add_check(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("check", help="validate every record and report all problems")
    _common(p)
    p.add_argument("--format", choices=("text", "github", "json"), default="text",
                   help="text for people, github for PR annotations, json for tools")
    p.add_argument("--strict", action="store_true", help="fail on warnings too")
    p.add_argument("--notes", action="store_true",
                   help="also note papers whose abstract reads far closer to another section "
                   "than to their own (a hint, never an error; see 'site-builder new')")
    p.add_argument("--changed-only", action="store_true",
                   help="check only records changed since --base (plus duplicate checks)")
    p.add_argument("--base", default="origin/main", metavar="REF",
                   help="git ref to compare against with --changed-only (default: "
                   "origin/main)")
    _run_options(p)
    p.set_defaults(func=_cmd_check)


def _add_readme(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("readme", help="render README.md from the records")
    _common(p)
    _readme_options(p, "file to write")
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if FILE differs from the rendered README")
    _templates_option(p)
    _run_options(p)
    p.set_defaults(func=_cmd_readme)


def _add_import(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="turn a README in the list's format into records")
    p.add_argument("source", type=Path, metavar="SOURCE.md", help="the README to import")
    _common(p)
    p.add_argument("--force", action="store_true", help="overwrite an existing list")
    p.add_argument("--history", action="store_true",
                   help="give each paper 'added': the day (UTC, committer date) its entry "
                   "first appeared in SOURCE's git history")
    p.set_defaults(func=_cmd_import)


def _add_site(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("site", help="build the website into SITE_DIR")
    _common(p)
    _site_options(p)
    _run_options(p)
    p.set_defaults(func=_cmd_site)


def _add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("build", help="render README.md and build the website (the main job)")
    _common(p)
    _readme_options(p, "README to write")
    _site_options(p)
    _run_options(p)
    p.set_defaults(func=_cmd_build)


def _add_schema(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("schema", help="write the JSON Schemas of the record files")
    p.add_argument("-o", "--output", type=_output_path, default=Path("schema"), metavar="DIR",
                   help="folder to write into (default: schema)")
    p.set_defaults(func=_cmd_schema)


# Every verb and what adds its parser, in the order ``--help`` lists them.
VERBS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "check": _add_check, "readme": _add_readme, "import": _add_import, "site": _add_site,
    "build": _add_build, "new": _add_new, "from-issue": _add_from_issue,
    "export": _add_export, "links": _add_links, "enrich": _add_enrich, "dates": _add_dates,
    "figures": _add_figures, "inbox": _add_inbox, "inbox-accept": _add_inbox_accept,
    "serve": _add_serve, "schema": _add_schema,
}


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command's parser; with ``verb``, only that verb's parser is added under it
    (what a run of that verb needs: the others' options, and their imports, cost start-up
    time), else every verb's (``--help``, a misspelt verb)."""
    parser = _Parser(prog="site-builder", description="Validate a paper list kept as one "
                     "YAML file per paper, and render its README and website.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, add in VERBS.items():
        if verb is None or name == verb:
            add(sub)
    return parser


def _verb(argv: Sequence[str]) -> str | None:
    """The verb ``argv`` runs, when it is plainly one (the options before a verb take no
    value); None when the whole parser is needed: no verb, a misspelt one, or --help."""
    for arg in argv:
        if arg in ("-h", "--help", "--version", "--"):
            return None
        if not arg.startswith("-"):
            return arg if arg in VERBS else None
    return None


def run() -> None:
    """``python -m site_builder`` and the console script: run the CLI and exit with its
    code.  The exit handlers run and the output is flushed, then the process ends without
    the interpreter freeing every object one by one (a tenth of a second at 10,000
    papers, for memory the system takes back anyway).  Under a profiler or a coverage
    tracer, which report on the way out, it exits the usual way."""
    import atexit

    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError, ValueError):  # a closed pipe: nothing more to say
            stream.flush()
    os._exit(code)


BUG_EXIT = 70  # sysexits' EX_SOFTWARE: an error the tool did not foresee


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script passes it to sys.exit).

    This is the one guard: an I/O error that escaped becomes a one-line error (exit 2),
    anything else a short request for a bug report (exit 70), with the traceback only
    under --debug."""
    for stream in (sys.stdout, sys.stderr):  # a file name that is not UTF-8 still prints
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace")
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return _run(args)
    except BrokenPipeError:  # `site-builder check | head`: the reader left; say no more
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as err:
        from .fsio import file_error

        print(f"error: {file_error(err.filename or '?', err, 'failed')}", file=sys.stderr)
        return 2
    except Exception as err:
        if "--debug" in args:
            import traceback

            traceback.print_exc()
        else:
            print(f"error: unexpected {type(err).__name__}: {err}", file=sys.stderr)
        print("This is a bug in site-builder. Please report it with the command you ran "
              "and the output of the same command with --debug (site-builder --debug "
              "COMMAND ...).", file=sys.stderr)
        return BUG_EXIT


def _run(argv: Sequence[str]) -> int:
    parser = build_parser(_verb(argv))
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args))
    except InvalidRecords as err:
        fmt = getattr(args, "format", "text")
        _print_problems(err.problems, fmt, sys.stdout if args.command == "check"
                        else sys.stderr)
        return 1
    except SiteBuilderError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        return 130
