"""Rules that need the whole list: duplicates across files and file names used twice."""

from __future__ import annotations

from pathlib import Path

from . import load
from .errors import Problem
from .ids import find_arxiv, find_doi
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



def cross_check(entries: list[tuple[Entry, load.Source]]) -> list[Problem]:
    """Duplicates across files: same DOI, arXiv id or title; copied abstracts."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry, src in entries:
        p = entry.paper
        keys = [("doi", "DOI", effective_doi(p)), ("arxiv", "arXiv id", effective_arxiv(p)),
                ("title", "title", fold(p.title))]
        # Abstracts are already whitespace-squashed by validation: count spaces for words.
        if p.abstract and p.abstract.count(" ") + 1 >= MIN_ABSTRACT_WORDS:
            keys.append(("abstract", "abstract", p.abstract.casefold()))
        for field, what, value in keys:
            if not value:
                continue
            first = seen.setdefault((field, value), entry)
            if first is entry:
                continue
            line_key = field if getattr(p, field) else "url"  # an id read from the link
            if field == "abstract":
                message = (f"same abstract as {first.path} (\"{first.paper.title}\"); one of "
                           "the two papers carries the other's abstract")
                fix = "replace it with this paper's own abstract, or delete it"
            else:
                message = f"same {what} as {first.path}: the paper is already in the list"
                fix = "delete this file, or edit the existing one"
            problems.append(Problem(src.path, src.line(line_key), field, message, fix,
                                    severity="warning" if field == "abstract" else "error"))
    return problems


def same_names(files: list[Path], names: list[str]) -> list[Problem]:
    """File names (without folder) must differ: the name is the paper's permanent link."""
    first: dict[str, str] = {}
    problems = []
    for path, shown in zip(files, names, strict=True):
        seen = first.setdefault(path.stem, shown)
        if seen != shown:
            problems.append(Problem(shown, 0, "", f"the file name {path.stem!r} is also used "
                                    f"by {seen}; it is the paper's permanent link on the site",
                                    "rename one of the two files"))
    return problems


