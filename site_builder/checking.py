"""Files → one validated :class:`~site_builder.model.PaperList`.

Reads every record (in a second process only when the caller says that is safe: see
``check_dir(parallel=...)``), checks each one
(:mod:`site_builder.records`), then the list as a whole (:mod:`site_builder.crosscheck`).
All problems of all files are collected and raised once as
:class:`~site_builder.errors.InvalidRecords`.
"""

from __future__ import annotations

from pathlib import Path

from . import load
from .crosscheck import cross_check, same_names
from .errors import InvalidRecords, Problem
from .model import Entry, ListInfo, Paper, PaperList
from .records import check_info, check_paper, suggest, walk_sections

PARALLEL_MIN = 2000  # below this, starting a second process costs more than it saves


def _check_chunk(files: list[Path], names: list[str], info: ListInfo | None
                 ) -> list[tuple[Paper | None, list[Problem]]]:
    section_ids = [s.id for s in info.paper_sections() if s.id] if info else None
    return [check_paper(load.read(path, shown), section_ids, info)
            for path, shown in zip(files, names, strict=True)]


def _check_files(files: list[Path], names: list[str], info: ListInfo | None,
                 parallel: bool) -> list[tuple[Paper | None, list[Problem]]]:
    """Read and check every paper file; with ``parallel``, large lists are split with a
    forked process.

    Parsing is the floor of a check, and PyYAML's constructor runs in Python: with two
    cores a second process halves it.  Results come back in file order, so the output
    does not depend on scheduling.  ``SITE_BUILDER_JOBS=1`` turns this off.
    """
    import os
    import sys

    jobs = min(os.cpu_count() or 1, int(os.environ.get("SITE_BUILDER_JOBS", "2")))
    if not parallel or len(files) < PARALLEL_MIN or jobs < 2 or sys.platform != "linux":
        return _check_chunk(files, names, info)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    half = len(files) // 2
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        second = pool.submit(_check_chunk, files[half:], names[half:], info)
        first = _check_chunk(files[:half], names[:half], info)
        return first + second.result()


def check_dir(papers_dir: Path, only: set[str] | None = None, *,
              parallel: bool = False) -> PaperList:
    """Read and validate a whole list; raise :class:`InvalidRecords` with every problem.

    ``only`` limits the per-file checks to those display paths (``check --changed-only``);
    the other files are still read for the cross-file duplicate checks.  ``parallel`` lets
    a large list be read with a forked process: only a single-threaded program may ask
    for it (the CLI does; a fork inside ``mkdocs serve``'s threads could deadlock).
    """
    papers_dir = Path(papers_dir)
    list_path = papers_dir / load.LIST_FILE
    problems: list[Problem] = []
    if not papers_dir.is_dir():
        from .errors import UsageError

        raise UsageError(f"{papers_dir}: no such folder — give the folder of paper records "
                         "with --papers")
    info_src = load.read(list_path, load.display_path(list_path))
    if not list_path.exists():
        info_src.problems[:] = [Problem(info_src.path, 0, "", "the list-level file is missing",
                                        "create it with title: and sections: (see "
                                        "schema/list.schema.json)")]
    info, info_problems = check_info(info_src)
    problems += info_problems
    entries: list[tuple[Entry, load.Source]] = []
    files = load.paper_files(papers_dir)
    names = load.display_paths(papers_dir, files)
    for path, shown, (paper, file_problems) in zip(
            files, names, _check_files(files, names, info, parallel), strict=True):
        if only is None or shown in only:
            problems += file_problems
        if paper is not None:
            entries.append((Entry(path.stem, shown, paper), load.Source(shown, file=path)))
    problems += same_names(files, names)
    from .commands.changed import joined_times  # git, asked only about duplicates

    cross = cross_check(entries, only, joined_times)
    problems += [p for p in cross if only is None or p.path in only]
    if info is not None:
        problems += _check_order(info, info_src, [e for e, _ in entries])
    if info is None or any(p.severity == "error" for p in problems):
        raise InvalidRecords(problems)
    return PaperList(info, tuple(e for e, _ in entries), tuple(sorted(problems)))


def _check_order(info: ListInfo, src: load.Source, entries: list[Entry]) -> list[Problem]:
    """Every file a section's ``order`` names exists, is listed in that section, and is
    named once."""
    problems: list[Problem] = []
    sections_of = {e.key: {e.paper.category, *e.paper.also_in} for e in entries}
    for section, at in walk_sections(info.sections):
        for i, key in enumerate(section.order):
            where = (*at, "order", i)
            name = ".".join(map(str, where))
            if key not in sections_of:
                hint = suggest(key, sections_of)
                problems.append(Problem(src.path, src.line(*where), name,
                                        f"no paper file {key}.yaml",
                                        f"{hint + ' ' if hint else ''}name a file of "
                                        "papers/ without .yaml, or delete the line"))
            elif section.id not in sections_of[key]:
                problems.append(Problem(src.path, src.line(*where), name,
                                        f"{key} is not listed in section {section.id!r}",
                                        "delete the line, or add the section to the "
                                        "paper's category or also_in"))
            elif key in section.order[:i]:
                problems.append(Problem(src.path, src.line(*where), name,
                                        f"{key} is named twice", "delete one of the lines"))
    return problems
