"""The weekly inbox issue → the boxes a maintainer ticked in it.

``site-builder inbox`` writes the issue body; per candidate paper it holds exactly two
machine lines (the format contract between the two commands)::

    - [ ] Add to *Section Title* <!-- inbox:add id=arxiv:2401.12345 section=section-id -->
    - [ ] Dismiss <!-- inbox:dismiss id=arxiv:2401.12345 -->

and the body starts with :data:`MARKER`.  GitHub writes a ticked box as ``[x]`` (people
type ``[X]`` too).  Only a line in exactly this form counts: anything else, a look-alike
with another id form or a box inside a fenced code block, is ignored.  The body reaches
this module from the issue, so the patterns are anchored and linear, and the ids are the
value patterns of :mod:`site_builder.ids` and :mod:`site_builder.kinds`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import UsageError
from ..ids import ARXIV_CORE, DOI_CORE
from ..kinds import SLUG_CORE

MARKER = "<!-- site-builder inbox report -->"

_ID = f"arxiv:(?:{ARXIV_CORE})|doi:{DOI_CORE}"
# A section title as the report escapes it: plain characters or backslash pairs, never a
# '<' or '>' (a comment cannot hide inside) and never a bare '*' (it closes the emphasis).
_TITLE = r"(?:[^\\<>*\n]|\\.)+"
_BOX = r"^ *- \[([ xX])\] "
_ADD = re.compile(rf"{_BOX}Add to \*{_TITLE}\* <!-- inbox:add id=({_ID}) "
                  rf"section=({SLUG_CORE}) -->$")
_DISMISS = re.compile(rf"{_BOX}Dismiss <!-- inbox:dismiss id=({_ID}) -->$")
_FENCES = ("```", "~~~")


@dataclass(frozen=True)
class Box:
    """One machine line of the report: what ticking it asks for, and whether it is ticked.

    ``id`` is ``arxiv:<versionless id>`` or ``doi:<lower-case DOI>``; ``section`` is the
    section id of an Add box (``None`` for Dismiss)."""

    line: int
    action: str  # "add" | "dismiss"
    id: str
    section: str | None
    ticked: bool

    @property
    def key(self) -> tuple[str, str, str | None]:
        """What the box asks for, wherever it stands in the body."""
        return self.action, self.id, self.section


def is_report(body: str) -> bool:
    """Whether ``body`` is an inbox report: its first line is :data:`MARKER`."""
    first = body.lstrip("\ufeff").split("\n", 1)[0]
    return first.strip() == MARKER


def _box(number: int, line: str) -> Box | None:
    m = _ADD.match(line)
    if m:
        return Box(number, "add", _normal(m.group(2)), m.group(3), m.group(1) != " ")
    m = _DISMISS.match(line)
    if m:
        return Box(number, "dismiss", _normal(m.group(2)), None, m.group(1) != " ")
    return None


def _normal(paper_id: str) -> str:
    """DOIs compare case-blind; the report writes them in lower case."""
    return paper_id.lower() if paper_id.startswith("doi:") else paper_id


def boxes(body: str, source: str = "issue") -> list[Box]:
    """Every machine line of the report ``body``, in order; a body that is not a report
    is a usage error (the workflow passed the wrong issue)."""
    if not is_report(body):
        raise UsageError(f"{source}: not a site-builder inbox report (its first line is not "
                         f"{MARKER!r}) — pass the body of the weekly inbox issue")
    found: list[Box] = []
    fenced = False
    for number, line in enumerate(body.splitlines(), 1):
        if line.lstrip(" ").startswith(_FENCES):
            fenced = not fenced
            continue
        box = None if fenced else _box(number, line)
        if box is not None:
            found.append(box)
    return found


def newly_ticked(body: str, before: str | None = None, source: str = "issue") -> list[Box]:
    """The ticked boxes of ``body`` that were not already ticked in ``before`` (the body
    before this edit, whose ticks an earlier run handled); ``before`` that is not a report
    had no ticks."""
    done = {b.key for b in boxes(before) if b.ticked} \
        if before is not None and is_report(before) else set()
    return [b for b in boxes(body, source) if b.ticked and b.key not in done]
