"""README in the list's format → records.

Reads both the hand-written form of these lists (``<div id = "s3">`` anchors, images without
alt text, stray blank lines, mojibake) and the form :mod:`site_builder.render` writes, so
that importing a rendered README gives the same records again.  Other curators' lists of
the family vary it (tests/fixtures/readmes): venue brackets (``[[CVPR'24]]``,
``[[2022-MICCAI]]``, ``[VENUE YEAR]``, ``[[CVPR 2024 Highlight]]``), numbered entries,
subsections without anchors, legends in bold or with shortcodes, "Given Family, …, et al."
authors, Markdown figures, abstracts in ``<p>`` or on one line; each is read into the same
records, and what has no place in them is reported with its line, never dropped in silence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from ..dump import file_stems
from ..kinds import (
    CHECKS,
    EMAIL_CORE,
    RESERVED_ANCHORS,
    SYMBOL_TAG,
    TAG_TEXT,
    TOP_ANCHOR,
    VENUE_SEPARATORS,
    YEAR_DIGITS,
    Bad,
    Kind,
    paragraphs,
)
from ..model import (
    Contact,
    Entry,
    Image,
    ListInfo,
    Mark,
    Note,
    NoteLabel,
    Paper,
    PaperLink,
    PaperNote,
    Section,
    anchor_of,
    sort_key,
)
from ..text import fold, md_unescape, slugify, squash, unescape_entities
from .repair import fix_mojibake, latex_to_text

_ANCHOR_TAG = r"<(?:div|a)\s+(?:id|name)\s*=\s*\"(?P<{}>[^\"]+)\"\s*>\s*</(?:div|a)>"
# Every pattern here sees untrusted text and must run in linear time (tests/hostile/
# test_regex_linear.py): no two quantifiers next to each other may match the same
# characters where the match can still fail.  "Text up to trailing spaces" is written
# (?:\s*\S)*? rather than .*?\s*$, which tries every split of a run of spaces.
# "## Title <div id="s3"></div>", "## <div id="s1"></div> A. Title"; ### (and deeper)
# without an anchor only where it holds papers.
_HEADING = re.compile(rf"^(?P<level>#{{2,6}})\s+(?:{_ANCHOR_TAG.format('pre')}\s*)?"
                      rf"(?P<title>(?:\s*\S)*?)\s*(?:{_ANCHOR_TAG.format('anchor')}\s*)?$")
# "2. Title", "2.1. Title" and "2.1 Title" (a subsection's number without the last dot).
_NUMBERED = re.compile(r"^(\d+(?:\.\d+)*\.|\d+(?:\.\d+)+)\s+(.*)$")
_LETTERED = re.compile(r"^[A-Z]\d*\.\s+\S")  # "A. Foundations", "J1. Brain": keep as written
# [[VENUE YEAR]] as this list writes it (any venue: tried first, so a rendered list reads
# back the same), or [[YEAR-VENUE]] / [[YEAR VENUE]] / [[VENUE-YEAR]] / [[VENUE2024]] /
# [[VENUE'YY]] / [[VENUE (YEAR)]] / [[VENUE YY]] as others do (a two-digit year: 00-68 is
# 20YY, as strptime reads %y; "VENUE YY" only where the venue holds no digit, so that
# "[[CVPR 2023 Top 10]]" is no year 2010); a separator between them ("NeurIPS, 2020",
# "MICCAI/2021") is dropped from the venue by _venue.
_VENUE_YEAR = re.compile(rf"^(?P<venue>.*?\S)\s+(?P<year>{YEAR_DIGITS})$"
                         rf"|^(?P<year2>{YEAR_DIGITS})\s*[-–]?\s*(?P<venue2>.+)$"
                         rf"|^(?P<venue3>.*?[^\s\d])[-–]?(?P<year3>{YEAR_DIGITS})$"
                         r"|^(?P<venue4>.*?\S)\s*['’](?P<yy>\d{2})$"
                         rf"|^(?P<venue5>.*?\S)\s*\((?P<year5>{YEAR_DIGITS})\)$"
                         r"|^(?P<venue6>\D*[^\s\d])\s+(?P<yy6>\d{2})$")
# A bracket with words after the year ("CVPR 2024 Highlight", "ICCV 2023 (Oral)",
# "NeurIPS 2023, Oral"): the venue and year up to the last year that ends a word, read by
# _VENUE_YEAR, then the note.  Tried only when the whole bracket is no _VENUE_YEAR, so a
# venue holding a year ("[[ECCV 2022 Workshop 2022]]") reads as before; a note holds no
# year (Kind.VENUE_NOTE), so the last one is the bracket's.
_NOTED = re.compile(rf"^(?P<head>.*(?<!\d)(?:{YEAR_DIGITS}|['’]\d{{2}}|\({YEAR_DIGITS}\)))"
                    rf"(?:\s*[{VENUE_SEPARATORS}]\s*|\s+)(?P<note>[^\s{VENUE_SEPARATORS}].*)$")
# What separates a venue from its year in other lists' brackets: not part of the venue,
# unless escaped (text.md_venue writes the venue "A:" as "A\:"), so such an escape is held
# as a private-use character while the bracket is read.
_VENUE_SEPARATORS = ",;:/|- "
_ESCAPED_SEPARATOR = re.compile(r"\\([\\,;:/|-])")
_HELD = {c: chr(0xE000 + i) for i, c in enumerate(",;:/|-")}
_RELEASED = str.maketrans({v: k for k, v in _HELD.items()})
_ENTRY = re.compile(
    rf"^\s*(?:[-*+]|\d{{1,4}}[.)])\s+(?:(?P<marks>(?:\\.|[^\s\[\]\\]|{SYMBOL_TAG}){{1,8}})\s*)?"
    r"\[(?P<open>\[)?(?P<vy>(?:\\.|[^\]\\])+?)\](?(open)\])"  # [[VENUE YEAR]] or [VENUE YEAR]
    r"\((?P<url>[^)\s]*)\)\s*\*\*(?P<title>(?:\\.|[^\\*]|\*(?!\*))+?)\*\*"
    r"(?:\s*\[:octocat:\]\((?P<code>[^)\s]*)\))?(?P<rest>(?:\s*\S)*?)\s*$")
# "*Doe, Jane and …*", or in underscores as some lists write italics.
_AUTHORS = re.compile(r"^\s*(?P<em>[*_])(?!\*|_)(?P<names>(?:\\.|[^\\])+?)(?P=em)\s*$")
# A link after an entry's title (and its [:octocat:](url)): "[[Project]](url)",
# "[Website](url)", " | [Demo](url)"; read one after another from where the last ended.
_EXTRA_LINK = re.compile(r"(?<![\s|·,])[\s|·,]*\[\[?(?P<label>(?:\\.|[^\[\]\\]){1,60})\]?\]"
                         r"\((?P<url>[^()\s]+)\)")
# The label of a code link written otherwise than [:octocat:](url).
_CODE_LABEL = re.compile(r"code|github|repo|source|:octocat:|💻", re.I)
_IMG_TAG = re.compile(r"(?<!\\)<img\b[^<>]*>", re.I)  # not an escaped \<img in text
_ATTR = re.compile(r"(?<!\w)(\w+)\s*=\s*\"([^\"]*)\"")
_MD_IMAGE = re.compile(r"(?P<linked>\[\s*)?!\[(?P<alt>[^\[\]]*)\]\((?P<src>[^)\s\[\]]+)\)"
                       r"(?(linked)\s*\]\((?P<link>[^)\s]*)\))")
_BOLD_NOTE = re.compile(r"^\*\*(?P<label>(?:\\.|[^*:\\])+?):\s+(?P<text>\S.*?)\.?\*\*\s*$")
# The contact line as the renderer writes it: "**text: [email](mailto:email).**".
_RENDERED_CONTACT = re.compile(r"^\*\*(?P<text>(?:\\.|[^*\\])+?):\s+"
                               r"\[(?P<shown>(?:\\.|[^\[\]\\])+)\]\(mailto:(?P<email>[^)\s]+)\)\.?\*\*\s*$")
_EMAIL = re.compile(rf"(?<![^\s@\[\]()<>:]){EMAIL_CORE}")  # the lookbehind: linear in search
_CONTACT = re.compile(r"^(?:#+\s+|\*\*)(?P<text>[^:*\s][^:*]*?):\s*(?P<rest>(?:\s*\S)*?)\.?"
                      r"(?:\*\*)?\s*$")
_LIST_ITEM = re.compile(r"^\s*[-*+]\s+(?P<text>.*)$")
_CONTENTS_ITEM = re.compile(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+\[.*\]\(#[^()\[\]]+\)\s*$")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")  # <hr>
_LINK_TEXT_SPACES = re.compile(r"\[ ?([^\[\]]*?) ?\]\(")  # on squashed text
# What md_escape writes before a character; any other backslash in an authors line is
# BibTeX (M{\\"u}ller) from a hand-written list.
_MD_ESCAPE = re.compile(r"\\([\\`*_\[\]<>&~|$])")
_SUMMARY = re.compile(r"<summary>(?:(?!<summary>).)*?</summary>(?P<rest>.*)$", re.I)
_BADGE_HOST = re.compile(r"shields\.io|badge", re.I)
# A header line of plain prose (not HTML, an image, a heading, a list item or bold note).
_PROSE = re.compile(r"^\s*(?![<#>|]|[-*+]\s|```|~~~)\S")
_IMAGES_ONLY = re.compile(r"^\s*(?:(?:\[\s*)?!\[[^\[\]]*\]\([^)\s\[\]]*\)\s*"
                          r"(?:\]\([^)\s\[\]]*\)\s*)?)+$")
# A list item that starts like an entry ("- [[" or "- *[[") but did not match _ENTRY.
# Marks that are no mark (a tag of more than 20 characters, one with brackets or
# parentheses inside) still make a lost entry.
_LOOKS_LIKE_ENTRY = re.compile(r"^\s*(?:[-*+]|\d{1,4}[.)])\s+(?:\[[^\[\]]{1,40}\]\s*){0,4}"
                               r"(?:(?:\\.|[^\s\\]){1,16}\s*)?\[\[")
# A Tips line that explains a mark: "*: Papers for Non-Medical Anomaly Detection".
# "*: …", "**†**: …", "`†` : …", "† = …", ":star: : …" (a shortcode: GitHub shows its emoji).
_MARK_ITEM = re.compile(r"^(?P<wrap>\*\*|`)?(?P<symbol>:[a-z0-9_+-]{1,30}:|"
                        rf"\\?\[{TAG_TEXT}\\?\]|"  # a tag: "[W]", "\[W]", "[Best Paper]"
                        r"(?:\\.|[^\s:=\[\]()<>`\\]){1,4})(?(wrap)(?:\*\*|`))[ \t]*[:=]\s+"
                        r"(?P<text>\S.*)$")
_VS16 = "\ufe0f"
_SHORTCODE = re.compile(r":([a-z0-9_+-]{1,30}):")
# The shortcodes paper lists use as marks, as the emoji GitHub shows for them (a mark's
# symbol is a few characters: ":star:" itself is too long to be one).
_EMOJI = {"star": "⭐", "star2": "🌟", "fire": "🔥", "heavy_check_mark": "✔️",
          "white_check_mark": "✅", "hospital": "🏥", "trophy": "🏆", "sparkles": "✨",
          "bulb": "💡", "book": "📖", "books": "📚", "memo": "📝", "rocket": "🚀",
          "exclamation": "❗", "warning": "⚠️", "new": "🆕", "medal_sports": "🏅",
          "heart": "❤️", "pushpin": "📌", "triangular_flag_on_post": "🚩", "zap": "⚡",
          "gem": "💎", "crown": "👑", "1st_place_medal": "🥇", "dart": "🎯"}
# One mark no Tips line explains: a shortcode, or a character with the selectors and
# joiners that make it one emoji ("⭐️", "👩‍⚕️").
_MARK_UNIT = re.compile(rf"{SYMBOL_TAG}|:[a-z0-9_+-]{{1,30}}:"
                        r"|\\?.[\ufe0f\u20e3]*(?:\u200d.[\ufe0f]*)*")
# A note under an entry: "  - Intro (EN): text", "  - 简介: 文本".
_NOTE = re.compile(r"^\s+[-*+]\s+(?P<label>[^:：\[\]()*]{1,30}?(?:\s*\([A-Za-z-]{2,8}\))?)"
                   r"\s*[:：]\s*(?P<text>\S(?:\s*\S)*?)\s*$")
_LANG_IN_LABEL = re.compile(r"\(([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\)")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")
# What the renderer writes after a cross-listed paper's first line.
_CROSS_LISTED = re.compile(r"^↪ \*cross-listed from \[(?:\\.|[^\[\]\\])*\]\(#[^)\s]+\)\*$")
_MARK_STOP = {"papers", "paper", "for", "on", "about", "with", "in", "the", "a", "an", "of"}
# Lines that only hold the format's own wrappers: no content is lost by passing them over.
_PARAGRAPH_BREAK = re.compile(r"<br\s*/?>(?:\s*<br\s*/?>)+", re.I)
_PARAGRAPH_TAG = re.compile(r"</?p(?:\s[^<>]*)?>", re.I)  # <p>…</p> in an abstract
_QUOTED = re.compile(r"^[ \t]*>[ \t]?")  # an abstract written as a Markdown quote
_LINE_BREAK = re.compile(r"<br\s*/?>", re.I)  # one <br> in an abstract: a space in a paragraph
_MD_H1 = re.compile(r"^#[ \t]+(?P<title>[^\n]*\S)[ \t]*$", re.M)
_MD_LINK = re.compile(r"!?\[((?:\\.|[^\[\]\\])*)\]\([^()\s]*\)")
# The inline HTML a title may hold; sub- and superscripts become Unicode where every
# character has one, italics become plain text (what a reader sees stays the same).
_TITLE_TAG = re.compile(r"(?<!\\)<(sub|sup|i|em)>([^<>\\]{1,60})</\1>", re.I)
# Inline Markdown in a title (code, emphasis, a link): what a reader sees is its text.  An
# escaped character (what the renderer writes) never opens one.
_TITLE_MARKUP = re.compile(
    r"(?<![`\\])`(?P<code>[^`\n]+)`(?!`)"
    r"|(?<![\w*\\])\*(?=[^\s*])(?P<star>[^*\n]*?[^\s*\\])\*(?![\w*])"
    r"|(?<![\w\\])_(?=[^\s_])(?P<under>[^_\n]*?[^\s_\\])_(?!\w)"
    r"|(?<![\\!])\[(?P<link>[^\[\]\n]+)\]\((?P<href>[^()\s]*)\)")
_SCRIPTS = {"sup": str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ"),
            "sub": str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")}
_HTML = re.compile(r"<[A-Za-z/!?]")
# Tags found by their '<' and ended before the next one: a run of openers that never close
# ("<h1 <h1 …", "<summary><summary>…") costs one pass, not one to the end per opener.
_H1_OPEN = re.compile(r"<h1\b[^<>]*>", re.I)
_H1_CLOSE = re.compile(r"</h1>", re.I)
_A_HREF = re.compile(r"<a\b[^<>]*href=\"([^\"<>]*)\"")
_A_HREF_AT_END = re.compile(r"<a\b[^<>]*href=\"([^\"<>]*)\"[^<>]*>\s*$")
_SUMMARY_OPEN = re.compile(r"<summary>", re.I)
_SUMMARY_CLOSE = re.compile(r"</summary>", re.I)
_ANY_TAG = re.compile(r"<[^<>]+>")
_WRAPPER = re.compile(r"^\s*(?:<a\b[^<>]*>|</a>)\s*$", re.I)  # a link around a logo
_FLAT_ITEM = re.compile(r"^[-*+]\s+\S")
# Lines that open a block a paragraph of the format cannot hold.
_NOT_PROSE = re.compile(r"^\s*(?:\d{1,9}[.)](?:\s|$)|[=-]+\s*$)|^(?: {4}|\t)")
_STRUCTURE = re.compile(r"^\s*(?:(?:</?div\b[^<>]*>|</?details\b[^<>]*>|</?p\b[^<>]*>|<br\s*/?>"
                        r"|\[!\[[^\[\]]*\]\([^()]*\)\s*\]\(#[^()]*\)"
                        rf"|\]\(#{re.escape(TOP_ANCHOR)}\))+\s*)?$", re.I)


@dataclass
class Imported:
    """What an import produced: the list-level record and the papers in README order."""

    info: ListInfo
    papers: list[Paper] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)  # (line, text) not imported
    stems: list[str] = field(default_factory=list)  # file name of each paper


def _attrs(tag: str) -> dict[str, str]:
    return {k.lower(): unescape_entities(v) for k, v in _ATTR.findall(tag)}


def _tidy_markdown(text: str) -> str:
    return _LINK_TEXT_SPACES.sub(lambda m: f"[{m.group(1)}](", squash(text))


def _image_alt(src: str, fallback: str) -> str:
    """Alt text for an image that has none: a capsule banner's text, a shields.io badge's
    subject, or the file name."""
    parts = urlsplit(src)
    text = parse_qs(parts.query).get("text")
    if text:
        return squash(text[0])
    path = [unquote(p) for p in parts.path.split("/") if p]
    if "shields.io" in parts.netloc and len(path) >= 2 and path[0] == "github":
        return f"GitHub {path[1]}"
    if "visitorbadge" in parts.netloc:
        return "Visitors"
    if path and "." in path[-1]:
        return path[-1].rsplit(".", 1)[0]
    return fallback


def _image(src: str, alt: str, link: str | None, fallback: str) -> Image:
    src = unescape_entities(src)
    link = unescape_entities(link) if link and link.startswith("http") else None
    return Image(src=src, alt=squash(alt) or _image_alt(src, fallback), link=link)


def _split_sections(lines: list[str]) -> tuple[list[str], list[tuple[int, str, str | None,
                                                                      list[str], int]]]:
    """The header lines, and each section as (level, title, anchor, body, line of the
    body's first line): level 2 is a ``##`` section, 3 a ``###`` subsection, 4 a ``####``
    one in it, and so on."""
    head: list[str] = []
    sections: list[tuple[int, str, str | None, list[str], int]] = []
    unanchored: dict[int, str] = {}  # index in sections → its ### (or deeper) heading line
    fence = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            fence = not fence
        m = None if fence else _HEADING.match(line)
        anchor = m and (m.group("pre") or m.group("anchor"))
        if m and len(m.group("level")) > 2 and not sections:
            m = None  # a ### heading in the header is part of it
        if m:
            if len(m.group("level")) > 2 and not anchor:
                unanchored[len(sections)] = line
            sections.append((len(m.group("level")), m.group("title"), anchor, [],
                             number + 1))
        elif sections:
            sections[-1][3].append(line)
        else:
            head.append(line)
    # A ### heading without an anchor is a subsection only when it (or a subsection under
    # it) holds papers; otherwise it is a line of the section above it (an information
    # section's own heading, a heading between entries, reported there).
    holds = _holds_papers(sections)
    kept: list[tuple[int, str, str | None, list[str], int]] = []
    for index, section in enumerate(sections):
        if index in unanchored and kept and not holds[index]:
            kept[-1][3].extend([unanchored[index], *section[3]])
        else:
            kept.append(section)
    return head, kept


def _holds_papers(sections: list[tuple[int, str, str | None, list[str], int]]
                  ) -> list[bool]:
    """For each section, whether it or a deeper section that follows it (before the next
    heading of its level or above) lists papers; one pass from the end."""
    holds = [False] * len(sections)
    below: list[tuple[int, bool]] = []  # (level, holds papers) of the sections after
    for index in range(len(sections) - 1, -1, -1):
        level = sections[index][0]
        own = any(_ENTRY.match(line) for line in sections[index][3])
        deeper = False
        while below and below[-1][0] > level:
            deeper = below.pop()[1] or deeper
        holds[index] = own or deeper
        below.append((level, holds[index]))
    return holds


def _header(head: list[str], info: dict) -> None:
    text = "\n".join(head)
    h1_open = _H1_OPEN.search(text)
    h1_close = _H1_CLOSE.search(text, h1_open.end()) if h1_open else None
    if h1_open and h1_close:
        inner = text[h1_open.end():h1_close.start()]
        img = _IMG_TAG.search(inner)
        h1_link = _A_HREF.search(inner)
        if img:
            a = _attrs(img.group(0))
            info["banner"] = _image(a.get("src", ""), a.get("alt", ""),
                                    h1_link.group(1) if h1_link else None, "Banner")
        else:
            info["title"] = squash(unescape_entities(_ANY_TAG.sub("", inner)))
        text = text[: h1_open.start()] + text[h1_close.end():]
    else:
        md_h1 = _MD_H1.search(text)
        if md_h1:  # "# [Awesome X](https://...)": the link's text is the title
            info["title"] = md_unescape(squash(_MD_LINK.sub(r"\1", md_h1.group("title"))))
            text = text[: md_h1.start()] + text[md_h1.end():]
    notes, prose, unplaced = _notes_and_prose(text.split("\n"), info)
    info["header_blocks"] = tuple(_blocks(unplaced))
    # images in the description or in a kept block are part of it, not badges
    taken = set(prose) | {line.strip() for line in unplaced}
    text = "\n".join(line for line in text.split("\n") if line.strip() not in taken)
    badges = []
    for m in _MD_IMAGE.finditer(text):
        image = _image(m.group("src"), md_unescape(m.group("alt")), m.group("link"), "Badge")
        if "banner" not in info and (m.group("link") or "").startswith("#"):
            info["banner"] = image
        else:
            badges.append(image)
    logos: list[Image] = []
    for m in _IMG_TAG.finditer(text):
        a = _attrs(m.group(0))
        end = m.start()  # a link around the image is the tag right before it
        while end and text[end - 1].isspace():
            end -= 1
        start = text.rfind("<", 0, end) if text[end - 1:end] == ">" else -1
        wrap = _A_HREF_AT_END.match(text, start, m.start()) if start >= 0 else None
        link = a.get("href") or (unescape_entities(wrap.group(1)) if wrap else None)
        image = _image(a.get("src", ""), a.get("alt", ""), link, "Logo")
        (badges if _BADGE_HOST.search(image.src) else logos).append(image)
    info["badges"] = tuple(badges)
    info["logos"] = tuple(logos)
    info["notes"] = tuple(notes)
    if prose:
        info["description"] = _tidy_markdown(" ".join(prose))


def _notes_and_prose(head: list[str], info: dict
                     ) -> tuple[list[Note], list[str], list[str]]:
    """The bold notes of the header, its lines of prose (the description) and the lines
    the format has no field for (kept as Markdown blocks, blank lines included); the
    contact line goes into ``info``."""
    notes: list[Note] = []
    prose: list[str] = []
    unplaced: list[str] = []
    fence = False
    for raw_line in head:
        line = raw_line.strip()
        if line.startswith(("```", "~~~")):
            fence = not fence
        if fence or line.startswith(("```", "~~~")) or (not line and unplaced):
            unplaced.append(raw_line)
            continue
        if not _placed(line) or (unplaced and _PROSE.match(line)):
            unplaced.append(raw_line)  # prose after a kept block stays with it, in order
            continue
        rendered = _RENDERED_CONTACT.match(line)
        if rendered and md_unescape(rendered.group("shown")) == rendered.group("email"):
            info["contact"] = Contact(text=md_unescape(squash(rendered.group("text"))),
                                      email=rendered.group("email"))
            continue
        contact = _CONTACT.match(line)
        email = _EMAIL.search(line)
        if contact and email and not rendered and \
                "](" not in contact.group("rest").replace("](mailto:", ""):
            info["contact"] = Contact(text=md_unescape(squash(contact.group("text"))),
                                      email=email.group(0).rstrip("."))
            continue
        if _PROSE.match(line) and not _BOLD_NOTE.match(line) and \
                not _IMAGES_ONLY.match(line) and not _STRUCTURE.match(line):
            prose.append(line)
            continue
        note = _BOLD_NOTE.match(line)
        if note:
            notes.append(Note(label=md_unescape(squash(note.group("label"))),
                              text=_tidy_markdown(note.group("text"))))
    return notes, prose, unplaced


def _placed(line: str) -> bool:
    """Whether a header line is one the format reads (prose, a bold note, the contact,
    badges, logos or a wrapper around them)."""
    return (not line or bool(_PROSE.match(line) or _BOLD_NOTE.match(line) or
                             _IMAGES_ONLY.match(line) or _STRUCTURE.match(line) or
                             _WRAPPER.match(line) or _IMG_TAG.search(line) or
                             (_CONTACT.match(line) and _EMAIL.search(line)) or
                             _RENDERED_CONTACT.match(line)))


def _blocks(lines: list[str]) -> list[str]:
    """Lines as Markdown blocks: split at blank lines, except inside fenced code."""
    blocks: list[str] = []
    current: list[str] = []
    fence = False
    for line in [*lines, ""]:
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if line.strip() or fence:
            current.append(line.rstrip())
        elif current:
            blocks.append("\n".join(current))
            current = []
    return blocks


def _kind_of_block(block: str) -> str | None:
    """What a block of an information section is in the format's own fields (image, items,
    text, chart); None for anything else (code, table, quote, HTML, several images)."""
    lines = block.split("\n")
    if len(_IMG_TAG.findall(block)) == 1:
        return "image" if all(_STRUCTURE.match(_IMG_TAG.sub("", line)) for line in lines) \
            else None
    if _HTML.search(block) or _IMG_TAG.search(block):
        return None
    if len(_MD_IMAGE.findall(block)) == 1 and all(_IMAGES_ONLY.match(line) for line in lines):
        return "chart"
    if _MD_IMAGE.search(block):
        return None
    if all(_FLAT_ITEM.match(line) for line in lines):
        return "items"
    if all(_PROSE.match(line) and not _NOT_PROSE.match(line) for line in lines):
        return "text"
    return None


def _back_to_top(block: str) -> bool:
    """A back-to-top banner (the footer), or only the format's wrappers."""
    rest = "".join(m.group(0) for m in _MD_IMAGE.finditer(block)
                   if not (m.group("link") or "").startswith("#"))
    plain = _MD_IMAGE.sub("", block)
    return not rest and all(_STRUCTURE.match(line) for line in plain.split("\n"))


