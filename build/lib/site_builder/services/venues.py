"""Venue names as services print them → the short names the list writes.

The table is data: add a line to teach the scaffolder a venue.  A name starting with '='
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

VENUES: dict[str, tuple[str, ...]] = {
    "CVPR": ("computer vision and pattern recognition",),
    "CVPRW": ("computer vision and pattern recognition workshops",),
    "ICCV": ("international conference on computer vision",),
    "ICCVW": ("international conference on computer vision workshops",),
    "ECCV": ("european conference on computer vision", "computer vision eccv"),
    "WACV": ("winter conference on applications of computer vision",),
    "BMVC": ("british machine vision conference",),
    "MICCAI": ("medical image computing and computer assisted intervention",),
    "MIDL": ("medical imaging with deep learning",),
    "ISBI": ("international symposium on biomedical imaging",),
    "IPMI": ("information processing in medical imaging",),
    "NeurIPS": ("neural information processing systems",),
    "ICLR": ("international conference on learning representations",),
    "ICML": ("international conference on machine learning",),
    "AAAI": ("aaai conference on artificial intelligence",),
    "IJCAI": ("international joint conference on artificial intelligence",),
    "ACM MM": ("acm international conference on multimedia",),
    "TMI": ("=ieee transactions on medical imaging",),
    "MedIA": ("=medical image analysis",),
    "TPAMI": ("=ieee transactions on pattern analysis and machine intelligence",),
    "TIP": ("=ieee transactions on image processing",),
    "TNNLS": ("=ieee transactions on neural networks and learning systems",),
    "TCSVT": ("=ieee transactions on circuits and systems for video technology",),
    "JBHI": ("=ieee journal of biomedical and health informatics",),
    "IJCV": ("=international journal of computer vision",),
    "PR": ("=pattern recognition",),
    "Nature Communications": ("=nature communications",),
    "Nature Machine Intelligence": ("=nature machine intelligence",),
    "Scientific Reports": ("=scientific reports",),
    "Neurocomputing": ("=neurocomputing",),
    "Inf. Fusion": ("=information fusion",),
}

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
