"""The MkDocs adapter: the only module that imports MkDocs.

It generates the pages into ``docs_dir`` before each build, hands MkDocs the navigation,
and watches the records during ``mkdocs serve``.  While serving, a broken record turns the
home page into the list of problems instead of stopping the server.

MkDocs converts every page before it writes any, so a list of 10,000 papers would hold
every page's Markdown and HTML at once: for the pages we generate, the plugin drops the
Markdown once converted and keeps the HTML compressed until its page is written.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority

from .errors import InvalidRecords, format_problems
from .render import BUNDLED_TEMPLATES
from .site import Page, is_page, nav, read_sources, site_title, write_pages

VENDORED_SHIM = "assets/iframe-worker-shim.js"
HEAD_META = ("sb_head", "sb_jsonld")  # a paper page's head tags (site/paper.md.j2)
_LOG = logging.getLogger("mkdocs.plugins.site_builder")


class SiteBuilderConfig(Config):
    papers = c.Type(str, default="papers")
    templates = c.Type(str, default="templates")
    contributing = c.Type(str, default="CONTRIBUTING.md")


class SiteBuilderPlugin(BasePlugin[SiteBuilderConfig]):
    serving = False
    prepared: Any = None  # Sources the CLI already read (then records are parsed once)
    pages: list[Page]
    generated: set[str]  # the docs paths of the pages we wrote
    packed: dict[str, bytes]  # the converted HTML of our pages, until each is written

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    @event_priority(-50)  # after Material's offline plugin has settled use_directory_urls
    def on_config(self, config: Any) -> Any:
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            sources = self.prepared or read_sources(root / self.config.papers,
                                                    root / self.config.templates,
                                                    root / self.config.contributing)
        except InvalidRecords as err:
            report = format_problems(err.problems)
            if not self.serving:
                raise PluginError(f"the records are invalid:\n{report}") from err
            # Logged as information: in strict mode a warning or error would abort the
            # rebuild, and the error page already shows the problems.
            _LOG.info("the records are invalid:\n%s", report)
            self.pages = [_error_page(report)]
        else:
            if not config.site_url and sources.plist.info.site_url:  # canonical links, sitemap
                config.site_url = sources.plist.info.site_url.rstrip("/") + "/"
            self.pages = sources.lazy_pages(config.use_directory_urls, config.site_url)
            config.site_name = site_title(sources.plist.info.title)
        polyfills = config.extra.get("polyfills") or []
        config.extra["polyfills"] = [VENDORED_SHIM if "iframe-worker" in url else url
                                     for url in polyfills]  # never the CDN copy
        overrides = str(BUNDLED_TEMPLATES / "site" / "overrides")
        if overrides not in config.theme.dirs:  # the feed link in every head; a project's
            # own custom_dir keeps precedence
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, overrides)
        write_pages(self.pages, Path(config.docs_dir))
        self.generated = {p.path for p in self.pages if is_page(p)}
        self.packed = {}
        config.nav = nav(self.pages)
        config.not_in_nav = _not_in_nav(config.not_in_nav)
        return config

    @event_priority(-100)  # the last to see the HTML: every other plugin already has
    def on_page_content(self, html: str, *, page: Any, config: Any, files: Any) -> str:
        if not self._ours(page):
            return html
        page.markdown = ""  # converted; "" (not None) keeps the page's title
        self.packed[page.file.src_uri] = zlib.compress(html.encode("utf-8"), 1)
        return ""

    @event_priority(100)  # before every other plugin (search indexes the HTML here)
    def on_page_context(self, context: Any, *, page: Any, config: Any, nav: Any) -> Any:
        packed = self.packed.pop(page.file.src_uri, None)
        if packed is not None:
            page.content = zlib.decompress(packed).decode("utf-8")
        return context

    @event_priority(-100)
    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        if self._ours(page):
            page.content = ""  # written into the output: nothing reads it again
            for key in HEAD_META:  # read by our theme override only, now rendered
                page.meta.pop(key, None)
        return output

    def _ours(self, page: Any) -> bool:
        return page.file.src_uri in self.generated

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        root = Path(config.config_file_path or ".").resolve().parent
        for folder in (self.config.papers, self.config.templates):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server


def _not_in_nav(spec: Any) -> Any:
    """The project's ``not_in_nav`` patterns plus the paper pages, which are reached from
    the cards: listed in the navigation they would bury the sections, and left out of
    it unannounced they would fail a strict build."""
    papers = c.PathSpec().run_validation("/papers/")  # MkDocs' own parsing of the option
    return spec + papers if spec else papers


def _error_page(report: str) -> Page:
    from .site import md_heading

    lines = "\n".join(f"    {line}" for line in report.splitlines())
    return Page("index.md", "Errors", f"# {md_heading('The records are invalid')}\n\n"
                "Fix these problems and save; this page reloads by itself.\n\n"
                f"{lines}\n")