_ORDER = {"image": 0, "items": 1, "text": 2, "chart": 3}


def _info_section(title: str, anchor: str | None, body: list[str]) -> Section:
    """An information section in the format's fields when its blocks are the kinds the
    renderer writes, in its order; otherwise its blocks as written (nothing lost)."""
    blocks = [b for b in _blocks(body) if not _back_to_top(b)]
    kinds = [_kind_of_block(b) for b in blocks]
    ranks = [_ORDER.get(k or "", -1) for k in kinds]
    simple = -1 not in ranks and ranks == sorted(ranks) and kinds.count("image") <= 1 \
        and kinds.count("chart") <= 1
    if not simple:
        return Section(title=md_unescape(title), anchor=anchor, blocks=tuple(blocks))
    image = chart = None
    items: list[str] = []
    text: list[str] = []
    plain = md_unescape(title)
    alt = re.sub(r"^[^\w]+", "", plain) or plain
    joined = "\n".join(body)
    for m in _IMG_TAG.finditer(joined):
        a = _attrs(m.group(0))
        image = _image(a.get("src", ""), a.get("alt", ""), None, alt)
        if not a.get("alt"):
            image = Image(src=image.src, alt=alt)
    for m in _MD_IMAGE.finditer(joined):
        if (m.group("link") or "").startswith("#"):
            continue  # a back-to-top banner, not content
        chart = _image(m.group("src"), md_unescape(m.group("alt")), m.group("link"), alt)
    rest = _MD_IMAGE.sub("", re.sub(r"</?[A-Za-z][^<>]*>", "", joined))
    paragraph: list[str] = []
    for line in [*rest.splitlines(), ""]:
        item = _LIST_ITEM.match(line)
        if item:
            items.append(_tidy_markdown(item.group("text")))
        elif line.strip():
            paragraph.append(line)
            continue
        if paragraph:
            text.append(_tidy_markdown(" ".join(paragraph)))
            paragraph = []
    return Section(title=plain, anchor=anchor, image=image, chart=chart, items=tuple(items),
                   text=tuple(text))


