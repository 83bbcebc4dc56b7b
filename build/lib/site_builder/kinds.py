"""The rulebook: every kind of value a record may hold, declared once.

Each :class:`Kind` has one check (which normalises the value, or raises :class:`Bad` with
what is wrong and how to fix it) and one JSON Schema fragment.  Validation, the JSON
Schemas, ``new``, the issue form and the importers all use these; no other module holds a
value pattern.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import Enum
from typing import Any

from . import ids
from .ids import find_arxiv, find_doi
from .text import fold, is_safe_url


class Kind(str, Enum):
    """What a field's value must be; drives both validation and the JSON Schema."""

    TEXT = "text"  # one line of plain text; whitespace is collapsed
    LONG_TEXT = "long_text"  # prose (abstracts); whitespace is collapsed to one line
    MARKDOWN = "markdown"  # one line of trusted inline Markdown (list-level file only)
    NAMES = "names"  # list of one-line strings ("Family, Given")
    TAGS = "tags"  # list of short lowercase words
    YEAR = "year"
    URL = "url"  # absolute http(s) URL
    BOOL = "bool"
    DATE = "date"
    ID = "id"  # lowercase slug: a-z, 0-9 and '-'
    ANCHOR = "anchor"  # HTML id used in links people share
    DOI = "doi"
    ARXIV = "arxiv"
    EMAIL = "email"
    OBJECT = "object"  # a nested record (see Spec.record)
    OBJECTS = "objects"  # a list of nested records
    STRINGS = "strings"  # list of one-line trusted Markdown strings
    IDS = "ids"  # list of ids (marks, further sections, file names)
    LANG = "lang"  # a language tag: en, zh, pt-BR
    SYMBOL = "symbol"  # a mark's symbol in the README: a few characters, no space
    COLOUR = "colour"  # #rrggbb


MIN_YEAR = 1900


def max_year() -> int:
    """Papers may be dated up to next year (accepted, not yet published)."""
    return dt.date.today().year + 1


_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ANCHOR = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_LANG = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_SYMBOL = re.compile(r"^[^\s\[\]()<>`\\]{1,4}$")
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_EMAIL = re.compile(r"^[^@\s<>()\[\]]+@[^@\s<>()\[\]]+\.[A-Za-z]{2,}$")
# Inline link targets "](x" and reference definitions "[x]: y".
_MD_LINK_TARGET = re.compile(r"\]\(([^)\s]*)|\]:\s*(\S+)")
_HTML_TAG = re.compile(r"<[A-Za-z/!?]")
# C0 and C1 controls, DEL, and the bidi embeddings/overrides/isolates that can make text
# read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u202a-\u202e\u2066-\u2069]")
MAX_TEXT = 1000
MAX_LONG_TEXT = 20000


class Bad(Exception):
    """A value that breaks its kind's rule: what is wrong and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix


def short(value: Any, limit: int = 60) -> str:
    """A value as it is echoed in a message: quoted, and cut short (a message must never
    carry a whole file back out, nor flood a terminal)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}…{text[-3:]}"


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()} (YAML reads yes/no/on/off as true/false)"
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):
        return f"a date ({value})"
    return f"{type(value).__name__} {short(value)}"


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise Bad(f"must be text, got {describe(value)}", "put the value in double quotes")
    if not value.isprintable() and _CONTROL.search(value):
        char = _CONTROL.search(value).group()  # type: ignore[union-attr]
        raise Bad(f"contains an invisible control character (U+{ord(char):04X})",
                   "remove it (copy the text again from the paper)")
    text = " ".join(value.split())  # text.squash, inlined: this runs for every value
    if not text:
        raise Bad("is empty", "give a value or delete the line")
    if len(text) > limit:
        raise Bad(f"is {len(text):,} characters long (limit {limit:,})", "shorten it")
    return text


def _markdown(value: Any) -> str:
    text = _text(value)
    if _HTML_TAG.search(text):
        raise Bad("contains HTML", "use Markdown only, e.g. [text](https://...)")
    for inline, reference in _MD_LINK_TARGET.findall(text):
        target = inline or reference
        if not (is_safe_url(target) or target.startswith(("#", "mailto:"))):
            raise Bad(f"link target {short(target)} is not an http(s) URL",
                       "link to an https:// address")
    return text


def _url(value: Any) -> str:
    text = _text(value)
    if not text.lower().startswith(("http://", "https://")):
        raise Bad(f"{short(text)} is not an http(s) URL", "give the full address starting with "
                   "https://")
    if not is_safe_url(text):
        raise Bad(f"{short(text)} contains spaces, quotes, brackets or parentheses",
                   "percent-encode them (space %20, ( %28, ) %29)")
    return text


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        fix = "write the year as a number, without quotes" if str(value).isdigit() else \
            "write the four-digit year, e.g. 2025"
        raise Bad(f"must be a year, got {describe(value)}", fix)
    if not MIN_YEAR <= value <= max_year():
        raise Bad(f"{value} is out of range ({MIN_YEAR}–{max_year()})",
                   "give the year the paper was published")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"must be true or false, got {describe(value)}", "write true or false")
    return value


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise Bad(f"must be a date, got {describe(value)}", "write it as YYYY-MM-DD")


