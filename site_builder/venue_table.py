"""The venue table: short venue name → kind (conference, journal, preprint) and full name.

The table is data (``site_builder/data/venues.yaml``), shared by the scaffolder, which
maps the names services print to short names (:mod:`services.venues`), and the exporters,
which cite the full name in the right BibTeX/RIS field.  A list adds or overrides venues
in ``papers/_venues.yaml`` (same format); a venue in neither is cited as written.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import load
from .errors import InvalidRecords, Problem
from .kinds import CHECKS, Bad, Kind

BUNDLED = Path(__file__).resolve().parent / "data" / "venues.yaml"
OVERRIDE_FILE = "_venues.yaml"
KINDS = ("conference", "journal", "preprint")
_KEYS = ("kind", "name", "match")


@dataclass(frozen=True)
class Venue:
    short: str
    kind: str  # one of KINDS
    name: str
    match: tuple[str, ...] = ()


def parse_table(src: load.Source) -> dict[str, Venue]:
    """A venue table from a read file; every problem, with its line, in one InvalidRecords."""
    problems = list(src.problems)
    table: dict[str, Venue] = {}
    data = src.data if src.data is not None else {}
    if not isinstance(data, dict):
        problems.append(Problem(src.path, 1, "", "must be a mapping of short venue names",
                                "write 'CVPR:' followed by indented 'kind:' and 'name:'"))
        data = {}
    for short, body in data.items():
        where = str(short)
        if not isinstance(body, dict):
            problems.append(Problem(src.path, src.line(short), where, "must be a mapping",
                                    "give it 'kind:' and 'name:' lines"))
            continue
        for extra in sorted(set(map(str, body)) - set(_KEYS)):
            problems.append(Problem(src.path, src.line(short, extra), f"{where}.{extra}",
                                    "unknown key", f"use only {', '.join(_KEYS)}"))
        kind, name, match = body.get("kind"), body.get("name"), body.get("match") or []
        if kind not in KINDS:
            problems.append(Problem(src.path, src.line(short, "kind"), f"{where}.kind",
                                    f"must be one of {', '.join(KINDS)}",
                                    "say whether the venue is a conference or a journal"))
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(src.path, src.line(short, "name"), f"{where}.name",
                                    "the full venue name is missing",
                                    "write it as citations print it"))
        else:
            try:  # as any text of a record: no control or direction character, not too long
                CHECKS[Kind.TEXT](name)
            except Bad as bad:
                problems.append(Problem(src.path, src.line(short, "name"), f"{where}.name",
                                        bad.message, bad.fix))
                name = None
        if not isinstance(match, list) or not all(isinstance(m, str) for m in match):
            problems.append(Problem(src.path, src.line(short, "match"), f"{where}.match",
                                    "must be a list of names", "write [name one, name two]"))
            match = []
        if kind in KINDS and isinstance(name, str) and name.strip():
            table[where] = Venue(where, str(kind), " ".join(name.split()), tuple(match))
    if problems:
        raise InvalidRecords(problems)
    return table


@functools.cache
def bundled() -> Mapping[str, Venue]:
    """The venue table shipped with site_builder."""
    return parse_table(load.read(BUNDLED, "site_builder/data/venues.yaml"))


def load_venues(papers_dir: Path | None = None) -> dict[str, Venue]:
    """The bundled table with the list's ``_venues.yaml`` (when present) on top."""
    table = dict(bundled())
    if papers_dir is not None and (papers_dir / OVERRIDE_FILE).is_file():
        path = papers_dir / OVERRIDE_FILE
        table.update(parse_table(load.read(path, load.display_path(path))))
    return table


def lookup(table: Mapping[str, Venue], short: str) -> Venue | None:
    """The venue a record's short name means: exact, then ignoring case."""
    found = table.get(short)
    if found is None:
        wanted = short.casefold()
        found = next((v for k, v in table.items() if k.casefold() == wanted), None)
    return found
