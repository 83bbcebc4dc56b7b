"""``site-builder readme``: render the README from validated records."""

from __future__ import annotations

import codecs
import difflib
import os
from dataclasses import dataclass
from pathlib import Path

from .. import cache, quick
from ..checking import Stats, check_dir, paused_gc
from ..errors import Problem, SiteBuilderError
from ..fsio import FileError, check_outside, read_regular, read_text, shown, write_atomic
from ..model import PaperList
from ..quick import LIST_FILE
from ..quick import output_name as _output_name
from ..quick import remember_output as _remember
from ..quick import render_key as _render_key
from ..quick import unchanged_since as _unchanged_since
from ..render import README_MARKER, readme_bytes

# GitHub shows a README up to this size and cuts the rest off, without a word.
GITHUB_README_LIMIT = 500 * 1024


class OutOfDate(SiteBuilderError):
    """``readme --check`` found a README that differs from what the records give."""


@dataclass(frozen=True)
class ReadmeResult:
    path: Path
    changed: bool
    plist: PaperList
    warnings: tuple[Problem, ...] = ()  # the records' warnings, then the README's own


def readme(papers: Path, out: Path, templates: Path | None = None, *,
           check_only: bool = False, plist: PaperList | None = None,
           force: bool = False, stats: Stats | None = None) -> ReadmeResult:
    """Render the README; with ``check_only`` write nothing and raise OutOfDate on a diff.

    Validation comes first (``plist`` when the caller already validated the records):
    when it fails nothing is written.  An existing file is replaced only when it is a
    README we generated (it holds :data:`README_MARKER`) or with ``force``; it is read
    without following links, so ``--check`` cannot print another file's text; a file
    inside the papers folder never is.  When ``stats`` come from a cached check, a README
    that the same records, metrics and templates gave before is not rendered again.
    """
    if not check_only:
        check_outside(out, papers)  # not even with force: it would replace a record
    stats = stats if stats is not None else Stats()
    plist = plist or check_dir(papers, stats=stats)
    # The README a run wrote, unchanged since: known by its digest, not read.
    known = None if force or stats.inputs is None else _written(papers, out)
    # Else its bytes (a BOM dropped), compared with the output as they are: a 20 MB README
    # is not decoded (as text with an emoji, 80 MB) nor hashed unless the cache asks.
    current = None
    if known is None:
        if not check_only and not force:
            current = _replaceable(out)
        elif not (force and os.path.islink(out)):
            current = _unmarked(read_regular(out, "README"))
    metrics = None
    if plist.info.show_metrics:
        from ..enrich import metrics_path, paper_metrics, read_metrics

        metrics = paper_metrics(plist, read_metrics(metrics_path(papers)))
    rendering = None if stats.inputs is None else \
        stats.rendering or _render_key(papers, templates)
    memo = None if rendering is None else f"{stats.inputs}-{rendering}"
    if memo is not None and (known is not None or current is not None):
        found = quick.recalled(papers, _output_name(out), memo)
        if found is not None and found[0] == (known or quick.output_digest(current or b"")):
            if current is not None:
                _valid(out, current)  # a README that is not UTF-8 is an error, as ever
            return ReadmeResult(out, False, plist, tuple(
                quick.decode_problems(found[1].get("warnings")) or plist.warnings))
    fragments = None if rendering is None else cache.Fragments.open(papers, rendering,
                                                                     stats.records)
    with stats.stage("render"), paused_gc():
        data = readme_bytes(plist, templates, metrics, fragments)
    if fragments is not None:
        with stats.stage("cache write"):
            fragments.save()
    problems = (*plist.warnings, *_size_warnings(papers, out, data, plist))
    warnings = quick.encode_problems(list(problems))
    digest = None if memo is None else quick.output_digest(data)  # (a known digest has one)
    same = data == current if current is not None else digest is not None and digest == known
    if current is not None and not same and not check_only:
        _valid(out, current)  # replaced, so not decoded; but a file not UTF-8 is an error
    if check_only:
        if not same:
            # Decoded for the diff only: a README that replaces a marked one is not read
            # as text (20 MB with an emoji would be 80 MB of it).
            old = _decoded(out, current) if current is not None else \
                "" if known is None else read_text(out, "README") or ""
            if memo is not None and digest is not None:
                quick.remember(papers, _output_name(out), memo, digest,
                               {"warnings": warnings})
            diff = difflib.unified_diff(old.splitlines(),
                                        data.decode("utf-8").splitlines(),
                                        str(out), f"{out} (rendered)", lineterm="", n=1)
            lines = list(diff)[:60]
            raise OutOfDate(f"{out} is out of date — run 'site-builder readme' and commit "
                            "the result\n" + "\n".join(lines))
        result = ReadmeResult(out, False, plist, problems)
    else:
        with stats.stage("write"):
            result = ReadmeResult(out, not same and write_atomic(out, data), plist, problems)
    if memo is not None and digest is not None:  # the file holds this output now: its
        _remember(papers, out, memo, digest, warnings,  # signature says so next time
                  stats.since)
    return result


