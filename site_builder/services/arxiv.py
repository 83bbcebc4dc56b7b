"""arXiv: identifiers in every form people paste, and the Atom answer of the export API.

The API answers errors with HTTP 200 and a single entry whose id starts with
``http://arxiv.org/api/errors#`` (the message is its summary), and a paper it does not
know with an empty feed; the empty feed is occasionally spurious, so it is asked once more.
"""

from __future__ import annotations

import datetime as dt
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import UsageError
from ..ids import find_arxiv
from ..text import squash
from . import MANUAL_HINT, NotFound, ServiceError

if TYPE_CHECKING:
    from .http import Client

DEFAULT_API = "https://export.arxiv.org/api/query"
MIN_INTERVAL = 3.0  # seconds between requests, as arXiv's terms of use ask
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
ERROR_ID = "http://arxiv.org/api/errors#"
MAX_DEPTH = 64  # an Atom feed nests 4 deep
PAGE = 50  # entries asked for per search request

# Lower-case words that belong to the family name when they precede it ("van Gogh").
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "del", "della", "di", "da", "du",
                        "des", "la", "le", "dos", "das", "do", "ter", "ten", "bin", "ibn",
                        "al", "el", "zu", "dalla", "degli"})
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def parse_id(text: str) -> str:
    """Like :func:`~site_builder.ids.find_arxiv`, but junk is a usage error showing the
    accepted forms."""
    found = find_arxiv(text)
    if not found:
        raise UsageError(f"{text!r} is not an arXiv id — give it as 2403.09303, "
                         "2403.09303v2, hep-th/9901001 or https://arxiv.org/abs/2403.09303")
    return found


def abs_url(arxiv_id: str) -> str:
    return f"https://arxiv.org/abs/{arxiv_id}"


def family_first(name: str) -> str:
    """``Jia Guo`` → ``Guo, Jia``; ``Ludwig van Beethoven`` → ``van Beethoven, Ludwig``.

    arXiv gives names in display order; the last word is the family name, lower-case
    particles before it and a suffix (Jr., III) after it stay with it.
    """
    words = squash(name).split(" ")
    if len(words) < 2:
        return squash(name)
    suffix = [words.pop()] if words[-1].lower() in _SUFFIXES and len(words) > 2 else []
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    family = " ".join(words[start:] + suffix)
    return f"{family}, {' '.join(words[:start])}"


@dataclass(frozen=True)
class ArxivEntry:
    """One paper as the arXiv API describes it (authors already "Family, Given")."""

    arxiv: str
    title: str
    authors: tuple[str, ...]
    published: dt.date | None
    summary: str
    doi: str | None = None
    journal_ref: str | None = None


def _text(elem: ET.Element | None) -> str:
    """All the text inside ``elem`` (child elements too, best effort), on one line."""
    return squash("".join(elem.itertext())) if elem is not None else ""


class _Refused(Exception):
    """The answer uses an XML feature that is refused (the message says which)."""


