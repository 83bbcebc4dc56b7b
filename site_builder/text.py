"""Small text helpers shared by every stage: normalising, slugs, and the escaping that
keeps untrusted record text inert in Markdown and HTML."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from .ids import LazyPattern
from .kinds import AUTHOR_MARKS, TEXT_LINK, is_safe_url, squash

# Characters that can start Markdown structure inside a line (emphasis, links, code, HTML,
# entities, tables, strikethrough, math, escapes).  Escaping them all is safe: CommonMark
# turns a backslash before any ASCII punctuation into that character.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&~|$])")
_MD_UNESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])|&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")

_TEXT_LINK = LazyPattern(TEXT_LINK)  # a URL class of every plane: compiled when a note needs it

# GitHub turns bare "https://..." and "www...." in text into links (GFM autolinks); an
# escaped ':' or '.' stops that.  (Bare e-mail addresses cannot be stopped by escaping.)
_AUTOLINK = re.compile(r"(?<=[A-Za-z])(:)(?=//)|(?<![\w.-])([Ww][Ww][Ww])(\.)")


def md_escape(value: str) -> str:
    """Escape text for one line of Markdown: it can only ever render as itself."""
    return _md_escape_squashed(squash(value))


def _md_escape_squashed(escaped: str) -> str:
    """:func:`md_escape` of text whose whitespace is already squashed (a piece of it)."""
    # Fast paths (most titles and names have nothing to escape): a search is cheaper than a
    # substitution that changes nothing.
    if _MD_SPECIAL.search(escaped):
        escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    # An autolink needs "://" or "www." (any case): most titles with a ':' or a '.' have
    # neither.
    if "://" not in escaped and "w." not in escaped and "W." not in escaped:
        return escaped
    return _AUTOLINK.sub(lambda m: "\\:" if m.group(1) else f"{m.group(2)}\\.", escaped)


def text_links(text: str) -> Iterator[tuple[str, str, str] | str]:
    """Plain text cut at its links: each ``[text](https://…)`` with a safe address as
    (source, link text, address), the text between as it is.  Renderers escape both."""
    pos = 0
    for m in _TEXT_LINK.finditer(text):
        if is_safe_url(m.group("url")):
            if m.start() > pos:
                yield text[pos:m.start()]
            yield m.group(0), m.group("text"), m.group("url")
            pos = m.end()
    if pos < len(text):
        yield text[pos:]


def md_links(value: str) -> str:
    """:func:`md_escape` for plain text that may hold links (a paper's note): each link
    :func:`text_links` finds stays a link, its text escaped; anything else, a hostile link
    included, renders as the text it is."""
    text = squash(value)
    if "](" not in text:  # most notes: exactly md_escape
        return _md_escape_squashed(text)
    return "".join(_md_escape_squashed(piece) if isinstance(piece, str) else
                   f"[{_md_escape_squashed(piece[1])}]({piece[2]})"
                   for piece in text_links(text))


# In an issue or a comment GitHub turns "@name" into a mention (notifying that person) and
# "#12", "owner/repo#12" and "GH-12" into cross-references.  A word joiner (U+2060) after
# the '@', '#' or '-' breaks each pattern and shows nothing, nor a line break.  (An entity
# such as "&#64;" would not do: GitHub looks for mentions after decoding entities.)
_GITHUB_LINK = re.compile(r"(@(?=[0-9A-Za-z])|#(?=[0-9])|[Gg][Hh]-(?=[0-9]))")


def md_comment(value: str) -> str:
    """:func:`md_escape` for text GitHub shows as an issue or a comment (the reports):
    it can also never mention a person or reference an issue."""
    escaped = md_escape(value)
    if "@" not in escaped and "#" not in escaped and "-" not in escaped:
        return escaped
    return _GITHUB_LINK.sub("\\1\u2060", escaped)


# What can open a block at the start of a line: headings, quotes, list items, thematic
# breaks, fences, HTML blocks, table rows, link reference and footnote definitions, math
# blocks.
_BLOCK_START = re.compile(r"^(?:#{1,6}(?=\s|$)|>|[-+*](?=\s|$)|(?=(?:[-*_]\s*){3,}$)[-*_]"
                          r"|```|~~~|<|\||\[(?=[^\]]*\]:)|\$\$|=+\s*$)")
_ENUMERATOR = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_LETTERED = re.compile(r"^([A-Z]\d*)(\.)(?=\s)")
_CLOSING_HASHES = re.compile(r"(\s)(#+)$")


def md_inline(value: str) -> str:
    """Trusted inline Markdown placed at the start of a line, kept inline: a leading
    marker that would open a block (``# ``, ``> ``, ``- ``, ``1. ``, ``[ref]: ``...) is
    escaped; everything else is left as written."""
    text = squash(value)
    if _ENUMERATOR.match(text):
        return _ENUMERATOR.sub(r"\1\\\2", text, count=1)
    return f"\\{text}" if _BLOCK_START.match(text) else text


def md_title(value: str, *, lettered: bool = True) -> str:
    """:func:`md_escape` for the text of a ``##`` heading: a leading ``1.`` (or ``A.``),
    which the importer reads as the list's own numbering, and trailing ``#`` characters,
    which Markdown drops as a closing sequence, are escaped."""
    text = _ENUMERATOR.sub(r"\1\\\2", md_escape(value), count=1)
    if lettered:
        text = _LETTERED.sub(r"\1\\\2", text, count=1)
    return _CLOSING_HASHES.sub(lambda m: m.group(1) + "\\#" * len(m.group(2)), text)


# A venue's last character that importers read as a separator before the year
# ("[[NeurIPS, 2020]]"): escaped, so that the venue "A:" reads back as "A:".
_VENUE_END = re.compile(r"([,;:/-])$")


def md_venue(value: str) -> str:
    """:func:`md_escape` for the venue before the year in an entry's bracket: a trailing
    separator (``,;:/-``) is escaped, so an importer keeps it as part of the venue."""
    return _VENUE_END.sub(r"\\\1", md_escape(value))


def html_title(value: str) -> str:
    """A page or site title for MkDocs themes, which print titles as HTML and also pass
    them through ``striptags`` (which decodes entities) into ``<title>``: escaped, with
    every '<' made a look-alike so that no decoding can turn it into markup."""
    import html  # here: its import compiles a pattern that check never needs

    return html.escape(squash(value).replace("<", "\u2039"), quote=True)


def md_unescape(value: str) -> str:
    """Inverse of :func:`md_escape` (also decodes HTML entities), for importers."""

    import html

    def repl(m: re.Match[str]) -> str:
        return m.group(1) if m.group(1) is not None else html.unescape(m.group(0))

    return _MD_UNESCAPE.sub(repl, value)


_ENTITY = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def unescape_entities(value: str) -> str:
    """Decode ``&amp;``-style references that end in ';' only (``&section=`` stays)."""
    import html

    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), value)


_AMBIGUOUS_AMP = re.compile(r"&(?=#?[A-Za-z0-9]+;)")


def html_text(value: str) -> str:
    """Escape text for HTML element content with the fewest changes: '<' always, and '&'
    only where it would start a character reference.  The text reads exactly as given."""
    text = squash(value)
    if "&" in text:
        text = _AMBIGUOUS_AMP.sub("&amp;", text)
    # A search first: replace() walks all of a long abstract even when it changes nothing.
    return text.replace("<", "&lt;") if "<" in text else text


_FENCE_START = re.compile(r"^([`~])(?=\1\1)")  # a line that would read as a code fence


def html_paragraphs(value: str) -> str:
    """Prose of several paragraphs (split at blank lines) as HTML text inside one HTML
    block: paragraphs end in ``<br><br>``, since a blank line would end the block, and a
    paragraph that starts like a code fence has its first character as a reference."""
    if "\n" not in value:  # one paragraph (a search for one character is the cheapest)
        return _no_fence(html_text(value))
    return "<br><br>\n".join(_no_fence(html_text(p)) for p in value.split("\n\n"))


def _no_fence(text: str) -> str:
    """``text`` with a leading code-fence character as a character reference."""
    if not text.startswith(("`", "~")):
        return text
    return _FENCE_START.sub(lambda m: f"&#{ord(m.group(1))};", text)


def html_attr(value: str) -> str:
    """Escape text for a double-quoted HTML attribute value (``html.escape``; most values
    have nothing to escape, and five searches cost less than its five replaces)."""
    text = squash(value)
    if "&" not in text and "<" not in text and ">" not in text and '"' not in text \
            and "'" not in text:
        return text
    import html

    return html.escape(text, quote=True)


def safe_url(value: str | None) -> str:
    """Only http(s) URLs are ever emitted; anything else renders as an empty link target."""
    return value if value and is_safe_url(value) else ""


# Letters NFKD does not split into a base letter and an accent: without this table they
# would vanish from slugs and file stems ("Straße" -> "strae").
_LETTERS = str.maketrans({"ß": "ss", "ẞ": "SS", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe",
                          "Ø": "O", "ø": "o", "Ł": "L", "ł": "l", "Đ": "D", "đ": "d",
                          "Þ": "Th", "þ": "th", "Ð": "D", "ð": "d", "ı": "i", "Ħ": "H",
                          "ħ": "h", "Ŧ": "T", "ŧ": "t", "Ŋ": "N", "ŋ": "n", "ĸ": "k"})


def fold(value: str) -> str:
    """Accent-free lowercase ASCII words, for slugs and duplicate detection."""
    ascii_text = value if value.isascii() else unicodedata.normalize(
        "NFKD", value.translate(_LETTERS)).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def slugify(value: str, max_words: int = 8) -> str:
    """``Dinomaly: The Less Is More`` → ``dinomaly-the-less-is-more``."""
    return "-".join(fold(value).split()[:max_words]) or "paper"


def bare_name(name: str) -> str:
    """``Xu, Ke*`` → ``Xu, Ke``: citations and metadata name people, not the list's
    footnote marks (equal contribution, corresponding author)."""
    return name.rstrip(AUTHOR_MARKS + " ")


def display_name(name: str) -> str:
    """``Guo, Jia`` → ``Jia Guo``; ``others`` → ``et al.`` (for reading, not for citing)."""
    if name.strip().lower() == "others":
        return "et al."
    bare = bare_name(name)
    family, _, given = bare.partition(",")
    return f"{given.strip()} {family.strip()}".strip() + name[len(bare):].strip()
