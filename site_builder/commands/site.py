"""``site-builder site``: generate the pages and build the website with MkDocs."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..checking import check_dir
from ..enrich import PaperMetrics, metrics_path, paper_metrics, read_metrics
from ..errors import SiteBuilderError
from ..model import PaperList
from ..render import BUNDLED_TEMPLATES
from ..site import Page, build_pages


@dataclass(frozen=True)
class SiteResult:
    site_dir: Path
    pages: int
    plist: PaperList


@dataclass(frozen=True)
class Sources:
    """What the pages are made from: the validated list and the contributing guide."""

    plist: PaperList
    templates: Path | None
    contributing: str | None
    metrics: Mapping[str, PaperMetrics] = field(default_factory=dict)

    def pages(self, directory_urls: bool = True) -> list[Page]:
        return build_pages(self.plist, self.templates, self.contributing,
                           directory_urls=directory_urls, metrics=self.metrics)


def read_sources(papers: Path, templates: Path | None = None,
                 contributing: Path | None = None, plist: PaperList | None = None) -> Sources:
    """Validate the records (raises InvalidRecords; skipped when ``plist`` is given), read
    the contributing guide and the metrics file (``site-builder enrich``; none yet is
    fine: the pages then show no stars or citations)."""
    plist = plist or check_dir(papers)
    text = None
    if contributing and contributing.is_file():
        text = contributing.read_text(encoding="utf-8")
    metrics = paper_metrics(plist, read_metrics(metrics_path(papers)))
    return Sources(plist, templates, text, metrics)


def site(papers: Path, site_dir: Path, templates: Path | None = None,
         config_file: Path | None = None, *, offline: bool = False,
         plist: PaperList | None = None) -> SiteResult:
    """Build the site: the project's ``mkdocs.yml`` when there is one, else the bundled one.

    Validation runs first; when it fails nothing is built.  ``offline`` builds a site
    that also works opened from the file system (Material's offline plugin: page URLs
    end in .html and the search index is inlined).
    """
    templates = templates or Path("templates")
    sources = read_sources(papers, templates, Path("CONTRIBUTING.md"), plist)
    os.environ["SITE_BUILDER_OFFLINE"] = "true" if offline else "false"
    config_file = config_file or Path("mkdocs.yml")
    if not config_file.is_file():
        config_file = BUNDLED_TEMPLATES / "site" / "mkdocs.yml"
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with tempfile.TemporaryDirectory() as scratch:
        overrides: dict = {"site_dir": str(site_dir.resolve())}
        if config_file.parent == BUNDLED_TEMPLATES / "site":
            overrides["docs_dir"] = scratch
        else:
            (config_file.parent / "docs").mkdir(exist_ok=True)
        try:
            config = load_config(str(config_file), **overrides)
            plugin = config.plugins.get("site-builder")
            if plugin is None:
                raise SiteBuilderError(f"{config_file}: the site-builder plugin is not "
                                       "listed under plugins:")
            plugin.prepared = sources
            config.plugins.on_startup(command="build", dirty=False)
            build(config)
        except MkDocsException as err:
            raise SiteBuilderError(f"the site did not build: {err}") from err
    return SiteResult(site_dir, len(plugin.pages), sources.plist)
