"""Venue names as services print them → the short names the list writes.

The table is data (``site_builder/data/venues.yaml``, read by :mod:`venue_table`): add
an entry with ``match:`` names to teach the scaffolder a venue.  A name starting with '='
must be the whole title (journals whose name also appears inside longer ones: "Pattern
Recognition" is not "Computer Vision and Pattern Recognition"); any other name may appear
inside a longer title ("2025 IEEE/CVF Conference on Computer Vision and Pattern
Recognition (CVPR)").  Names are compared folded (lower-case ASCII words), with numbers
(years, volumes, ordinals) left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..text import fold
from ..venue_table import bundled

# Venues services can name (the table's ``match`` lists), in the table's order.
VENUES: dict[str, tuple[str, ...]] = {v.short: v.match for v in bundled().values() if v.match}

# Book series that say nothing about the venue; the next name is looked at instead.
SERIES = frozenset({
    "lecture notes in computer science",
    "communications in computer and information science",
    "proceedings of machine learning research",
    "advances in intelligent systems and computing",
})

_NOISE = frozenset({"vol", "volume", "no", "issue", "pp", "pages", "proc", "proceedings",
                    "of", "the"})
_ABBREVIATION = re.compile(r"\(([A-Za-z][A-Za-z0-9 .&-]{1,20})\)\s*$")
_BY_SHORT = {short.casefold(): short for short in VENUES}
# Longest names first, so "... pattern recognition workshops" wins over "... recognition".
_PHRASES = sorted(((name.lstrip("="), name.startswith("="), short)
                   for short, names in VENUES.items() for name in names),
                  key=lambda item: -len(item[0]))


def _words(name: str) -> str:
    return " ".join(w for w in fold(name).split() if not re.match(r"^\d+(?:st|nd|rd|th)?$", w))


def _one(name: str) -> str | None:
    m = _ABBREVIATION.search(name)
    if m:
        abbreviation = m.group(1).strip().casefold()
        # A venue that names itself with an abbreviation we do not know is not guessed.
        return _BY_SHORT.get(abbreviation) or _BY_SHORT.get(re.sub(r"\s+", "", abbreviation))
    words = _words(name)
    bare = " ".join(w for w in words.split() if w not in _NOISE)
    for phrase, whole, short in _PHRASES:
        if whole and bare == " ".join(w for w in phrase.split() if w not in _NOISE):
            return short
        if not whole and f" {phrase} " in f" {words} ":
            return short
    return None


def short_venue(names: Iterable[str | None]) -> str | None:
    """The list's short name for the first of ``names`` that maps to one, else None.

    Full names are tried first; a short name written as a word ("Accepted at MICCAI
    2024") only when no full name matched.
    """
    wanted = [n for n in names if n and fold(n) not in SERIES]
    for name in wanted:
        found = _one(name)
        if found:
            return found
    for name in wanted:
        for short in VENUES:
            if len(short) > 2 and re.search(rf"(?<![A-Za-z]){re.escape(short)}(?![A-Za-z])",
                                            name):
                return short
    return None


def venue_name(names: Iterable[str | None]) -> str | None:
    """The short name, or else the first name that is not a book series (as printed)."""
    names = list(names)
    return short_venue(names) or next((n for n in names if n and fold(n) not in SERIES), None)
