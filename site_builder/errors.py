"""Problems found in records, and how they are reported.

A :class:`Problem` is one finding, always with a path, a line (0 when the whole file is
concerned), the field it is about, what is wrong and how to fix it.  Library code collects
problems and raises :class:`InvalidRecords` once; only the CLI turns that into an exit code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass

# What a terminal acts on or a reader cannot see, in a file's name or a value echoed back:
# C0 and C1 controls (ESC opens the terminal's escape sequences, a line break makes one
# problem read as two), DEL, and the bidi controls.  Shown as Python escapes ('\x1b').
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """``text`` with every character :data:`_UNSHOWABLE` matches written as its escape."""
    return _UNSHOWABLE.sub(lambda m: ascii(m.group())[1:-1], text)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    field: str
    message: str
    fix: str = ""
    column: int = 0
    severity: str = "error"  # "warning": reported, does not fail the build; "note": a hint

    def detail(self) -> str:
        """``field: what is wrong — how to fix it``."""
        message = self.message if self.severity == "error" else \
            f"{self.severity}: {self.message}"
        what = f"{self.field}: {message}" if self.field else message
        return visible(f"{what} — {self.fix}" if self.fix else what)

    def text(self) -> str:
        """``path:line: field: what is wrong — how to fix it``."""
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{visible(where)}: {self.detail()}"


class SiteBuilderError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class UsageError(SiteBuilderError):
    exit_code = 2


class InvalidRecords(SiteBuilderError):
    """Raised once with every problem found, after all files were read."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(summary(self.problems))


def counted(n: int, word: str) -> str:
    """``1 paper``, ``2 papers``: a count and its noun, for messages."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(problems: list[Problem]) -> str:
    """``2 errors and 1 warning in 3 files``."""
    errors = sum(p.severity == "error" for p in problems)
    warnings = sum(p.severity == "warning" for p in problems)
    notes = len(problems) - errors - warnings
    files = len({p.path for p in problems})
    parts = [counted(errors, "error")] + ([counted(warnings, "warning")] if warnings else []) \
        + ([counted(notes, "note")] if notes else [])
    return f"{' and '.join(parts)} in {counted(files, 'file')}"


def _escape_github(value: str, *, prop: bool = False) -> str:
    """Escape a workflow-command value (GitHub's own rules for data and properties)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def format_problems(problems: list[Problem], fmt: str = "text") -> str:
    """Render problems for people (text), GitHub annotations (github) or tools (json)."""
    if fmt == "json":
        return json.dumps([asdict(p) for p in problems], ensure_ascii=False, indent=2)
    if fmt == "github":
        lines = []
        for p in problems:
            props = f"file={_escape_github(visible(p.path), prop=True)}"
            if p.line:
                props += f",line={p.line}"
            if p.column:
                props += f",col={p.column}"
            title = _escape_github(p.field or "record", prop=True)
            level = "notice" if p.severity == "note" else p.severity
            lines.append(f"::{level} {props},title={title}::"
                         f"{_escape_github(p.detail())}")
        lines.append(summary(problems))
        return "\n".join(lines)
    return "\n".join([*(p.text() for p in problems), summary(problems)])
