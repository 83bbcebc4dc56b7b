"""Validated list → text, through the Jinja templates in ``templates/``.

Python decides nothing about presentation: it hands the templates the validated list and
the escaping filters.
"""

from __future__ import annotations

import os
import re
import stat
import weakref
from collections.abc import Callable, Mapping
from pathlib import Path

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
    md_comment,
    md_escape,
    md_inline,
    md_links,
    md_title,
    md_venue,
    safe_url,
)

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any

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


def environment(templates: Path | None = None, *, autoescape: bool = False,
                comment: bool = False) -> Any:
    """A Jinja environment: the user's templates first, then the bundled ones.

    Markdown output (the README) escapes explicitly through filters; the site's pages,
    which are HTML blocks in Markdown, use autoescaping.  A ``comment`` (a report posted
    as a GitHub issue) has ``md`` also break mentions and issue references, so no report
    template, bundled or the user's, can notify a stranger."""
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
    env.filters.update(md=md_comment if comment else md_escape, md_inline=md_inline,
                       md_links=md_links,
                       md_title=md_title, md_venue=md_venue, html=html_text,
                       html_paragraphs=html_paragraphs, attr=html_attr, url=safe_url,
                       anchor=anchor_of, display_name=display_name)
    env.globals["anchors"] = {a: a for a in RESERVED_ANCHORS}  # ids the templates may use
    return env


def render_template(env: Any, name: str, **context: Any) -> str:
    """Render one template; a broken user template becomes a one-line
    ``file:line: template error`` instead of a traceback (:func:`template_error`)."""
    import jinja2

    try:
        return str(env.get_template(name).render(**context))
    except jinja2.TemplateError as err:
        raise template_error(err, name) from None


def template_error(err: Exception, name: str) -> UsageError:
    """A Jinja error as the one-line ``file:line: template error: ... — fix`` message: the
    line of a syntax error, or of the innermost template frame of a rendering error."""
    import traceback

    import jinja2

    if isinstance(err, jinja2.TemplateSyntaxError):
        where = f"{shown(err.filename or name)}:{err.lineno}"
        message = err.message or str(err)
    else:
        frames = [f for f in traceback.extract_tb(err.__traceback__)
                  if f.filename.endswith(".j2")]
        where = f"{shown(frames[-1].filename)}:{frames[-1].lineno}" if frames else name
        message = str(err)
    return UsageError(f"{where}: template error: {message.rstrip('.')} — fix the template, or "
                      "delete it to use the bundled one")


README_MARKER = "<!-- generated by site-builder"
ENTRY_TEMPLATES = ("readme/entry.md.j2", "readme/cross_listed.md.j2")
# What a cached entry may read: the entry, its section, and what the list file, the
# metrics file and the templates (the fragments' common key) decide.
_FRAGMENT_INPUTS = frozenset({"entry", "section", "info", "numbers", "sections_by_id",
                              "metrics", "anchors"})


_CACHEABLE: weakref.WeakKeyDictionary[Any, dict[str, bool]] = weakref.WeakKeyDictionary()


def _cacheable(env: Any, name: str) -> bool:
    """Whether the template's output depends only on :data:`_FRAGMENT_INPUTS` (a user's
    template that reads more, or includes another, is rendered every time)."""
    import jinja2.meta

    memo = _CACHEABLE.setdefault(env, {})  # each template parsed once per environment
    if name not in memo:
        source, filename, _ = env.loader.get_source(env, name)
        ast = env.parse(source, name, filename)  # a syntax error names the file
        memo[name] = (not any(True for _ in jinja2.meta.find_referenced_templates(ast))
                      and jinja2.meta.find_undeclared_variables(ast) <= _FRAGMENT_INPUTS)
    return memo[name]


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
        text = _included(template, context, entry=entry, section=section)
        if slots is None:
            return text
        body = text.rstrip("\n")
        if _tidy(body) != body:
            return text
        if key is not None and fragments is not None:
            fragments.put(key, text)
        return slot(text)

    return paper_entry


def _included(template: Any, context: Any, **names: Any) -> str:
    """``template`` rendered with the calling template's context and ``names``, as an
    include would, the context built in one copy (``new_context`` would copy it twice)."""
    return "".join(template.root_render_func(template.new_context(
        {**context.parent, **context.vars, **names}, True)))


