"""Raw mappings → typed records: the rules of one record on its own.

Values are checked by their kind (:mod:`site_builder.kinds`); this module walks a record's
fields, reports unknown, missing and empty keys with the line they are on, and applies the
rules that need the whole record but no other file.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from . import load
from .errors import Problem
from .kinds import CHECKS, Bad, Kind, describe
from .model import ListInfo, Paper, Spec, anchor_of

# Keys people write by habit, mapped to the field they meant.
_ALIASES = {
    "link": "url", "paper": "url", "pdf": "url", "paper_url": "url", "href": "url",
    "github": "code", "repo": "code", "code_url": "code", "repository": "code",
    "author": "authors", "conference": "venue", "journal": "venue", "booktitle": "venue",
    "section": "category", "categories": "category", "medical": "non_medical",
    "image": "figure", "fig": "figure", "summary": "abstract", "keywords": "tags",
    "tag": "tags", "date": "added", "name": "title",
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
                 {n: CHECKS[sp.kind] for n, sp in specs.items()})


def _fast(flat: _Flat, cls: type, data: dict) -> Any:
    """The record when ``data`` is valid, else ``None`` (then the careful path explains)."""
    if not (data.keys() <= flat.allowed):
        return None
    checks = flat.checks
    try:
        values = {k: checks[k](v) for k, v in data.items() if v is not None}
    except Bad:
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
            if sp.required:
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
            raise Bad(f"must be a list, got {describe(value)}", "write each item on a line "
                       "starting with '- '")
        items = [build_record(sp.record, v, src, (*at, i), problems)  # type: ignore[arg-type]
                 for i, v in enumerate(value)]
        return None if any(i is None for i in items) else tuple(items)
    return CHECKS[sp.kind](value)



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
    if section_ids:  # the example category is one of this list's sections, not a fixed word
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
    if paper is not None and paper.abstract and paper.title.casefold() == \
            paper.abstract.casefold():
        problems.append(Problem(src.path, src.line("abstract"), "abstract",
                                "is the same as the title", "copy the paper's abstract"))
    return paper, problems


