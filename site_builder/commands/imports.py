"""``site-builder import``: turn a README in the list's format into record files."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..dump import write_list
from ..errors import UsageError
from ..fsio import file_error
from ..importers import IMPORTERS
from ..importers.history import ReadmeHistory, readme_history
from ..importers.readme import looks_like_entry
from ..kinds import Kind, accepts
from ..load import LIST_FILE
from ..model import Paper


@dataclass(frozen=True)
class ImportResult:
    papers_dir: Path
    written: list[Path]
    papers: int
    sections: int
    skipped: list[tuple[int, str]]
    history: ReadmeHistory | None = None  # with --history: what the git history gave
    undated: list[Paper] = field(default_factory=list)  # with --history: no committed entry
    # with --history: first seen in a commit dated in the future, so left undated
    future: list[tuple[Paper, dt.date]] = field(default_factory=list)
    lost: int = 0  # entries not in the list's format: then nothing was written


def import_file(source: Path, papers_dir: Path, fmt: str = "readme", *,
                force: bool = False, history: bool = False) -> ImportResult:
    """Write one YAML file per paper plus the list-level file into ``papers_dir``.

    With ``history``, each paper gets ``added``: the day its entry first appeared in the
    source's git history (see :mod:`site_builder.importers.history`)."""
    if (papers_dir / LIST_FILE).exists() and not force:
        raise UsageError(f"{papers_dir / LIST_FILE} exists — import into an empty folder, "
                         "or pass --force to overwrite")
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise UsageError(f"{source}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise UsageError(f"{source}: not UTF-8 ({err.reason})") from err
    imported = IMPORTERS[fmt](text)
    if not imported.papers:
        raise UsageError(f"{source}: no paper entries found — is it a README in the list's "
                         "format ('- [[VENUE YEAR]](url) **Title**')?")
    lost = sum(looks_like_entry(line) for _, line in imported.skipped)
    if lost:  # a partial list is never written: fixing the README and importing again works
        return ImportResult(papers_dir, [], len(imported.papers),
                            len(imported.info.paper_sections()), imported.skipped, lost=lost)
    dates = readme_history(source, IMPORTERS[fmt]) if history else None  # before writing
    try:
        papers_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise file_error(papers_dir, err) from err
    papers = list(imported.papers)  # a README gives no dates: only the history does
    undated: list[Paper] = []
    future: list[tuple[Paper, dt.date]] = []
    if dates is not None:
        for n, paper in enumerate(papers):
            day = dates.date_of(paper)
            if day is None:
                undated.append(paper)
                continue
            if not accepts(Kind.DATE, day):  # as in `dates`: a commit's date is its clock's
                future.append((paper, day))
                continue
            papers[n] = replace(paper, added=day)
    written = write_list(papers_dir, imported.info, papers, imported.stems)
    return ImportResult(papers_dir, written, len(papers), len(imported.info.paper_sections()),
                        imported.skipped, dates, undated, future=future)
