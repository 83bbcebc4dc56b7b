"""``site-builder enrich``: refresh ``papers/_metrics.json`` (stars, last push, archived,
citations); with ``--fix``, add the ids found in paper links to their records."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .. import enrich as lib
from ..checking import check_dir
from ..fsio import write_atomic
from ..services import github, openalex, semanticscholar


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


def run_enrich(args: argparse.Namespace) -> int:
    plist = check_dir(args.papers)
    path = args.metrics or lib.metrics_path(args.papers)
    outcome = lib.enrich(plist, lib.read_metrics(path), services_from(args))
    write_atomic(path, lib.dump_metrics(outcome.metrics))
    for note in outcome.notes:
        print(f"note: {note}", file=sys.stderr)
    for proposal in outcome.proposals:
        if args.fix and lib.add_id(proposal):
            print(f"{proposal.path}: {proposal.field}: added {proposal.value}", file=sys.stderr)
        elif args.fix:
            print(f"{proposal.path}: {proposal.field}: not added — the record has no plain "
                  f"'url:' line to add it after; add '{proposal.field}: \"{proposal.value}\"' "
                  "by hand", file=sys.stderr)
        else:
            print(f"{proposal.path}: {proposal.field}: missing; its link says "
                  f"{proposal.value} — run 'site-builder enrich --fix' to add it",
                  file=sys.stderr)
    kept = f"; {outcome.failed} lookups failed, previous figures kept" if outcome.failed else ""
    print(f"wrote {path} ({outcome.repos} repositories, {outcome.papers} citation counts"
          f"{kept})")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("enrich", help="refresh GitHub stars and citation counts "
                       "(papers/_metrics.json)",
                       description="Ask GitHub about every code repository and OpenAlex "
                       "(then Semantic Scholar) about every paper with a DOI or arXiv id; "
                       "write the figures with their dates to the metrics file.")
    p.add_argument("--papers", type=Path, default=Path("papers"), metavar="DIR",
                   help="folder of paper records (default: papers)")
    p.add_argument("--metrics", type=Path, metavar="FILE",
                   help=f"the data file (default: DIR/{lib.METRICS_FILE})")
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
    p.set_defaults(func=run_enrich)
