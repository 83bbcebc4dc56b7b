"""``site-builder figures``: fetch the papers' figures into the figure cache.

Options become :class:`~site_builder.figures.Settings`; the command prints nothing:
``cli.py`` prints the warnings and the summary, and the run exits 0 whatever the figure
hosts did (a figure that could not be fetched keeps the click-to-load placeholder).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import asdict

from .. import figures
from ..checking import check_dir
from ..errors import UsageError


def settings_from(args: argparse.Namespace) -> figures.Settings:
    from ..services.http import user_agent

    if not 1 <= args.per_host <= 2:
        raise UsageError("--per-host must be 1 or 2 — figure hosts are asked politely")
    if args.max_size <= 0 or args.deadline <= 0 or args.max_age < 0:
        raise UsageError("--max-size and --deadline must be above 0 and --max-age at least "
                         "0 — e.g. --max-size 10 --deadline 60 --max-age 30")
    return figures.Settings(
        max_bytes=int(args.max_size * 1024 * 1024), deadline=args.deadline,
        per_host=args.per_host, max_age=args.max_age, refresh=args.refresh,
        allow_private=args.allow_private_addresses,
        agent=user_agent(os.environ.get("SITE_BUILDER_MAILTO")))


def run_figures(args: argparse.Namespace) -> figures.Report:
    """Check the list, then bring the figure cache up to date with its figures."""
    settings = settings_from(args)
    plist = check_dir(args.papers)
    return figures.fetch_figures(plist, figures.figure_dir(args.cache), settings)


def as_json(report: figures.Report) -> str:
    """Every paper's figure outcome, for tools."""
    data = {"cache": str(report.folder), "counts": report.counts(),
            "figures": [asdict(o) for o in report.outcomes]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
