"""The record schema, declared once, and the validated list every renderer receives.

Every record type is a frozen dataclass whose fields carry a :class:`Spec` in their
metadata.  Validation (:mod:`site_builder.records`), the JSON Schema export
(:mod:`site_builder.schema`) and the YAML writer (:mod:`site_builder.dump`) all read
these declarations, so a field is added or changed in exactly one place.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .errors import Problem
from .kinds import MIN_YEAR, Kind, max_year
from .text import fold

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MIN_YEAR", "Kind", "max_year"]  # re-exported: records are declared with them


class Spec:
    """How one field is checked and documented.  (A plain class: each dataclass costs
    start-up time, and a field's spec is only ever read.)"""

    __slots__ = ("doc", "example", "kind", "record", "required")

    def __init__(self, kind: Kind, doc: str, required: bool = False, example: Any = None,
                 record: type | None = None) -> None:
        self.kind, self.doc, self.required, self.example = kind, doc, required, example
        self.record = record  # for OBJECT / OBJECTS


def spec(kind: Kind, doc: str, *, required: bool = False, example: Any = None,
         record: type | None = None, default: Any = None) -> Any:
    """Declare a field: its kind, a one-line description and whether it is required."""
    meta = {"spec": Spec(kind, doc, required, example, record)}
    if kind in (Kind.NAMES, Kind.TAGS, Kind.OBJECTS, Kind.STRINGS, Kind.IDS, Kind.BLOCKS,
                Kind.QUERIES, Kind.ARXIV_CATEGORIES, Kind.URLS, Kind.RECORD_NAMES):
        return field(default_factory=tuple, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class PaperNote:
    """A short plain-text note on a paper, in one language."""

    lang: str = spec(Kind.LANG, "Language tag (BCP 47), e.g. en or zh.", required=True,
                     example="en")
    text: str = spec(Kind.TEXT, "The note, as plain text; a link written [text](https://…) "
                     "in it shows as a link.", required=True,
                     example="Introduces a reconstruction baseline.")


@dataclass(frozen=True)
class PaperLink:
    """A further link of a paper: its project page, website, demo, video or slides."""

    label: str = spec(Kind.TEXT, "What the link leads to, as the README shows it.",
                      required=True, example="Project")
    url: str = spec(Kind.URL, "The address (http or https).", required=True,
                    example="https://example.org/dinomaly")


@dataclass(frozen=True)
class Paper:
    """One paper of the list: the content of one YAML file in ``papers/``."""

    title: str = spec(Kind.TITLE, "Title as published, in title case as the venue prints it.",
                      required=True, example="Dinomaly: The Less Is More Philosophy in "
                      "Multi-Class Unsupervised Anomaly Detection")
    authors: tuple[str, ...] = spec(Kind.NAMES, 'Authors in order, each "Family, Given"; '
                                    'end with "others" when the list is cut short.',
                                    required=True, example=["Guo, Jia", "Lu, Shuai"])
    venue: str = spec(Kind.TEXT, "Short venue name as the list writes it (CVPR, MICCAI, "
                      "Nature Communications, arXiv).", required=True, example="CVPR")
    year: int = spec(Kind.YEAR, "Year of publication at that venue.", required=True,
                     example=2025)
    venue_note: str | None = spec(Kind.VENUE_NOTE, "Words the list writes after the year "
                                  "in the venue bracket ([[CVPR 2024 Highlight]]): an award "
                                  "or a track, shown after the year.", example="Highlight")
    url: str = spec(Kind.URL, "Link to the paper (publisher page, open access page or arXiv).",
                    required=True, example="https://arxiv.org/abs/2405.14325")
    category: str = spec(Kind.ID, "Id of the section the paper is listed in (see _list.yaml).",
                         required=True, example="solving-identity-mapping")
    code: str | None = spec(Kind.URL, "Link to the official code, if any.",
                            example="https://github.com/guojiajeremy/dinomaly")
    links: tuple[PaperLink, ...] = spec(Kind.OBJECTS, "Further links shown after the code "
                                        "link (project page, website, demo), in order.",
                                        record=PaperLink)
    figure: str | None = spec(Kind.URL, "Link to an overview figure of the paper (an image).")
    more_figures: tuple[str, ...] = spec(Kind.URLS, "Links to further figures (images), "
                                         "shown after the first, in order.")
    abstract: str | None = spec(Kind.LONG_TEXT, "The paper's abstract, as plain text.")
    marks: tuple[str, ...] = spec(Kind.IDS, "Ids of the marks the paper carries (declared "
                                  "under marks: in _list.yaml).", example=["non-medical"])
    also_in: tuple[str, ...] = spec(Kind.IDS, "Ids of further sections that list the paper "
                                    "too (cross-listed; category stays its home).",
                                    example=["benchmarks"])
    notes: tuple[PaperNote, ...] = spec(Kind.OBJECTS, "Short plain-text notes on the paper, "
                                        "each with its language.", record=PaperNote)
    doi: str | None = spec(Kind.DOI, "DOI without the https://doi.org/ prefix.",
                           example="10.1109/CVPR52734.2025.01234")
    arxiv: str | None = spec(Kind.ARXIV, "arXiv identifier without version, e.g. 2403.09303.",
                             example="2403.09303")
    tags: tuple[str, ...] = spec(Kind.TAGS, "Free keywords for filtering on the site.",
                                 example=["brain-mri", "diffusion"])
    added: dt.date | None = spec(Kind.DATE, "Date the paper joined the list (YYYY-MM-DD).",
                                 example="2025-05-01")


@dataclass(frozen=True)
class Image:
    """An image shown in the README header or in an information section."""

    src: str = spec(Kind.URL, "Image URL.", required=True)
    alt: str = spec(Kind.TEXT, "Alternative text read out in place of the image.",
                    required=True)
    link: str | None = spec(Kind.URL, "Where a click on the image leads.")


@dataclass(frozen=True)
class Note:
    """A bold line under the badges: a label and trusted inline Markdown."""

    label: str = spec(Kind.TEXT, "Label, often with an emoji (e.g. \"🦉 Contributors\").",
                      required=True)
    text: str = spec(Kind.MARKDOWN, "Inline Markdown; links must be http(s).", required=True)


@dataclass(frozen=True)
class Contact:
    """The invitation to get in touch."""

    text: str = spec(Kind.TEXT, "Sentence before the address.", required=True,
                     example="Welcome to join us by contacting")
    email: str = spec(Kind.EMAIL, "E-mail address.", required=True)


@dataclass(frozen=True)
class Section:
    """A section of the list.

    A section with an ``id`` holds papers and is numbered; one without is an information
    section (overview figure, tips, star history...) with its own content.
    """

    title: str = spec(Kind.TITLE, "Heading text, without the number.", required=True)
    id: str | None = spec(Kind.ID, "Id papers use as their category; only paper sections "
                          "have one.", example="solving-identity-mapping")
    anchor: str | None = spec(Kind.ANCHOR, "HTML id of the heading (links people shared, "
                              "e.g. s3); defaults to the id.", example="s3")
    image: Image | None = spec(Kind.OBJECT, "A centred figure.", record=Image)
    chart: Image | None = spec(Kind.OBJECT, "A linked image (e.g. a star-history chart).",
                               record=Image)
    items: tuple[str, ...] = spec(Kind.STRINGS, "Bullet points, inline Markdown.")
    text: tuple[str, ...] = spec(Kind.STRINGS, "Paragraphs, inline Markdown.")
    blocks: tuple[str, ...] = spec(Kind.BLOCKS, "Markdown blocks shown as written, after "
                                   "everything else (a BibTeX code block, a table, a quote, "
                                   "HTML); trusted, like the rest of the list file.")
    description: str | None = spec(Kind.MARKDOWN, "One-line description shown on the site.")
    legend: bool = spec(Kind.BOOL, "List the marks (symbol: description) as the first bullet "
                        "points (a Tips section).", default=False)
    order: tuple[str, ...] = spec(Kind.RECORD_NAMES, "File names (without .yaml) of the "
                                  "section's papers in the curator's order; papers not "
                                  "named follow, newest first.")
    sections: tuple[Section, ...] = spec(Kind.OBJECTS, "Subsections, in order.")

    def tree(self) -> list[Section]:
        """This section and its subsections, depth first (document order)."""
        return [self, *(s for sub in self.sections for s in sub.tree())]


# A section holds sections: its record type can only be named once the class exists.
object.__setattr__(Section.__dataclass_fields__["sections"].metadata["spec"], "record", Section)


@dataclass(frozen=True)
class Mark:
    """A mark a paper can carry: a symbol in the README, a badge on the site."""

    id: str = spec(Kind.ID, "Id records use in their marks: list.", required=True,
                   example="non-medical")
    symbol: str = spec(Kind.SYMBOL, "What the README prints before the paper's entry.",
                       required=True, example="*")
    label: str = spec(Kind.TEXT, "Badge text on the site.", required=True,
                      example="non-medical")
    description: str = spec(Kind.MARKDOWN, "What the mark means (Tips section, site legend).",
                            required=True, example="Papers for Non-Medical Anomaly Detection")
    colour: str | None = spec(Kind.COLOUR, "Badge colour on the site (#rrggbb); the theme's "
                              "accent colour by default.", example="#7b1fa2")


@dataclass(frozen=True)
class NoteLabel:
    """How the README labels a paper's notes in one language ("简介", "Intro (EN)")."""

    lang: str = spec(Kind.LANG, "Language tag of the notes.", required=True, example="zh")
    label: str = spec(Kind.TEXT, "Label printed before those notes.", required=True,
                      example="简介")


@dataclass(frozen=True)
class Inbox:
    """What ``site-builder inbox`` searches for: the list's topic as arXiv queries."""

    queries: tuple[str, ...] = spec(Kind.QUERIES, "arXiv search queries (the API's "
                                    "search_query syntax); a paper matching any is a "
                                    "candidate.", required=True,
                                    example=['abs:"anomaly detection" AND abs:MRI'])
    categories: tuple[str, ...] = spec(Kind.ARXIV_CATEGORIES, "arXiv categories a candidate "
                                       "must be in (any of them); all when left out.",
                                       example=["cs.CV", "eess.IV"])
    max_results: int = spec(Kind.COUNT, "Most candidates asked for in one run.",
                            default=100)
    days: int = spec(Kind.COUNT, "How many days back to look.", default=30)


@dataclass(frozen=True)
class ListInfo:
    """The list-level file (``papers/_list.yaml``): everything that is not a paper."""

    title: str = spec(Kind.TITLE, "Name of the list.", required=True,
                      example="🌟 Paper List for Medical Anomaly Detection")
    sections: tuple[Section, ...] = spec(Kind.OBJECTS, "Sections in the order they appear.",
                                         required=True, record=Section)
    description: str | None = spec(Kind.MARKDOWN, "One-line description for the site.")
    header_blocks: tuple[str, ...] = spec(Kind.BLOCKS, "Markdown blocks shown as written "
                                          "after the description (quotes, tables, HTML).")
    repo: str | None = spec(Kind.URL, "The list's repository.")
    site_url: str | None = spec(Kind.URL, "Where the website is published (canonical links, "
                                "sitemap, feed).", example="https://example.github.io/list/")
    banner: Image | None = spec(Kind.OBJECT, "Banner image at the top.", record=Image)
    footer: Image | None = spec(Kind.OBJECT, "Image at the very end (back to top).",
                                record=Image)
    badges: tuple[Image, ...] = spec(Kind.OBJECTS, "Badges under the banner.", record=Image)
    notes: tuple[Note, ...] = spec(Kind.OBJECTS, "Bold lines: contributors, resources...",
                                   record=Note)
    contact: Contact | None = spec(Kind.OBJECT, "How to get in touch.", record=Contact)
    logos: tuple[Image, ...] = spec(Kind.OBJECTS, "Logos of the contributors' institutions.",
                                    record=Image)
    contents_title: str = spec(Kind.TEXT, "Heading of the table of contents.",
                               default="Contents")
    numbered: bool = spec(Kind.BOOL, "Number the paper sections (1., 2., ...) in headings "
                          "and contents.", default=True)
    abstract_label: str = spec(Kind.TEXT, "Label of the collapsible abstract.",
                               default="📋 Abstract (Click to Expand)")
    marks: tuple[Mark, ...] = spec(Kind.OBJECTS, "Marks papers can carry (e.g. non-medical).",
                                   record=Mark)
    optional: tuple[str, ...] = spec(Kind.IDS, "Paper fields this list does not require "
                                     "(authors); title, venue, year, url and category always "
                                     "are.", example=["authors"])
    newest_first: bool = spec(Kind.BOOL, "Sort every section newest first, ignoring the "
                              "sections' order: lists.", default=False)
    note_labels: tuple[NoteLabel, ...] = spec(Kind.OBJECTS, "Labels of the papers' notes by "
                                              "language (the tag itself by default).",
                                              record=NoteLabel)
    readme_abstracts: bool = spec(Kind.BOOL, "Show each paper's abstract in the README (the "
                                  "website always does). GitHub shows only the first 500 "
                                  "KiB of a README: a long list may leave them to the site.",
                                  default=True)
    show_metrics: bool = spec(Kind.BOOL, "Show GitHub stars and citation counts (from "
                              "papers/_metrics.json, written by site-builder enrich) in the "
                              "README.", default=False)
    inbox: Inbox | None = spec(Kind.OBJECT, "Topic of the curator's inbox (site-builder "
                               "inbox): the searches that find candidate papers.",
                               record=Inbox)

    def note_label(self, lang: str) -> str:
        return next((n.label for n in self.note_labels if n.lang == lang), lang)

    def section_numbers(self) -> dict[str, str]:
        """Each paper section's number: 1, 2, … and 2.1, 2.2 for subsections."""
        numbers: dict[str, str] = {}

        def walk(sections: tuple[Section, ...], prefix: str) -> None:
            n = 0
            for section in sections:
                if section.id:
                    n += 1
                    numbers[section.id] = f"{prefix}{n}"
                walk(section.sections, f"{numbers[section.id]}." if section.id else prefix)

        walk(self.sections, "")
        return numbers

    def paper_sections(self) -> list[Section]:
        """Every section that holds papers, subsections included, in document order."""
        return [s for top in self.sections for s in top.tree() if s.id]

    def mark(self, mark_id: str) -> Mark | None:
        return next((m for m in self.marks if m.id == mark_id), None)


PAPER_FIELDS: tuple[str, ...] = tuple(Paper.__dataclass_fields__)
# Fields a list cannot declare optional: without them an entry cannot be written.
ALWAYS_REQUIRED = ("title", "venue", "year", "url", "category")


@dataclass(frozen=True)
class Entry:
    """A validated paper and the file it came from (``key`` is the file's stem)."""

    key: str
    path: str
    paper: Paper


@dataclass(frozen=True)
class PaperList:
    """The validated list: what every renderer receives (warnings ride along)."""

    info: ListInfo
    entries: tuple[Entry, ...]
    warnings: tuple[Problem, ...] = ()

    def paper_sections(self) -> list[Section]:
        return self.info.paper_sections()

    def grouped(self) -> list[tuple[Section, list[Entry]]]:
        """Paper sections in document order, each with its papers (cross-listed ones too):
        first those the section's ``order`` names, in that order, then the rest newest
        first; ties by venue, then title, then file name.  ``newest_first`` ignores
        ``order``."""
        by_id: dict[str, list[Entry]] = {s.id: [] for s in self.paper_sections() if s.id}
        for entry in self.entries:
            for section_id in (entry.paper.category, *entry.paper.also_in):
                by_id[section_id].append(entry)
        return [(s, _ordered(by_id[s.id], () if self.info.newest_first else s.order))
                for s in self.paper_sections() if s.id]

    def home(self, entry: Entry) -> Section:
        """The section a paper belongs to (its permalink lives there)."""
        return next(s for s in self.paper_sections() if s.id == entry.paper.category)


def _ordered(entries: list[Entry], order: tuple[str, ...]) -> list[Entry]:
    rank = {key: i for i, key in enumerate(order)}
    named = sorted((e for e in entries if e.key in rank), key=lambda e: rank[e.key])
    return named + sorted((e for e in entries if e.key not in rank), key=sort_key)


def sort_key(entry: Entry) -> tuple[int, str, str, str]:
    p = entry.paper
    return (-p.year, p.venue.casefold(), p.title.casefold(), entry.key)


def anchor_of(section: Section) -> str:
    """The HTML id of a section's heading: its anchor, its id, or its title's words (those
    of the title as written when none is a Latin letter or digit: '资料', 'Обзор')."""
    return (section.anchor or section.id or fold(section.title).replace(" ", "-")
            or "-".join(re.findall(r"[^\W_]+", section.title.casefold())))