class _Builder(ET.TreeBuilder):
    """A tree builder that refuses a DOCTYPE (so no entity is ever declared, expanded or
    fetched: no billion laughs, no external entity) and nesting past :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__()
        self.level = 0

    def doctype(self, name: str, pubid: str, system: str) -> None:
        raise _Refused("XML with a DOCTYPE (entity declarations are refused)")

    def start(self, tag: str, attrs: dict[str, str]) -> ET.Element:
        self.level += 1
        if self.level > MAX_DEPTH:
            raise _Refused(f"XML nested deeper than {MAX_DEPTH} levels")
        return super().start(tag, attrs)

    def end(self, tag: str) -> ET.Element:
        self.level -= 1
        return super().end(tag)


def _unreadable(what: str) -> ServiceError:
    return ServiceError(f"arXiv sent {what} — try again later, {MANUAL_HINT}")


def parse_xml(data: bytes) -> ET.Element:
    """The root of an XML answer, parsed without DTDs and with bounded depth."""
    parser = ET.XMLParser(target=_Builder())
    try:
        parser.feed(data)
        return parser.close()
    except _Refused as err:
        raise _unreadable(str(err)) from None
    except ET.ParseError as err:
        raise _unreadable(f"an answer that is not Atom XML ({err})") from None


def _feed(data: bytes, fix: str = "check the id (e.g. 2403.09303)") -> ET.Element:
    """The root of an Atom answer; an error entry raises NotFound, saying ``fix``."""
    root = parse_xml(data)
    if root.tag != f"{ATOM}feed":
        raise _unreadable(f"an answer that is not an Atom feed (<{root.tag}>)")
    first = root.find(f"{ATOM}entry")
    if first is not None and _text(first.find(f"{ATOM}id")).startswith(ERROR_ID):
        message = _text(first.find(f"{ATOM}summary")) or "unknown error"
        raise NotFound(f"arXiv: {message} — {fix}")
    return root


def _entry(entry: ET.Element) -> ArxivEntry:
    arxiv_id = find_arxiv(_text(entry.find(f"{ATOM}id")))
    if not arxiv_id:
        raise _unreadable("an entry without an arXiv id")
    published = _text(entry.find(f"{ATOM}published"))
    try:
        day = dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        day = None
    names = [_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")]
    return ArxivEntry(
        arxiv=arxiv_id,
        title=_text(entry.find(f"{ATOM}title")),
        authors=tuple(family_first(n) for n in names if n),
        published=day,
        summary=_text(entry.find(f"{ATOM}summary")),
        doi=_text(entry.find(f"{ARXIV}doi")) or None,
        journal_ref=_text(entry.find(f"{ARXIV}journal_ref")) or None,
    )


def parse_feed(data: bytes) -> ArxivEntry | None:
    """The first entry of an Atom answer, None for an empty feed; an error entry raises."""
    entry = _feed(data).find(f"{ATOM}entry")
    return None if entry is None else _entry(entry)


def parse_entries(data: bytes) -> list[ArxivEntry]:
    """Every entry of an Atom answer (a search's page), in the feed's order."""
    fix = "check the search query (the inbox: block of _list.yaml)"
    return [_entry(e) for e in _feed(data, fix).findall(f"{ATOM}entry")]


def fetch(client: Client, arxiv_id: str) -> ArxivEntry:
    """Ask the API for one paper; an empty feed is asked again once, then is NotFound."""
    for _ in range(2):
        response = client.get("", {"id_list": arxiv_id, "max_results": "1"})
        if response.status_code != 200:
            raise ServiceError(f"arXiv answered {response.status_code} for {arxiv_id} — "
                               f"try again later, {MANUAL_HINT}")
        entry = parse_feed(response.content)
        if entry is not None:
            if entry.arxiv != arxiv_id:
                raise ServiceError(f"arXiv answered with {entry.arxiv} when asked for "
                                   f"{arxiv_id} — check the id")
            return entry
    raise NotFound(f"arXiv has no paper {arxiv_id} — check the id, {MANUAL_HINT}")


def search_query(query: str, categories: tuple[str, ...] = ()) -> str:
    """``query`` limited to ``categories`` (any of them), in arXiv's search syntax."""
    if not categories:
        return query
    return f"({query}) AND ({' OR '.join(f'cat:{c}' for c in categories)})"


def search(client: Client, query: str, *, categories: tuple[str, ...] = (),
           max_results: int = 100, since: dt.date | None = None, page: int = PAGE,
           deadline: float | None = None, now: Callable[[], float] = time.monotonic
           ) -> tuple[list[ArxivEntry], bool]:
    """Newest submissions matching ``query``, a page at a time (the client paces them),
    until ``max_results``, an entry older than ``since``, the end of the results or the
    ``deadline`` (a ``now()`` time): returns the entries and whether the deadline cut the
    search short.  A request that outlasts the time left raises ServiceError."""
    found: list[ArxivEntry] = []
    start = 0
    while len(found) < max_results:
        if deadline is not None:
            left = deadline - now()
            if left <= 0:
                return found, True
            client.deadline = min(client.deadline, left)
        size = min(page, max_results - len(found))
        reply = client.get("", {"search_query": search_query(query, categories),
                                "sortBy": "submittedDate", "sortOrder": "descending",
                                "start": str(start), "max_results": str(size)})
        if reply.status_code != 200:
            raise ServiceError(f"arXiv answered {reply.status_code} to a search — "
                               "try again later")
        entries = parse_entries(reply.content)
        for entry in entries:
            if since is not None and entry.published is not None and entry.published < since:
                return found, False
            found.append(entry)
        if len(entries) < size:
            break
        start += size
    return found[:max_results], False