def _year(vy: re.Match[str]) -> int:
    """The year of a venue bracket; a two-digit one ('24) as strptime reads %y."""
    two = vy.group("yy") or vy.group("yy6")
    if two:
        yy = int(two)
        return 2000 + yy if yy <= 68 else 1900 + yy
    return int(next(y for y in vy.group("year", "year2", "year3", "year5") if y))


def _venue_year(bracket: str) -> tuple[re.Match[str] | None, str | None]:
    """A venue bracket read: the _VENUE_YEAR match of its venue and year (None when it is
    none), and the words after the year where it has them ("Highlight", "(Oral)").  A
    bracket read year first ("2022 MICCAI") is read with a note when a venue and a later
    year lead to one: "2022 2023 Oral" is how the venue "2022" of 2023 is written."""
    whole = _VENUE_YEAR.match(bracket)
    if whole and not whole.group("year2"):
        return whole, None
    noted = _NOTED.match(bracket)
    head = _VENUE_YEAR.match(noted.group("head")) if noted else None
    if noted is None or head is None:
        return whole, None
    return head, squash(noted.group("note")).translate(_RELEASED)


def _bracket(raw: str) -> str:
    """A venue bracket's text, unescaped, with escaped separators held (see _venue)."""
    held = _ESCAPED_SEPARATOR.sub(lambda m: _HELD.get(m.group(1), m.group(0)), raw)
    return md_unescape(held).strip()


