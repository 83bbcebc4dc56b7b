"""``site-builder serve``: a live preview of the website on this machine.

MkDocs' own development server (its ``LiveReloadServer``) serves a temporary site folder
and reloads open pages after every rebuild.  The rebuild is ours: it reads the records
through the per-file cache (one edited record is one file parsed), lets the plugin render
only the pages whose text changed (see :class:`mkdocs_plugin.Preview`), and never stops
the server: broken records or templates become the home page and are reported to the
terminal, and the next save that fixes them brings the site back.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import load
from ..errors import SiteBuilderError, UsageError
from ..render import BUNDLED_TEMPLATES
from .site import site_config

if TYPE_CHECKING:
    from ..mkdocs_plugin import Preview

_DIRTY_WARNING = "A 'dirty' build is being performed"


class _QuietDirty(logging.Filter):
    """MkDocs warns about every dirty build; the preview does them on purpose and keeps
    the navigation right itself (a full build whenever it changes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(_DIRTY_WARNING)


def serve(papers: Path, templates: Path | None = None, config_file: Path | None = None, *,
          host: str, port: int,
          report: Callable[[str], None]) -> None:
    """Build the site and serve it on ``host:port`` until interrupted (Ctrl-C returns
    normally).  ``report`` receives the problems of every build that failed, in the
    usual ``path:line: field: what — fix`` form.  Raises UsageError when the port is
    taken or the configuration is invalid at start."""
    from mkdocs.exceptions import MkDocsException
    from mkdocs.livereload import LiveReloadServer

    load.require_folder(papers)  # a typo is an error now, not a preview of nothing
    logging.getLogger("mkdocs.commands.build").addFilter(_QuietDirty())
    site_dir = tempfile.mkdtemp(prefix="site-builder-serve-")
    scratch = tempfile.mkdtemp(prefix="site-builder-pages-")
    rebuild = Rebuild(papers, templates, config_file, Path(site_dir), scratch, host, port,
                      report)
    try:
        try:
            config, _ = rebuild.configure()
        except MkDocsException as err:
            raise SiteBuilderError(f"the site configuration is invalid: {err}") from err
        server = LiveReloadServer(builder=rebuild, host=host, port=port, root=site_dir)
        try:
            rebuild()
            for path in _watched(config, rebuild.preview):
                server.watch(str(path))
            config.plugins.on_serve(server, config=config, builder=rebuild)
            server.serve()
        except OSError as err:
            raise UsageError(f"cannot serve on {host}:{port}: {err.strerror or err} — "
                             "choose another port with --port") from err
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
        config.plugins.on_shutdown()
    finally:
        shutil.rmtree(site_dir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


class Rebuild:
    """One preview's builds into ``site_dir``: the first renders every page, the next
    ones only the pages whose text changed.  Errors are reported, never raised: the
    server must keep going."""

    def __init__(self, papers: Path, templates: Path | None, config_file: Path | None,
                 site_dir: Path, scratch: str, host: str, port: int,
                 report: Callable[[str], None]) -> None:
        from ..mkdocs_plugin import Preview

        self.preview = Preview(report, papers, templates or Path("templates"),
                               Path("CONTRIBUTING.md"))
        self.config_file, self.site_dir, self.scratch = config_file, site_dir, scratch
        self.dev_addr = f"{host}:{port}"
        self.url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"

    def configure(self) -> tuple[Any, Any]:
        """A fresh configuration (mkdocs.yml may have changed) holding our state."""
        # Not offline: live reload needs the server's URLs.
        config, plugin = site_config(self.config_file, self.scratch,
                                     site_dir=str(self.site_dir), strict=False,
                                     dev_addr=self.dev_addr, site_url=self.url)
        plugin.preview = self.preview
        plugin.prepared = None  # MkDocs reuses plugin objects: not an earlier build's list
        config.plugins.on_startup(command="serve", dirty=False)
        return config, plugin

    def __call__(self) -> None:
        from mkdocs.commands.build import build
        from mkdocs.exceptions import MkDocsException

        try:
            config, _ = self.configure()
            build(config, serve_url=self.url, dirty=True)
        except (MkDocsException, SiteBuilderError, OSError) as err:
            self.preview.shape = None  # the next build renders everything again
            self.preview.report(f"error: the site did not build: {err} — fix it and save "
                                "again")


def _watched(config: Any, preview: Preview) -> list[Path]:
    """What a rebuild depends on: the records and the list file, the repository's
    template overrides, ``mkdocs.yml``, the contributing guide, and the bundled
    templates when running from a source checkout (not from an installed package)."""
    paths = [preview.papers, preview.templates, preview.contributing]
    if config.config_file_path:
        paths.append(Path(config.config_file_path))
    if "site-packages" not in BUNDLED_TEMPLATES.parts:
        paths.append(BUNDLED_TEMPLATES)
    return [p for p in paths if p is not None and p.exists()]
