"""Raw mappings → typed records → one validated :class:`PaperList`.

Every file is checked against the schema in :mod:`site_builder.model`; then the papers are
checked against each other (category, duplicates, copied abstracts).  All problems of all
files are collected and raised once as :class:`~site_builder.errors.InvalidRecords`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import ids, load
from .errors import InvalidRecords, Problem
from .ids import find_arxiv, find_doi
from .model import MIN_YEAR, Kind, ListInfo, Paper, Section, Spec, max_year
from .text import fold, is_safe_url

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_EMAIL = re.compile(r"^[^@\s<>()\[\]]+@[^@\s<>()\[\]]+\.[A-Za-z]{2,}$")
# Inline link targets "](x" and reference definitions "[x]: y".
_MD_LINK_TARGET = re.compile(r"\]\(([^)\s]*)|\]:\s*(\S+)")
_HTML_TAG = re.compile(r"<[A-Za-z/!?]")
# C0 and C1 controls, DEL, and the bidi embeddings/overrides/isolates that can make text
# read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 1000
MAX_LONG_TEXT = 20000
MIN_ABSTRACT_WORDS = 20

# Keys people write by habit, mapped to the field they meant.
_ALIASES = {
    "link": "url", "paper": "url", "pdf": "url", "paper_url": "url", "href": "url",
    "github": "code", "repo": "code", "code_url": "code", "repository": "code",
    "author": "authors", "conference": "venue", "journal": "venue", "booktitle": "venue",
    "section": "category", "categories": "category", "medical": "non_medical",
    "image": "figure", "fig": "figure", "summary": "abstract", "keywords": "tags",
    "tag": "tags", "date": "added", "name": "title",
}


@dataclass(frozen=True)
class Entry:
    """A validated paper and the file it came from (``key`` is the file's stem)."""

    key: str
    path: str
    paper: Paper


@dataclass(frozen=True)
class PaperList:
    """The validated list: what every renderer receives (warnings ride along)."""

    info: ListInfo
    entries: tuple[Entry, ...]
    warnings: tuple[Problem, ...] = ()

    def paper_sections(self) -> list[Section]:
        return [s for s in self.info.sections if s.id]

    def grouped(self) -> list[tuple[Section, list[Entry]]]:
        """Paper sections in list order, each with its papers newest first; ties by venue,
        then title, then file name (documented in the README's build section)."""
        by_id: dict[str, list[Entry]] = {s.id: [] for s in self.paper_sections() if s.id}
        for entry in self.entries:
            by_id[entry.paper.category].append(entry)
        return [(s, sorted(by_id[s.id], key=sort_key)) for s in self.paper_sections() if s.id]


def sort_key(entry: Entry) -> tuple[int, str, str, str]:
    p = entry.paper
    return (-p.year, p.venue.casefold(), p.title.casefold(), entry.key)


def anchor_of(section: Section) -> str:
    return section.anchor or section.id or fold(section.title).replace(" ", "-")


def suggest(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for a misspelt key or id, or '' when nothing is close."""
    import difflib

    choices = list(choices)
    if word in _ALIASES and _ALIASES[word] in choices:
        return f"did you mean '{_ALIASES[word]}'?"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


# --- one value -----------------------------------------------------------------------

class _Bad(Exception):
    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def _short(value: Any, limit: int = 60) -> str:
    """A value as it is echoed in a message: quoted, and cut short (a message must never
    carry a whole file back out, nor flood a terminal)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}…{text[-3:]}"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as true/false)"
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"a date ({value})"
    return f"{type(value).__name__} {_short(value)}"


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be text, got {_describe(value)}", "put the value in double quotes")
    if not value.isprintable() and _CONTROL.search(value):
        char = _CONTROL.search(value).group()  # type: ignore[union-attr]
        raise _Bad(f"contains an invisible control character (U+{ord(char):04X})",
                   "remove it (copy the text again from the paper)")
    text = " ".join(value.split())  # text.squash, inlined: this runs for every value
    if not text:
        raise _Bad("is empty", "give a value or delete the line")
    if len(text) > limit:
        raise _Bad(f"is {len(text):,} characters long (limit {limit:,})", "shorten it")
    return text


def _markdown(value: Any) -> str:
    text = _text(value)
    if _HTML_TAG.search(text):
        raise _Bad("contains HTML", "use Markdown only, e.g. [text](https://...)")
    for inline, reference in _MD_LINK_TARGET.findall(text):
        target = inline or reference
        if not (is_safe_url(target) or target.startswith(("#", "mailto:"))):
            raise _Bad(f"link target {_short(target)} is not an http(s) URL",
                       "link to an https:// address")
    return text


def _url(value: Any) -> str:
    text = _text(value)
    if not text.lower().startswith(("http://", "https://")):
        raise _Bad(f"{_short(text)} is not an http(s) URL", "give the full address starting with "
                   "https://")
    if not is_safe_url(text):
        raise _Bad(f"{_short(text)} contains spaces, quotes, brackets or parentheses",
                   "percent-encode them (space %20, ( %28, ) %29)")
    return text


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fix = "write the year as a number, without quotes" if str(value).isdigit() else \
            "write the four-digit year, e.g. 2025"
        raise _Bad(f"must be a year, got {_describe(value)}", fix)
    if not MIN_YEAR <= value <= max_year():
        raise _Bad(f"{value} is out of range ({MIN_YEAR}–{max_year()})",
                   "give the year the paper was published")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _Bad(f"must be true or false, got {_describe(value)}", "write true or false")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _Bad(f"must be a date, got {_describe(value)}", "write it as YYYY-MM-DD")


def _matching(pattern: re.Pattern[str], what: str, fix: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if not pattern.match(text):
            raise _Bad(f"{_short(text)} is not {what}", fix)
        return text

    return check


def _doi(value: Any) -> str:
    text = _text(value)
    if "://" in text or text.lower().startswith("doi.org/"):
        raise _Bad("is a URL, not a DOI", f"write only the DOI: {find_doi(text) or '10.…'}")
    if text.lower().startswith("doi:") and ids.DOI.match(text[4:].strip()):
        raise _Bad(f"{_short(text)} has a prefix", f"write only the DOI: {text[4:].strip()}")
    if not ids.DOI.match(text):
        raise _Bad(f"{_short(text)} is not a DOI", "a DOI looks like 10.1109/CVPR.2025.01234")
    return text


def _arxiv(value: Any) -> str:
    if isinstance(value, float):
        raise _Bad(f"was read as the number {value}", "put the arXiv id in quotes, e.g. "
                   "'2403.09303'")
    text = _text(value)
    bare = find_arxiv(text)
    if bare and bare != text:
        raise _Bad(f"{_short(text)} has a prefix or version", f"write only the id: {bare}")
    if not ids.ARXIV_ID.match(text):
        raise _Bad(f"{_short(text)} is not an arXiv id", "an arXiv id looks like 2403.09303")
    return text


def _list_of(item: Callable[[Any], Any], what: str, example: str) -> Callable[[Any], tuple]:
    def check(value: Any) -> tuple:
        if not isinstance(value, list):
            raise _Bad(f"must be a list of {what}, got {_describe(value)}",
                       f"write one per line, each starting with '- ', e.g. {example}")
        if not value:
            raise _Bad("is an empty list", "add at least one item or delete the line")
        return tuple(item(v) for v in value)

    return check


def _tag(value: Any) -> str:
    text = _text(value)
    if not _ID.match(text):
        raise _Bad(f"tag {_short(text)} is not lowercase words joined by '-'",
                   f"write it as {fold(text).replace(' ', '-')!r}")
    return text


def _name(value: Any) -> str:
    text = _text(value)
    if " and " in f" {text} ":
        raise _Bad(f"{_short(text)} holds the word 'and'; the list joins names with ' and '",
                   "give each author as their own item")
    return text


_CHECKS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.LONG_TEXT: lambda v: _text(v, MAX_LONG_TEXT),
    Kind.MARKDOWN: _markdown,
    Kind.NAMES: _list_of(_name, "names", "- Guo, Jia"),
    Kind.TAGS: _list_of(_tag, "tags", "- brain-mri"),
    Kind.STRINGS: _list_of(_markdown, "lines", "- some text"),
    Kind.YEAR: _year,
    Kind.URL: _url,
    Kind.BOOL: _bool,
    Kind.DATE: _date,
    Kind.ID: _matching(_ID, "an id (lowercase words joined by '-')", "e.g. identity-mapping"),
    Kind.ANCHOR: _matching(_ANCHOR, "an HTML id", "use letters, digits, '-' or '_'"),
    Kind.DOI: _doi,
    Kind.ARXIV: _arxiv,
    Kind.EMAIL: _matching(_EMAIL, "an e-mail address", "e.g. name@example.org"),
}


# --- one record ----------------------------------------------------------------------

@functools.cache
def _fields(cls: type) -> dict[str, dataclasses.Field]:
    """The schema fields of a record type (looked up once per type, not per record)."""
    return {f.name: f for f in dataclasses.fields(cls) if "spec" in f.metadata}


@dataclass(frozen=True)
class _Flat:
    """What the fast path needs to know of a record type without nested records."""

    allowed: frozenset[str]
    required: frozenset[str]
    checks: dict[str, Callable[[Any], Any]]


@functools.cache
def _flat(cls: type) -> _Flat | None:
    specs = {name: f.metadata["spec"] for name, f in _fields(cls).items()}
    if any(sp.kind in (Kind.OBJECT, Kind.OBJECTS) for sp in specs.values()):
        return None
    return _Flat(frozenset(specs), frozenset(n for n, sp in specs.items() if sp.required),
                 {n: _CHECKS[sp.kind] for n, sp in specs.items()})


def _fast(flat: _Flat, cls: type, data: dict) -> Any:
    """The record when ``data`` is valid, else ``None`` (then the careful path explains)."""
    if not (data.keys() <= flat.allowed):
        return None
    checks = flat.checks
    try:
        values = {k: checks[k](v) for k, v in data.items() if v is not None}
    except _Bad:
        return None
    return cls(**values) if flat.required <= values.keys() else None


def build_record(cls: type, data: Any, src: load.Source, at: tuple[str | int, ...] = (),
                 problems: list[Problem] | None = None) -> Any:
    """Check ``data`` against the dataclass ``cls``; returns the record or ``None``.

    Problems are appended to ``problems`` with the line of the offending key.  Valid
    records take a fast path; only a record with a problem is walked field by field.
    """
    flat = _flat(cls)
    if flat is not None and type(data) is dict:
        record = _fast(flat, cls, data)
        if record is not None:
            return record
    problems = [] if problems is None else problems
    where = ".".join(str(k) for k in at)

    def report(key: str | int | None, message: str, fix: str,
               line_keys: tuple[str | int, ...] | None = None) -> None:
        name = f"{where}.{key}" if where and key is not None else (where or str(key or ""))
        keys = line_keys if line_keys is not None else (*at, key) if key is not None else at
        problems.append(Problem(src.path, src.line(*keys), name, message, fix))

    if not isinstance(data, dict):
        what = "a record" if not at else "a mapping"
        report(None, f"must be {what} of keys and values, got {_describe(data)}",
               "write one 'key: value' per line" if not at else "indent its keys below it")
        return None
    fields = _fields(cls)
    values: dict[str, Any] = {}
    ok = True
    for key, value in data.items():
        if not isinstance(key, str) or key not in fields:
            hint = suggest(str(key), fields)
            report(str(key), "unknown key", f"{hint + ' ' if hint else ''}allowed keys: "
                   f"{', '.join(fields)}")
            ok = False
            continue
        sp: Spec = fields[key].metadata["spec"]
        if value is None:
            if sp.required:
                report(key, "is empty", "give a value")
                ok = False
            continue
        try:
            values[key] = _value(sp, value, src, (*at, key), problems)
        except _Bad as bad:
            report(key, bad.message, bad.fix)
            ok = False
            continue
        if values[key] is None:
            ok = False
    for name, f in fields.items():
        sp = f.metadata["spec"]
        if sp.required and name not in data:
            example = f", e.g. {name}: {_yaml_value(sp.example)}" \
                if isinstance(sp.example, (str, int)) else ""
            report(name, "is missing", f"add the line '{name}: ...'{example}",
                   line_keys=at)
            ok = False
    return cls(**values) if ok else None


def _yaml_value(value: str | int) -> str:
    """An example as it must be written in YAML (quoted when it holds ': ' and the like)."""
    import yaml

    text = yaml.safe_dump(value, allow_unicode=True, width=10_000)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def _value(sp: Spec, value: Any, src: load.Source, at: tuple[str | int, ...],
           problems: list[Problem]) -> Any:
    if sp.kind is Kind.OBJECT:
        return build_record(sp.record, value, src, at, problems)  # type: ignore[arg-type]
    if sp.kind is Kind.OBJECTS:
        if not isinstance(value, list):
            raise _Bad(f"must be a list, got {_describe(value)}", "write each item on a line "
                       "starting with '- '")
        items = [build_record(sp.record, v, src, (*at, i), problems)  # type: ignore[arg-type]
                 for i, v in enumerate(value)]
        return None if any(i is None for i in items) else tuple(items)
    return _CHECKS[sp.kind](value)


# --- the whole list ------------------------------------------------------------------

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


def check_info(src: load.Source) -> tuple[ListInfo | None, list[Problem]]:
    problems = list(src.problems)
    if src.data is None and not problems:
        problems.append(Problem(src.path, 0, "", "the list-level file is empty",
                                "add title: and sections:"))
    if src.data is None:
        return None, problems
    info = build_record(ListInfo, src.data, src, (), problems)
    if info is None:
        return None, problems
    ids: dict[str, int] = {}
    anchors: dict[str, int] = {"top": -1, "build": -1}  # the README's own anchors
    for i, section in enumerate(info.sections):
        twice = bool(section.id) and section.id in ids
        if section.id:
            if twice:
                problems.append(Problem(src.path, src.line("sections", i, "id"),
                                        f"sections.{i}.id", f"{section.id!r} is used twice",
                                        "give every section its own id"))
            ids[section.id] = i
        anchor = anchor_of(section)
        if anchor in anchors and not (twice and not section.anchor):  # reported as the id
            problems.append(Problem(src.path, src.line("sections", i, "anchor"),
                                    f"sections.{i}.anchor",
                                    f"anchor {anchor!r} is used twice (or is reserved)",
                                    "give every section its own anchor"))
        anchors[anchor] = i
    if not ids:
        problems.append(Problem(src.path, src.line("sections"), "sections",
                                "no section has an id, so no paper can be listed",
                                "give each section that holds papers an id"))
    return (None if problems else info), problems


def check_paper(src: load.Source, section_ids: list[str] | None) -> tuple[Paper | None,
                                                                           list[Problem]]:
    """Check one paper file on its own (the category only when the sections are known)."""
    problems = list(src.problems)
    if src.data is None and not problems:
        problems.append(Problem(src.path, 0, "", "the file is empty",
                                "write the paper's fields, or delete the file"))
    if src.data is None:
        return None, problems
    paper = build_record(Paper, src.data, src, (), problems)
    if problems:
        paper = None
    if paper is not None and section_ids is not None and paper.category not in section_ids:
        hint = suggest(paper.category, section_ids)
        problems.append(Problem(src.path, src.line("category"), "category",
                                f"unknown category {paper.category!r}",
                                f"{hint + ' ' if hint else ''}use one of: "
                                f"{', '.join(section_ids)}"))
        paper = None
    if paper is not None and paper.abstract and paper.title.casefold() == \
            paper.abstract.casefold():
        problems.append(Problem(src.path, src.line("abstract"), "abstract",
                                "is the same as the title", "copy the paper's abstract"))
    return paper, problems


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


def _same_names(files: list[Path], names: list[str]) -> list[Problem]:
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


PARALLEL_MIN = 2000  # below this, starting a second process costs more than it saves


def _check_chunk(files: list[Path], names: list[str], section_ids: list[str] | None
                 ) -> list[tuple[Paper | None, list[Problem]]]:
    return [check_paper(load.read(path, shown), section_ids)
            for path, shown in zip(files, names, strict=True)]


def _check_files(files: list[Path], names: list[str], section_ids: list[str] | None
                 ) -> list[tuple[Paper | None, list[Problem]]]:
    """Read and check every paper file; large lists are split with a forked process.

    Parsing is the floor of a check, and PyYAML's constructor runs in Python: with two
    cores a second process halves it.  Results come back in file order, so the output
    does not depend on scheduling.  ``SITE_BUILDER_JOBS=1`` turns this off.
    """
    import os
    import sys

    jobs = min(os.cpu_count() or 1, int(os.environ.get("SITE_BUILDER_JOBS", "2")))
    if len(files) < PARALLEL_MIN or jobs < 2 or sys.platform != "linux":
        return _check_chunk(files, names, section_ids)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    half = len(files) // 2
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        second = pool.submit(_check_chunk, files[half:], names[half:], section_ids)
        first = _check_chunk(files[:half], names[:half], section_ids)
        return first + second.result()


def check_dir(papers_dir: Path, only: set[str] | None = None) -> PaperList:
    """Read and validate a whole list; raise :class:`InvalidRecords` with every problem.

    ``only`` limits the per-file checks to those display paths (``check --changed-only``);
    the other files are still read for the cross-file duplicate checks.
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
    section_ids = [s.id for s in info.sections if s.id] if info else None
    entries: list[tuple[Entry, load.Source]] = []
    files = load.paper_files(papers_dir)
    names = load.display_paths(papers_dir, files)
    for path, shown, (paper, file_problems) in zip(
            files, names, _check_files(files, names, section_ids), strict=True):
        if only is None or shown in only:
            problems += file_problems
        if paper is not None:
            entries.append((Entry(path.stem, shown, paper), load.Source(shown, file=path)))
    problems += _same_names(files, names)
    cross = cross_check(entries)
    problems += [p for p in cross if only is None or p.path in only]
    if info is None or any(p.severity == "error" for p in problems):
        raise InvalidRecords(problems)
    return PaperList(info, tuple(e for e, _ in entries), tuple(sorted(problems)))