def _matching(pattern: re.Pattern[str], what: str, fix: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        text = _text(value)
        if not pattern.match(text):
            raise Bad(f"{short(text)} is not {what}", fix)
        return text

    return check


def _doi(value: Any) -> str:
    text = _text(value)
    if "://" in text or text.lower().startswith("doi.org/"):
        raise Bad("is a URL, not a DOI", f"write only the DOI: {find_doi(text) or '10.…'}")
    if text.lower().startswith("doi:") and ids.DOI.match(text[4:].strip()):
        raise Bad(f"{short(text)} has a prefix", f"write only the DOI: {text[4:].strip()}")
    if not ids.DOI.match(text):
        raise Bad(f"{short(text)} is not a DOI", "a DOI looks like 10.1109/CVPR.2025.01234")
    return text


def _arxiv(value: Any) -> str:
    if isinstance(value, float):
        raise Bad(f"was read as the number {value}", "put the arXiv id in quotes, e.g. "
                   "'2403.09303'")
    text = _text(value)
    bare = find_arxiv(text)
    if bare and bare != text:
        raise Bad(f"{short(text)} has a prefix or version", f"write only the id: {bare}")
    if not ids.ARXIV_ID.match(text):
        raise Bad(f"{short(text)} is not an arXiv id", "an arXiv id looks like 2403.09303")
    return text


def _list_of(item: Callable[[Any], Any], what: str, example: str) -> Callable[[Any], tuple]:
    def check(value: Any) -> tuple:
        if not isinstance(value, list):
            raise Bad(f"must be a list of {what}, got {describe(value)}",
                       f"write one per line, each starting with '- ', e.g. {example}")
        if not value:
            raise Bad("is an empty list", "add at least one item or delete the line")
        return tuple(item(v) for v in value)

    return check


def _tag(value: Any) -> str:
    text = _text(value)
    if not _ID.match(text):
        raise Bad(f"tag {short(text)} is not lowercase words joined by '-'",
                   f"write it as {fold(text).replace(' ', '-')!r}")
    return text


def _name(value: Any) -> str:
    text = _text(value)
    if " and " in f" {text} ":
        raise Bad(f"{short(text)} holds the word 'and'; the list joins names with ' and '",
                   "give each author as their own item")
    return text


CHECKS: dict[Kind, Callable[[Any], Any]] = {
    Kind.TEXT: _text,
    Kind.LONG_TEXT: lambda v: _text(v, MAX_LONG_TEXT),
    Kind.MARKDOWN: _markdown,
    Kind.NAMES: _list_of(_name, "names", "- Guo, Jia"),
    Kind.TAGS: _list_of(_tag, "tags", "- brain-mri"),
    Kind.STRINGS: _list_of(_markdown, "lines", "- some text"),
    Kind.YEAR: _year,
    Kind.URL: _url,
    Kind.BOOL: _bool,
    Kind.DATE: _date,
    Kind.ID: _matching(_ID, "an id (lowercase words joined by '-')", "e.g. identity-mapping"),
    Kind.ANCHOR: _matching(_ANCHOR, "an HTML id", "use letters, digits, '-' or '_'"),
    Kind.DOI: _doi,
    Kind.ARXIV: _arxiv,
    Kind.EMAIL: _matching(_EMAIL, "an e-mail address", "e.g. name@example.org"),
    Kind.IDS: _list_of(_matching(_ID, "an id (lowercase words joined by '-')",
                                 "e.g. non-medical"), "ids", "- non-medical"),
    Kind.LANG: _matching(_LANG, "a language tag", "e.g. en, zh or pt-BR"),
    Kind.SYMBOL: _matching(_SYMBOL, "a mark symbol (1–4 characters, no space, bracket, "
                           "parenthesis, backquote or backslash)", "e.g. '*' or '†'"),
    Kind.COLOUR: _matching(_COLOUR, "a colour", "write it as #rrggbb, e.g. '#7b1fa2'"),
}


_NON_EMPTY: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
SCHEMAS: dict[Kind, dict[str, Any]] = {
    Kind.TEXT: _NON_EMPTY,
    Kind.LONG_TEXT: _NON_EMPTY,
    Kind.MARKDOWN: _NON_EMPTY,
    Kind.NAMES: {"type": "array", "minItems": 1, "items": _NON_EMPTY},
    Kind.TAGS: {"type": "array", "minItems": 1,
                "items": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}},
    Kind.STRINGS: {"type": "array", "minItems": 1, "items": _NON_EMPTY},
    Kind.YEAR: {"type": "integer", "minimum": MIN_YEAR},
    Kind.URL: {"type": "string", "format": "uri", "pattern": r"^https?://\S+$"},
    Kind.BOOL: {"type": "boolean"},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.ID: {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
    Kind.ANCHOR: {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$"},
    Kind.DOI: {"type": "string", "pattern": r"^10\.\d{4,9}/\S+$"},
    Kind.ARXIV: {"type": "string",
                 "pattern": r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$"},
    Kind.EMAIL: {"type": "string", "format": "email"},
    Kind.IDS: {"type": "array", "minItems": 1,
               "items": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}},
    Kind.LANG: {"type": "string", "pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
    Kind.SYMBOL: {"type": "string", "pattern": r"^[^\s\[\]()<>`\\]{1,4}$"},
    Kind.COLOUR: {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
}
