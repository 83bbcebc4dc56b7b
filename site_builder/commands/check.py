"""``site-builder check``: validate every record."""

from __future__ import annotations

from pathlib import Path

from ..checking import Stats, check_dir
from ..model import PaperList


def check(papers: Path, only: set[str] | None = None, *, parallel: bool = False,
          cache: bool = False, stats: Stats | None = None) -> PaperList:
    """Validate the list (or only the files in ``only``); raises InvalidRecords.

    ``cache`` reuses the results of unchanged files (see :mod:`site_builder.cache`)."""
    return check_dir(papers, only, parallel=parallel, cache=cache, stats=stats)
