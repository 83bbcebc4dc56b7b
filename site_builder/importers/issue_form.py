"""An "Add a paper" issue → a :class:`~site_builder.model.Paper`.

GitHub renders a submitted issue form as Markdown: one ``### <label>`` heading per field,
in form order, then the answer; an empty optional answer reads ``_No response_`` and a
checkbox ``- [x] <option>``.  The fields are declared here once (:data:`FORM_FIELDS`);
``.github/ISSUE_TEMPLATE/add-paper.yml`` must use the same ids, labels and options (the
marks' options are :func:`mark_option` of each mark the list declares), which
``tests/test_github.py`` checks.

The body is untrusted: every answer is only ever data, checked by the same
``records.check_paper`` as a record file, and problems name the form field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import load
from ..errors import InvalidRecords, Problem
from ..kinds import KINDS, Kind
from ..model import ListInfo, Mark, Paper
from ..records import check_paper

NO_RESPONSE = "_No response_"


@dataclass(frozen=True)
class FormField:
    """One element of the issue form; ``id`` is also the Paper field it fills."""

    id: str
    label: str
    type: str  # input | textarea | dropdown | checkboxes (GitHub's element types)

    @property
    def required(self) -> bool:
        """Required exactly when the record field is: the model decides."""
        return bool(Paper.__dataclass_fields__[self.id].metadata["spec"].required)


FORM_FIELDS: tuple[FormField, ...] = (
    FormField("title", "Title", "input"),
    FormField("authors", "Authors", "textarea"),
    FormField("venue", "Venue", "input"),
    FormField("year", "Year", "input"),
    FormField("venue_note", "Venue note", "input"),
    FormField("url", "Paper link", "input"),
    FormField("category", "Category", "dropdown"),
    FormField("code", "Code link", "input"),
    FormField("figure", "Figure link", "input"),
    FormField("abstract", "Abstract", "textarea"),
    FormField("marks", "Marks", "checkboxes"),
    FormField("arxiv", "arXiv id", "input"),
    FormField("doi", "DOI", "input"),
)
LABELS: dict[str, str] = {f.id: f.label for f in FORM_FIELDS}

_BULLET = re.compile(r"^[-*+]\s+")
_CHECKBOX = re.compile(r"^[-*+]\s+\[([ xX])\]\s+((?:\s*\S)*?)\s*$")


def split_answers(body: str) -> dict[str, str]:
    """Answer text by field id, for the fields whose heading is in the body.

    Headings are looked for in form order, each after the previous one, so a ``###`` line
    a contributor typed inside an answer is kept as part of that answer.
    """
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[tuple[str, int]] = []
    pos = 0
    for f in FORM_FIELDS:
        heading = f"### {f.label}"
        at = next((i for i in range(pos, len(lines)) if lines[i].rstrip() == heading), None)
        if at is not None:
            found.append((f.id, at))
            pos = at + 1
    answers: dict[str, str] = {}
    for n, (fid, at) in enumerate(found):
        end = found[n + 1][1] if n + 1 < len(found) else len(lines)
        answers[fid] = "\n".join(lines[at + 1:end]).strip()
    return answers


def mark_option(mark: Mark) -> str:
    """The checkbox a contributor ticks for a mark."""
    return f"{mark.description} ({mark.symbol} in the list)"


def _value(f: FormField, answer: str, marks: tuple[Mark, ...]) -> object:
    """The raw record value of one answer, typed as a YAML file would give it: the form's
    own syntax (checkboxes, bullets) is read here, the value is the rulebook's to parse
    (and ``check_paper``'s to judge)."""
    if f.type == "checkboxes":
        ticked = {m.group(2) for m in map(_CHECKBOX.match, answer.splitlines())
                  if m and m.group(1) in "xX"}
        return [mark.id for mark in marks if mark_option(mark) in ticked]
    kind: Kind = Paper.__dataclass_fields__[f.id].metadata["spec"].kind
    if kind is Kind.NAMES:  # a contributor may have typed them as a Markdown list
        answer = "\n".join(_BULLET.sub("", line) for line in answer.splitlines())
    return KINDS[kind].parse(answer)


def form_problem(p: Problem, source: str, fix: str | None = None) -> Problem:
    """A record problem restated for the form: the field's label instead of a line."""
    key = p.field.split(".")[0]
    return Problem(source, 0, LABELS.get(key, p.field), p.message,
                   p.fix if fix is None else fix, severity=p.severity)


def parse_issue(body: str, section_ids: list[str], source: str = "issue",
                info: ListInfo | None = None) -> Paper:
    """The paper an issue form describes; raises InvalidRecords naming the form fields.
    ``info`` (the list-level file) gives the marks to tick and the optional fields."""
    answers = split_answers(body)
    if not answers:
        raise InvalidRecords([Problem(source, 0, "", "this is not an 'Add a paper' form "
                                      "(none of its headings is there)", "open a new issue "
                                      "with the 'Add a paper' template")])
    problems: list[Problem] = []
    raw: dict[str, object] = {}
    optional = info.optional if info else ()
    for f in FORM_FIELDS:
        answer = answers.get(f.id)
        required = f.required and f.id not in optional
        if answer is None:
            if required:
                problems.append(Problem(source, 0, f.label, "is missing from the issue",
                                        f"edit the issue and add the '### {f.label}' "
                                        "section back"))
            continue
        if answer in ("", NO_RESPONSE):
            if required:
                problems.append(Problem(source, 0, f.label, "is empty",
                                        "edit the issue and fill it in"))
            continue
        value = _value(f, answer, info.marks if info else ())
        if value == [] and required:
            problems.append(Problem(source, 0, f.label, "is empty",
                                    "edit the issue and fill it in"))
        elif value != []:
            raw[f.id] = value
    paper, found = check_paper(load.Source(source, data=raw), section_ids, info)
    reported = {p.field for p in problems}
    problems += [q for q in (form_problem(p, source) for p in found) if q.field not in reported]
    if paper is None or any(p.severity == "error" for p in problems):
        raise InvalidRecords(problems)
    return paper
