"""Validated list → text, through the Jinja templates in ``templates/``.

Python decides nothing about presentation: it hands the templates the validated list and
the escaping filters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .kinds import RESERVED_ANCHORS
from .model import PaperList, anchor_of
from .text import display_name, html_attr, html_text, md_escape, md_inline, md_title, safe_url

BUNDLED_TEMPLATES = Path(__file__).resolve().parent / "templates"


def environment(templates: Path | None = None, *, autoescape: bool = False) -> Any:
    """A Jinja environment: the user's templates first, then the bundled ones.

    Markdown output (the README) escapes explicitly through filters; the site's pages,
    which are HTML blocks in Markdown, use autoescaping."""
    import jinja2

    search = [str(templates)] if templates and templates.is_dir() else []
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*search, str(BUNDLED_TEMPLATES)]),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one build: a template included per paper is not stat()ed again
    )
    env.filters.update(md=md_escape, md_inline=md_inline, md_title=md_title, html=html_text,
                       attr=html_attr, url=safe_url,
                       anchor=anchor_of, display_name=display_name)
    env.globals["anchors"] = {a: a for a in RESERVED_ANCHORS}  # ids the templates may use
    return env


def render_readme(plist: PaperList, templates: Path | None = None) -> str:
    """The README in the list's established format."""
    text = environment(templates).get_template("readme/README.md.j2").render(
        info=plist.info, entries_by_section={s.id: e for s, e in plist.grouped()},
        count=len(plist.entries))
    return "\n".join(line.rstrip() for line in text.splitlines()).strip("\n") + "\n"
