"""``site-builder links``: check every link of the list and return the report.

Options become :class:`~site_builder.links.Settings`; the state file (cache and failure
history) lives outside the records (``cli.py`` defaults it to ``.site-builder/links.json``).
The command prints nothing: ``cli.py`` shows the progress it is given, prints the result
and exits 1 for dead links.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import links, outputs
from ..checking import check_dir
from ..errors import UsageError, counted
from ..fsio import check_outside, write_atomic


@dataclass(frozen=True)
class LinksResult:
    """What one run found and did: the report's text (``path`` when it was written to a
    file instead), the fixes made and refused, and the dead links."""

    report: links.Report
    text: str
    path: Path | None = None
    fixed: list[tuple[links.Where, str, str]] = field(default_factory=list)
    not_fixed: list[tuple[links.Where, str]] = field(default_factory=list)

    @property
    def dead(self) -> list[links.Result]:
        return self.report.dead


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


def text_report(report: links.Report) -> str:
    lines = []
    for r in report.problems():
        what = r.status + (" (dead)" if r.dead else "") + (" (archived)" if r.archived else "")
        detail = r.detail + (f"; new address {r.new_url}" if r.new_url else "")
        if r.failing_days:
            detail += f"; failing on {counted(r.failing_days, 'day')}"
        for w in r.places:
            lines.append(f"{w.path}:{w.line}: {w.field}: {what}: {r.url} — {detail}")
    counts = report.counts()
    lines.append("")
    lines.append(f"{'status':<14}{'links':>6}")
    lines += [f"{status:<14}{counts[status]:>6}" for status in links.STATUSES]
    lines.append(f"{'total':<14}{len(report.results):>6}  ({report.checked} asked, "
                 f"{len(report.results) - report.checked} fine recently)")
    return "\n".join(lines) + "\n"


def run_links(args: argparse.Namespace,
              progress: Callable[[int, int], None] | None = None) -> LinksResult:
    """Collect, check, remember, write the report to ``--output`` if given, fix moved
    links with ``--fix``; ``progress(done, total)`` after each link."""
    state_path = None if args.no_state else args.state
    for out in (args.output, state_path):  # before any request
        if out:
            check_outside(out, args.papers)
    if args.output:
        outputs.refuse_foreign(args.output, args.papers, "links", "report", "-o", "links.md")
    plist = check_dir(args.papers)
    only = None
    if args.changed_only:
        from .changed import changed_files

        only = changed_files(args.papers, args.base)
    found = links.collect(plist, args.papers, only)
    state = links.State.read(state_path)
    report = links.check_links(
        found, settings_from(args), state, max_age=dt.timedelta(days=args.max_age),
        dead_after=args.dead_after,
        progress=(lambda done, total, _result: progress(done, total)) if progress else None)
    if state_path is not None:
        write_atomic(state_path, state.dump())
    if args.format == "json":
        text = links.as_json(report)
    elif args.format == "markdown":
        text = links.as_markdown(report, args.templates)
    else:
        text = text_report(report)
    if args.output:
        outputs.write(args.output, args.papers, text)
    fixed, not_fixed = links.fix_moved(report) if args.fix else ([], [])
    return LinksResult(report, text, args.output, fixed, not_fixed)
