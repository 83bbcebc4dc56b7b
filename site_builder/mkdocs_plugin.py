"""The MkDocs adapter: the only module that imports MkDocs.

It generates the pages into ``docs_dir`` before each build, hands MkDocs the navigation,
and watches the records during ``mkdocs serve``.  While serving, a broken record or
template turns the home page into the list of problems instead of stopping the server.

``site-builder serve`` (:mod:`commands.serve`) also hands the plugin a :class:`Preview`:
then a rebuild re-renders only the pages whose text changed (MkDocs' dirty mode, which
compares modification times, and :func:`site.write_pages` touches only changed files),
everything when the navigation, the set of pages or ``mkdocs.yml`` changed, and the search
index, which MkDocs' search plugin fills only from the pages it rendered, is merged with
the entries kept from earlier builds.

MkDocs converts every page before it writes any, so a list of 10,000 papers would hold
every page's Markdown and HTML at once: a build renders our pages only as it writes them
into ``docs_dir``, and for the pages we generate the plugin drops the Markdown once
converted and keeps the HTML and the head tags from the front matter (the abstract again)
compressed in a temporary file until its page is written (:class:`_Shelf`).  A page's
deferred HTML (the Explore page's list, see :class:`site.Page`) skips Markdown altogether:
the plugin streams it into the built page at the end of the build.  The search index,
which Material's search plugin would hold whole, then serialise and encode (three copies
of 80 MB at 10,000 papers), goes page by page into a temporary file, from which the
plugin writes it (:class:`_SearchSpool`).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority

from .checking import check_dir
from .errors import InvalidRecords, SiteBuilderError, format_problems
from .render import BUNDLED_TEMPLATES
from .site import (
    DEFERRED,
    Page,
    Sources,
    is_page,
    nav,
    read_sources,
    release_memory,
    site_title,
    write_pages,
)

VENDORED_SHIM = "assets/iframe-worker-shim.js"
ERRORS = "Errors"  # the title of the page that shows them
HEAD_META = ("sb_head", "sb_jsonld")  # a paper page's head tags (site/paper.md.j2)
_LOG = logging.getLogger("mkdocs.plugins.site_builder")


class SiteBuilderConfig(Config):
    papers = c.Type(str, default="papers")
    templates = c.Type(str, default="templates")
    contributing = c.Type(str, default="CONTRIBUTING.md")


@dataclass
class Preview:
    """What a live preview keeps between rebuilds (see the module's docstring)."""

    report: Callable[[str], None]  # where problems go: the terminal running the server
    papers: Path
    templates: Path | None
    contributing: Path | None
    shape: Any = None  # the last build's navigation, pages and mkdocs.yml
    search: dict[str, list[Any]] = field(default_factory=dict)  # page URL → its entries
    urls: list[str] = field(default_factory=list)  # this build's pages, in MkDocs' order
    rendered: set[str] = field(default_factory=set)  # ...and those it rendered
    paths: list[str] = field(default_factory=list)  # the pages of the last good build
    full: bool = True  # whether this build renders every page


class _SearchSpool:
    """Material's search index, whose entries are moved into a temporary file as each
    page adds them: the index is then written from the file, byte for byte what the
    search plugin would write, without its entries, JSON text and bytes in memory at
    once.  The search plugin, whose index is then written, skips its own writing."""

    def __init__(self, search: Any) -> None:
        self.search = search
        # From the first page to the last hook (_close_temporaries closes it); gone when
        # closed, or if the build dies.
        self.file = tempfile.TemporaryFile(prefix="search-index-")  # noqa: SIM115
        self.count = 0

    @staticmethod
    def find(config: Any) -> Any:
        """Material's search plugin when enabled for a fresh build (not a dirty one, whose
        index merges the last build's), else None."""
        for plugin in config.plugins.values():
            index = getattr(plugin, "search_index", None)
            if (isinstance(getattr(index, "entries", None), list)
                    and hasattr(index, "generate_search_index")
                    and getattr(plugin.config, "enabled", False) is True
                    and getattr(plugin, "search_index_prev", True) is None):
                return plugin
        return None

    def drain(self) -> None:
        """Move the entries added since the last call into the file."""
        entries = self.search.search_index.entries
        for entry in entries:
            text = json.dumps(entry, separators=(",", ":"), default=str)
            self.file.write(f"{',' if self.count else ''}{text}".encode())
            self.count += 1
        entries.clear()

    def write(self, site_dir: Path) -> None:
        """Write the index where the search plugin would, and have it skip its writing."""
        self.drain()
        empty = self.search.search_index.generate_search_index(None)  # its config, no docs
        head, tail = empty.rsplit("[]", 1)
        path = site_dir / "search" / "search_index.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.file.seek(0)
        with path.open("wb") as out:
            out.write(f"{head}[".encode())
            shutil.copyfileobj(self.file, out)
            out.write(f"]{tail}".encode())
        self.file.close()
        self.search.config.enabled = False  # until our last post-build hook

    def close(self) -> None:
        """Drop the file (a build that failed) and let the search plugin write again."""
        self.file.close()
        self.search.config.enabled = True


class _Shelf:
    """Our pages' HTML and head tags between MkDocs' two phases (every page converted,
    then every page rendered), compressed in an anonymous temporary file: at 10,000
    papers, tens of MB that memory would otherwise hold at the build's peak."""

    def __init__(self) -> None:
        # Closed by _close_temporaries; gone when closed, or if the build dies.
        self.file = tempfile.TemporaryFile(prefix="site-builder-pages-")  # noqa: SIM115
        self.where: dict[str, tuple[int, int]] = {}  # docs path → offset, length

    def put(self, key: str, value: Any) -> None:
        data = zlib.compress(json.dumps(value, ensure_ascii=False).encode("utf-8"), 1)
        offset = self.file.seek(0, os.SEEK_END)
        self.file.write(data)
        self.where[key] = (offset, len(data))

    def take(self, key: str) -> Any:
        """The value put under ``key`` (then forgotten), or None."""
        found = self.where.pop(key, None)
        if found is None:
            return None
        self.file.seek(found[0])
        return json.loads(zlib.decompress(self.file.read(found[1])))

    def close(self) -> None:
        self.where = {}
        self.file.close()


class SiteBuilderPlugin(BasePlugin[SiteBuilderConfig]):
    serving = False
    prepared: Any = None  # Sources the CLI already read (then records are parsed once)
    preview: Preview | None = None  # set by `site-builder serve`
    pages: list[Page]
    generated: set[str]  # the docs paths of the pages we wrote
    shelf: _Shelf | None = None  # our pages' HTML and head tags, until each is written
    deferred: dict[str, Page]  # our pages with deferred HTML, by docs path
    spool: _SearchSpool | None = None  # the search index, while a build writes pages
    filling: dict[str, Page]  # ...by the built file that awaits it

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    @event_priority(-50)  # after Material's offline plugin has settled use_directory_urls
    def on_config(self, config: Any) -> Any:
        try:
            sources = self.prepared or self._read(config)
            self.pages = _pages(sources, config, self.serving)
        except (InvalidRecords, SiteBuilderError) as err:
            if not self.serving:
                if isinstance(err, InvalidRecords):
                    raise PluginError("the records are invalid:\n"
                                      f"{format_problems(err.problems)}") from err
                raise
            self.pages = [_error_page(err)]
            report = (format_problems(err.problems) if isinstance(err, InvalidRecords)
                      else f"error: {err}")
            if self.preview is not None:
                self.preview.report(report)
                # every page a reader may have open shows the problems, and reloads
                self.pages += [replace(self.pages[0], path=path)
                               for path in self.preview.paths if path != "index.md"]
            else:  # `mkdocs serve`: information, since in strict mode a warning or error
                # would abort the rebuild, and the error page already shows the problems
                _LOG.info("%s", report)
        else:
            config.site_name = site_title(sources.plist.info.title)
            if self.preview is not None:
                self.preview.paths = [page.path for page in self.pages if is_page(page)]
        polyfills = config.extra.get("polyfills") or []
        config.extra["polyfills"] = [VENDORED_SHIM if "iframe-worker" in url else url
                                     for url in polyfills]  # never the CDN copy
        overrides = str(BUNDLED_TEMPLATES / "site" / "overrides")
        if overrides not in config.theme.dirs:  # the feed link in every head; a project's
            # own custom_dir keeps precedence
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, overrides)
        with _template_errors():  # a lazy page renders here
            write_pages(self.pages, Path(config.docs_dir))
        self.generated = {p.path for p in self.pages if is_page(p)}
        self._close_temporaries()  # left by an earlier build, or one that failed
        self.shelf = _Shelf()
        self.deferred = {p.path: p for p in self.pages if p.deferred}
        self.filling = {}
        search = None if self.serving else _SearchSpool.find(config)
        self.spool = _SearchSpool(search) if search is not None else None
        config.nav = nav(self.pages[:1] if self.pages[0].title == ERRORS else self.pages)
        config.not_in_nav = _not_in_nav(config.not_in_nav, self.pages)
        if self.preview is not None:
            self._plan(config)
        return config

    def _read(self, config: Any) -> Sources:
        """The sources, from the folders ``serve`` gave or those of the plugin's options;
        a server reuses the records unchanged since its last build (never in parallel:
        this runs in the server's thread)."""
        if self.preview is not None:
            papers, templates, contributing = (self.preview.papers, self.preview.templates,
                                               self.preview.contributing)
        else:
            root = Path(config.config_file_path or ".").resolve().parent
            papers, templates, contributing = (root / self.config.papers,
                                               root / self.config.templates,
                                               root / self.config.contributing)
        plist = check_dir(papers, cache=True) if self.serving else None
        return read_sources(papers, templates, contributing, plist)

    def _plan(self, config: Any) -> None:
        """Render everything when what every page shows (the navigation, the theme's
        configuration) or the set of pages changed: emptying the site folder makes MkDocs'
        dirty build a full one and drops the pages of deleted records."""
        from mkdocs.utils import clean_directory

        assert self.preview is not None
        path = config.config_file_path
        shape = (config.nav, sorted(p.path for p in self.pages), str(config.site_name),
                 os.stat(path).st_mtime_ns if path else None, _theme_stamp(config))
        self.preview.full = shape != self.preview.shape
        self.preview.shape = shape
        self.preview.rendered = set()
        if self.preview.full:
            clean_directory(config.site_dir)

    def on_files(self, files: Any, config: Any) -> Any:
        if self.preview is not None:
            self.preview.urls = [f.url for f in files.documentation_pages()]
        return files

    @event_priority(-100)  # the last to see the HTML: every other plugin already has
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        if not self._ours(page):
            return html
        page.markdown = ""  # converted; "" (not None) keeps the page's title
        head = {key: page.meta.pop(key) for key in HEAD_META if key in page.meta}
        assert self.shelf is not None  # set by on_config
        self.shelf.put(page.file.src_uri, [html, head])
        return ""

    @event_priority(100)  # before every other plugin (search indexes the HTML here)
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        packed = self.shelf.take(page.file.src_uri) if self.shelf is not None else None
        if packed is not None:
            page.content, head = packed
            page.meta.update(head)
        if self.preview is not None:
            self.preview.rendered.add(page.url)
        return context

    @event_priority(-100)  # after the search plugin indexed the page
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        if self.spool is not None:
            self.spool.drain()
        if self._ours(page):
            page.content = ""  # written into the output: nothing reads it again
            for key in HEAD_META:  # read by our theme override only, now rendered
                page.meta.pop(key, None)
            deferred = self.deferred.get(page.file.src_uri)
            if deferred and DEFERRED in output:
                self.filling[page.file.abs_dest_path] = deferred
        return output

    def _ours(self, page: Any) -> bool:
        return page.file.src_uri in self.generated

    @event_priority(100)  # before the search plugin (and the offline one, which reads it)
    def _write_search_index(self, config: Any) -> None:
        if self.spool is not None:
            self.spool.write(Path(config.site_dir))

    @event_priority(-100)  # after the search plugin wrote the index of the pages it saw
    def _after_build(self, config: Any) -> None:
        self._close_temporaries()
        with _template_errors():
            for path, page in self.filling.items():
                _fill(Path(path), page)
        self.filling = {}
        if self.preview is not None:
            _merge_search_index(self.preview, Path(config.site_dir) / "search" /
                                "search_index.json")

    on_post_build = CombinedEvent(_write_search_index, _after_build)

    def on_build_error(self, *, error: Exception) -> None:
        self._close_temporaries()

    def _close_temporaries(self) -> None:
        """Close the page shelf and the search spool (their temporary files)."""
        if self.shelf is not None:
            self.shelf.close()
            self.shelf = None
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        if self.preview is not None:  # `site-builder serve` watches what it was given
            return server
        root = Path(config.config_file_path or ".").resolve().parent
        for folder in (self.config.papers, self.config.templates):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server