def _entries_renderer(env: Any, plain: Any) -> Any:
    """``render(context, entries, section)``: each entry's text, as ``plain`` (the
    :func:`_entry_renderer` without cache or slots) gives it, but the entries of each entry
    template rendered by one template call (:func:`_entry_loop`) instead of one each: it
    halves the cost of a README's entries.  An entry template that reads more than
    :data:`_FRAGMENT_INPUTS`, or whose loop fails or does not give one text per entry,
    is rendered entry by entry (which then reports the template's error as its own)."""
    def render(context: Any, entries: list[Entry], section: Section) -> list[str]:
        texts: list[str | None] = [None] * len(entries)
        groups: dict[str, list[int]] = {}
        for n, entry in enumerate(entries):
            groups.setdefault(ENTRY_TEMPLATES[entry.paper.category != section.id], []).append(n)
        for name, where in groups.items():
            text = _looped(env, name, context, [entries[n] for n in where], section)
            found = None if text is None else text.split("\0")
            for n, i in enumerate(where):
                texts[i] = found[n] if found is not None else \
                    plain(context, entries[i], section)
        return texts  # type: ignore[return-value]

    return render


def _looped(env: Any, name: str, context: Any, entries: list[Entry], section: Section
            ) -> str | None:
    """The output of entry template ``name``'s loop (:func:`_entry_loop`) over
    ``entries``, each entry's text followed by a NUL; None when there is no loop for it,
    it fails (the entry by entry rendering then tells what failed) or it does not give
    one text per entry (a NUL of the template's own)."""
    loop = _entry_loop(env, name)
    if loop is None:
        return None
    try:
        text = _included(loop, context, entries=entries, section=section)
    except Exception:
        return None
    return text if text.count("\0") == len(entries) and text.endswith("\0") else None


_LOOPS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _entry_loop(env: Any, name: str) -> Any:
    """The entry template ``name`` inside ``{% for entry in entries %}``, each entry's text
    followed by a NUL; None where that could render differently from the template alone
    (it is not :func:`_cacheable`, has a ``{% block %}``, which cannot see the loop's
    variable, or begins with spaces).  It is compiled from the template's own source
    under its own file name, its first line on the first line, so that an error in it
    names ``entry.md.j2:LINE``; ``+%}`` keeps a line break that begins the template
    (``trim_blocks`` would drop it)."""
    memo = _LOOPS.setdefault(env, {})
    if name not in memo:
        memo[name] = None
        source, filename, _ = env.loader.get_source(env, name)
        # Spaces that begin the template would follow the loop's tag, not begin a line,
        # and lstrip_blocks would keep them before a tag.
        if _cacheable(env, name) and source[:1] not in (" ", "\t"):  # _cacheable parses
            template = env.template_class.from_code(env, env.compile(
                "{% for entry in entries +%}" + source + "\0{% endfor %}", name, filename),
                env.globals, None)
            memo[name] = None if template.blocks else template
    return memo[name]


# What makes a text untidy (:func:`_tidy`), searched for in its UTF-8 bytes: a line break
# other than "\n" (those of str.splitlines), and whitespace (str.isspace) at the end of a
# line.  A README's text holds an emoji, so its str takes four bytes a character: its
# bytes are a quarter as long, and a search for one byte is a memchr.
_BREAK_BYTES = (b"\r", b"\v", b"\f", b"\x1c", b"\x1d", b"\x1e")
# The other line breaks, U+0085, U+2028 and U+2029, by a byte each holds (a memchr) and
# then by their bytes.
_RARE_BREAKS = ((b"\x85", b"\xc2\x85"), (b"\xa8", b"\xe2\x80\xa8"), (b"\xa9", b"\xe2\x80\xa9"))
# A line break after whitespace (the ASCII ones, then each other one's bytes); a regex
# that starts with the "\n" only looks back at each line break.  First by the last byte
# of each (a continuation byte for all but ASCII), which most texts never have before a
# line break, then exactly.
_SPACE_LAST_BYTE = re.compile(rb"\n(?<=[\t\v\f\r\x1c-\x1f \x80-\x8a\x9f\xa0\xa8\xa9\xaf]\n)")
_SPACE_BEFORE_BREAK = re.compile(
    rb"\n(?:(?<=[\t\v\f\r\x1c-\x1f ]\n)|(?<=\xc2[\x85\xa0]\n)|(?<=\xe1\x9a\x80\n)"
    rb"|(?<=\xe2\x80[\x80-\x8a\xa8\xa9\xaf]\n)|(?<=\xe2\x81\x9f\n)|(?<=\xe3\x80\x80\n))")