def _size_warnings(papers: Path, out: Path, data: bytes, plist: PaperList) -> list[Problem]:
    """A README past :data:`GITHUB_README_LIMIT`, whose end GitHub would not show, and
    what would make it shorter."""
    if len(data) <= GITHUB_README_LIMIT:
        return []
    shown_papers = data[:GITHUB_README_LIMIT].count(b"\n- ")  # entries start "- " on a line
    if plist.info.readme_abstracts and any(e.paper.abstract for e in plist.entries):
        fix = (f"set 'readme_abstracts: false' in {shown(papers / LIST_FILE)} to leave the "
               "abstracts to the website")
    else:
        fix = "point readers to the website, which shows every paper"
    return [Problem(shown(out), 0, "", f"{len(data) / 1024 / 1024:.1f} MB, but GitHub shows "
                    f"only the first 500 KiB of a README (about {shown_papers} of "
                    f"{len(plist.entries)} papers here)", fix, severity="warning")]


def _unmarked(raw: bytes | None) -> bytes | None:
    """A README's bytes without a UTF-8 BOM (which reading it as text drops)."""
    return raw[3:] if raw is not None and raw.startswith(b"\xef\xbb\xbf") else raw


def _decoded(out: Path, raw: bytes) -> str:
    """The README's text; FileError (by :func:`read_text`'s words) when it is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        read_text(out, "README")  # raises, naming the byte
        raise


def _valid(out: Path, raw: bytes) -> None:
    """:func:`_decoded`'s error for a README that is not UTF-8, without its text: decoded a
    piece at a time, which costs a quarter of a whole decode (a 20 MB README with an
    emoji is 80 MB of text)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(raw)
    try:
        for start in range(0, len(raw), 1 << 16):
            decoder.decode(view[start:start + (1 << 16)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        _decoded(out, raw)


def _written(papers: Path, out: Path) -> str | None:
    """The digest of the README at ``out`` when it is the very file a run wrote and
    remembered (:func:`_remember`), by its signature.  None otherwise, also for a file
    changed too recently for its signature to tell (then it is read, checked for
    :data:`README_MARKER` and compared with the output byte for byte, which costs less
    than hashing it)."""
    found = quick.recalled(papers, _output_name(out), None)
    if found is None:
        return None
    extra = found[1]
    return found[0] if _unchanged_since(out, extra.get("file"), extra.get("at")) else None


def check_output(out: Path) -> str | None:
    """Refuse (FileError) to replace a file that is not a README we generated; else its
    text (None when there is no file yet)."""
    current = _replaceable(out)
    return None if current is None else _decoded(out, current)


def _replaceable(out: Path) -> bytes | None:
    """:func:`check_output`'s refusals; the README's bytes (a BOM dropped), not decoded."""
    if os.path.isdir(out):
        raise FileError(f"{shown(out)}: is a folder — give the README's file name with -o, "
                        "e.g. -o README.md")
    if os.path.islink(out):
        raise FileError(f"{shown(out)}: is a symbolic link — replace the link by the file, "
                        "or pass --force to replace the link by the README")
    current = _unmarked(read_regular(out, "README"))
    # From the end, where a README we wrote has it.
    if current is not None and current.rfind(README_MARKER.encode()) < 0:
        _decoded(out, current)  # a file that is not UTF-8 is refused as such, as ever
        raise FileError(f"{shown(out)}: was not generated by site-builder (it has no "
                        f"'{README_MARKER} ...' line), so it is left alone — pass --force to "
                        "replace it, or write elsewhere with -o FILE")
    return current
