"""Records → YAML text, in schema order, for importers and scaffolding.

Only set fields are written (no ``null`` lines, no defaults), long prose is folded so that
a contributor can edit it, and the result loads back to the same record.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from .fsio import write_atomic
from .kinds import CHECKS, MAX_ID
from .model import Kind, ListInfo, Paper
from .text import fold, slugify


class _Writer(yaml.SafeDumper):
    """The pure-Python dumper: libyaml's escapes emoji as \\U0001F31F, this one does not."""


class _Prose(str):
    """Long text written as a folded block (``>-``), easy to edit and to diff."""


def _prose(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")


class _Verbatim(str):
    """A Markdown block written as a literal block (``|``): line for line as it shows."""


def _verbatim(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")


_Writer.add_representer(_Prose, _prose)
_Writer.add_representer(_Verbatim, _verbatim)


def plain(record: Any) -> Any:
    """A record as plain data: schema fields only, unset ones left out."""
    if dataclasses.is_dataclass(record):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(record):
            if "spec" not in f.metadata:
                continue
            value = getattr(record, f.name)
            if value is None or value == () or (value is False and f.default is False):
                continue
            if f.default is not dataclasses.MISSING and value == f.default and \
                    not f.metadata["spec"].required:
                continue
            kind = f.metadata["spec"].kind
            prose = kind in (Kind.LONG_TEXT, Kind.MARKDOWN)
            if kind is Kind.BLOCKS:
                out[f.name] = [_Verbatim(v) for v in value]
            else:
                out[f.name] = _Prose(value) if prose and len(value) > 80 else plain(value)
        return out
    if isinstance(record, (list, tuple)):
        return [plain(v) for v in record]
    if isinstance(record, dt.date):
        return record
    return record


def to_yaml(record: Paper | ListInfo, header: str = "") -> str:
    body = yaml.dump(plain(record), Dumper=_Writer, sort_keys=False, allow_unicode=True,
                     width=88, default_flow_style=False)
    return header + body


LIST_HEADER = ("# The list-level file: title, header content of the README and the sections,\n"
               "# in order. A section with an `id` holds papers (their `category`).\n")


def write_list(papers_dir: Path, info: ListInfo, papers: list[Paper],
               names: list[str]) -> list[Path]:
    """Write the list-level file and one file per paper; returns the paths written."""
    from .load import LIST_FILE

    papers_dir.mkdir(parents=True, exist_ok=True)
    written = [papers_dir / LIST_FILE]
    write_atomic(written[0], to_yaml(info, LIST_HEADER))
    for name, paper in zip(names, papers, strict=True):
        path = papers_dir / f"{name}.yaml"
        write_atomic(path, to_yaml(paper))
        written.append(path)
    return written


def file_stem(paper: Paper, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A readable file stem not in ``taken``: ``guo2025-dinomaly-the-less-is-more`` (a
    :attr:`Kind.FILE_STEM <site_builder.kinds.Kind.FILE_STEM>`: the paper's permanent link)."""
    family = fold(paper.authors[0].split(",")[0]).replace(" ", "") if paper.authors else ""
    base = f"{family or 'anon'}{paper.year}-{slugify(paper.title, 5)}"
    stem = base = base[: MAX_ID - 6].rstrip("-")  # room for a "-NNNNN" counter
    n = 2
    while stem in taken:
        stem, n = f"{base}-{n}", n + 1
    return str(CHECKS[Kind.FILE_STEM](stem))


def file_stems(papers: list[Paper]) -> list[str]:
    """Unique stems for papers written together, in their order."""
    names: list[str] = []
    taken: set[str] = set()
    for paper in papers:
        names.append(file_stem(paper, taken))
        taken.add(names[-1])
    return names
