"""Validated list → the website's pages, as plain Markdown files.

The pages are Markdown with HTML blocks rendered by our templates (``templates/site/``) with
Jinja's autoescaping on, so they build the same under MkDocs and its successors, and record
text can only ever appear as text.  Nothing here imports MkDocs: :mod:`mkdocs_plugin` and
:mod:`commands.site` are the thin adapters; both read what the pages are made from with
:func:`read_sources`.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .checking import check_dir
from .enrich import PaperMetrics, metrics_path, paper_metrics, read_metrics
from .exporters import FORMATS, Options
from .exporters.bibtex import cite_keys, entry_text
from .figures import SiteFigure, site_figures
from .fsio import FileError, file_error, read_text, shown, write_atomic
from .ids import find_arxiv
from .load import display_path
from .model import Entry, Paper, PaperList
from .quick import cache_file
from .render import BUNDLED_TEMPLATES, environment, render_template, template_error
from .stats import charts
from .text import bare_name, display_name, fold, html_title, md_inline, safe_url, squash, text_links
from .venue_table import Venue, bundled, load_venues

if TYPE_CHECKING:
    from .similar import Related

ASSETS = ("assets/site.css", "assets/explore.js", "assets/iframe-worker-shim.js")
EXPLORE_WORDS = "assets/explore-words.js"  # the abstracts, for Explore's word filter
MANIFEST = ".site-builder-pages"
# Where a page's deferred HTML goes (see Page.deferred): a comment, which Markdown keeps
# as it is and which escaped record text can never spell.
DEFERRED = "<!-- site-builder: deferred -->"
_PY_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
NEWEST = 8
DESCRIPTION_CHARS = 300
# Escaped in front matter: markup, and what YAML reads as a line break or rejects.
_FRONT_MATTER_ESCAPE = re.compile(r"[<>&\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


@dataclass(frozen=True)
class Page:
    """A page or file of the site.  A lazy page (``make``) renders its text only when it
    is written, so a build of 10,000 papers never holds every page's text at once.

    A page may also defer a long HTML block (the Explore page's list: 11 MB at 10,000
    papers, which Python-Markdown would take several times its size in memory to pass
    through unchanged): its written text holds :data:`DEFERRED` where ``deferred`` streams
    that HTML, which the MkDocs plugin puts into the built page.  :meth:`rendered` puts it
    in the text."""

    path: str  # relative to the docs folder, posix
    title: str
    text: str = ""
    data: bytes | None = None  # a binary file (a figure's copy) instead of text
    make: Callable[[], str] | None = field(default=None, repr=False, compare=False)
    deferred: Callable[[], Iterator[str]] | None = field(default=None, repr=False,
                                                         compare=False)

    def body(self) -> str | bytes:
        """What is written for this page (rendered now when the page is lazy)."""
        if self.data is not None:
            return self.data
        return self.make() if self.make else self.text

    def rendered(self) -> Page:
        """The page with its whole text (a lazy page rendered, the deferred HTML in it)."""
        text = self.make() if self.make else self.text
        if self.deferred:
            text = text.replace(DEFERRED, "".join(self.deferred()), 1)
        return replace(self, text=text, make=None, deferred=None)


def _markup(text: str) -> Any:
    """Our own HTML, which autoescaping leaves as it is."""
    from markupsafe import Markup

    return Markup(text)


def md_heading(value: str) -> Any:
    """Text safe in a Python-Markdown heading: entities for HTML, backslashes for the rest."""
    from markupsafe import Markup

    text = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Markup(_PY_MD_SPECIAL.sub(r"\\\1", text))


@lru_cache(maxsize=1)
def _inline_markdown() -> Any:
    """Plain Python-Markdown (no attribute lists, no boxes) whose images are links: the site
    promises that viewing it asks no other host for anything, and an image in the list's
    text would load from its host; a click on the link shows it."""
    import markdown
    from markdown.treeprocessors import Treeprocessor

    class ImagesAsLinks(Treeprocessor):
        def run(self, root: Any) -> None:
            for parent in root.iter():
                for child in parent:
                    if child.tag == "img":
                        src, alt = child.get("src", ""), child.get("alt", "")
                        child.attrib.clear()
                        child.tag = "span" if parent.tag == "a" else "a"  # no link in a link
                        if child.tag == "a":
                            child.set("href", src)
                        child.text = alt or src

    md = markdown.Markdown()
    md.treeprocessors.register(ImagesAsLinks(md), "sb_images_as_links", 0)
    return md


@lru_cache(maxsize=256)
def inline_html(value: str) -> Any:
    """The list's own inline Markdown (descriptions, notes, a section's bullet points and
    paragraphs: links, emphasis; checked to hold no HTML and only safe link targets) as
    HTML, for a place inside an HTML block, where MkDocs reads no Markdown; images are
    links (:func:`_inline_markdown`).  Cached: a mark's description is on every card that
    carries the mark."""
    from markupsafe import Markup

    md = _inline_markdown().reset()
    text = md_inline(value)
    if text.startswith("\\") and text[1:2] not in md.ESCAPED_CHARS:
        text = text[1:]  # a mark CommonMark reads as a block ('|', '$$'), this Markdown not
    paragraph = md.convert(text)
    return Markup(paragraph.removeprefix("<p>").removesuffix("</p>"))


def html_links(value: str) -> Any:
    """Plain text that may hold links (a paper's note) as HTML: escaped as autoescaping
    escapes it, each link :func:`~site_builder.text.text_links` finds an ``<a>``."""
    from markupsafe import Markup, escape

    if "](" not in value:
        return escape(value)
    return Markup("").join(escape(piece) if isinstance(piece, str) else
                           Markup('<a href="{}">{}</a>').format(piece[2], piece[1])
                           for piece in text_links(value))


_RELATIVE_LINK = re.compile(r"\]\((?![A-Za-z][A-Za-z0-9+.-]*:|#|/)([^)\s]+)\)")


def repo_links(markdown: str, repo: str | None) -> str:
    """Point a repository document's relative links (``papers/_list.yaml``) at the
    repository, since those files are not part of the site."""
    if not repo:
        return markdown
    base = repo.rstrip("/")
    return _RELATIVE_LINK.sub(lambda m: f"]({base}/blob/main/{m.group(1)})", markdown)


def section_path(section_id: str) -> str:
    return f"sections/{section_id}.md"


def paper_path(key: str) -> str:
    """The paper's own page: ``papers/<stem>/`` on the site."""
    return f"papers/{key}.md"


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (#rrggbb): a list's badge
    colour keeps its text legible (WCAG contrast, at least 4.5:1 for mid-tones)."""
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def front_matter(value: Any) -> Any:
    """Page metadata as one line of JSON (which YAML reads), with ``<``, ``>``, ``&`` and
    line separators as escapes: record text in it can neither end the front matter nor
    become markup."""
    from markupsafe import Markup

    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))
    return Markup(_FRONT_MATTER_ESCAPE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text))


def page_url(path: str, directory_urls: bool = True) -> str:
    """Where the page built from ``path`` ends up, as MkDocs writes it: ``sections/x/``
    with directory URLs, ``sections/x.html`` without (the offline build)."""
    stem = path.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    return "" if stem == "index" else f"{stem.removesuffix('/index')}/"


def relative_url(source: str, target: str, directory_urls: bool = True) -> str:
    """A link from page ``source`` to page ``target`` (both docs paths) that works on any
    host and from the file system."""
    here = page_url(source, directory_urls)
    base = here.rstrip("/") if directory_urls else posixpath.dirname(here)
    there = page_url(target, directory_urls)
    rel = _relpath(there.rstrip("/"), base)
    if directory_urls:
        return "./" if rel == "." else f"{rel}/"
    return rel


_MEDIA = ("![", "<img", "<picture", "<video", "<audio", "<iframe", "<object", "<embed",
          "<image", "<svg")


def shows_media(block: str) -> bool:
    """Does a list's own Markdown block load something from another host?  The site
    promises its readers that viewing it sends no request to anyone else, so such blocks
    stay in the README."""
    lowered = block.lower()
    return any(marker in lowered for marker in _MEDIA)


def relative_file(source: str, target: str, directory_urls: bool = True) -> str:
    """A link from page ``source`` to the file ``target`` (a docs path such as
    ``figures/x.webp``, served as it is)."""
    here = page_url(source, directory_urls)
    base = here.rstrip("/") if directory_urls else posixpath.dirname(here)
    return _relpath(target, base)


def _relpath(path: str, start: str) -> str:
    """``posixpath.relpath`` for the site's own paths (relative, without ``..``), without
    its two ``getcwd()`` calls: pages link each other some 17 times a paper."""
    here = [part for part in start.split("/") if part not in ("", ".")]
    there = [part for part in path.split("/") if part not in ("", ".")]
    common = 0
    while common < min(len(here), len(there)) and here[common] == there[common]:
        common += 1
    return "/".join([".."] * (len(here) - common) + there[common:]) or "."


def figure_path(key: str, thumb: bool = False) -> str:
    """Where a paper's own copy of its figure is served (see :mod:`site_builder.figures`)."""
    return f"figures/{key}.thumb.webp" if thumb else f"figures/{key}.webp"


def build_pages(plist: PaperList, templates: Path | None = None,
                contributing: str | None = None, *, directory_urls: bool = True,
                exports: Options | None = None,
                metrics: Mapping[str, Any] | None = None,
                related: Mapping[str, Sequence[Related]] | None = None,
                figures: Mapping[str, SiteFigure] | None = None) -> list[Page]:
    """Every page of the site, rendered (see :func:`lazy_pages`)."""
    return [page.rendered() for page in lazy_pages(
        plist, templates, contributing, directory_urls=directory_urls, exports=exports,
        metrics=metrics, related=related, figures=figures)]


def lazy_pages(plist: PaperList, templates: Path | None = None,
               contributing: str | None = None, *, directory_urls: bool = True,
               exports: Options | None = None,
               metrics: Mapping[str, Any] | None = None,
               related: Mapping[str, Sequence[Related]] | None = None,
               figures: Mapping[str, SiteFigure] | None = None,
               discovery_store: Path | None = None) -> list[Page]:
    """Every page of the site, each rendered when it is written (:meth:`Page.body`): the
    pages in navigation order, then one page per paper (not in the navigation), then the
    export files (papers.bib, feed.xml...: not pages, MkDocs copies
    them as they are); links between pages follow ``directory_urls`` (MkDocs'
    use_directory_urls).  ``metrics`` maps record keys to their stars and citations
    (:func:`site_builder.enrich.paper_metrics`); none shown without it.  ``related`` maps
    record keys to their related papers (by default the most similar ones,
    :func:`site_builder.similar.related`, kept in ``discovery_store`` between builds:
    :func:`site_builder.similar.discover`), shown on cards and paper pages.  ``figures``
    maps record keys to their figure's cached copies (:func:`site_builder.figures.site_figures`):
    those are copied into the site and shown; any other figure stays behind a click."""
    env = environment(templates, autoescape=True)
    env.filters.update(heading=md_heading, fold=fold, front_matter=front_matter,
                       text_on=text_on, links=html_links, inline_html=inline_html)
    env.tests["showing_images"] = shows_media
    exports = exports or Options()
    groups = plist.grouped()
    section_of = {s.id: s for s, _ in groups}
    numbered = plist.info.numbered
    numbers = {sid: f"{n}. " if numbered else ""
               for sid, n in plist.info.section_numbers().items()}
    from . import similar  # numpy and SciPy: only the site build needs them

    if related is None:
        found = similar.discover(plist.entries, discovery_store)
        related, positions = found.related, found.positions
    else:
        positions = similar.project(similar.term_matrix(plist.entries))
    figures = figures or {}
    base = {"info": plist.info, "groups": groups, "numbers": numbers,
            "section_of": section_of, "section_path": section_path,
            "paper_path": paper_path, "count": len(plist.entries), "metrics": metrics or {},
            "related_of": related, "entry_of": {e.key: e for e in plist.entries},
            "figure_of": figures, "figure_path": figure_path}

    def common(path: str) -> dict[str, Any]:
        return {**base, "url_to": lambda target: relative_url(path, target, directory_urls),
                "file_url": lambda target: relative_file(path, target, directory_urls)}

    def later(template: str, path: str, **values: Any) -> Callable[[], str]:
        return lambda: render_template(env, template, **common(path), **values)

    def streamed(template: str, path: str, **values: Any) -> Callable[[], Iterator[str]]:
        return lambda: stream_template(env, template, **common(path), **values)

    pages = [Page("index.md", "Home", make=later(
        "site/home.md.j2", "index.md", stats=_stats(plist), newest=_newest(plist),
        downloads=FORMATS.values(), charts=charts(plist)))]
    for section, entries in groups:
        path = section_path(section.id or "")
        pages.append(Page(path, f"{numbers[section.id or '']}{section.title}", make=later(
            "site/section.md.j2", path, section=section, entries=entries)))
    everything = sorted(plist.entries, key=lambda e: (-e.paper.year, e.paper.title.casefold(),
                                                      e.key))
    pages.append(Page("explore.md", "Explore", make=later(
        "site/explore.md.j2", "explore.md", entries=everything, rows=_markup(DEFERRED),
        venues=sorted({e.paper.venue for e in plist.entries}, key=str.casefold),
        years=sorted({e.paper.year for e in plist.entries}),
        tags=sorted({t for e in plist.entries for t in e.paper.tags}, key=str.casefold),
        words=EXPLORE_WORDS),
        deferred=streamed("site/explore_rows.html.j2", "explore.md", entries=everything)))
    pages.append(Page(EXPLORE_WORDS, "", make=later("site/explore_words.js.j2", EXPLORE_WORDS,
                                                    entries=everything)))
    pages.append(Page("map.md", "Map", make=later(
        "site/map.md.j2", "map.md", positions=positions,
        entries=sorted(plist.entries, key=lambda e: e.key))))
    pages.append(Page("contributing.md", "Contributing", make=later(
        "site/contributing.md.j2", "contributing.md",
        contributing=contributing and repo_links(contributing, plist.info.repo))))
    pages += paper_pages(plist, env, common, exports, related, figures, directory_urls)
    return pages + export_files(plist, exports) + figure_files(figures)


def release_memory() -> None:
    """Collect what was just dropped and hand the C heap's free memory back to the
    system: glibc keeps the blocks numpy and SciPy freed (tens of MB at 10,000 papers),
    which Python's own objects, allocated elsewhere, would never reuse.  A no-op where
    the C library has no ``malloc_trim``."""
    import ctypes
    import gc

    gc.collect()
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def stream_template(env: Any, name: str, **context: Any) -> Iterator[str]:
    """A template's output in pieces of about 64 kB, never held whole; a broken template
    raises the one-line error of :func:`render.template_error`."""
    import jinja2

    try:
        pieces: list[str] = []
        size = 0
        for piece in env.get_template(name).generate(**context):
            pieces.append(piece)
            size += len(piece)
            if size >= 65536:
                yield "".join(pieces)
                pieces, size = [], 0
        yield "".join(pieces)
    except jinja2.TemplateError as err:
        raise template_error(err, name) from None


def paper_pages(plist: PaperList, env: Any, common: Any, options: Options,
                related: Mapping[str, Sequence[Related]],
                figures: Mapping[str, SiteFigure], directory_urls: bool = True) -> list[Page]:
    """One page per paper, in the list's order: the paper in full, how to cite it, and
    where it sits in the list (its sections, previous and next in its home section)."""
    keys = cite_keys(plist.entries)
    neighbours: dict[str, tuple[Entry | None, Entry | None]] = {}
    for section, entries in plist.grouped():
        home = [e for e in entries if e.paper.category == section.id]
        for i, entry in enumerate(home):
            neighbours[entry.key] = (home[i - 1] if i else None,
                                     home[i + 1] if i + 1 < len(home) else None)
    template = env.get_template("site/paper.md.j2")

    def render(entry: Entry) -> str:
        path = paper_path(entry.key)
        previous, following = neighbours[entry.key]
        canonical = (f"{options.site_url.rstrip('/')}/{page_url(path)}"
                     if options.site_url else None)
        image = safe_url(entry.paper.figure)
        if entry.key in figures:  # our own copy, not the figure's host
            image = (f"{options.site_url.rstrip('/')}/{figure_path(entry.key)}"
                     if options.site_url else
                     relative_file(path, figure_path(entry.key), directory_urls))
        return template.render(
            **common(path), entry=entry, p=entry.paper,
            bibtex=entry_text(keys[entry.key], entry.paper, options),
            arxiv=entry.paper.arxiv or find_arxiv(entry.paper.url),
            head=head_tags(entry.paper, options, canonical, image),
            jsonld=scholarly_article(entry.paper, options, canonical, image),
            description=html.escape(_description(entry.paper)),
            title=html_title(entry.paper.title),
            previous=previous, next=following, related=related.get(entry.key, ()))

    return [Page(paper_path(entry.key), entry.paper.title, make=partial(render, entry))
            for entry in sorted(plist.entries, key=lambda e: e.key)]


def _description(paper: Paper) -> str:
    text = squash(paper.abstract or f"{paper.title} ({paper.venue} {paper.year})")
    if len(text) <= DESCRIPTION_CHARS:
        return text
    return text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"


def _pdf_url(paper: Paper, arxiv: str | None) -> str | None:
    if paper.url.lower().split("?")[0].endswith(".pdf"):
        return paper.url
    return f"https://arxiv.org/pdf/{arxiv}" if arxiv else None


def head_tags(paper: Paper, options: Options, canonical: str | None,
              image: str | None = None) -> list[list[str]]:
    """``[attribute, name, content]`` triples for the paper page's ``<meta>`` tags:
    Highwire Press ``citation_*`` (read by Google Scholar and Zotero), Open Graph and
    Twitter cards (``image``: the figure, our own copy when the site has one).  Plain
    text: the theme override escapes it."""
    venue = options.venue(paper.venue)
    arxiv = paper.arxiv or find_arxiv(paper.url)
    tags = [["name", "citation_title", paper.title]]
    tags += [["name", "citation_author", bare_name(a)] for a in paper.authors if a != "others"]
    tags.append(["name", "citation_publication_date", str(paper.year)])
    if venue and venue.kind in ("conference", "journal"):
        tags.append(["name", f"citation_{venue.kind}_title", venue.name])
    pdf = _pdf_url(paper, arxiv)
    if pdf:
        tags.append(["name", "citation_pdf_url", pdf])
    if pdf != paper.url:
        tags.append(["name", "citation_abstract_html_url", paper.url])
    if paper.doi:
        tags.append(["name", "citation_doi", paper.doi])
    if arxiv:
        tags.append(["name", "citation_arxiv_id", arxiv])
    description = _description(paper)
    tags += [["property", "og:type", "article"], ["property", "og:title", paper.title],
             ["property", "og:description", description]]
    if canonical:
        tags.append(["property", "og:url", canonical])
    figure = image
    if figure:
        tags += [["property", "og:image", figure],
                 ["property", "og:image:alt", f"Figure of {paper.title}"]]
    tags += [["name", "twitter:card", "summary_large_image" if figure else "summary"],
             ["name", "twitter:title", paper.title],
             ["name", "twitter:description", description]]
    return tags


def scholarly_article(paper: Paper, options: Options, canonical: str | None,
                      image: str | None = None) -> dict[str, Any]:
    """The paper as schema.org ``ScholarlyArticle`` (JSON-LD; the theme override writes it
    with ``tojson``, which escapes ``<``, ``>`` and ``&``)."""
    venue = options.venue(paper.venue)
    article: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "ScholarlyArticle",
        "headline": paper.title, "name": paper.title, "datePublished": str(paper.year),
        "author": [{"@type": "Person", "name": display_name(bare_name(a))}
                   for a in paper.authors if a != "others"],
        "sameAs": [u for u in (paper.url, paper.doi and f"https://doi.org/{paper.doi}") if u],
        "isPartOf": {"@type": "Periodical" if venue and venue.kind == "journal"
                     else "CreativeWork", "name": venue.name if venue else paper.venue}}
    if canonical:
        article["url"] = canonical
    if paper.abstract:
        article["abstract"] = squash(paper.abstract)
    if paper.doi:
        article["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI",
                                 "value": paper.doi}
    if image:
        article["image"] = image
    if paper.tags:
        article["keywords"] = list(paper.tags)
    return article


def export_files(plist: PaperList, options: Options) -> list[Page]:
    """The downloads the site offers, one per export format."""
    return [Page(f.filename, "", make=partial(f.export, plist, options))
            for f in FORMATS.values()]


def figure_files(figures: Mapping[str, SiteFigure]) -> list[Page]:
    """The papers' own figure copies, served beside the pages."""
    files = []
    for key, figure in sorted(figures.items()):
        files += [Page(figure_path(key, thumb=True), "", "", figure.thumb),
                  Page(figure_path(key), "", "", figure.full)]
    return files


def is_page(page: Page) -> bool:
    return page.path.endswith(".md")


def _stats(plist: PaperList) -> dict[str, int]:
    papers = [e.paper for e in plist.entries]
    return {"papers": len(papers), "sections": len(plist.paper_sections()),
            "with_code": sum(1 for p in papers if p.code),
            "venues": len({p.venue for p in papers})}


def _newest(plist: PaperList) -> list[Entry]:
    """The papers added last, by their ``added`` date; a list whose records carry no date
    gets its newest papers by year instead (the home page says which).  Ties keep the
    list's own order."""
    in_order = list(dict.fromkeys(e for _, entries in plist.grouped() for e in entries))
    dated = [e for e in in_order if e.paper.added is not None]
    if dated:
        return sorted(dated, key=lambda e: str(e.paper.added), reverse=True)[:NEWEST]
    return sorted(in_order, key=lambda e: -e.paper.year)[:NEWEST]


def nav(pages: list[Page]) -> list[dict[str, str]]:
    """MkDocs navigation for the pages (the adapter hands it to MkDocs): the sections, not
    the papers (their pages are reached from the cards).  Themes print nav titles as
    HTML, so they are handed over escaped (see :func:`text.html_title`)."""
    return [{site_title(page.title): page.path} for page in pages
            if is_page(page) and not page.path.startswith("papers/")]


def site_title(value: str) -> Any:
    """A title for MkDocs and its theme: escaped HTML that the theme's ``|e`` filter does
    not escape a second time."""
    from markupsafe import Markup

    return Markup(html_title(value))


def write_pages(pages: Sequence[Page], docs_dir: Path) -> int:
    """Write pages and assets into ``docs_dir``; only changed files are touched (so a
    watching server does not rebuild in a loop) and pages no longer generated are removed.
    Returns how many files changed.

    Only what we made is replaced or removed: the manifest lists it.  A file at a page's
    path that the manifest does not list is refused, and so is any symbolic link in the
    folder, since MkDocs copies every file of ``docs_dir`` onto the site."""
    try:
        docs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise file_error(docs_dir, err) from err
    manifest = docs_dir / MANIFEST
    wanted = [p.path for p in pages] + list(ASSETS)
    before = (read_text(manifest, "page list") or "").splitlines()
    _check_docs_dir(docs_dir, set(before), wanted)
    changed = sum(write_atomic(docs_dir / p.path, p.body()) for p in pages)
    for asset in ASSETS:
        changed += write_atomic(docs_dir / asset,
                                (BUNDLED_TEMPLATES / "site" / asset).read_text("utf-8"))
    for stale in set(before) - set(wanted):
        target = docs_dir / stale
        if target.resolve().is_relative_to(docs_dir.resolve()):
            target.unlink(missing_ok=True)
            changed += 1
    write_atomic(manifest, "\n".join(sorted(wanted)) + "\n")
    return changed


@dataclass(frozen=True)
class Sources:
    """What the pages are made from: the validated list and the contributing guide."""

    plist: PaperList
    templates: Path | None
    contributing: str | None
    venues: Mapping[str, Venue] = field(default_factory=bundled)
    metrics: Mapping[str, PaperMetrics] = field(default_factory=dict)
    figures: Mapping[str, SiteFigure] = field(default_factory=dict)
    discovery_store: Path | None = None  # related papers and the map between builds

    def pages(self, directory_urls: bool = True, site_url: str | None = None) -> list[Page]:
        """The pages, rendered."""
        return [page.rendered() for page in self.lazy_pages(directory_urls, site_url)]

    def lazy_pages(self, directory_urls: bool = True,
                   site_url: str | None = None) -> list[Page]:
        """The pages, each rendered when written (:func:`write_pages`)."""
        return lazy_pages(self.plist, self.templates, self.contributing,
                          directory_urls=directory_urls,
                          exports=Options(self.venues, site_url or self.plist.info.site_url),
                          metrics=self.metrics, figures=self.figures,
                          discovery_store=self.discovery_store)


def read_sources(papers: Path, templates: Path | None = None,
                 contributing: Path | None = None, plist: PaperList | None = None, *,
                 cache: bool = True) -> Sources:
    """Validate the records (raises InvalidRecords; skipped when ``plist`` is given) and
    read the contributing guide (a regular file: its text is published), the list's
    venues, the metrics file (``site-builder enrich``; none yet is fine: the pages
    then show no stars or citations) and the figure cache (``site-builder figures``;
    read only, never fetched: a figure not in it stays behind a click).  ``cache`` keeps
    the related papers and the map in the user's cache between builds."""
    plist = plist or check_dir(papers)  # not in parallel: a server's thread may call this
    text = read_text(contributing, "contributing guide") if contributing else None
    metrics = paper_metrics(plist, read_metrics(metrics_path(papers)))
    store = cache_file(papers).with_suffix(".similar.json") if cache else None
    return Sources(plist, templates, text, load_venues(papers), metrics,
                   site_figures(plist), store)


def _check_docs_dir(docs_dir: Path, ours: set[str], wanted: list[str]) -> None:
    base = display_path(docs_dir)
    for folder, dirs, files in os.walk(docs_dir):
        for name in dirs + files:
            path = Path(folder, name)
            if path.is_symlink():
                where = Path(base, path.relative_to(docs_dir)).as_posix()
                raise FileError(f"{shown(where)}: is a symbolic link in the pages folder, "
                                "whose files are all published — delete the link")
    for page in wanted:
        if page not in ours and os.path.lexists(docs_dir / page):
            raise FileError(f"{shown(f'{base}/{page}')}: exists and was not written by "
                            f"site-builder (not listed in {MANIFEST}), so it is left alone "
                            "— move it away, or give MkDocs a docs_dir of its own")