def _is_tidy(data: bytes) -> bool:
    """For UTF-8 ``data``: ``_tidy(body) == body`` for ``body = text.rstrip("\n")`` of its
    text, without decoding or splitting it."""
    if any(b in data for b in _BREAK_BYTES) or any(
            byte in data and sequence in data for byte, sequence in _RARE_BREAKS):
        return False
    if _SPACE_LAST_BYTE.search(data) and _SPACE_BEFORE_BREAK.search(data):
        return False
    end = len(data)
    while end > 0 and data[end - 1] == 10:  # "\n"
        end -= 1
    return not data[max(end - 4, 0):end].decode("utf-8", "ignore")[-1:].isspace()


def _section_renderer(env: Any, fragments: Fragments | None,
                      blocks: list[bytes | memoryview] | None,
                      paper_entry: Any, entries_by_section: Mapping[str | None, list[Entry]]
                      ) -> Any:
    """``section_entries(section)`` for the README template: the section's entries, each
    after an empty line — what ``{% for entry in entries_by_section[section.id] %}`` with
    ``\n{{ paper_entry(entry, section) }}`` in its body gives.

    With ``fragments``, the block is kept whole (:meth:`Fragments.section`): a section
    whose entries are those it held last time (the same records, in the same order) is
    one read of its bytes, with no entry rendered or looked up; in another, only the new
    entries are rendered.  A block all of whose entries are tidy (:func:`_tidy`) is kept,
    and with ``blocks`` is appended there (UTF-8, without its first and last line
    breaks) and stands in the output as ``\0bn\0`` (see :func:`render_readme`).  Without
    ``blocks`` each entry is rendered on its own, as the template's include would."""
    import jinja2

    plain = _entry_renderer(env, None, None)
    render = _entries_renderer(env, plain)

    def render_block(context: Any, entries: list[Entry], section: Section) -> bytes:
        """The section's entries, each after a line break, in UTF-8: with one entry
        template, its loop's output with each entry's NUL made the next one's line break
        (in bytes, without splitting it into entries)."""
        names = {ENTRY_TEMPLATES[e.paper.category != section.id] for e in entries}
        text = _looped(env, names.pop(), context, entries, section) if len(names) == 1 \
            else None
        if text is not None:
            return b"\n" + text.encode()[:-1].replace(b"\0", b"\n")
        return "".join(["\n" + t for t in render(context, entries, section)]).encode("utf-8")

    def loop(context: Any, section: Section) -> str:
        return "".join(["\n" + paper_entry(context, e, section)
                        for e in entries_by_section[section.id]])

    @jinja2.pass_context
    def section_entries(context: Any, section: Section) -> str:
        entries = entries_by_section[section.id]
        if blocks is None:
            return loop(context, section)
        block: bytes | memoryview
        if fragments is None:
            block = render_block(context, entries, section)
            if not _is_tidy(block):
                return block.decode("utf-8")
        else:
            sid = str(section.id)
            home, cross = (f"{sid}\0{name}\0" for name in ENTRY_TEMPLATES)
            ids = [f"{home if e.paper.category == section.id else cross}{e.key}\0{e.path}\0"
                   f"{digest}" for e, digest in zip(entries, fragments.digests(entries),
                                                    strict=True)]
            stored_ids, lengths, block = fragments.section(sid, ids)
            if stored_ids:
                # A block kept under this key was made with these very templates, so they
                # were cacheable then and are now (and need not be parsed to tell).
                _CACHEABLE.setdefault(env, {}).update(dict.fromkeys(ENTRY_TEMPLATES, True))
            if stored_ids != ids:
                if not all(_cacheable(env, name) for name in ENTRY_TEMPLATES):
                    return loop(context, section)
                old = fragments.split(stored_ids, lengths, bytes(block))
                new = [n for n, i in enumerate(ids) if i not in old]
                texts = render(context, [entries[n] for n in new], section)
                made = dict(zip(new, [("\n" + t).encode("utf-8") for t in texts],
                                strict=True))
                fragments.rendered.extend(ids[n] for n in new)
                encoded = [made[n] if n in made else old[i] for n, i in enumerate(ids)]
                block = b"".join(encoded)
                if not _is_tidy(b"".join(made.values())):
                    return bytes(block).decode("utf-8")
                fragments.keep_section(sid, ids, encoded)
        end = len(block)
        while end > 1 and block[end - 1] == 10:  # "\n"
            end -= 1
        if end <= 1:
            return bytes(block).decode("utf-8")
        blocks.append(memoryview(block)[1:end])  # not copied before the final join
        return f"\n\0b{len(blocks) - 1}\0{bytes(block[end:]).decode()}"

    return section_entries


