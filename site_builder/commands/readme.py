"""``site-builder readme``: render the README from validated records."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .. import cache
from ..checking import Stats, check_dir, paused_gc
from ..errors import SiteBuilderError
from ..fsio import write_atomic
from ..model import PaperList
from ..render import BUNDLED_TEMPLATES, render_readme


class OutOfDate(SiteBuilderError):
    """``readme --check`` found a README that differs from what the records give."""


@dataclass(frozen=True)
class ReadmeResult:
    path: Path
    changed: bool
    plist: PaperList


def readme(papers: Path, out: Path, templates: Path | None = None, *,
           check_only: bool = False, plist: PaperList | None = None,
           stats: Stats | None = None) -> ReadmeResult:
    """Render the README; with ``check_only`` write nothing and raise OutOfDate on a diff.

    Validation comes first (``plist`` when the caller already validated the records):
    when it fails nothing is written.  When ``stats`` come from a cached check, a README
    that the same records and templates gave before is not rendered again.
    """
    stats = stats if stats is not None else Stats()
    plist = plist or check_dir(papers, stats=stats)
    try:
        current = out.read_text(encoding="utf-8")
    except OSError:
        current = ""
    memo = None
    if stats.inputs is not None:
        memo = f"{stats.inputs}-{cache.templates_key(templates, BUNDLED_TEMPLATES)}"
        if cache.recalled(papers, f"readme:{out.resolve()}", memo) == \
                cache.text_digest(current):
            return ReadmeResult(out, False, plist)
    with stats.stage("render"), paused_gc():
        text = render_readme(plist, templates)
    if memo is not None:
        cache.remember(papers, f"readme:{out.resolve()}", memo, text)
    if check_only:
        if current != text:
            diff = difflib.unified_diff(current.splitlines(), text.splitlines(), str(out),
                                        f"{out} (rendered)", lineterm="", n=1)
            shown = list(diff)[:60]
            raise OutOfDate(f"{out} is out of date — run 'site-builder readme' and commit "
                            "the result\n" + "\n".join(shown))
        return ReadmeResult(out, False, plist)
    return ReadmeResult(out, write_atomic(out, text), plist)
