"""The MkDocs adapter: the only module that imports MkDocs.

It generates the pages into ``docs_dir`` before each build, hands MkDocs the navigation,
and watches the records during ``mkdocs serve``.  While serving, a broken record turns the
home page into the list of problems instead of stopping the server.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from .errors import InvalidRecords, format_problems
from .site import Page, nav, site_title, write_pages


class SiteBuilderConfig(Config):
    papers = c.Type(str, default="papers")
    templates = c.Type(str, default="templates")
    contributing = c.Type(str, default="CONTRIBUTING.md")


class SiteBuilderPlugin(BasePlugin[SiteBuilderConfig]):
    serving = False
    prepared: Any = None  # pages the CLI already generated (then records are read once)

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.serving = command == "serve"

    def on_config(self, config: Any) -> Any:
        from .commands.site import generate

        root = Path(config.config_file_path or ".").resolve().parent
        try:
            generated = self.prepared or generate(root / self.config.papers,
                                                  root / self.config.templates,
                                                  root / self.config.contributing)
        except InvalidRecords as err:
            report = format_problems(err.problems)
            if not self.serving:
                raise PluginError(f"the records are invalid:\n{report}") from err
            # Printed, not logged: in strict mode a logged error would abort the rebuild.
            print(f"site-builder: the records are invalid:\n{report}", file=sys.stderr)
            pages = [_error_page(report)]
        else:
            pages = generated.pages
            config.site_name = site_title(generated.plist.info.title)
        write_pages(pages, Path(config.docs_dir))
        config.nav = nav(pages)
        return config

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        root = Path(config.config_file_path or ".").resolve().parent
        for folder in (self.config.papers, self.config.templates):
            if (root / folder).is_dir():
                server.watch(str(root / folder))
        return server


def _error_page(report: str) -> Page:
    from .site import md_heading

    lines = "\n".join(f"    {line}" for line in report.splitlines())
    return Page("index.md", "Errors", f"# {md_heading('The records are invalid')}\n\n"
                "Fix these problems and save; this page reloads by itself.\n\n"
                f"{lines}\n")