def _venue(vy: re.Match[str]) -> str:
    """The venue of a venue bracket, without the separator some lists put between it and
    the year ("NeurIPS, 2020", "2019, NeurIPS", "MICCAI/2021"); an escaped one (the
    renderer's) is part of the venue, and a venue of nothing but separators stays."""
    venue = next(v for v in vy.group("venue", "venue2", "venue3", "venue4", "venue5", "venue6")
                 if v)
    kept = venue.lstrip(_VENUE_SEPARATORS) if vy.group("venue2") else \
        venue.rstrip(_VENUE_SEPARATORS)
    return (kept.strip() or venue.strip()).translate(_RELEASED)


def _title(raw: str) -> str:
    """A title as the reader sees it: inline HTML and Markdown become their text (a link's
    address is reported by the caller, see :func:`_title_links`)."""
    text = _TITLE_MARKUP.sub(lambda m: next(g for g in m.groups() if g is not None),
                             _TITLE_TAG.sub(_title_tag, raw))
    return md_unescape(text).strip()


def _title_links(raw: str) -> list[str]:
    """The addresses of the links in a title: a record's title is text, so they are not
    imported."""
    return [m.group("href") for m in _TITLE_MARKUP.finditer(raw) if m.group("href")]


def _title_tag(m: re.Match[str]) -> str:
    """``<sup>3</sup>`` → ``³``; a script Unicode cannot write, and italics, as text."""
    tag, inner = m.group(1).lower(), m.group(2)
    table = _SCRIPTS.get(tag)
    if table and all(ord(c) in table for c in inner):
        return inner.translate(table)
    return inner


