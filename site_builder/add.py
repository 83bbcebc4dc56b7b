"""Add one paper to a list: the one way every command (``new``, ``from-issue``...) does it.

:func:`add_record` picks the file name, checks the record exactly as ``check`` would (its
YAML text is parsed back and validated alone, then against every listed paper) and writes
it atomically.  It prints nothing: it returns an :class:`Added` for ``cli.py`` to show, or
raises :class:`NotValid` / :class:`AlreadyListed` (both :class:`InvalidRecords`, so the
problems keep their file, line and fix).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import load
from .crosscheck import cross_check
from .dump import file_stem, to_yaml
from .errors import InvalidRecords, Problem
from .fsio import write_atomic
from .model import Entry, Paper, PaperList
from .records import check_paper


class NotValid(InvalidRecords):
    """The record would not pass ``check`` on its own (nothing is written)."""


class AlreadyListed(InvalidRecords):
    """The paper is in the list already: same DOI, arXiv id or title (nothing is written)."""


@dataclass(frozen=True)
class Added:
    """What :func:`add_record` did: the file (written or, with ``write=False``, not), the
    record as ``check`` reads it back, its YAML text, and warnings (e.g. a copied abstract).
    """

    path: Path
    paper: Paper
    yaml: str
    written: bool
    warnings: tuple[Problem, ...]


def listed_already(paper: Paper, plist: PaperList, src: load.Source | None = None
                   ) -> list[Problem]:
    """``cross_check`` of one new paper against the list: its problems only (duplicates are
    errors, a copied abstract a warning).  ``src`` gives the new record's lines."""
    src = src or load.Source("(new record)", data={})
    # The listed papers come first, so a pair is always reported on the new one; their
    # sources are never consulted for lines (only the later file's is).
    pairs = [(entry, load.Source(entry.path, data={})) for entry in plist.entries]
    pairs.append((Entry(Path(src.path).stem, src.path, paper), src))
    return [p for p in cross_check(pairs, changed={src.path}) if p.path == src.path]


def refuse_listed(paper: Paper, plist: PaperList, src: load.Source | None = None
                  ) -> list[Problem]:
    """:func:`listed_already`, raising :class:`AlreadyListed` on a duplicate; returns the
    warnings."""
    found = listed_already(paper, plist, src)
    if any(p.severity == "error" for p in found):
        raise AlreadyListed(found)
    return found


def add_record(papers_dir: Path, paper: Paper, plist: PaperList, *,
               write: bool = True) -> Added:
    """Name, check and write one new record of the list ``plist`` (read from
    ``papers_dir``)."""
    papers_dir = Path(papers_dir)
    taken = {e.key for e in plist.entries} | {p.stem for p in load.paper_files(papers_dir)}
    path = papers_dir / f"{file_stem(paper, taken)}.yaml"
    text = to_yaml(paper)
    src = load.parse(load.display_path(path), text.encode("utf-8"))
    checked, problems = check_paper(src, [s.id for s in plist.paper_sections() if s.id],
                                    plist.info)
    if checked is None or any(p.severity == "error" for p in problems):
        raise NotValid(problems)
    warnings = refuse_listed(checked, plist, src)
    written = write_atomic(path, text) if write else False
    return Added(path, checked, text, written, (*problems, *warnings))