def _on_first_call(make: Callable[[], Any]) -> Any:
    """A template global made by ``make`` when a template first calls it (making
    ``paper_entry`` parses the entry templates: with every section's block cached, no
    template calls it)."""
    import jinja2

    made: list[Any] = []

    @jinja2.pass_context
    def call(context: Any, *args: Any) -> Any:
        if not made:
            made.append(make())
        return made[0](context, *args)

    return call


def render_readme(plist: PaperList, templates: Path | None = None,
                  metrics: Mapping[str, Any] | None = None,
                  fragments: Fragments | None = None, *, slotted: bool = True) -> str:
    """:func:`readme_bytes` as text."""
    return readme_bytes(plist, templates, metrics, fragments,
                        slotted=slotted).decode("utf-8")


def readme_bytes(plist: PaperList, templates: Path | None = None,
                 metrics: Mapping[str, Any] | None = None,
                 fragments: Fragments | None = None, *, slotted: bool = True) -> bytes:
    """The README in the list's established format, in UTF-8.

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
    (or each cached section's block of them) stands in the template's output as a line of
    its own ``\0n\0`` (``\0bn\0``), and comes back after it, the blocks as the bytes
    they were read as.  Where a template puts an entry elsewhere on a line, the entries
    are put back first and the whole text made tidy (as with ``slotted=False``, the way
    when the template's own output holds a NUL).
    """
    from .stats import charts

    slots: list[str] | None = [] if slotted else None
    blocks: list[bytes | memoryview] | None = [] if slotted else None
    env = environment(templates)
    env.globals["paper_entry"] = _on_first_call(
        lambda: _entry_renderer(env, fragments, slots))
    entries_by_section = {s.id: e for s, e in plist.grouped()}
    env.globals["section_entries"] = _section_renderer(env, fragments, blocks,
                                                       env.globals["paper_entry"],
                                                       entries_by_section)
    text = render_template(
        env, "readme/README.md.j2", info=plist.info, entries_by_section=entries_by_section,
        sections_by_id={s.id: s for s in plist.paper_sections()}, count=len(plist.entries),
        charts=charts(plist), metrics=metrics or {})
    if slots is not None and blocks is not None and (slots or blocks):
        pieces = text.split("\0")
        marks = pieces[1::2]
        if len(pieces) % 2 == 0 or [m for m in marks if m[:1] != "b"] != [
                str(n) for n in range(len(slots))] or [m for m in marks if m[:1] == "b"] != [
                f"b{n}" for n in range(len(blocks))]:
            # A NUL of the template's own: the slots cannot be told apart from it.
            return readme_bytes(plist, templates, metrics, None, slotted=False)
        if _own_lines(pieces[0::2]):
            pieces = _tidy(text).split("\0")  # the slots' lines stay as they are
            data = b"".join([p.encode("utf-8") if n % 2 == 0 else blocks[int(p[1:])]
                             if p[:1] == "b" else slots[int(p)].encode("utf-8")
                             for n, p in enumerate(pieces)])
        else:
            pieces[1::2] = [bytes(blocks[int(m[1:])]).decode("utf-8") if m[:1] == "b"
                            else slots[int(m)] for m in marks]
            data = _document("".join(pieces)).encode("utf-8")
    else:
        data = _document(text).encode("utf-8")
    if data[:1] == b"\n" or not data.endswith(b"\n") or data.endswith(b"\n\n"):
        data = data.strip(b"\n") + b"\n"
    if README_MARKER.encode() not in data:
        data += f"\n{README_MARKER}: edit the records, not this file -->\n".encode()
    return data


def _own_lines(texts: list[str]) -> bool:
    """Whether each slot between these texts is on a line of its own."""
    return all((texts[n].endswith("\n") or (n == 0 and texts[n] == ""))
               and (texts[n + 1].startswith("\n") or (n == len(texts) - 2
                    and texts[n + 1] == ""))
               for n in range(len(texts) - 1))