def _pages(sources: Sources, config: Any, serving: bool) -> list[Page]:
    """The pages: rendered now while serving (a broken template becomes the error page),
    else each when it is written (a build never holds every page's text at once)."""
    if not config.site_url and sources.plist.info.site_url:  # canonical links, sitemap
        config.site_url = sources.plist.info.site_url.rstrip("/") + "/"
    if not serving:
        pages = sources.lazy_pages(config.use_directory_urls, config.site_url)
        release_memory()  # the discovery index is gone: its heap back before MkDocs' pages
        return pages
    with _template_errors():
        return sources.pages(config.use_directory_urls, config.site_url)


@contextmanager
def _template_errors() -> Iterator[None]:
    """A template Jinja cannot even parse is a one-line error like the others."""
    import jinja2

    try:
        yield
    except jinja2.TemplateSyntaxError as err:
        raise SiteBuilderError(f"{err.filename or err.name}:{err.lineno}: template error: "
                               f"{err.message} — fix the template, or delete it to use the "
                               "bundled one") from err


def _fill(built: Path, page: Page) -> None:
    """Stream a page's deferred HTML into its built file, in place of the marker."""
    assert page.deferred is not None
    head, tail = built.read_text(encoding="utf-8").split(DEFERRED, 1)
    with built.open("w", encoding="utf-8", newline="") as out:
        out.write(head)
        for piece in page.deferred():
            out.write(piece)
        out.write(tail)


