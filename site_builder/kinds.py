"""The rulebook: every kind of value a record may hold, declared once.

Each :class:`Kind` has one :class:`Declaration`: how typed text becomes a raw value
(``parse``, for ``new`` and the issue form), the check (which normalises the value, or
raises :class:`Bad` with what is wrong and how to fix it) and the JSON Schema fragment.
A text kind's check and its schema are both built from the same :class:`Rule` patterns
and limits, and a pattern is matched the way JSON Schema matches it (``re.search`` on the
value as written), so the editor's schema and ``check`` cannot drift apart;
``tests/test_rulebook.py`` proves it.  No other module holds a value pattern.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import Enum

from . import ids

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any


class Kind(str, Enum):
    """What a field's value must be; drives both validation and the JSON Schema."""

    TEXT = "text"  # one line of plain text; whitespace is collapsed
    TITLE = "title"  # a title or heading: one line of text, shorter
    LONG_TEXT = "long_text"  # prose (abstracts): paragraphs kept, other whitespace collapsed
    MARKDOWN = "markdown"  # one line of trusted inline Markdown (list-level file only)
    PERSON = "person"  # one person, "Family, Given" (or "others")
    NAMES = "names"  # list of persons
    TAG = "tag"  # a short lowercase word (or words joined by '-')
    TAGS = "tags"  # list of tags
    YEAR = "year"
    URL = "url"  # absolute http(s) URL
    URLS = "urls"  # list of URLs
    BOOL = "bool"
    DATE = "date"
    ID = "id"  # lowercase slug: a-z, 0-9 and '-' (section ids, mark ids)
    ANCHOR = "anchor"  # HTML id used in links people share
    FILE_STEM = "file_stem"  # a paper's file name without .yaml, as the tool writes it
    RECORD_NAME = "record_name"  # a record file's name without .yaml, as check accepts it
    DOI = "doi"
    ARXIV = "arxiv"
    EMAIL = "email"
    OBJECT = "object"  # a nested record (see Spec.record)
    OBJECTS = "objects"  # a list of nested records
    STRINGS = "strings"  # list of one-line trusted Markdown strings
    BLOCKS = "blocks"  # list of trusted Markdown blocks, kept verbatim (list-level file only)
    IDS = "ids"  # list of ids (marks, further sections, paper fields)
    RECORD_NAMES = "record_names"  # list of record file names (a section's order)
    LANG = "lang"  # a language tag: en, zh, pt-BR
    SYMBOL = "symbol"  # a mark's symbol in the README: a few characters, no space
    COLOUR = "colour"  # #rrggbb
    BLOCK = "block"  # one trusted Markdown block (code, table, quote, HTML...), verbatim
    COUNT = "count"  # a whole number from 1 to MAX_COUNT (results per run, days)
    QUERIES = "queries"  # list of one-line search queries (arXiv's search_query syntax)
    ARXIV_CATEGORIES = "arxiv_categories"  # list of arXiv categories: cs.CV, eess.IV
    VENUE_NOTE = "venue_note"  # words after the year in a venue bracket: Oral, Best Paper


# --- limits ----------------------------------------------------------------------------

MIN_YEAR = 1900
MAX_YEAR = 2100  # the bound a static schema can state; check also refuses the far future
MAX_TEXT = 1000
MAX_TITLE = 300
MAX_NAME = 200
MAX_ID = 100
MAX_LONG_TEXT = 20000
MAX_VENUE_NOTE = 100
MAX_COUNT = 10000

# Anchors the README's own template uses: no section may take them.  The templates read
# them from here (the ``anchors`` global of :func:`site_builder.render.environment`).
TOP_ANCHOR = "top"  # the title; "back to top" links lead there
BUILD_ANCHOR = "build"  # the closing "Building this list" section
STATS_ANCHOR = "stats"  # the README's tables of counts
RESERVED_ANCHORS: tuple[str, ...] = (TOP_ANCHOR, BUILD_ANCHOR, STATS_ANCHOR)


def max_year() -> int:
    """Papers may be dated up to next year (accepted, not yet published)."""
    return min(MAX_YEAR, dt.date.today().year + 1)


# --- patterns (each is used by the check and written into the JSON Schema) ---------------

# C0 and C1 controls, DEL, and the bidi controls that can make text read differently from
# what it is: embeddings, overrides, isolates and the direction marks (LRM, RLM, ALM).
# Tab and line feed are whitespace.
CONTROL_CHARS = (r"\x00-\x08\x0b-\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e"
                 r"\u2066-\u2069")
