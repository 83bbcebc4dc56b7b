"""``site-builder dates``: fill missing ``added`` values from the records' git history.

A record's ``added`` becomes the (UTC committer) day of the commit that first added its
file.  An existing ``added`` is never changed, and only one line is written: ``added`` is
the last field of a record (:mod:`site_builder.dump` writes fields in model order), so the
line goes at the end and every other byte stays as it was.  What the history cannot tell
truthfully is left undated and reported: files no commit added, and files that came in
with many others in one commit (a bulk import dates the import, not the paper).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .. import load
from ..fsio import write_atomic
from ..kinds import Kind, accepts

BULK = 10  # more record files than this added by one commit: an import, not a paper


@dataclass(frozen=True)
class Undated:
    """A record left without ``added``, and why (a sentence ending in how to fix it)."""

    path: Path
    reason: str


@dataclass
class DatesResult:
    dated: list[tuple[Path, dt.date]] = field(default_factory=list)  # written (or would be)
    undated: list[Undated] = field(default_factory=list)
    kept: int = 0  # records that already had ``added``
    hints: list[str] = field(default_factory=list)  # what to do about the undated ones


def with_added(text: str, day: dt.date) -> str | None:
    """``text`` with an ``added:`` line at the end; None when the record would then not
    read back as the same record plus that date (a flow mapping, a document end marker,
    an ``added:`` key without a value...)."""
    newline = "\r\n" if "\r\n" in text else "\n"
    new = f"{text}{'' if not text or text.endswith(chr(10)) else newline}" \
          f"added: {day.isoformat()}{newline}"
    before, after = load.parse("record", text.encode()), load.parse("record", new.encode())
    if before.problems or after.problems or not isinstance(before.data, dict) \
            or after.data != {**before.data, "added": day}:
        return None
    return new


def fill_dates(papers_dir: Path, *, dry_run: bool = False, bulk: int = BULK) -> DatesResult:
    """Give every record without ``added`` the day its file was first committed."""
    from ..importers.history import first_commits, repository_of  # the README importer:
    # not for the CLI's start-up, which reads BULK

    load.require_folder(papers_dir)
    repository_of(papers_dir)
    result = DatesResult()
    missing: dict[Path, str] = {}
    for path in load.paper_files(papers_dir):
        src = load.read(path)
        if src.problems or not isinstance(src.data, dict):
            why = src.problems[0].message if src.problems else "it is not a mapping of fields"
            result.undated.append(Undated(path, f"cannot be read ({why}) — fix it first "
                                          "(site-builder check)"))
        elif src.data.get("added") is not None:
            result.kept += 1
        elif "added" in src.data:
            result.undated.append(Undated(path, "has an 'added:' key without a value — "
                                          "give it a date (YYYY-MM-DD) or delete the line"))
        else:
            missing[path] = path.read_bytes().decode("utf-8")  # as is: BOM, line ends
    commits = first_commits(list(missing))
    for path, text in missing.items():
        found = commits.get(path)
        if found is None:
            result.undated.append(Undated(path, "no commit added this file yet — commit it, "
                                          "then run 'site-builder dates' again"))
            continue
        if found.records > bulk:
            sha = found.commit.sha[:10]
            result.undated.append(Undated(
                path, f"came in with commit {sha} ({found.commit.day}), which added "
                f"{found.records} records at once (more than --bulk {bulk})"))
            hint = (f"commit {sha} is a bulk import: its date is when the list was imported, "
                    "not when its papers joined the list — date them with 'site-builder "
                    "import --history README.md' in a clone of the original README's "
                    "repository, or by hand")
            if hint not in result.hints:
                result.hints.append(hint)
            continue
        if not accepts(Kind.DATE, found.commit.day):  # a commit's date is its committer's clock
            result.undated.append(Undated(path, f"came in with commit "
                                          f"{found.commit.sha[:10]}, dated {found.commit.day}, "
                                          "in the future — add 'added:' by hand"))
            continue
        new = with_added(text, found.commit.day)
        if new is None:
            result.undated.append(Undated(path, "the date cannot be added as one line at the "
                                          f"end — add 'added: {found.commit.day}' by hand"))
            continue
        if not dry_run:
            write_atomic(path, new)
        result.dated.append((path, found.commit.day))
    result.undated.sort(key=lambda u: str(u.path))
    return result