def _abstract(lines: list[str]) -> str | None:
    """An abstract's lines as text: paragraphs (a blank line, or ``<br><br>`` as the
    renderer writes them) kept, other whitespace collapsed."""
    kept: list[str] = []
    markdown = False  # after a blank line GitHub reads Markdown again: "> " opens a quote
    for line in lines:
        kept.append(_QUOTED.sub("", line) if markdown else line)
        markdown = (markdown and bool(_QUOTED.match(line))) or (len(kept) > 1 and
                                                                not line.strip())
    text = _PARAGRAPH_TAG.sub("\n\n", "\n".join(kept))
    text = _LINE_BREAK.sub("\n", _PARAGRAPH_BREAK.sub("\n\n", text))
    return paragraphs(unescape_entities(text)) or None


def _names_text(raw: str) -> str:
    """An authors line as text: Markdown escapes undone, and BibTeX escapes repaired only
    where a backslash is not one of the Markdown escapes the renderer writes (so a name
    with a backtick or a tilde survives a round trip)."""
    if "\\" not in _MD_ESCAPE.sub("", raw):
        return md_unescape(raw)
    kept: list[str] = []

    def hold(m: re.Match[str]) -> str:
        kept.append(m.group(1))
        return f"\x00{len(kept) - 1}\x00"

    repaired = latex_to_text(_MD_ESCAPE.sub(hold, raw))
    return md_unescape(re.sub(r"\x00(\d+)\x00", lambda m: "\\" + kept[int(m.group(1))],
                              repaired))


def _people(text: str) -> tuple[str, ...]:
    """An authors line as names: "Family, Given and …" as the format writes it, or the
    "Given Family, Given Family, et al." other lists write (then "et al." is the format's
    ``others``)."""
    text = squash(text)  # single spaces: the splits below are plain string searches
    others = False
    for tail in ("et al.", "et al"):
        before = text[: -len(tail)]
        if text.lower().endswith(tail) and before.rstrip(" ,") and before[-1:] in (" ", ","):
            text, others = before.rstrip(), True  # a comma before "et al." still counts
            break
    names = [n.strip() for n in text.split(" and ") if n.strip()]
    pieces = [n.strip() for n in text.replace(" and ", ",").split(",") if n.strip()]
    if any(n.count(",") > 1 or n.endswith(",") for n in names) and \
            (len(pieces) > 2 or all(" " in n or _CJK.search(n) for n in pieces)):
        names = pieces  # "Ana Lima, Bruno Costa, et al.", not "Smith, J., et al."
    names = [n.rstrip(" ,") for n in names]
    return (*names, "others") if others else tuple(names)


