"""Files → one validated :class:`~site_builder.model.PaperList`.

Reads every record (in a second process only when the caller says that is safe: see
``check_dir(parallel=...)``), checks each one
(:mod:`site_builder.records`), then the list as a whole (:mod:`site_builder.crosscheck`).
All problems of all files are collected and raised once as
:class:`~site_builder.errors.InvalidRecords`.  With ``cache=True`` a file that has not
changed since the last run is not read again (:mod:`site_builder.cache`); the rules across
files run every time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from . import cache, load, quick
from .crosscheck import bad_names, duplicates, same_names
from .errors import InvalidRecords, Problem, UsageError
from .model import Entry, ListInfo, Paper, PaperList
from .quick import Stats, cache_keys, list_inputs, text_digest
from .records import check_info, check_paper, suggest, walk_sections

PARALLEL_MIN = 2000  # below this, starting a second process costs more than it saves


Checked = tuple[Paper | None, list[Problem], str | None]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Reading 10,000 records makes millions of objects and no reference cycles: the
    cyclic collector's passes over them (each a walk of every live object) cost about a
    fifth of the run, and free nothing.  Reference counting still frees everything."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            # The objects made meanwhile join the oldest generation at once (freeze, then
            # unfreeze, moves them there): left in the youngest, the first collection
            # after this would walk them all, which costs as much as the pause saved.
            gc.freeze()
            gc.unfreeze()
            gc.enable()


def _check_chunk(files: list[Path], names: list[str], info: ListInfo | None,
                 digests: list[bool]) -> list[Checked]:
    section_ids = [s.id for s in info.paper_sections() if s.id] if info else None
    out: list[Checked] = []
    for path, shown, digest in zip(files, names, digests, strict=True):
        src = load.read(path, shown)
        paper, problems = check_paper(src, section_ids, info)
        out.append((paper, problems, text_digest(src.text) if digest and src.text else None))
    return out


def _check_files(files: list[Path], names: list[str], info: ListInfo | None,
                 parallel: bool, digests: list[bool]) -> list[Checked]:
    """Read and check every paper file; with ``parallel``, large lists are split with a
    forked process.  ``digests`` says of which files the cache needs a hash of the text.

    Parsing is the floor of a check, and PyYAML's constructor runs in Python: with two
    cores a second process halves it.  Results come back in file order, so the output
    does not depend on scheduling.  ``SITE_BUILDER_JOBS=1`` turns this off.
    """
    import os
    import sys

    jobs = min(os.cpu_count() or 1, int(os.environ.get("SITE_BUILDER_JOBS", "2")))
    if not parallel or len(files) < PARALLEL_MIN or jobs < 2 or sys.platform != "linux":
        return _check_chunk(files, names, info, digests)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    half = len(files) // 2
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        second = pool.submit(_check_chunk, files[half:], names[half:], info, digests[half:])
        first = _check_chunk(files[:half], names[:half], info, digests[:half])
        return first + second.result()


def check_dir(papers_dir: Path, only: set[str] | None = None, *,
              parallel: bool = False, cache: bool = False,
              stats: Stats | None = None) -> PaperList:
    """Read and validate a whole list; raise :class:`InvalidRecords` with every problem.

    ``only`` limits the per-file checks to those display paths (``check --changed-only``);
    the other files are still read for the cross-file duplicate checks.  ``parallel`` lets
    a large list be read with a forked process: only a single-threaded program may ask
    for it (the CLI does; a fork inside ``mkdocs serve``'s threads could deadlock).
    ``cache`` reuses the results of files unchanged since the last run and stores the new
    ones (the CLI's default; ``--no-cache`` turns it off).  ``stats`` is filled in with
    what the run did.
    """
    with paused_gc():
        return _check_dir(Path(papers_dir), only, parallel, cache,
                          stats if stats is not None else Stats())


def _check_dir(papers_dir: Path, only: set[str] | None, parallel: bool, use_cache: bool,
               stats: Stats) -> PaperList:
    list_path = papers_dir / load.LIST_FILE
    problems: list[Problem] = []
    load.require_folder(papers_dir)
    with stats.stage("list file"):
        info_src = load.read(list_path, load.display_path(list_path))
        if not list_path.exists():
            other = list_path.with_suffix(".yml")  # records may end in .yml; this file not
            fix = (f"rename {load.display_path(other)} to {load.LIST_FILE}"
                   if other.is_file() else
                   "create it with title: and sections: (see schema/list.schema.json)")
            info_src.problems[:] = [Problem(info_src.path, 0, "", "the list-level file is "
                                            "missing", fix)]
        info, info_problems = check_info(info_src)
    problems += info_problems
    with stats.stage("scan"):
        # The shortcut's stat walk (quick.inputs), when it made one of this folder: the
        # signatures were taken before any file is read, as a walk of our own would.
        walk, stats.walk = stats.walk, None
        sigs = None
        if walk is not None and walk.folder == str(papers_dir):
            files, sigs = walk.paths, walk.sigs
        elif use_cache:  # signatures taken before any file is read: a later change shows
            files, sigs = quick.stat_walk(papers_dir)
        else:
            files = load.paper_paths(papers_dir)
        names = load.display_paths(papers_dir, files)
        stems = _stems(files)
    results, cached = _cached_check(papers_dir, files, names, info, info_src.text, parallel,
                                    use_cache, stats, sigs)
    stats.inputs = list_inputs(stats.inputs, info_src.text)
    entries: list[Entry] = []
    where: list[int] = []  # each entry's file
    records, dupkeys = cached if cached is not None else ([None] * len(files), None)
    keys: list[cache.Keys] | None = [] if dupkeys is not None else None
    with stats.stage("cross-check"):
        for i, (shown, stem, (paper, file_problems), record) in enumerate(
                zip(names, stems, results, records, strict=True)):
            if file_problems and (only is None or shown in only):
                problems += file_problems
            if paper is not None:
                entries.append(Entry(stem, shown, paper))
                where.append(i)
                if record is not None:
                    stats.records[shown] = (paper, record)
                if keys is not None:
                    found = dupkeys[i]  # type: ignore[index]
                    if found is None:
                        keys = None
                    else:
                        keys.append(found)
        problems += same_names(stems, names)
        problems += [p for p in bad_names(stems, names) if only is None or p.path in only]
        from .commands.changed import joined_times  # git, asked only about duplicates

        def source(index: int) -> load.Source:
            return load.Source(names[where[index]], file=Path(files[where[index]]))

        cross = duplicates(entries, source, only, joined_times, keys)
        problems += [p for p in cross if only is None or p.path in only]
        if info is not None:
            problems += _check_order(info, info_src, entries)
    if info is None or any(p.severity == "error" for p in problems):
        raise InvalidRecords(problems)
    return PaperList(info, tuple(entries), tuple(sorted(problems)))


def _stems(paths: list[str]) -> list[str]:
    """``Path(path).stem`` of each path (given as a string)."""
    names = [path[path.rfind(os.sep) + 1:] for path in paths]
    return [name[:name.rfind(".")] if 0 < name.rfind(".") < len(name) - 1 else name
            for name in names]


def _cached_check(papers_dir: Path, files: list[str], names: list[str],
                  info: ListInfo | None, list_text: str, parallel: bool, use_cache: bool,
                  stats: Stats, sigs: list[quick.Signature | None] | None
                  ) -> tuple[list[cache.Result],
                             tuple[list[str | None], list[cache.Keys | None]] | None]:
    """Each file's result, from the cache when the file is unchanged, else checked now,
    and with the cache on, each file's cache entry (None for a file that could not be
    kept).  A record's result depends on the list file too (sections, marks, optional
    fields): the cache is keyed by its text.  ``sigs``: the files' signatures when a
    stat walk took them already.  With the cache on, each file's record digest and
    duplicate keys come too (:meth:`cache.Store.facts`)."""
    if not use_cache:
        stats.inputs = None  # nothing is known of these files between runs
        with stats.stage("read and check"):
            stats.files_read += len(files)
            return [(paper, problems) for paper, problems, _ in
                    _check_files(list(map(Path, files)), names, info, parallel,
                                 [False] * len(files))], None
    with stats.stage("cache lookup"):
        store = cache.Store.open(quick.cache_file(papers_dir), quick.fingerprint(list_text))
        keys = cache_keys(papers_dir, files)
        store.reread = _rereader(keys, files, names, info)
        if sigs is None:
            sigs = list(map(quick.signature, files))
        results = store.lookup(keys, files, names, sigs)
    todo = [i for i, r in enumerate(results) if r is None]
    stats.files_read += len(todo)
    stats.files_cached += len(files) - len(todo)
    with stats.stage("read and check"):
        racy = [sig is not None and store.racy(sig) for sig in (sigs[i] for i in todo)]
        checked = _check_files([Path(files[i]) for i in todo], [names[i] for i in todo],
                               info, parallel, racy)
    for i, (paper, problems, digest) in zip(todo, checked, strict=True):
        results[i] = (paper, problems)
        store.put(keys[i], sigs[i], names[i], (paper, problems), digest)
    if store.dirty():
        with stats.stage("cache write"):
            store.save()
    stats.inputs, records, dupkeys = store.facts(keys)
    stats.since = store.start_ns
    return results, (records, dupkeys)  # type: ignore[return-value]


def _rereader(keys: list[str], files: list[str], names: list[str],
              info: ListInfo | None) -> Callable[[str], Paper]:
    """For the cache: a file's paper checked again, when its record cannot be read from
    the cache (whose index entry, which says the file is valid, could)."""
    where = {key: i for i, key in enumerate(keys)}

    def reread(key: str) -> Paper:
        i = where[key]
        paper = _check_chunk([Path(files[i])], [names[i]], info, [False])[0][0]
        if paper is None:
            raise UsageError(f"{names[i]}: changed while site-builder ran — run it again")
        return paper

    return reread


def _check_order(info: ListInfo, src: load.Source, entries: list[Entry]) -> list[Problem]:
    """Every file a section's ``order`` names exists, is listed in that section, and is
    named once."""
    problems: list[Problem] = []
    ordered = [(section, at) for section, at in walk_sections(info.sections) if section.order]
    if not ordered:
        return problems
    sections_of = {e.key: {e.paper.category, *e.paper.also_in} for e in entries}
    for section, at in ordered:
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
