"""``site-builder site``: generate the pages and build the website with MkDocs."""

from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import SiteBuilderError
from ..fsio import (
    check_replaceable,
    file_error,
    lock,
    new_sibling,
    read_regular,
    siblings,
    swap_dir,
    write_atomic,
)
from ..model import PaperList
from ..render import BUNDLED_TEMPLATES
from ..site import is_page, read_sources


@dataclass(frozen=True)
class SiteResult:
    site_dir: Path
    pages: int
    plist: PaperList


SITE_MARKER = ".site-builder"
LOCK_FILE = ".site-builder.lock"


def protected_folders(papers: Path) -> dict[Path, str]:
    """Folders a build must never replace: the records, the repository (the folder with
    ``mkdocs.yml`` or ``.git`` above the records or the working folder)."""
    found = {papers.resolve(): "the papers folder"}
    for start in (papers.resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / ".git").exists() or (folder / "mkdocs.yml").exists():
                found.setdefault(folder, "the repository's folder")
                break
    return found


def check_site_dir(papers: Path, site_dir: Path) -> None:
    """Raise FileError unless a build may replace ``site_dir`` (see :func:`site`)."""
    check_replaceable(site_dir, SITE_MARKER, protected_folders(papers))


def build_lock(site_dir: Path) -> AbstractContextManager[None]:
    """The lock every build of ``site_dir`` (and of the README with it) takes: a file next
    to the site folder, so two builds of the same tree cannot interleave."""
    parent = site_dir.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise file_error(parent, err) from err
    return lock(parent / LOCK_FILE)


def site(papers: Path, site_dir: Path, templates: Path | None = None,
         config_file: Path | None = None, *, offline: bool = False,
         plist: PaperList | None = None, cache: bool = True) -> SiteResult:
    """Build the site: the project's ``mkdocs.yml`` when there is one, else the bundled one.

    Validation runs first; when it fails nothing is built.  ``offline`` builds a site
    that also works opened from the file system (Material's offline plugin: page URLs
    end in .html and the search index is inlined).  ``cache`` keeps related papers and
    the map between builds (:func:`site_builder.similar.discover`).

    The site is built into a new folder next to ``site_dir`` and swapped in when complete:
    a build killed at any moment, or one that fills the disk, leaves the previous site.
    ``site_dir`` is replaced only when it is a site we built (it holds ``.site-builder``),
    empty or missing, and never when it is the records, the repository or the home folder.
    """
    check_site_dir(papers, site_dir)  # before the lock: a refused build writes nothing
    with build_lock(site_dir):
        check_site_dir(papers, site_dir)  # again: another build may have run meanwhile
        return _build(papers, site_dir, templates, config_file, offline, plist, cache)


OFFLINE_ENV = "SITE_BUILDER_OFFLINE"  # what mkdocs.yml reads to turn the offline plugin on


def site_config(config_file: Path | None, scratch: str, *, offline: bool = False,
                **overrides: Any) -> tuple[Any, Any]:
    """MkDocs' configuration and our plugin in it, from the project's ``mkdocs.yml`` (or
    ``config_file``) when there is one, else the bundled one, whose pages go to ``scratch``
    (the project's go to its ``docs/``).  Shared by ``site`` and ``serve``.

    ``offline`` reaches the configuration as ``!ENV SITE_BUILDER_OFFLINE`` (Material's
    offline plugin), set only while it is read: a later build or server in the same
    process is not offline because of this one."""
    config_file = config_file or Path("mkdocs.yml")
    if read_regular(config_file, "MkDocs configuration") is None:  # refuses links
        config_file = BUNDLED_TEMPLATES / "site" / "mkdocs.yml"
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    from mkdocs.config import load_config

    if config_file.parent == BUNDLED_TEMPLATES / "site":
        overrides["docs_dir"] = scratch
    else:
        (config_file.parent / "docs").mkdir(exist_ok=True)
    previous = os.environ.get(OFFLINE_ENV)
    os.environ[OFFLINE_ENV] = "true" if offline else "false"
    try:
        config = load_config(str(config_file), **overrides)
    finally:
        if previous is None:
            del os.environ[OFFLINE_ENV]
        else:
            os.environ[OFFLINE_ENV] = previous
    plugin = config.plugins.get("site-builder")
    if plugin is None:
        raise SiteBuilderError(f"{config_file}: the site-builder plugin is not listed under "
                               "plugins: — add '- site-builder' to its plugins")
    return config, plugin


def _build(papers: Path, site_dir: Path, templates: Path | None, config_file: Path | None,
           offline: bool, plist: PaperList | None, cache: bool) -> SiteResult:
    templates = templates or Path("templates")
    sources = read_sources(papers, templates, Path("CONTRIBUTING.md"), plist, cache=cache)
    from mkdocs.commands.build import build
    from mkdocs.exceptions import MkDocsException

    for leftover in siblings(site_dir, "new") + siblings(site_dir, "old"):
        shutil.rmtree(leftover, ignore_errors=True)  # from killed builds; we hold the lock
    staging = new_sibling(site_dir, "new")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            try:
                config, plugin = site_config(config_file, scratch, offline=offline,
                                             site_dir=str(staging.resolve()))
                plugin.prepared = sources
                plugin.preview = None  # MkDocs reuses plugin objects: not a preview's state
                config.plugins.on_startup(command="build", dirty=False)
                build(config)
            except MkDocsException as err:
                raise SiteBuilderError(f"the site did not build: {err}") from err
            except OSError as err:
                raise file_error(site_dir, err, "the site could not be built (the previous "
                                 "site is unchanged)") from err
        write_atomic(staging / SITE_MARKER, "This folder was built by site-builder; every "
                     "build replaces it whole.\n")
        swap_dir(staging, site_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return SiteResult(site_dir, sum(map(is_page, plugin.pages)), sources.plist)