def _entry_links(rest: str, code: str | None
                 ) -> tuple[str | None, tuple[PaperLink, ...], str]:
    """The links at the start of what follows an entry's title: the code link where the
    entry gave none ("[Code](url)", "[[GitHub]](url)"), then further links ("[[Project]]
    (url)"), each http(s); and the text left after them (reported by the caller)."""
    links: list[PaperLink] = []
    pos = 0
    while m := _EXTRA_LINK.match(rest, pos):
        url = unescape_entities(m.group("url"))
        label = squash(md_unescape(m.group("label")))
        if not label or not url.lower().startswith(("http://", "https://")):
            break
        if code is None and _CODE_LABEL.fullmatch(label):
            code = url
        else:
            links.append(PaperLink(label=label, url=url))
        pos = m.end()
    return code, tuple(links), rest[pos:].strip()


def _intro(body: list[str]) -> tuple[str | None, list[str]]:
    """A paper section's paragraph of prose before its first entry ("Papers that use
    adversarial training."), as the section's description, and the body without it (its
    lines blank, so that line numbers stay); None, and the body as it is, when the section
    starts otherwise or the paragraph is no valid description (HTML, an unsafe link)."""
    start = next((n for n, line in enumerate(body) if line.strip()), len(body))
    end = start
    while end < len(body) and body[end].strip():
        end += 1
    lines = body[start:end]
    if not lines or _kind_of_block("\n".join(lines)) != "text":  # prose: no entry, no list
        return None, body
    text = _tidy_markdown(" ".join(lines))
    try:
        CHECKS[Kind.MARKDOWN](text)
    except Bad:
        return None, body
    return text, [*body[:start], *[""] * len(lines), *body[end:]]


def _papers(body: list[str], category: str, first_line: int,
            skipped: list[tuple[int, str]]) -> list[dict]:
    """The entries of one paper section, as raw fields (``_marks``: the symbols before the
    entry; ``_cross``: written as cross-listed from another section); lines that carry
    content the format has no place for are added to ``skipped`` with their line number,
    so nothing goes silently."""
    papers: list[dict] = []
    current: dict | None = None
    abstract: list[str] | None = None

    def finish() -> None:
        if current is not None:
            if abstract is not None:  # <details> never closed: keep what was read, say so
                current["abstract"] = _abstract(abstract)
                skipped.append((number, "the abstract's <details> is not closed; it was read "
                                "up to here"))
            papers.append(current)

    for number, line in enumerate(body, first_line):
        entry = _ENTRY.match(line)
        vy, venue_note = _venue_year(_bracket(entry.group("vy"))) if entry else (None, None)
        if entry and vy:
            finish()
            code = unescape_entities(entry.group("code") or "") or None
            rest = entry.group("rest").strip()
            if code and not code.lower().startswith(("http://", "https://")):
                rest, code = f"[:octocat:]({code}) {rest}".strip(), None
            code, links, rest = _entry_links(rest, code)
            current = {
                "title": _title(entry.group("title")),
                "venue": _venue(vy),
                "year": _year(vy),
                "venue_note": venue_note,
                "url": unescape_entities(entry.group("url")),
                "code": code,
                "links": links,
                "_figures": [],
                "_marks": _emoji(md_unescape(entry.group("marks") or "")),
                "_cross": bool(_CROSS_LISTED.match(rest)),
                "_line": number,
                "category": category,
                "authors": (),
                "notes": [],
            }
            abstract = None
            if current["_cross"]:
                rest = ""
            if rest:
                skipped.append((number, f"after the entry: {rest}"))
            skipped.extend((number, f"the link in the title: {href}")
                           for href in _title_links(entry.group("title")))
            continue
        if _RULE.match(line):
            continue  # a rule between entries or sections: decoration, no content
        if current is None or _LOOKS_LIKE_ENTRY.match(line):
            if line.strip() and not _STRUCTURE.match(line):
                skipped.append((number, line.strip()))
            continue
        if abstract is not None:
            closing = re.search(r"</details>", line, re.I)
            if closing:
                abstract.append(line[: closing.start()])
                current["abstract"] = _abstract(abstract)
                abstract = None
            else:
                abstract.append(line)
            continue
        summary = _SUMMARY.search(line)
        if summary:
            current["_label"] = (_abstract_label(line).get("abstract_label"), number)
            rest = summary.group("rest")
            closing = re.search(r"</details>", rest, re.I)
            if closing:  # "<details><summary>…</summary>text</details>" on one line
                current["abstract"] = _abstract([rest[: closing.start()]])
            else:
                abstract = [rest]
            continue
        names = _AUTHORS.match(line)
        if names and not current["authors"]:
            current["authors"] = _people(_names_text(
                _TITLE_TAG.sub(_title_tag, names.group("names"))))
            continue
        note = _NOTE.match(line)
        if note and not _LOOKS_LIKE_ENTRY.match(line):
            current["notes"].append((md_unescape(note.group("label")).strip(),
                                     md_unescape(note.group("text")), number))
            continue
        sources = _figures(line)
        for src in sources:  # the first is the figure, any other one of more_figures
            current["_figures"].append((src, number))
        if not sources and line.strip() and not _STRUCTURE.match(line):
            skipped.append((number, line.strip()))
    finish()
    return papers


def _figures(line: str) -> list[str]:
    """The figures a line of an entry shows: its <img> tags' sources, or its Markdown
    images ("![](fig.png)") when the line holds nothing else and none is a link (a back to
    top banner or a chart is not the paper's figure)."""
    tags = list(_IMG_TAG.finditer(line))
    if tags:
        return [src for src in (_attrs(m.group(0)).get("src") for m in tags) if src]
    if not _IMAGES_ONLY.match(line):
        return []
    images = list(_MD_IMAGE.finditer(line))
    if any(m.group("linked") for m in images):
        return []
    return [unescape_entities(m.group("src")) for m in images]


_SHIELDS_REPO = re.compile(r"img\.shields\.io/github/[\w-]+/([\w.-]+/[\w.-]+)")


def _repo_of(text: str) -> str | None:
    """The list's own repository, read from its GitHub badges (stars, forks...)."""
    m = _SHIELDS_REPO.search(text)
    return f"https://github.com/{m.group(1)}" if m else None


