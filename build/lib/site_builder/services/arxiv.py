"""arXiv: identifiers in every form people paste, and the Atom answer of the export API.

The API answers errors with HTTP 200 and a single entry whose id starts with
``http://arxiv.org/api/errors#`` (the message is its summary), and a paper it does not
know with an empty feed; the empty feed is occasionally spurious, so it is asked once more.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
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
    return squash(elem.text or "") if elem is not None else ""


def parse_feed(data: bytes) -> ArxivEntry | None:
    """The first entry of an Atom answer, None for an empty feed; an error entry raises."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as err:
        raise ServiceError(f"arXiv sent an answer that is not Atom XML ({err}) — try again "
                           f"later, {MANUAL_HINT}") from err
    entry = root.find(f"{ATOM}entry")
    if entry is None:
        return None
    entry_id = _text(entry.find(f"{ATOM}id"))
    if entry_id.startswith(ERROR_ID):
        message = _text(entry.find(f"{ATOM}summary")) or "unknown error"
        raise NotFound(f"arXiv: {message} — check the id (e.g. 2403.09303)")
    published = _text(entry.find(f"{ATOM}published"))
    try:
        day = dt.date.fromisoformat(published[:10]) if published else None
    except ValueError:
        day = None
    names = [_text(a.find(f"{ATOM}name")) for a in entry.findall(f"{ATOM}author")]
    return ArxivEntry(
        arxiv=find_arxiv(entry_id) or entry_id,
        title=_text(entry.find(f"{ATOM}title")),
        authors=tuple(family_first(n) for n in names if n),
        published=day,
        summary=_text(entry.find(f"{ATOM}summary")),
        doi=_text(entry.find(f"{ARXIV}doi")) or None,
        journal_ref=_text(entry.find(f"{ARXIV}journal_ref")) or None,
    )


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