def _theme_stamp(config: Any) -> list[tuple[str, int]]:
    """When the theme's own templates in a project or source checkout last changed (an
    installed theme does not change while it is served)."""
    return [(str(f), f.stat().st_mtime_ns) for folder in config.theme.dirs
            if not {"site-packages", "dist-packages"} & set(Path(folder).parts)
            for f in sorted(Path(folder).rglob("*")) if f.is_file()]


def _merge_search_index(preview: Preview, path: Path) -> None:
    """Make the index written by MkDocs' search plugin, which holds only the pages this
    build rendered, whole again: the other pages keep the entries of the build that last
    rendered them, and deleted pages lose theirs."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # no search plugin, or not its format: nothing to mend
        return
    fresh: dict[str, list[Any]] = {url: [] for url in preview.rendered}
    for entry in data.get("docs", []):
        fresh.setdefault(str(entry.get("location", "")).split("#")[0], []).append(entry)
    known = {**preview.search, **fresh} if not preview.full else fresh
    preview.search = {url: known[url] for url in preview.urls if url in known}
    data["docs"] = [entry for entries in preview.search.values() for entry in entries]
    path.write_text(json.dumps(data, separators=(",", ":"), default=str), encoding="utf-8")


def _not_in_nav(spec: Any, pages: list[Page]) -> Any:
    """The project's ``not_in_nav`` patterns plus the paper pages, which are reached from
    the cards: listed in the navigation they would bury the sections, and left out of
    it unannounced they would fail a strict build.  While the preview shows errors, the
    copies of the error page are left out of it too."""
    extra = [f"/{page.path}" for page in pages[1:] if page.title == ERRORS]
    # MkDocs' own parsing of the option
    papers = c.PathSpec().run_validation("\n".join(["/papers/", *extra]))
    return spec + papers if spec else papers


def _error_page(err: InvalidRecords | SiteBuilderError) -> Page:
    """The home page while the records or templates are broken: the problems in a code
    block, where Markdown shows every character as text."""
    from .site import md_heading

    if isinstance(err, InvalidRecords):
        heading, report = "The records are invalid", format_problems(err.problems)
    else:
        heading, report = "The site cannot be built", f"error: {err}"
    lines = "\n".join(f"    {line}" for line in report.splitlines())
    return Page("index.md", ERRORS, f"# {md_heading(heading)}\n\n"
                "Fix these problems and save; this page reloads by itself.\n\n"
                f"{lines}\n")