def _absolute(image: Image, repo: str) -> Image:
    """Images given by a path in the repository (``logos/HDU.png``) as links into it."""
    if image.src.startswith(("http://", "https://")):
        return image
    path = image.src.removeprefix("./").lstrip("/")
    return Image(src=f"{repo}/blob/main/{path}", alt=image.alt, link=image.link)


def _place_figures(raw: dict, repo: str | None, skipped: list[tuple[int, str]]) -> None:
    """An entry's figures as ``figure`` and ``more_figures``; one given by a path in the
    repository (``./figs/a.png``) as a link into it, as for logos; without a known
    repository it is no address: reported, not kept."""
    placed: list[str] = []
    for src, line in raw.pop("_figures"):
        if src.startswith(("http://", "https://")):
            placed.append(src)
        elif repo:
            placed.append(_absolute(Image(src=src, alt="figure"), repo).src)
        else:
            skipped.append((line, f"figure {src!r} (a path, and no GitHub badge names the "
                            "list's repository: it has no address)"))
    raw["figure"] = placed[0] if placed else None
    raw["more_figures"] = tuple(placed[1:])


def looks_like_entry(text: str) -> bool:
    """Whether a skipped line was meant as a paper entry (then a paper was lost)."""
    return bool(_LOOKS_LIKE_ENTRY.match(text))


_BRACKETED = re.compile(r"\[[^\[\]]*\]")
_MARK_TAG = re.compile(SYMBOL_TAG)


def lost_entry_fix(text: str) -> str:
    """How to fix an entry that was lost (see :func:`looks_like_entry`): a tag before it
    that is no mark is named, since the rest of the line may well be in the format."""
    end = text.find("[[")
    tag = next((m.group(0) for m in _BRACKETED.finditer(text, 0, max(end, 0))
                if not _MARK_TAG.fullmatch(m.group(0))), None)
    if tag:
        return (f"the tag {tag} before it is no mark: a tag is at most 20 characters in "
                "brackets, single spaces between words, no parenthesis or backquote inside; "
                "shorten it and import again")
    return ("write it as '- [[VENUE YEAR]](url) **Title**' and import again, or add a record "
            "with 'site-builder new'")


def _abstract_label(text: str) -> dict[str, Any]:
    opened = _SUMMARY_OPEN.search(text)
    closed = _SUMMARY_CLOSE.search(text, opened.end()) if opened else None
    label = squash(unescape_entities(_ANY_TAG.sub("", text[opened.end():closed.start()]))) \
        if opened and closed else ""
    return {"abstract_label": label} if label else {}


def _mark(symbol: str, text: str, marks: list[Mark], list_title: str) -> Mark:
    """A mark explained by ``text`` ("Papers for Non-Medical …"): its label and id are the
    words that say what it marks, the id unique among ``marks``."""
    title_words = set(fold(list_title).split())
    words = [w for w in text.split() if fold(w) not in _MARK_STOP | title_words]
    label = " ".join(words).lower() or text
    base = mark_id = slugify(" ".join(words) or text, 4)
    while any(mark.id == mark_id for mark in marks):
        mark_id = f"{base}-{len(marks) + 1}"
    return Mark(id=mark_id, symbol=symbol, label=label, description=text)


def _legend(section: Section, list_title: str) -> tuple[Section, list[Mark]]:
    """Marks explained by the leading items of an information section ("*: Papers for
    …"): they become the list's marks, and the section lists them as its legend."""
    marks: list[Mark] = []
    for item in section.items:
        m = _MARK_ITEM.match(item)
        symbol = _emoji(md_unescape(m.group("symbol"))) if m else ""
        if not m or _SHORTCODE.fullmatch(symbol):  # ":octocat:: Code" explains no mark
            break
        marks.append(_mark(symbol, m.group("text"), marks, list_title))
    if not marks:
        return section, []
    return replace(section, legend=True, items=section.items[len(marks):]), marks


def _emoji(text: str) -> str:
    """Shortcodes (":star:") as the emoji GitHub shows; unknown ones stay as written."""
    return _SHORTCODE.sub(lambda m: _EMOJI.get(m.group(1), m.group(0)), text)


def _lang_of(label: str) -> str:
    """The language of a note label: "Intro (EN)" → en, "简介" → zh, otherwise en."""
    tagged = _LANG_IN_LABEL.search(label)
    if tagged:
        return tagged.group(1).lower()
    return "zh" if _CJK.search(label) else "en"


def _same_paper(raw: dict) -> str:
    return raw["url"] or fold(raw["title"])


# Fields of a paper's second full entry compared with its first: what it gives differently
# is reported (a shorter entry, without authors or notes, is just a cross-listing).
_COMPARED = ("title", "venue", "year", "venue_note", "code", "links", "authors", "figure",
             "more_figures", "abstract", "notes", "_marks")


@dataclass
class _Node:
    """A section being read, with the subsections found under it."""

    section: Section
    children: list[_Node] = field(default_factory=list)

    def build(self, order: dict[str, tuple[str, ...]]) -> Section:
        sid = self.section.id
        return replace(self.section, order=order.get(sid or "", ()),
                       sections=tuple(child.build(order) for child in self.children))


class _Assembler:
    """Raw entries of every section → records: a paper listed under several headings is
    one record (home: the first full entry), marks resolved by their symbols, notes by the
    language of their label."""

    def __init__(self, marks: list[Mark], skipped: list[tuple[int, str]],
                 list_title: str) -> None:
        self.marks = marks
        self.list_title = list_title
        self.skipped = skipped
        self.labels: dict[str, str] = {}

    def mark_ids(self, symbols: str) -> tuple[str, ...]:
        ids: list[str] = []
        while symbols.lstrip(_VS16):  # "⭐️" is the mark "⭐" (U+FE0F only asks for emoji style)
            symbols = symbols.lstrip(_VS16)
            mark = next((m for m in sorted(self.marks, key=lambda m: -len(m.symbol))
                         if symbols.startswith(m.symbol)
                         or symbols.startswith(m.symbol.rstrip(_VS16) or m.symbol)), None)
            if mark is None:  # a symbol no Tips line explains: declared, to be described
                unit = _MARK_UNIT.match(symbols)
                symbol = unit.group(0) if unit else symbols[0]
                mark = _mark(symbol, f"Papers marked {symbol}", self.marks, self.list_title)
                self.marks.append(mark)
            if mark.id not in ids:
                ids.append(mark.id)
            symbols = symbols[len(mark.symbol if symbols.startswith(mark.symbol)
                                  else mark.symbol.rstrip(_VS16)):]
        rank = {m.id: i for i, m in enumerate(self.marks)}
        return tuple(sorted(ids, key=rank.__getitem__))  # as the README prints them

    def notes(self, raw: list[tuple[str, str, int]]) -> tuple[PaperNote, ...]:
        notes = []
        for label, text, line in raw:
            lang = _lang_of(label)
            known = self.labels.setdefault(lang, label)
            if known != label:
                self.skipped.append((line, f"note label {label!r}: the list labels "
                                     f"{lang!r} notes {known!r}; imported under that label"))
            notes.append(PaperNote(lang=lang, text=text))
        return tuple(notes)

    def papers(self, raw: list[dict]) -> tuple[list[Paper], list[list[int]]]:
        """The records, and for each the indexes of ``raw`` it was read from."""
        homes: dict[str, int] = {}
        records: list[dict] = []
        sources: list[list[int]] = []
        for full in (True, False):
            for i, r in enumerate(raw):
                if r["_cross"] == full:
                    continue
                key = _same_paper(r)
                if key not in homes:
                    homes[key] = len(records)
                    records.append({**r, "also_in": {}})  # an ordered set
                    sources.append([i])
                    continue
                home = records[homes[key]]
                sources[homes[key]].append(i)
                differ = [k.lstrip("_") for k in _COMPARED
                          if r.get(k) not in (None, (), [], "") and r[k] != home.get(k)]
                if full and differ:
                    self.skipped.append((r["_line"], f"listed again (one record, home section "
                                         f"{home['category']!r}): its {', '.join(differ)} "
                                         "differ from the first entry's and were not "
                                         "imported"))
                if r["category"] != home["category"]:
                    home["also_in"].setdefault(r["category"])
        papers = []
        for r in records:
            fields = {k: v for k, v in r.items() if not k.startswith("_")}
            fields.update(marks=self.mark_ids(r["_marks"]), also_in=tuple(r["also_in"]),
                          notes=self.notes(r["notes"]))
            papers.append(Paper(**fields))
        return papers, sources


