"""Raw mappings → typed records: the rules of one record on its own.

Values are checked by their kind (:mod:`site_builder.kinds`); this module walks a record's
fields, reports unknown, missing and empty keys with the line they are on, and applies the
rules that need the whole record but no other file.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Iterator

from . import load
from .errors import Problem
from .kinds import CHECKS, RESERVED_ANCHORS, Bad, Kind, describe, short
from .model import ALWAYS_REQUIRED, ListInfo, Paper, Section, Spec, anchor_of

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any

# Keys people write by habit, mapped to the field they meant.
_ALIASES = {
    "link": "url", "paper": "url", "pdf": "url", "paper_url": "url", "href": "url",
    "github": "code", "repo": "code", "code_url": "code", "repository": "code",
    "author": "authors", "conference": "venue", "journal": "venue", "booktitle": "venue",
    "section": "category", "categories": "also_in", "mark": "marks",
    "image": "figure", "fig": "figure", "summary": "abstract", "keywords": "tags",
    "tag": "tags", "date": "added", "name": "title",
    "project": "links", "website": "links", "homepage": "links", "demo": "links",
}




def suggest(word: str, choices: Iterable[str]) -> str:
    """``did you mean 'x'?`` for a misspelt key or id, or '' when nothing is close."""
    import difflib

    choices = list(choices)
    if word in _ALIASES and _ALIASES[word] in choices:
        return f"did you mean '{_ALIASES[word]}'?"
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


@functools.cache
def _fields(cls: type) -> dict[str, dataclasses.Field]:
    """The schema fields of a record type (looked up once per type, not per record)."""
    return {f.name: f for f in dataclasses.fields(cls) if "spec" in f.metadata}


class _Flat:
    """What the fast path needs to know of a record type without nested records."""

    __slots__ = ("allowed", "checks", "defaults", "required")

    def __init__(self, allowed: frozenset[str], required: frozenset[str],
                 checks: dict[str, Callable[[Any], Any]], defaults: dict[str, Any]) -> None:
        self.allowed, self.required, self.checks = allowed, required, checks
        self.defaults = defaults  # every field's default, in field order

    def make(self, cls: type, values: dict[str, Any]) -> Any:
        """``cls(**values)`` for checked values, without the frozen ``__init__``'s one
        ``object.__setattr__`` call per field (record types have no ``__post_init__``)."""
        record: Any = object.__new__(cls)
        fields = record.__dict__
        fields.update(self.defaults)
        fields.update(values)
        return record


@functools.cache
def _flat(cls: type) -> _Flat | None:
    specs = {name: f.metadata["spec"] for name, f in _fields(cls).items()}
    if any(sp.kind is Kind.OBJECT for sp in specs.values()):
        return None
    checks = {}
    for name, sp in specs.items():
        if sp.kind is not Kind.OBJECTS:
            checks[name] = CHECKS[sp.kind]
            continue
        item = _flat(sp.record)
        if item is None:
            return None
        checks[name] = functools.partial(_fast_items, item, sp.record)
    if hasattr(cls, "__post_init__") or hasattr(cls, "__slots__") or \
            len(specs) != len(dataclasses.fields(cls)):
        return None  # make() would not be what the constructor does
    defaults = {f.name: f.default_factory() if f.default_factory is not dataclasses.MISSING
                else f.default for f in dataclasses.fields(cls)}
    return _Flat(frozenset(specs), frozenset(n for n, sp in specs.items() if sp.required),
                 checks, defaults)


def _fast_items(flat: _Flat, cls: type, value: Any) -> tuple:
    """A list of flat records on the fast path (``Bad`` sends it to the careful path)."""
    if type(value) is not list:
        raise Bad("", "")
    items = tuple(_fast(flat, cls, v) if type(v) is dict else None for v in value)
    if not items or any(i is None for i in items):
        raise Bad("", "")
    return items


def _fast(flat: _Flat, cls: type, data: dict, optional: frozenset[str] = frozenset()) -> Any:
    """The record when ``data`` is valid, else ``None`` (then the careful path explains)."""
    if not (data.keys() <= flat.allowed):
        return None
    checks = flat.checks
    try:
        values = {k: checks[k](v) for k, v in data.items() if v is not None}
    except Bad:
        return None
    required = flat.required - optional if optional else flat.required
    return flat.make(cls, values) if required <= values.keys() else None


def build_record(cls: type, data: Any, src: load.Source, at: tuple[str | int, ...] = (),
                 problems: list[Problem] | None = None,
                 optional: frozenset[str] = frozenset()) -> Any:
    """Check ``data`` against the dataclass ``cls``; returns the record or ``None``.

    Problems are appended to ``problems`` with the line of the offending key.  Valid
    records take a fast path; only a record with a problem is walked field by field.
    ``optional`` names required fields the list lets its records leave out.
    """
    flat = _flat(cls)
    if flat is not None and type(data) is dict:
        record = _fast(flat, cls, data, optional)
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
        report(None, f"must be {what} of keys and values, got {describe(data)}",
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
            if sp.required and key not in optional:
                report(key, "is empty", "give a value")
                ok = False
            continue
        try:
            values[key] = _value(sp, value, src, (*at, key), problems)
        except Bad as bad:
            report(key, bad.message, bad.fix)
            ok = False
            continue
        if values[key] is None:
            ok = False
    for name, f in fields.items():
        sp = f.metadata["spec"]
        if sp.required and name not in data and name not in optional:
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


# The README heads sections with ## to ######: five levels.  (A deeper one would print its
# heading as text; a list nested hundreds deep, a few kilobytes in YAML's flow style, would
# exhaust the recursion of checking and rendering.)
MAX_SECTION_DEPTH = 5


def _value(sp: Spec, value: Any, src: load.Source, at: tuple[str | int, ...],
           problems: list[Problem]) -> Any:
    if sp.record is Section and at.count("sections") > MAX_SECTION_DEPTH:
        raise Bad(f"subsections nested more than {MAX_SECTION_DEPTH} deep (the README's "
                  "headings go from ## to ######)", "move these sections up a level")
    if sp.kind is Kind.OBJECT:
        return build_record(sp.record, value, src, at, problems)  # type: ignore[arg-type]
    if sp.kind is Kind.OBJECTS:
        if not isinstance(value, list):
            raise Bad(f"must be a list, got {describe(value)}", "write each item on a line "
                       "starting with '- '")
        items = [build_record(sp.record, v, src, (*at, i), problems)  # type: ignore[arg-type]
                 for i, v in enumerate(value)]
        return None if any(i is None for i in items) else tuple(items)
    return CHECKS[sp.kind](value)


def walk_sections(sections: tuple[Section, ...], at: tuple[str | int, ...] = ("sections",)
                  ) -> Iterator[tuple[Section, tuple[str | int, ...]]]:
    """Every section with the YAML path to it, subsections included, in document order."""
    for i, section in enumerate(sections):
        yield section, (*at, i)
        yield from walk_sections(section.sections, (*at, i, "sections"))


def _file_problems(src: load.Source, empty: str, fix: str) -> list[Problem]:
    """The problems of reading the file, plus one when it holds nothing at all."""
    problems = list(src.problems)
    if src.data is None and not problems:
        problems.append(Problem(src.path, 0, "", empty, fix))
    return problems


# What only an information section shows (README and site): in a section of papers it
# would be dropped without a word.
INFO_CONTENT = ("image", "chart", "legend", "items", "text", "blocks")


def check_info(src: load.Source) -> tuple[ListInfo | None, list[Problem]]:
    problems = _file_problems(src, "the list-level file is empty", "add title: and sections:")
    if src.data is None:
        return None, problems
    info = build_record(ListInfo, src.data, src, (), problems)
    if info is None:
        return None, problems

    def report(at: tuple[str | int, ...], message: str, fix: str) -> None:
        problems.append(Problem(src.path, src.line(*at), ".".join(map(str, at)), message, fix))

    ids: dict[str, int] = {}
    anchors: dict[str, int] = dict.fromkeys(RESERVED_ANCHORS, -1)  # the README's own
    for i, (section, at) in enumerate(walk_sections(info.sections)):
        twice = bool(section.id) and section.id in ids
        if section.id:
            if twice:
                report((*at, "id"), f"{section.id!r} is used twice",
                       "give every section its own id")
            ids[section.id] = i
            for name in INFO_CONTENT:
                if getattr(section, name):
                    report((*at, name), f"a section with an id holds papers: its {name} is "
                           "shown nowhere", "move it to an information section (one without "
                           "an id), or delete it")
        elif section.order:
            report((*at, "order"), "only a section with an id holds papers to order",
                   "give the section an id or delete order:")
        anchor = anchor_of(section)
        if not anchor:
            report((*at, "title"), f"the title {short(section.title)} gives no anchor (it has no "
                   "letter or digit)", "give the section an anchor, e.g. anchor: resources")
        elif anchor in anchors and not (twice and not section.anchor):  # reported as the id
            report((*at, "anchor"), f"anchor {anchor!r} is used twice (or is reserved)",
                   "give every section its own anchor")
        anchors[anchor] = i
    if not ids:
        problems.append(Problem(src.path, src.line("sections"), "sections",
                                "no section has an id, so no paper can be listed",
                                "give each section that holds papers an id"))
    marks: set[str] = set()
    for i, mark in enumerate(info.marks):
        if mark.id in marks:
            report(("marks", i, "id"), f"mark {mark.id!r} is declared twice",
                   "give every mark its own id")
        marks.add(mark.id)
    may_omit = [n for n, f in _fields(Paper).items()
                if f.metadata["spec"].required and n not in ALWAYS_REQUIRED]
    for i, name in enumerate(info.optional):
        if name not in may_omit:
            hint = suggest(name, may_omit)
            report(("optional", i), f"{name!r} cannot be made optional",
                   f"{hint + ' ' if hint else ''}a list may make optional: "
                   f"{', '.join(may_omit)}")
    return (None if problems else info), problems


def _known(src: load.Source, problems: list[Problem], field: str, values: tuple[str, ...],
           choices: list[str], what: str) -> None:
    """Report every value of a list field that is not one of ``choices``, with a hint."""
    for i, value in enumerate(values):
        if value in choices:
            continue
        hint = suggest(value, choices)
        fix = f"use one of: {', '.join(choices)}" if choices else \
            f"declare it under {what}s: in _list.yaml first"
        problems.append(Problem(src.path, src.line(field, i), field,
                                f"unknown {what} {value!r}",
                                f"{hint + ' ' if hint else ''}{fix}"))


_NONE: frozenset[str] = frozenset()


def _same_text(a: str, b: str) -> bool:
    """``a.casefold() == b.casefold()``; ASCII texts of different lengths (a title and its
    abstract) differ without folding either."""
    if len(a) != len(b) and a.isascii() and b.isascii():
        return False
    return a.casefold() == b.casefold()


def check_paper(src: load.Source, section_ids: list[str] | None,
                info: ListInfo | None = None) -> tuple[Paper | None, list[Problem]]:
    """Check one paper file on its own (the category only when the sections are known;
    marks, further sections and optional fields only when the list-level file is)."""
    problems = _file_problems(src, "the file is empty",
                              "write the paper's fields, or delete the file")
    if src.data is None:
        return None, problems
    optional = frozenset(info.optional) if info and info.optional else _NONE
    paper = build_record(Paper, src.data, src, (), problems, optional)
    if paper is not None and info is not None and (paper.marks or paper.also_in):
        _known(src, problems, "marks", paper.marks, [m.id for m in info.marks], "mark")
        ids = section_ids if section_ids is not None else \
            [s.id for s in info.paper_sections() if s.id]
        _known(src, problems, "also_in", paper.also_in, ids, "section")
        for i, section_id in enumerate(paper.also_in):
            if section_id == paper.category or section_id in paper.also_in[:i]:
                problems.append(Problem(src.path, src.line("also_in", i), "also_in",
                                        f"{section_id!r} is listed twice (or is the category)",
                                        "name each further section once"))
        if len(set(paper.marks)) != len(paper.marks):
            problems.append(Problem(src.path, src.line("marks"), "marks",
                                    "names a mark twice", "name each mark once"))
    if problems:
        paper = None
    if section_ids and problems:  # the example category: one of this list's sections
        problems = [dataclasses.replace(p, fix=f"add the line 'category: ...', e.g. category: "
                                        f"{section_ids[0]}")
                    if p.field == "category" and p.message == "is missing" else p
                    for p in problems]
    if paper is not None and section_ids is not None and paper.category not in section_ids:
        hint = suggest(paper.category, section_ids)
        problems.append(Problem(src.path, src.line("category"), "category",
                                f"unknown category {paper.category!r}",
                                f"{hint + ' ' if hint else ''}use one of: "
                                f"{', '.join(section_ids)}"))
        paper = None
    if paper is not None and paper.abstract and _same_text(paper.title, paper.abstract):
        problems.append(Problem(src.path, src.line("abstract"), "abstract",
                                "is the same as the title", "copy the paper's abstract"))
    return paper, problems