_CONTROL = re.compile(f"[{CONTROL_CHARS}]")


def anycase(word: str) -> str:
    """A pattern matching ``word`` in any letter case: JSON Schema patterns take no flags."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


def _trimmed(core: str) -> str:
    """The whole value is ``core``; spaces around it are allowed (and removed)."""
    return rf"^\s*(?:{core})\s*$"


SLUG_CORE = r"[a-z0-9]+(?:-[a-z0-9]+)*"
ANCHOR_CORE = r"[A-Za-z][A-Za-z0-9_-]*"
# A record file's name: the paper's permanent link (its page, its card's id, its anchor).
# Letters and digits of any script, '-', '_' and '.': no space, quote, markup, '#', '?' or
# '%', which would break or redirect the link, and no invisible or direction character.
RECORD_NAME_CORE = r"[^\W_][\w.-]*"
EMAIL_CORE = r"[^@\s<>()\[\]:]+@[^@\s<>()\[\]]+\.[A-Za-z]{2,}"
# A year as it appears in text ("MICCAI 2024"): the centuries MIN_YEAR to MAX_YEAR span.
YEAR_DIGITS = "(?:{})\\d{{2}}".format("|".join(str(c) for c in range(MIN_YEAR // 100,
                                                                       MAX_YEAR // 100 + 1)))
DATE_CORE = r"\d{4}-\d{2}-\d{2}"
# What separates a venue, its year and the words after the year in other lists' brackets
# ("[[NeurIPS, 2020]]", "[[CVPR 2024 - Highlight]]").
VENUE_SEPARATORS = ",;:/|–-"
LANG_CORE = r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*"
# A mark's symbol: a few characters ("*", "†", "⭐"), or a tag in brackets as some lists
# write them before an entry ("[W][[AAAI 2023]](…)", "[Best Paper][[CVPR 2024]](…)"): up to
# 20 characters, single spaces between words.  A tag cannot be a link: its text holds no
# bracket, and the venue's link right after it is no reference label.  A symbol cannot end
# in '!': before the venue's link it would make that link an image.
_TAG_CHAR = r"[^\s\[\]()<>`\\]"
TAG_TEXT = rf"{_TAG_CHAR}(?:{_TAG_CHAR}| (?={_TAG_CHAR})){{0,19}}"
SYMBOL_TAG = rf"\[{TAG_TEXT}\]"
SYMBOL_CORE = rf"[^\s\[\]()<>`\\]{{0,3}}[^\s\[\]()<>`\\!]|{SYMBOL_TAG}"
# Marks that may follow an author's name, kept as part of it ("Xu, Ke*"): corresponding
# (*), equal contribution (†, #)...; a reader shows them after the whole name.
AUTHOR_MARKS = "*†‡#§"
COLOUR_CORE = r"#[0-9a-fA-F]{6}"
ARXIV_CATEGORY_CORE = r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]{2})?"
URL_SCHEME = anycase("http") + "[Ss]?://"
# The format characters (Unicode's general category Cf): zero-width spaces and joiners,
# the soft hyphen, invisible operators, the Mongolian vowel separator, the byte order mark,
# bidi controls, tag characters.  A terminal or a diff shows none of them, so a URL
# holding one is not the address it shows (tests/hostile/test_url_invisible.py holds this
# list to Python's unicodedata).  Those beyond the BMP are written as the characters
# themselves: a JSON Schema reader takes them so (JavaScript's \u{...} is not Python's).
URL_INVISIBLE = (r"\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
                 r"\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
                 "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
                 "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f")
# What may not appear in a URL: it could end a Markdown link or an HTML attribute, or
# hide in it.  ('"' is not escaped: JavaScript's Unicode patterns, as JSON Schema
# readers compile them, allow no needless escape.)
_ASCII_UNSAFE = r"\s<>" '"' r"'`{}|\\^()\[\]"
URL_UNSAFE = _ASCII_UNSAFE + URL_INVISIBLE
SAFE_URL = rf"{URL_SCHEME}[^/{URL_UNSAFE}][^{URL_UNSAFE}]*"
# Compiled when a URL that is not ASCII comes: its class spans the format characters of
# every plane, which costs start-up time to compile and twice the time to search.
_SAFE_URL = ids.LazyPattern(f"^{SAFE_URL}$")
# The same for ASCII text, which holds no invisible character.
_SAFE_ASCII_URL = re.compile(f"^{URL_SCHEME}[^/{_ASCII_UNSAFE}][^{_ASCII_UNSAFE}]*$")
# A link in plain text (a paper's note): its text, without brackets, and a safe address —
# nothing in it can end the link elsewhere or open code or HTML.  Not after '!' (an image)
# or '\' (written as text).
TEXT_LINK = rf"(?<![!\\])\[(?P<text>[^\[\]\n]{{1,200}})\]\((?P<url>{SAFE_URL})\)"
# A Markdown link target that is not a safe URL, an in-page link or an e-mail link.
_SAFE_TARGET = rf"(?:{SAFE_URL}(?=[)\s]|$)|#|mailto:)"
_BAD_LINK = rf"\]\((?!{_SAFE_TARGET})|\]:\s*(?=\S)(?!{SAFE_URL}(?:\s|$))"
# The http(s) address a Markdown link points to (group 1, the target perhaps in <>) or an
# autolink gives (group 2): how link checks find the links inside a text.
MARKDOWN_LINK_URL = rf"\]\(\s*<?({SAFE_URL})>?|<({SAFE_URL})>"
_HTML_TAG = r"<[A-Za-z/!?]"
# A '{' right after a link, an emphasis, code or an autolink: the site's Markdown
# (Python-Markdown's attr_list) reads '{: onclick="..."}' there as the element's attributes.
_ATTRIBUTE_LIST = r"[*_)\]`>]\{"
# A paragraph starting '!!! note' or '???+ note' is a box on the site (admonition, details):
# a block, with a class named by the word after it.
_ADMONITION = r"^\s*(?:!!!|\?\?\?)"


def is_safe_url(value: str) -> bool:
    """An absolute http(s) URL with a host and nothing that could end a Markdown link or
    an attribute (the URL kind's rule; renderers use it as a last defence)."""
    return bool((_SAFE_ASCII_URL if value.isascii() else _SAFE_URL).match(value))


# --- messages --------------------------------------------------------------------------

class Bad(Exception):
    """A value that breaks its kind's rule: what is wrong and how to fix it."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.message, self.fix = message, fix

    def __str__(self) -> str:
        return f"{self.message} — {self.fix}"


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


Say = str | Callable[[str], str]  # a message or fix, or one made from the (squashed) value


class Rule:
    """One pattern a text value must match (or, with ``refuse``, must not), and what to say
    when it does not.  Matched with ``re.search`` on the value as written, as JSON Schema's
    ``pattern`` is.  (Rules and declarations are plain classes, not dataclasses: each
    dataclass costs start-up time, and these are only ever read.)"""

    __slots__ = ("_regex", "fix", "message", "pattern", "refuse")

    def __init__(self, pattern: str, message: Say, fix: Say, refuse: bool = False) -> None:
        self.pattern, self.message, self.fix, self.refuse = pattern, message, fix, refuse
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use: a valid record needs few of the rules' patterns (see
        ``accept`` in :func:`_string`), and start-up is part of every run."""
        if self._regex is None:
            self._regex = re.compile(self.pattern)
        return self._regex

    def broken(self, value: str) -> bool:
        return bool(self.regex.search(value)) is self.refuse

    def bad(self, text: str) -> Bad:
        def say(what: Say) -> str:
            return what if isinstance(what, str) else what(text)

        return Bad(say(self.message), say(self.fix))

    def schema(self) -> dict[str, Any]:
        if self.refuse:
            return {"not": {"type": "string", "pattern": self.pattern}}
        return {"pattern": self.pattern}


class Declaration:
    """Everything about one kind: parse typed text, check a raw value, its JSON Schema.
    ``careful`` is the check without its shortcuts for values written squashed: the same
    results (tests/test_fast_checks.py), for the tests to compare with."""

    __slots__ = ("careful", "check", "parse", "schema")

    def __init__(self, check: Callable[[Any], Any], schema: dict[str, Any],
                 parse: Callable[[str], Any] = str.strip,
                 careful: Callable[[Any], Any] | None = None) -> None:
        self.check, self.schema, self.parse, self.careful = check, schema, parse, careful


def squash(value: str) -> str:
    """Collapse all whitespace (newlines included) to single spaces and trim.

    Checked text is mostly squashed already, and renderers squash every value again: such
    text is returned as is without splitting it."""
    if "  " in value or value[:1] == " " or value[-1:] == " ":
        return " ".join(value.split())
    if value.isascii():
        if ("\n" in value or "\t" in value or "\r" in value or "\x0b" in value
                or "\x0c" in value or "\x1c" in value or "\x1d" in value or "\x1e" in value
                or "\x1f" in value):  # ASCII's whitespace besides the space
            return " ".join(value.split())
        return value
    # The ASCII space is the one whitespace character that isprintable() accepts.
    return value if value.isprintable() else " ".join(value.split())


def paragraphs(value: str) -> str:
    """Whitespace collapsed inside each paragraph, paragraphs (split at blank lines)
    joined by one blank line: how prose keeps its shape without keeping stray spaces."""
    kept: list[str] = []
    current: list[str] = []
    for line in [*value.splitlines(), ""]:
        if line.strip():
            current.append(line)
        elif current:
            kept.append(squash(" ".join(current)))
            current = []
    return "\n\n".join(kept)


# Not empty, no control character: what every text kind's check starts with.
_PLAIN = rf"^[^{CONTROL_CHARS}]*[^{CONTROL_CHARS}\s][^{CONTROL_CHARS}]*$"


def _text(value: Any, limit: int) -> str:
    """The checks every text kind shares; returns the value with whitespace collapsed."""
    if not isinstance(value, str):
        raise Bad(f"must be text, got {describe(value)}", "put the value in double quotes")
    if not value.isprintable():
        char = _CONTROL.search(value)
        if char:
            raise Bad(f"contains an invisible control character (U+{ord(char.group()):04X})",
                      "remove it (copy the text again from the paper)")
    text = squash(value)
    if not text:
        raise Bad("is empty", "give a value or delete the line")
    if len(value) > limit:
        raise Bad(f"is {len(value):,} characters long (limit {limit:,})", "shorten it")
    return text


def _string(limit: int, *rules: Rule, normalise: Callable[[str], str] | None = None,
            extra: Callable[[str], Any] | None = None, fmt: str | None = None,
            raw: bool = False, accept: Callable[[str], Any] | None = None) -> Declaration:
    """A text kind: shared checks, then ``rules`` in order, then ``normalise`` (and an
    ``extra`` check that JSON Schema states as ``fmt``); with ``raw``, ``normalise`` gets
    the value as written instead of with its whitespace collapsed.

    Most values are written squashed already (one line, single spaces): they skip the
    shared checks' rewriting, and ``accept``, a cheap test that is true only of squashed
    values every rule accepts, spares the rules' searches.  A raw ``normalise`` keeps
    such a value as it is (it has no line to split and no space to trim)."""

    def check(value: Any) -> Any:
        # Squashed: not empty, no control character, no whitespace but single spaces
        # between words (printable text holds no whitespace but the ASCII space).
        if type(value) is str and value.isprintable() and value[:1] != " " != value[-1:] \
                and "  " not in value and value and len(value) <= limit:
            text = value  # what _text() returns for it
            if accept is None or not accept(value):
                for rule in rules:  # Rule.broken, inlined
                    if (rule.regex.search(value) is not None) is rule.refuse:
                        raise rule.bad(text)
            if extra is not None:
                return extra(text)
            return normalise(text) if normalise and not raw else text
        return careful(value)

    def careful(value: Any) -> Any:
        text = _text(value, limit)
        if raw and normalise:
            text = normalise(value)
        for rule in rules:
            if (rule.regex.search(value) is not None) is rule.refuse:
                raise rule.bad(text)
        if extra is not None:
            return extra(text)
        return normalise(text) if normalise and not raw else text

    schema: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": limit}
    musts = [r.schema() for r in rules if not r.refuse]
    refusals = [r.schema()["not"] for r in rules if r.refuse]
    if musts:  # the kind's own pattern first: editors show the first one that fails
        schema["allOf"] = [*musts, {"pattern": _PLAIN}]
    else:
        schema["pattern"] = _PLAIN
    if refusals:
        schema["not"] = refusals[0] if len(refusals) == 1 else {"anyOf": refusals}
    if fmt:
        schema["format"] = fmt
    return Declaration(check, schema, careful=careful)


def _list_of(item: Declaration, what: str, example: str,
             parse: Callable[[str], Any] | None = None) -> Declaration:
    item_check = item.check

    def check(value: Any) -> tuple:
        if not isinstance(value, list):
            raise Bad(f"must be a list of {what}, got {describe(value)}",
                      f"write one per line, each starting with '- ', e.g. {example}")
        if not value:
            raise Bad("is an empty list", "add at least one item or delete the line")
        return tuple([item_check(v) for v in value])

    schema = {"type": "array", "minItems": 1, "items": item.schema}
    return Declaration(check, schema, parse or (lambda text: [squash(text)]))


# --- the kinds -------------------------------------------------------------------------

def _slug_rule(what: str, fix: Say) -> Rule:
    return Rule(_trimmed(SLUG_CORE), lambda t: f"{short(t)} is not {what}", fix)


def _as_slug(text: str) -> str:
    from .text import fold

    slug = fold(text).replace(" ", "-")
    return f"write it as {slug!r}" if slug else "use lowercase letters and digits joined " \
        "by '-'"


def _lower_scheme(text: str) -> str:
    """``HTTPS://x`` → ``https://x``: schemes are case-insensitive; links read the same."""
    if text.startswith(("https://", "http://")):
        return text
    scheme, sep, rest = text.partition("://")
    return f"{scheme.lower()}{sep}{rest}"


def _link_target(text: str) -> str:
    m = re.search(_BAD_LINK, text)
    target = re.match(r"\s*([^)\s]*)", text[m.end():]).group(1) if m else ""  # type: ignore[union-attr]
    return f"link target {short(target)} is not an http(s) URL"


def _date_text(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Bad(f"{short(text)} is not a date that exists", "write it as YYYY-MM-DD") from None


def _doi_problem(text: str) -> tuple[str, str]:
    if "://" in text or text.lower().startswith("doi.org/"):
        return "is a URL, not a DOI", f"write only the DOI: {ids.find_doi(text) or '10.…'}"
    if text.lower().startswith("doi:") and ids.DOI.match(text[4:].strip()):
        return f"{short(text)} has a prefix", f"write only the DOI: {text[4:].strip()}"
    return f"{short(text)} is not a DOI", "a DOI looks like 10.1109/CVPR.2025.01234"


def _arxiv_problem(text: str) -> tuple[str, str]:
    bare = ids.find_arxiv(text)
    if bare:
        return f"{short(text)} has a prefix or version", f"write only the id: {bare}"
    return f"{short(text)} is not an arXiv id", "an arXiv id looks like 2403.09303"


_INVISIBLE_IN_URL = ids.LazyPattern(f"[{URL_INVISIBLE}]")


def _invisible_in_url(text: str) -> str:
    """The message names the character (code point and name): a terminal shows none of
    them, and ``short`` echoes some as they are."""
    import unicodedata

    char = _INVISIBLE_IN_URL.search(text)
    code = ord(char.group()) if char else 0
    name = unicodedata.name(chr(code), "")
    return f"{short(text)} contains an invisible character (U+{code:04X}" + \
        (f" {name})" if name else ")")


_IPV6_HOST = re.compile(r"^\s*https?://(?:[^/?#@\s]*@)?\[", re.IGNORECASE)


_URL = _string(
    MAX_TEXT,
    # First: an invisible character before the scheme (a byte order mark) is named too.
    Rule(_INVISIBLE_IN_URL.source, _invisible_in_url,
         "delete it: type the address again, or copy it from the browser's address bar",
         refuse=True),
    Rule(rf"^\s*{URL_SCHEME}", lambda t: f"{short(t)} is not an http(s) URL",
         "give the full address starting with https://"),
    Rule(rf"^\s*{URL_SCHEME}[^{URL_UNSAFE}]*\s*$",
         lambda t: f"{short(t)} has an IPv6 address as its host, in brackets, which a "
         "Markdown link cannot hold" if _IPV6_HOST.match(t) else
         f"{short(t)} contains spaces, quotes, brackets or parentheses",
         lambda t: "give the host's name instead of its address" if _IPV6_HOST.match(t)
         else "percent-encode them (space %20, ( %28, ) %29)"),
    Rule(rf"^\s*{URL_SCHEME}[^/]", lambda t: f"{short(t)} has no host name",
         "give the full address, e.g. https://example.org/paper"),
    normalise=_lower_scheme,
    # An ASCII URL with a scheme, a host and no unsafe character: every rule above holds
    # (others take the rules' path; a bound method costs less than is_safe_url's call).
    accept=_SAFE_ASCII_URL.match)

_MARKDOWN = _string(
    MAX_TEXT,
    Rule(_HTML_TAG, "contains HTML", "use Markdown only, e.g. [text](https://...)",
         refuse=True),
    Rule(_BAD_LINK, _link_target, "link to an https:// address", refuse=True),
    Rule(_ATTRIBUTE_LIST, "holds an attribute list ('{' right after a link, emphasis or "
         "code), which the website turns into HTML attributes",
         "put a space before the '{', or delete the braces", refuse=True),
    Rule(_ADMONITION, "starts with '!!!' or '???', which the website turns into a box",
         "start it with other words", refuse=True))


def _plain_person(value: str) -> bool:
    """A squashed name the three rules below accept: at most one comma, with a name on
    both sides, and no word 'and' (the only whitespace of squashed text is the space)."""
    commas = value.count(",")
    if commas > 1 or (commas == 1 and not 0 < value.index(",") < len(value) - 1):
        return False
    return "and" not in value or not (value == "and" or value.startswith("and ")
                                      or value.endswith(" and") or " and " in value)


_PERSON = _string(
    MAX_NAME,
    Rule(r"(?:^|\s)and(?:\s|$)",
         lambda t: f"{short(t)} holds the word 'and'; the list joins names with ' and '",
         "give each author as their own item", refuse=True),
    Rule(r"^[^,]*(?:,[^,]*)?$", lambda t: f"{short(t)} looks like several people (more "
         "than one comma)", "give each author as their own item, as 'Family, Given' (in a "
         "form or option, separate authors with ';')"),
    Rule(r"^\s*[^,\s][^,]*(?:,\s*[^,\s][^,]*)?$",
         lambda t: f"{short(t)} has no name on one side of the comma",
         "write it as 'Family, Given'"),
    accept=_plain_person)

_TAG = _string(MAX_ID, Rule(_trimmed(SLUG_CORE),
                            lambda t: f"tag {short(t)} is not lowercase words joined by '-'",
                            _as_slug))


_PAST_YEAR = min(MAX_YEAR, dt.date.today().year)  # never past max_year(): no date to ask


_BASES = {"0x": 16, "0o": 8, "0b": 2}


def plain_number(value: Any) -> int | None:
    """The whole number a value stands for when it is not written in plain digits:
    '2_024', '+2024', '02024' and '0x7E8' (text: the loader reads only plain digits as
    numbers, where YAML 1.1 reads all of these) or 2024.0; quoted digits too.  None for
    anything else.  Only for a fix to suggest: such a value is never taken."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = value.strip().replace("_", "").removeprefix("+")
    if not 0 < len(text) <= 20 or not text.isascii():
        return None
    base = _BASES.get(text[:2].lower())
    try:
        return int(text[2:], base) if base else int(text) if text.isdigit() else None
    except ValueError:
        return None


def _not_whole(value: Any, what: str, quoted_fix: str, fix: str) -> Bad:
    """Why a number field refuses ``value`` (not an int): a number spelled otherwise
    than in plain digits is named as such, with the digits to write."""
    meant = plain_number(value)
    if meant is None:
        return Bad(f"must be {what}, got {describe(value)}", fix)
    if isinstance(value, str) and value.strip() == str(meant):
        return Bad(f"must be {what}, got {describe(value)}", quoted_fix)
    if isinstance(value, str):
        return Bad(f"must be {what} written in plain digits, got {short(value)}",
                   f"write it as {meant}")
    return Bad(f"must be {what}, got {describe(value)}", f"write it as {meant}")


def _year(value: Any) -> int:
    if type(value) is int and MIN_YEAR <= value <= _PAST_YEAR:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise _not_whole(value, "a year", "write the year as a number, without quotes",
                         "write the four-digit year, e.g. 2025")
    if not MIN_YEAR <= value <= max_year():
        raise Bad(f"{value} is out of range ({MIN_YEAR}–{max_year()})",
                  "give the year the paper was published")
    return value


def _year_from_text(text: str) -> int | str:
    """Typed digits become a number; anything else stays text for the check to refuse."""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() else text


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _not_whole(value, "a whole number", "write the number without quotes",
                         "write a number without quotes, e.g. 100")
    if not 1 <= value <= MAX_COUNT:
        raise Bad(f"{value} is out of range (1–{MAX_COUNT:,})", "give a number in that range")
    return value


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Bad(f"must be true or false, got {describe(value)}", "write true or false")
    return value


_DATE_TEXT = _string(MAX_ID, Rule(_trimmed(DATE_CORE),
                                  lambda t: f"must be a date, got {describe(t)}",
                                  "write it as YYYY-MM-DD"), extra=_date_text, fmt="date")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise Bad(f"{value} has a time of day", "write the date only, as YYYY-MM-DD")
    if isinstance(value, dt.date):
        return _not_future(value)
    if isinstance(value, str):
        return _not_future(_DATE_TEXT.check(value))
    raise Bad(f"must be a date, got {describe(value)}", "write it as YYYY-MM-DD")


def _not_future(day: dt.date) -> dt.date:
    """Dates record what happened (a paper joined the list, a candidate was dismissed): one
    in the future would keep a paper first among the newest and in the feed for years.
    Tomorrow is allowed, for a contributor whose day is ahead of the build's."""
    if day > dt.date.today() + dt.timedelta(days=1):
        raise Bad(f"{day.isoformat()} is in the future", "give the date it happened, today "
                  "at the latest")
    return day


_ARXIV_TEXT = _string(MAX_ID, Rule(_trimmed(ids.ARXIV_CORE), lambda t: _arxiv_problem(t)[0],
                                   lambda t: _arxiv_problem(t)[1]))


def _arxiv(value: Any) -> str:
    if isinstance(value, float):
        raise Bad(f"was read as the number {value}", "put the arXiv id in quotes, e.g. "
                  "'2403.09303'")
    return _ARXIV_TEXT.check(value)  # type: ignore[no-any-return]


def _block(value: str) -> str:
    """A Markdown block as written, without trailing spaces or surrounding blank lines."""
    return "\n".join(line.rstrip() for line in value.splitlines()).strip("\n")


def _authors_from_text(text: str) -> list[str]:
    """``"Guo, Jia; Lu, Shuai"`` (or one per line) → one raw value per person."""
    return [name for name in (squash(part) for line in text.splitlines()
                              for part in line.split(";")) if name]



_RECORD_NAME_RULE = Rule(f"^(?:{RECORD_NAME_CORE})$",
                         lambda t: f"{short(t)} cannot be a permanent link (use letters, "
                         "digits, '-', '_' or '.')", _as_slug)
_RECORD_NAME = _string(MAX_ID, _RECORD_NAME_RULE)


# All of a list's file names at once, one per line: the cost of a list of good names is
# one search, where a check each costs a Python call a file.
# Anchored and possessive (the core's last '*' made '*+'): no start but the first and no
# step back, so it is linear, searched or not.
_RECORD_NAMES = ids.LazyPattern(f"\\A(?:{RECORD_NAME_CORE}+\\n)*+\\Z")


def all_record_names(names: list[str]) -> bool:
    """Whether :attr:`Kind.RECORD_NAME` accepts each of ``names`` (their problems, when
    not, come from checking each)."""
    if not names:
        return True
    text = "\n".join(names) + "\n"  # a line break inside a name makes one line more
    return max(map(len, names)) <= MAX_ID and text.count("\n") == len(names) and \
        _RECORD_NAMES.match(text) is not None


def _record_name(value: Any) -> str:
    """A file name is taken as it is: spaces around it, which a text value may have and
    lose, would be part of the link."""
    text = _RECORD_NAME.check(value)
    if text != value:
        raise _RECORD_NAME_RULE.bad(value)
    return str(text)


KINDS: dict[Kind, Declaration] = {
    Kind.TEXT: _string(MAX_TEXT),
    Kind.TITLE: _string(MAX_TITLE),
    Kind.LONG_TEXT: _string(MAX_LONG_TEXT, normalise=paragraphs, raw=True),
    Kind.MARKDOWN: _MARKDOWN,
    Kind.PERSON: _PERSON,
    Kind.NAMES: _list_of(_PERSON, "names", "- Guo, Jia", _authors_from_text),
    Kind.TAG: _TAG,
    Kind.TAGS: _list_of(_TAG, "tags", "- brain-mri",
                        lambda text: [t for t in re.split(r"[,;\s]+", text) if t]),
    Kind.STRINGS: _list_of(_MARKDOWN, "lines", "- some text"),
    Kind.YEAR: Declaration(_year, {"type": "integer", "minimum": MIN_YEAR,
                                   "maximum": MAX_YEAR}, _year_from_text),
    Kind.URL: _URL,
    Kind.URLS: _list_of(_URL, "addresses", "- https://example.org/figure2.png"),
    Kind.BOOL: Declaration(_bool, {"type": "boolean"}, lambda t: t.strip().lower() == "true"),
    Kind.DATE: Declaration(_date, _DATE_TEXT.schema),
    Kind.ID: _string(MAX_ID, _slug_rule("an id (lowercase words joined by '-')",
                                        "e.g. identity-mapping")),
    Kind.ANCHOR: _string(MAX_ID, Rule(_trimmed(ANCHOR_CORE),
                                      lambda t: f"{short(t)} is not an HTML id",
                                      "use letters, digits, '-' or '_'")),
    Kind.FILE_STEM: _string(MAX_ID, _slug_rule("a file name of lowercase words joined by '-'",
                                               _as_slug)),
    Kind.RECORD_NAME: Declaration(_record_name, _RECORD_NAME.schema),
    Kind.RECORD_NAMES: _list_of(Declaration(_record_name, _RECORD_NAME.schema),
                                "file names", "- guo2025-dinomaly"),
    Kind.DOI: _string(MAX_TEXT, Rule(_trimmed(ids.DOI_CORE), lambda t: _doi_problem(t)[0],
                                     lambda t: _doi_problem(t)[1])),
    Kind.ARXIV: Declaration(_arxiv, _ARXIV_TEXT.schema),
    Kind.EMAIL: _string(MAX_TEXT, Rule(_trimmed(EMAIL_CORE),
                                       lambda t: f"{short(t)} is not an e-mail address",
                                       "e.g. name@example.org"), fmt="email"),
    Kind.IDS: _list_of(_string(MAX_ID, _slug_rule("an id (lowercase words joined by '-')",
                                                  "e.g. non-medical")), "ids", "- non-medical",
                       lambda text: [t for t in re.split(r"[,;\s]+", text) if t]),
    Kind.LANG: _string(16, Rule(_trimmed(LANG_CORE), lambda t: f"{short(t)} is not a language "
                                "tag", "e.g. en, zh or pt-BR")),
    Kind.SYMBOL: _string(22, Rule(_trimmed(SYMBOL_CORE), lambda t: f"{short(t)} is not a mark "
                                  "symbol (1–4 characters without a space, not ending in '!', "
                                  "or a tag of 1–20 in brackets, single spaces between its "
                                  "words; no parenthesis, backquote or backslash, no bracket "
                                  "inside)", "e.g. '*', '†', '[W]' or '[Best Paper]'")),
    Kind.COLOUR: _string(7, Rule(_trimmed(COLOUR_CORE), lambda t: f"{short(t)} is not a "
                                 "colour", "write it as #rrggbb, e.g. '#7b1fa2'")),
    Kind.COUNT: Declaration(_count, {"type": "integer", "minimum": 1, "maximum": MAX_COUNT},
                            _year_from_text),
    Kind.QUERIES: _list_of(_string(MAX_TEXT), "search queries",
                           "- 'abs:\"anomaly detection\" AND abs:MRI'"),
    Kind.ARXIV_CATEGORIES: _list_of(
        _string(MAX_ID, Rule(_trimmed(ARXIV_CATEGORY_CORE),
                             lambda t: f"{short(t)} is not an arXiv category",
                             "e.g. cs.CV, eess.IV or q-bio")),
        "arXiv categories", "- cs.CV",
        lambda text: [t for t in re.split(r"[,;\s]+", text) if t]),
}

# The words after the year in a venue bracket ("Oral", "Best Paper", "(Oral)"): plain text
# that the README writes as "[[VENUE YEAR NOTE]]", so a note that would read back as part
# of the year (a year in it, a "'24" at its end) or as a separator is refused.
KINDS[Kind.VENUE_NOTE] = _string(
    MAX_VENUE_NOTE,
    Rule(rf"(?:^|\D){YEAR_DIGITS}(?!\d)|['’]\d{{2}}\s*$",
         lambda t: f"{short(t)} holds a year; the README would read it as the bracket's year",
         "give the year in year: and only the words after it here, e.g. 'Oral'", refuse=True),
    Rule(rf"^\s*[{VENUE_SEPARATORS}]", lambda t: f"{short(t)} starts with a separator "
         "(the README writes the note after the year and a space)",
         "begin with its words, e.g. 'Oral' or '(Oral)'", refuse=True))

KINDS[Kind.BLOCK] = _string(MAX_LONG_TEXT, Rule(
    r"^(?:[^`]|`(?!``))*(?:```(?:[^`]|`(?!``))*```(?:[^`]|`(?!``))*)*$",
    "has a ``` fence that is never closed", "close it: it would swallow the rest of the README"),
    normalise=_block, raw=True)
KINDS[Kind.BLOCKS] = _list_of(KINDS[Kind.BLOCK], "Markdown blocks", "- |\n    ```bibtex ...")



CHECKS: dict[Kind, Callable[[Any], Any]] = {k: d.check for k, d in KINDS.items()}


def accepts(kind: Kind, value: Any) -> bool:
    """Whether the rule of ``kind`` takes ``value`` as it is (not only once normalised):
    for values a server or a commit supplies, which the tool would write into records."""
    try:
        return bool(CHECKS[kind](value) == value)
    except Bad:
        return False
SCHEMAS: dict[Kind, dict[str, Any]] = {k: d.schema for k, d in KINDS.items()}


def from_text(kind: Kind, text: str) -> Any:
    """Typed text (a CLI option, a prompt's answer) → the checked value; raises Bad."""
    return KINDS[kind].check(KINDS[kind].parse(text))
