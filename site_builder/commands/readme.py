"""``site-builder readme``: render the README from validated records."""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from .. import cache, quick
from ..checking import Stats, check_dir, paused_gc
from ..errors import SiteBuilderError
from ..fsio import FileError, read_regular, read_text, shown, write_atomic
from ..model import PaperList
from ..quick import output_name as _output_name
from ..quick import remember_output as _remember
from ..quick import render_key as _render_key
from ..quick import unchanged_since as _unchanged_since
from ..quick import up_to_date  # noqa: F401  (the shortcut, also for callers of this module)
from ..render import README_MARKER, readme_bytes


class OutOfDate(SiteBuilderError):
    """``readme --check`` found a README that differs from what the records give."""


@dataclass(frozen=True)
class ReadmeResult:
    path: Path
    changed: bool
    plist: PaperList


def readme(papers: Path, out: Path, templates: Path | None = None, *,
           check_only: bool = False, plist: PaperList | None = None,
           force: bool = False, stats: Stats | None = None) -> ReadmeResult:
    """Render the README; with ``check_only`` write nothing and raise OutOfDate on a diff.

    Validation comes first (``plist`` when the caller already validated the records):
    when it fails nothing is written.  An existing file is replaced only when it is a
    README we generated (it holds :data:`README_MARKER`) or with ``force``; it is read
    without following links, so ``--check`` cannot print another file's text.  When
    ``stats`` come from a cached check, a README that the same records, metrics and
    templates gave before is not rendered again.
    """
    stats = stats if stats is not None else Stats()
    plist = plist or check_dir(papers, stats=stats)
    # The README a run wrote, unchanged since: known by its digest, not read.
    known = None if force or stats.inputs is None else _written(papers, out)
    if known is not None:
        current = None
    elif not check_only and not force:
        current = check_output(out)
    else:
        current = None if force and os.path.islink(out) else read_text(out, "README")
    if known is None and current is not None:
        known = quick.output_digest(current.encode("utf-8"))
    metrics = None
    if plist.info.show_metrics:
        from ..enrich import metrics_path, paper_metrics, read_metrics

        metrics = paper_metrics(plist, read_metrics(metrics_path(papers)))
    rendering = None if stats.inputs is None else _render_key(papers, templates)
    memo = None if rendering is None else f"{stats.inputs}-{rendering}"
    if memo is not None and known is not None:
        found = quick.recalled(papers, _output_name(out), memo)
        if found is not None and found[0] == known:
            return ReadmeResult(out, False, plist)
    fragments = None if rendering is None else cache.Fragments.open(papers, rendering,
                                                                     stats.records)
    with stats.stage("render"), paused_gc():
        data = readme_bytes(plist, templates, metrics, fragments)
    if fragments is not None:
        with stats.stage("cache write"):
            fragments.save()
    warnings = quick.encode_problems(list(plist.warnings))
    digest = quick.output_digest(data)
    if check_only:
        if digest != known:
            if current is None and known is not None:
                current = read_text(out, "README")
            if memo is not None:
                quick.remember(papers, _output_name(out), memo, digest,
                               {"warnings": warnings})
            diff = difflib.unified_diff((current or "").splitlines(),
                                        data.decode("utf-8").splitlines(),
                                        str(out), f"{out} (rendered)", lineterm="", n=1)
            lines = list(diff)[:60]
            raise OutOfDate(f"{out} is out of date — run 'site-builder readme' and commit "
                            "the result\n" + "\n".join(lines))
        result = ReadmeResult(out, False, plist)
    else:
        with stats.stage("write"):
            result = ReadmeResult(out, digest != known and write_atomic(out, data), plist)
    if memo is not None:  # the file holds this output now: its signature says so next time
        _remember(papers, out, memo, digest, warnings, stats.since)
    return result


def _written(papers: Path, out: Path) -> str | None:
    """The digest of the README at ``out`` when it is the very file a run wrote and
    remembered (:func:`_remember`): the same signature, or for a file changed too recently
    for that to tell, the same bytes.  None otherwise (then it is read as text, and
    checked for :data:`README_MARKER`)."""
    found = quick.recalled(papers, _output_name(out), None)
    if found is None:
        return None
    extra = found[1] if type(found[1]) is dict else {}
    if _unchanged_since(out, extra.get("file"), extra.get("at")):
        return found[0]
    if extra.get("file") != list(quick.signature(out) or ()):
        return None
    current = read_regular(out, "README")
    return found[0] if current is not None and quick.output_digest(current) == found[0] \
        else None


def check_output(out: Path) -> str | None:
    """Refuse (FileError) to replace a file that is not a README we generated; else its
    text (None when there is no file yet)."""
    if os.path.isdir(out):
        raise FileError(f"{shown(out)}: is a folder — give the README's file name with -o, "
                        "e.g. -o README.md")
    if os.path.islink(out):
        raise FileError(f"{shown(out)}: is a symbolic link — replace the link by the file, "
                        "or pass --force to replace the link by the README")
    current = read_text(out, "README")
    if current is not None and README_MARKER not in current:
        raise FileError(f"{shown(out)}: was not generated by site-builder (it has no "
                        f"'{README_MARKER} ...' line), so it is left alone — pass --force to "
                        "replace it, or write elsewhere with -o FILE")
    return current
