"""Rules that need the whole list: duplicates across files, and file names (used twice, or
not usable as a permanent link)."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from . import load
from .errors import Problem
from .fsio import blake2b
from .ids import find_arxiv, find_doi
from .kinds import CHECKS, Bad, Kind, all_record_names
from .model import Entry, Paper
from .text import fold

MIN_ABSTRACT_WORDS = 20


def effective_arxiv(p: Paper) -> str | None:
    """The arXiv id of a paper, given or read from its link."""
    if p.arxiv:
        return p.arxiv
    return find_arxiv(p.url) if "arxiv" in p.url.lower() else None


def effective_doi(p: Paper) -> str | None:
    """The DOI of a paper, given or read from its link (doi.org or a publisher's URL),
    lower-cased: DOIs are case-insensitive."""
    doi = p.doi or (find_doi(p.url) if "10." in p.url else None)
    return doi.lower() if doi else None


@functools.lru_cache(maxsize=1)
def _confusables() -> dict[int, str]:
    """Non-ASCII look-alikes of ASCII text (UTS #39 data; see confusables.tsv)."""
    table: dict[int, str] = {}
    data = Path(__file__).with_name("confusables.tsv").read_text("utf-8")
    for line in data.splitlines():
        if line and not line.startswith("#"):
            source, prototype = line.split("\t")
            table[int(source, 16)] = bytes.fromhex(prototype).decode()
    return table


def title_skeleton(title: str) -> str:
    """The key two titles share when they look the same (a UTS #39 skeleton, then
    :func:`text.fold`): compatibility forms (full-width letters) are decomposed, invisible
    format characters (zero-width joiners, soft hyphens) and accents dropped, and letters of
    other scripts that look like Latin ones (Cyrillic а, Greek ο) mapped to them."""
    if title.isascii():
        return fold(title)
    marks = ("Mn", "Me", "Cf")
    text = "".join(c for c in unicodedata.normalize("NFKD", title)
                   if unicodedata.category(c) not in marks)
    return fold(text.translate(_confusables()))


# When two files hold the same paper, the newer one is blamed and the older one is named
# as "the existing one".  Newer, in order of precedence: a file the branch changed
# (``check --changed-only``) is newer than one it did not; then the time git first saw
# the file (uncommitted files are the newest); then a later ``added`` date, and a dated
# record is newer than an undated one; last, the later file name, so the result never
# depends on anything but the files and their history.
History = Callable[[list[Path]], Mapping[Path, float]]


def _ages(group: list[tuple[int, Entry, load.Source]], changed: Collection[str] | None,
          history: Mapping[Path, float]) -> list[tuple[int, Entry, load.Source]]:
    """The group ordered oldest first (see the rule above)."""
    def age(item: tuple[int, Entry, load.Source]) -> tuple[bool, float, dt.date, int]:
        index, entry, src = item
        joined = history.get(src.file, 0.0) if src.file is not None else 0.0
        return (changed is not None and entry.path in changed, joined,
                entry.paper.added or dt.date.min, index)
    return sorted(group, key=age)


Keys = list[tuple[str, str]]


def duplicate_keys(p: Paper) -> Keys:
    """What two records share when they hold the same paper: DOI, arXiv id, title skeleton
    and (for an abstract long enough to be telling) a digest of the case-folded abstract.
    Plain strings, so that the cache keeps them with the record and a later run compares
    them without the records (equal digests stand for equal abstracts)."""
    keys: Keys = []
    doi = effective_doi(p)
    if doi:
        keys.append(("doi", doi))
    arxiv = effective_arxiv(p)
    if arxiv:
        keys.append(("arxiv", arxiv))
    title = title_skeleton(p.title)
    if title:
        keys.append(("title", title))
    # Abstracts are already whitespace-squashed by validation: count spaces for words.
    if p.abstract and p.abstract.count(" ") + 1 >= MIN_ABSTRACT_WORDS:
        digest = blake2b(p.abstract.casefold().encode(), digest_size=16).hexdigest()
        keys.append(("abstract", digest))
    return keys


def cross_check(entries: list[tuple[Entry, load.Source]], changed: Collection[str] | None = None,
                history: History | None = None, keys: Sequence[list[str]] | None = None
                ) -> list[Problem]:
    """Duplicates across files: same DOI, arXiv id or title; copied abstracts.

    The newer file of each pair is the one reported; ``changed`` (the files a branch
    changed) and ``history`` (when each file joined the list, asked only for files that
    have a duplicate) decide which one that is.  ``keys`` (each entry's
    :func:`duplicate_keys`, flat: field, value, field, value ...; e.g. from the cache)
    spare computing them again.
    """
    return duplicates([e for e, _ in entries], lambda i: entries[i][1], changed, history,
                      keys)


def duplicates(entries: Sequence[Entry], source: Callable[[int], load.Source],
               changed: Collection[str] | None = None, history: History | None = None,
               keys: Sequence[list[str]] | None = None) -> list[Problem]:
    """:func:`cross_check` with each entry's file made only for those with a duplicate
    (``source(index)``).  A list without one (the usual case) costs a set of its keys'
    values, built in C: only values seen twice are grouped by field and compared."""
    if keys is None:
        keys = [[part for pair in duplicate_keys(entry.paper) for part in pair]
                for entry in entries]
    values = [value for flat in keys for value in flat[1::2]]
    if len(set(values)) == len(values):
        return []
    twice = {value for value, n in Counter(values).items() if n > 1}
    groups: dict[tuple[str, str], list[int]] = {}
    for index, flat in enumerate(keys):
        for field, value in zip(flat[::2], flat[1::2], strict=True):
            if value in twice:
                groups.setdefault((field, value), []).append(index)
    clashes = {key: group for key, group in groups.items() if len(group) > 1}
    if not clashes:
        return []
    sources = {index: source(index) for group in clashes.values() for index in group}
    files = sorted({src.file for src in sources.values() if src.file is not None})
    known = history(files) if history is not None and files else {}
    problems: list[Problem] = []
    for (field, _), group in clashes.items():
        first, *later = _ages([(i, entries[i], sources[i]) for i in group], changed, known)
        for _, entry, src in later:
            problems.append(_duplicate(field, first[1], entry, src))
    return problems


def _duplicate(field: str, first: Entry, entry: Entry, src: load.Source) -> Problem:
    what = {"doi": "DOI", "arxiv": "arXiv id", "title": "title"}.get(field, field)
    line_key = field if getattr(entry.paper, field) else "url"  # an id read from the link
    if field == "abstract":
        message = (f"same abstract as {first.path} (\"{first.paper.title}\"); one of "
                   "the two papers carries the other's abstract")
        fix = "replace it with this paper's own abstract, or delete it"
    else:
        message = f"same {what} as {first.path}: the paper is already in the list"
        fix = "delete this file, or edit the existing one"
    return Problem(src.path, src.line(line_key), field, message, fix,
                   severity="warning" if field == "abstract" else "error")


def same_names(stems: list[str], names: list[str]) -> list[Problem]:
    """File names (without folder and suffix: ``stems``) must differ, in more than case:
    the name is the paper's permanent link, and a Mac's or Windows' file system holds
    'Doe2024' and 'doe2024' as one file (a clone keeps one record, its site one page)."""
    folded = [stem.lower() for stem in stems]  # as those file systems compare names
    if len(set(folded)) == len(folded):
        return []
    first: dict[str, tuple[str, str]] = {}
    problems = []
    for stem, key, shown in zip(stems, folded, names, strict=True):
        seen_stem, seen = first.setdefault(key, (stem, shown))
        if seen == shown:
            continue
        if seen_stem == stem:
            problems.append(Problem(shown, 0, "", f"the file name {stem!r} is also used "
                                    f"by {seen}; it is the paper's permanent link on the site",
                                    "rename one of the two files"))
        else:
            problems.append(Problem(shown, 0, "", f"the file name {stem!r} differs from "
                                    f"{seen} only in case; a Mac or Windows takes the two "
                                    "names (and the two pages) as one",
                                    "rename one of the two files"))
    return problems


# Names MkDocs serves as their folder's index page (papers/README.md is papers/index.html):
# the paper's page would not be at papers/<name>/, where every link to it leads.
INDEX_NAMES = ("index", "README")


def bad_names(stems: list[str], names: list[str]) -> list[Problem]:
    """File names (``stems``) must be usable as the paper's permanent link (its page
    ``papers/<stem>/``, its card's HTML id, its anchor), where a space, '#', '"' or markup
    would give broken links or links that lead elsewhere (:attr:`Kind.RECORD_NAME`; the
    names the tool writes are stricter, :attr:`Kind.FILE_STEM`).  A name that is not
    UTF-8 is reported by :mod:`site_builder.load` already."""
    problems = [Problem(shown, 0, "", f"{stem!r} cannot be a permanent link: the website "
                        "serves a page of that name as its folder's index",
                        "rename the file, e.g. author2024-title")
                for stem, shown in zip(stems, names, strict=True) if stem in INDEX_NAMES]
    if all_record_names(stems):
        return problems
    check = CHECKS[Kind.RECORD_NAME]
    for stem, shown in zip(stems, names, strict=True):
        try:
            check(stem.encode("utf-8").decode("utf-8"))
        except UnicodeError:
            continue
        except Bad as bad:
            problems.append(Problem(shown, 0, "", bad.message,
                                    f"rename the file (its name is the paper's permanent "
                                    f"link on the site); {bad.fix}"))
    return problems
