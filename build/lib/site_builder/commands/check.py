"""``site-builder check``: validate every record."""

from __future__ import annotations

from pathlib import Path

from ..checking import check_dir
from ..model import PaperList


def check(papers: Path, only: set[str] | None = None) -> PaperList:
    """Validate the list (or only the files in ``only``); raises InvalidRecords."""
    return check_dir(papers, only)
