"""``site-builder links``: check every link of the list and report (exit 1 for dead links).

Options become :class:`~site_builder.links.Settings`; the state file (cache and failure
history) lives outside the records, by default in ``.site-builder/links.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import TextIO

from .. import links
from ..checking import check_dir
from ..errors import UsageError
from ..fsio import write_atomic

DEFAULT_STATE = Path(".site-builder") / "links.json"


def settings_from(args: argparse.Namespace) -> links.Settings:
    from ..services.github import DEFAULT_API
    from ..services.http import user_agent

    if args.workers < 1 or args.per_host < 1:
        raise UsageError("--workers and --per-host must be at least 1 — e.g. --workers 16 "
                         "--per-host 4")
    return links.Settings(
        workers=args.workers, per_host=args.per_host, interval=args.interval,
        deadline=args.deadline, allow_private=args.allow_private_addresses,
        agent=user_agent(os.environ.get("SITE_BUILDER_MAILTO")),
        github_api=args.github_api or os.environ.get("SITE_BUILDER_GITHUB_API") or DEFAULT_API,
        github_token=os.environ.get("GITHUB_TOKEN") or None,
        blocked=links.blocked_hosts(args.blocked_hosts or links.BLOCKED_HOSTS))


class Progress:
    """A one-line counter on a terminal; plain lines (every tenth) elsewhere, as in CI."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.shown = 0

    def __call__(self, done: int, total: int, result: links.Result) -> None:
        if self.tty:
            end = "\n" if done == total else ""
            self.stream.write(f"\rchecking links: {done}/{total}{end}")
            self.stream.flush()
            return
        step = max(1, total // 10)
        if done == total or done - self.shown >= step:
            self.shown = done
            print(f"checked {done}/{total} links", file=self.stream)


def text_report(report: links.Report) -> str:
    lines = []
    for r in report.problems():
        what = r.status + (" (dead)" if r.dead else "") + (" (archived)" if r.archived else "")
        detail = r.detail + (f"; new address {r.new_url}" if r.new_url else "")
        if r.failing_days:
            detail += f"; failing on {r.failing_days} day{'s' if r.failing_days != 1 else ''}"
        for w in r.places:
            lines.append(f"{w.path}:{w.line}: {w.field}: {what}: {r.url} — {detail}")
    counts = report.counts()
    lines.append("")
    lines.append(f"{'status':<14}{'links':>6}")
    lines += [f"{status:<14}{counts[status]:>6}" for status in links.STATUSES]
    lines.append(f"{'total':<14}{len(report.results):>6}  ({report.checked} asked, "
                 f"{len(report.results) - report.checked} fine recently)")
    return "\n".join(lines) + "\n"


def run_links(args: argparse.Namespace) -> int:
    """Collect, check, (fix), remember, report; 1 when a link is dead."""
    plist = check_dir(args.papers)
    only = None
    if args.changed_only:
        from .changed import changed_files

        only = changed_files(args.papers, args.base)
    found = links.collect(plist, args.papers, only)
    state_path = None if args.no_state else args.state
    state = links.State.read(state_path)
    report = links.check_links(
        found, settings_from(args), state, max_age=dt.timedelta(days=args.max_age),
        dead_after=args.dead_after, progress=Progress(sys.stderr))
    if state_path is not None:
        write_atomic(state_path, state.dump())
    if args.format == "json":
        out = links.as_json(report)
    elif args.format == "markdown":
        out = links.as_markdown(report, args.templates)
    else:
        out = text_report(report)
    if args.output:
        write_atomic(args.output, out)
    else:
        sys.stdout.write(out)
    if args.fix:
        done, skipped = links.fix_moved(report)
        for where, old, new in done:
            print(f"{where.path}:{where.line}: {where.field}: fixed: {old} → {new}",
                  file=sys.stderr)
        for where, old in skipped:
            print(f"{where.path}:{where.line}: {where.field}: not fixed: {old} is not written "
                  "on that line as a plain value — edit it by hand", file=sys.stderr)
    dead = report.dead
    if dead:
        print(f"{len(dead)} dead link{'s' if len(dead) != 1 else ''} (broken on "
              f"{args.dead_after} or more days) — fix or remove them", file=sys.stderr)
        return 1
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("links", help="check every link of the list (exit 1 for dead links)",
                       description="Check every paper, code, figure and list-file link: "
                       "ok, moved, broken, blocked, rate-limited or transient. A broken link "
                       "is dead, and fails the run, once it failed on --dead-after different "
                       "days.")
    p.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                   help="folder of paper records (default: papers)")
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
    p.add_argument("--state", type=Path, default=DEFAULT_STATE, metavar="FILE",
                   help=f"cache and failure history (default: {DEFAULT_STATE})")
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
    p.add_argument("--templates", type=Path, default=Path("templates"), metavar="DIR",
                   help="templates that override the bundled ones (default: templates)")
    p.set_defaults(func=run_links)
