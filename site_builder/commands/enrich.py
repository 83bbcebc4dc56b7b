"""``site-builder enrich``: refresh ``papers/_metrics.json`` (stars, last push, archived,
citations); with ``--fix``, add the ids found in paper links to their records.

The command prints nothing: it returns what it wrote and did, and ``cli.py`` reports it.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field
from pathlib import Path

from .. import enrich as lib
from ..checking import check_dir
from ..fsio import write_atomic
from ..services import github, openalex, semanticscholar


@dataclass(frozen=True)
class EnrichResult:
    """The metrics file written, the run's outcome (notes, counts, proposed ids) and, with
    ``--fix``, whether each proposed id was added (``None`` without ``--fix``)."""

    path: Path
    outcome: lib.Outcome
    added: list[tuple[lib.Proposal, bool | None]] = field(default_factory=list)


def _setting(option: str | None, env: str, default: str) -> str:
    return option or os.environ.get(env) or default


def services_from(args: argparse.Namespace) -> lib.Services:
    return lib.Services(
        github_api=_setting(args.github_api, "SITE_BUILDER_GITHUB_API", github.DEFAULT_API),
        openalex_api=_setting(args.openalex_api, "SITE_BUILDER_OPENALEX_API",
                              openalex.DEFAULT_API),
        semanticscholar_api=_setting(args.semanticscholar_api,
                                     "SITE_BUILDER_SEMANTICSCHOLAR_API",
                                     semanticscholar.DEFAULT_API),
        github_token=os.environ.get("GITHUB_TOKEN") or None,
        openalex_key=os.environ.get("OPENALEX_API_KEY") or None,
        semanticscholar_key=os.environ.get("SEMANTIC_SCHOLAR_API_KEY") or None,
        mailto=os.environ.get("SITE_BUILDER_MAILTO") if args.mailto is None else args.mailto)


def run_enrich(args: argparse.Namespace) -> EnrichResult:
    """Look everything up, write the metrics file, add proposed ids with ``--fix``."""
    plist = check_dir(args.papers)
    path = args.metrics or lib.metrics_path(args.papers)
    outcome = lib.enrich(plist, lib.read_metrics(path), services_from(args))
    write_atomic(path, lib.dump_metrics(outcome.metrics))
    added = [(proposal, lib.add_id(proposal) if args.fix else None)
             for proposal in outcome.proposals]
    return EnrichResult(path, outcome, added)
