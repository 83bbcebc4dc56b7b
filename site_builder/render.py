"""Validated list → text, through the Jinja templates in ``templates/``.

Python decides nothing about presentation: it hands the templates the validated list and
the escaping filters.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .cache import Fragments
from .errors import UsageError
from .fsio import FileError, read_text, shown
from .kinds import RESERVED_ANCHORS
from .model import PAPER_FIELDS, Entry, PaperList, Section, anchor_of
from .text import (
    display_name,
    html_attr,
    html_paragraphs,
    html_text,
    md_escape,
    md_inline,
    md_title,
    safe_url,
)

BUNDLED_TEMPLATES = Path(__file__).resolve().parent / "templates"


def _loader(search: list[Path]) -> Any:
    """Jinja's file loader, reading through :func:`fsio.read_text`: a template (or a folder
    on its way) that is a symbolic link is refused, never followed — a link could put any
    file of the machine on the public site."""
    import jinja2

    class RegularFileLoader(jinja2.FileSystemLoader):
        def get_source(self, environment: jinja2.Environment, template: str
                       ) -> tuple[str, str, Any]:
            pieces = jinja2.loaders.split_template_path(template)
            for folder in search:
                path = _find(folder, pieces)
                if path is None:
                    continue
                text = read_text(path, "template")
                if text is None:
                    continue
                mtime = os.lstat(path).st_mtime

                def uptodate(path: Path = path, mtime: float = mtime) -> bool:
                    try:
                        return os.lstat(path).st_mtime == mtime
                    except OSError:
                        return False

                return text, str(path), uptodate
            raise jinja2.TemplateNotFound(template)

    return RegularFileLoader([str(f) for f in search])


def _find(folder: Path, pieces: list[str]) -> Path | None:
    """``folder/pieces...`` if it exists; FileError if a folder on the way is a link."""
    path = folder
    for piece in pieces[:-1]:
        path = path / piece
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            return None
        if stat.S_ISLNK(mode):
            raise FileError(f"{shown(path)}: is a symbolic link; site-builder does not follow "
                            "links for its templates — replace the link by the folder itself")
        if not stat.S_ISDIR(mode):
            return None
    path = path / pieces[-1]
    return path if os.path.lexists(path) else None


def environment(templates: Path | None = None, *, autoescape: bool = False) -> Any:
    """A Jinja environment: the user's templates first, then the bundled ones.

    Markdown output (the README) escapes explicitly through filters; the site's pages,
    which are HTML blocks in Markdown, use autoescaping."""
    import jinja2

    search = []
    if templates is not None and os.path.lexists(templates):
        if os.path.islink(templates) and Path(templates).resolve() != BUNDLED_TEMPLATES:
            raise FileError(f"{shown(templates)}: the templates folder is a symbolic link — "
                            "replace the link by the folder itself")
        if templates.is_dir():
            search.append(Path(templates))
    env = jinja2.Environment(
        loader=_loader([*search, BUNDLED_TEMPLATES]),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one build: a template included per paper is not stat()ed again
    )
    env.filters.update(md=md_escape, md_inline=md_inline, md_title=md_title, html=html_text,
                       html_paragraphs=html_paragraphs,
                       attr=html_attr, url=safe_url,
                       anchor=anchor_of, display_name=display_name)
    env.globals["anchors"] = {a: a for a in RESERVED_ANCHORS}  # ids the templates may use
    return env


def render_template(env: Any, name: str, **context: Any) -> str:
    """Render one template; a broken user template becomes a one-line
    ``file:line: template error`` instead of a traceback."""
    import traceback

    import jinja2

    try:
        return str(env.get_template(name).render(**context))
    except jinja2.TemplateSyntaxError as err:
        where = f"{shown(err.filename or name)}:{err.lineno}"
        message = err.message or str(err)
    except jinja2.TemplateError as err:
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename.endswith(".j2")]
        where = f"{shown(frames[-1].filename)}:{frames[-1].lineno}" if frames else name
        message = str(err)
    raise UsageError(f"{where}: template error: {message.rstrip('.')} — fix the template, or "
                           "delete it to use the bundled one")


README_MARKER = "<!-- generated by site-builder"
ENTRY_TEMPLATES = ("readme/entry.md.j2", "readme/cross_listed.md.j2")
# What a cached entry may read: the entry, its section, and what the list file, the
# metrics file and the templates (the fragments' common key) decide.
_FRAGMENT_INPUTS = frozenset({"entry", "section", "info", "numbers", "sections_by_id",
                              "metrics", "anchors"})


def _cacheable(env: Any, name: str) -> bool:
    """Whether the template's output depends only on :data:`_FRAGMENT_INPUTS` (a user's
    template that reads more, or includes another, is rendered every time)."""
    import jinja2.meta

    ast = env.parse(env.loader.get_source(env, name)[0])
    return (not any(True for _ in jinja2.meta.find_referenced_templates(ast))
            and jinja2.meta.find_undeclared_variables(ast) <= _FRAGMENT_INPUTS)


def _tidy(text: str) -> str:
    """Each line without trailing whitespace, every line break a ``\n``."""
    return "\n".join(map(str.rstrip, text.splitlines()))


def _document(text: str) -> str:
    """``_tidy(text).strip("\n") + "\n"`` (no blank lines at either end, one line break
    at the end) in one join: each copy of a README of 10,000 papers costs as much as a
    tenth of its rendering."""
    lines = list(map(str.rstrip, text.splitlines()))
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    if start == end:
        return "\n"
    del lines[end:]
    del lines[:start]
    lines.append("")
    return "\n".join(lines)


def _entry_renderer(env: Any, fragments: Fragments | None, slots: list[str] | None) -> Any:
    """``paper_entry(entry, section)`` for the README template: the entry rendered by
    entry.md.j2 (cross_listed.md.j2 outside its home section) with the README's context,
    as an include would; from ``fragments`` when it rendered the same entry before.

    With ``slots``, an entry that is already tidy (:func:`_tidy`, but for the line breaks
    it ends with; only such entries are kept in ``fragments``) is appended there without
    those line breaks, and stands in the output as ``\\0n\\0`` followed by them (see
    :func:`render_readme`)."""
    import jinja2

    cached = {name: fragments is not None and _cacheable(env, name)
              for name in ENTRY_TEMPLATES}
    loaded: dict[str, Any] = {}  # looked up once per README, not per entry

    def slot(text: str) -> str:
        if slots is None:
            return text
        body = text.rstrip("\n")
        slots.append(body)
        return f"\0{len(slots) - 1}\0{text[len(body):]}"

    @jinja2.pass_context
    def paper_entry(context: Any, entry: Entry, section: Section) -> str:
        name = ENTRY_TEMPLATES[entry.paper.category != section.id]
        key = None
        if fragments is not None and cached[name]:
            digest = fragments.paper_digest(entry.path, entry.paper)
            key = fragments.record_key(name, entry.key, entry.path, str(section.id), digest) \
                if digest is not None else fragments.entry_key(
                    name, entry.key, entry.path, section.id,
                    *[getattr(entry.paper, f) for f in PAPER_FIELDS])
            found = fragments.get(key)
            if found is not None:
                return slot(found)
        template = loaded.get(name)
        if template is None:
            template = loaded[name] = context.environment.get_template(name)
        # The include's context, built in one copy (new_context would copy it twice).
        text = "".join(template.root_render_func(template.new_context(
            {**context.parent, **context.vars, "entry": entry, "section": section}, True)))
        if slots is None:
            return text
        body = text.rstrip("\n")
        if _tidy(body) != body:
            return text
        if key is not None and fragments is not None:
            fragments.put(key, text)
        return slot(text)

    return paper_entry


def render_readme(plist: PaperList, templates: Path | None = None,
                  metrics: Mapping[str, Any] | None = None,
                  fragments: Fragments | None = None, *, slotted: bool = True) -> str:
    """The README in the list's established format.

    It ends with the bundled template's ``<!-- generated by site-builder ... -->`` comment
    (invisible on GitHub), which is what lets a later run replace the file; a user
    template that leaves it out gets it added, or the next run would refuse.  It shows
    tables of counts (the site's statistics charts as text: a README can only show a
    committed image).  ``metrics`` (record key → stars and citations) are shown when the
    list file sets ``show_metrics``.  ``fragments`` (whose key the caller checked) hold
    entries rendered before.

    Every line of the output is made tidy (:func:`_tidy`).  Tidy entries (cached or
    not) are left out of that pass, which otherwise walks every line of every abstract,
    and out of the joins of the template's loops, which would copy the whole text: each
    stands in the template's output as a line of its own ``\0n\0``, and comes back after
    it.  Where a template puts an entry elsewhere on a line, the entries are put back
    first and the whole text made tidy (as with ``slotted=False``, the way when the
    template's own output holds a NUL).
    """
    from .stats import charts

    slots: list[str] | None = [] if slotted else None
    env = environment(templates)
    env.globals["paper_entry"] = _entry_renderer(env, fragments, slots)
    text = render_template(
        env, "readme/README.md.j2", info=plist.info,
        entries_by_section={s.id: e for s, e in plist.grouped()},
        sections_by_id={s.id: s for s in plist.paper_sections()}, count=len(plist.entries),
        charts=charts(plist), metrics=metrics or {})
    if slots:
        pieces = text.split("\0")
        if len(pieces) != 2 * len(slots) + 1 or \
                pieces[1::2] != [str(n) for n in range(len(slots))]:
            # A NUL of the template's own: the slots cannot be told apart from it.
            return render_readme(plist, templates, metrics, None, slotted=False)
        if _own_lines(pieces[0::2]):
            pieces = _tidy(text).split("\0")  # the slots' lines stay as they are
            pieces[1::2] = slots
            pieces[-1] += "\n"  # the final line break, without another copy of the text
            text = "".join(pieces)
            if text[:1] == "\n" or text.endswith("\n\n"):
                text = text.strip("\n") + "\n"
        else:
            pieces[1::2] = slots
            text = _document("".join(pieces))
    else:
        text = _document(text)
    if README_MARKER not in text:
        text += f"\n{README_MARKER}: edit the records, not this file -->\n"
    return text


def _own_lines(texts: list[str]) -> bool:
    """Whether each slot between these texts is on a line of its own."""
    return all((texts[n].endswith("\n") or (n == 0 and texts[n] == ""))
               and (texts[n + 1].startswith("\n") or (n == len(texts) - 2
                    and texts[n + 1] == ""))
               for n in range(len(texts) - 1))