def _orders(raw: list[dict], papers: list[Paper], sources: list[list[int]],
            stems: list[str]) -> dict[str, tuple[str, ...]]:
    """Each section's order as the README gives it, where it is not the default one."""
    record_of = {i: n for n, found in enumerate(sources) for i in found}
    shown: dict[str, dict[str, None]] = {}  # ordered sets: a list's `in` made 40k entries
    for i, r in enumerate(raw):                # of one section take 25 s
        shown.setdefault(r["category"], {}).setdefault(stems[record_of[i]])
    entries = {stem: Entry(stem, "", paper) for stem, paper in zip(stems, papers, strict=True)}
    orders = {}
    for sid, found in shown.items():
        keys = list(found)
        default = [e.key for e in sorted((entries[k] for k in keys), key=sort_key)]
        if keys != default:
            orders[sid] = tuple(keys)
    return orders


def parse_readme(text: str) -> Imported:
    """Turn a README in the list's format into typed records."""
    text = fix_mojibake(text.replace("\r\n", "\n").removeprefix("\ufeff"))
    head, raw_sections = _split_sections(text.split("\n"))
    info: dict = {}
    _header(head, info)
    banner = info.get("banner")
    list_title = info.pop("title", None) or (banner.alt if banner else "") or "Paper List"
    nodes: list[_Node] = []
    # the paper sections a deeper heading can go in: (level, node), outermost first
    open_sections: list[tuple[int, _Node]] = []
    raw: list[dict] = []
    used_ids: set[str] = set()
    skipped: list[tuple[int, str]] = []
    marks: list[Mark] = []
    any_numbered = False
    # a section holds papers when it or one of its subsections lists any
    holds = _holds_papers(raw_sections)
    for index, (level, title, anchor, body, first_line) in enumerate(raw_sections):
        holds_papers = holds[index]
        if anchor in RESERVED_ANCHORS:
            if not any(_ENTRY.match(line) for line in body):
                continue  # the format's own closing section (or a back-to-top target)
            anchor = None  # papers under a reserved anchor are kept; the anchor is not
        contents = [line for line in body if line.strip() and not line.startswith("<")
                    and not _RULE.match(line)]
        if contents and all(_CONTENTS_ITEM.match(line) for line in contents):
            info["contents_title"] = md_unescape(title)
            continue
        numbered = _NUMBERED.match(title)
        if numbered or _LETTERED.match(title) or holds_papers:
            any_numbered = any_numbered or bool(numbered)
            title = md_unescape(numbered.group(2) if numbered else title)
            sid = base = slugify(title, 6)
            n = 2
            while sid in used_ids:
                sid, n = f"{base}-{n}", n + 1
            used_ids.add(sid)
            description, body = _intro(body)
            node = _Node(Section(title=title, id=sid, anchor=anchor if anchor != sid
                                 else None, description=description))
            while open_sections and open_sections[-1][0] >= level:
                open_sections.pop()
            (open_sections[-1][1].children if open_sections else nodes).append(node)
            open_sections.append((level, node))
            raw += _papers(body, sid, first_line, skipped)
        else:
            section = _info_section(title, anchor, body)
            if section.anchor == anchor_of(replace(section, anchor=None)):
                section = replace(section, anchor=None)  # the default: written by nobody
            if not marks:
                section, marks = _legend(section, list_title)
            nodes.append(_Node(section))
            open_sections.clear()
    repo = _repo_of(text)
    label = _abstract_label(text).get("abstract_label")
    for r in raw:
        _place_figures(r, repo, skipped)
        shown, line = r.pop("_label", (None, 0))
        if shown and shown != label:  # the list has one label for every abstract
            skipped.append((line, f"abstract label {shown!r}: the list labels abstracts "
                            f"{label!r}; imported under that label"))
    assembler = _Assembler(marks, skipped, list_title)
    papers, sources = assembler.papers(raw)
    stems = file_stems(papers)
    orders = _orders(raw, papers, sources, stems)
    footer = None
    last_body = "\n".join(raw_sections[-1][3]) if raw_sections else ""
    trailing = [m for m in _MD_IMAGE.finditer(last_body)
                if (m.group("link") or "").startswith("#")]
    if trailing:
        m = trailing[-1]
        footer = _image(m.group("src"), md_unescape(m.group("alt")), None, "Back to top")
    if repo:
        info["logos"] = tuple(_absolute(i, repo) for i in info["logos"])
        info["badges"] = tuple(_absolute(i, repo) for i in info["badges"])
    return Imported(
        info=ListInfo(title=list_title, sections=tuple(n.build(orders) for n in nodes),
                      banner=banner, footer=footer, badges=info["badges"],
                      notes=info["notes"], contact=info.get("contact"), logos=info["logos"],
                      contents_title=info.get("contents_title", "Contents"),
                      numbered=any_numbered or not papers,
                      description=info.get("description"), repo=repo,
                      header_blocks=info["header_blocks"],
                      marks=tuple(assembler.marks),
                      optional=("authors",) if any(not p.authors for p in papers) else (),
                      note_labels=tuple(NoteLabel(lang=lang, label=label)
                                        for lang, label in assembler.labels.items()),
                      **_abstract_label(text)),
        papers=papers, skipped=skipped, stems=stems)
