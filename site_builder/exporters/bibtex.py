"""BibTeX: one entry per paper, for Zotero, JabRef and Overleaf.

Entry types follow the venue table: ``@inproceedings`` with ``booktitle`` for conferences,
``@article`` with ``journal`` for journals, ``@misc`` with ``eprint`` for arXiv-only papers
and for venues the table does not know (cited as written, in ``howpublished``).  The words
after the year in the list's venue bracket (``venue_note``: Oral, Best Paper) go in ``note``.

Text is escaped for LaTeX; braces and backslashes become ``\\textbraceleft{}``-style
commands, so every field stays balanced whatever a title holds.  Non-ASCII characters are
kept as UTF-8, as biblatex/biber and bibtexparser read them (use ``\\usepackage[utf8]
{inputenc}`` with classic BibTeX).  Acronyms and words with inner capitals are protected
with braces (``{CLIP}``, ``{MedCLIP}``) so that styles that lower-case titles keep them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..ids import find_arxiv
from ..model import Entry, Paper, PaperList
from ..text import bare_name, fold, squash
from .base import Options, ordered

HEADER = ("% Exported by site-builder: one entry per paper of the list.\n"
          "% UTF-8; use biblatex with biber, or \\usepackage[utf8]{inputenc}.\n\n")
_LATEX = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
          "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
          "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
_SPECIAL = re.compile(r"[\\{}&%$#_~^]")
# Characters a verbatim field (url, doi) cannot hold inside BibTeX braces.
_VERBATIM_BAD = {"{": "%7B", "}": "%7D", "\\": "%5C"}
_STOPWORDS = frozenset(("a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "via",
                        "by", "from", "towards", "toward", "is", "are", "do", "does", "what",
                        "when", "why", "how", "at", "as", "its", "we", "our"))
_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_INNER_CAPITAL = re.compile(r"^\W*(\w.*?)(\W*)$")


def latex(value: str) -> str:
    """Plain text → LaTeX text: every special character escaped, whitespace squashed."""
    return _SPECIAL.sub(lambda m: _LATEX[m.group(0)], squash(value))


def _verbatim(value: str) -> str:
    return "".join(_VERBATIM_BAD.get(ch, ch) for ch in squash(value))


def _needs_protection(word: str) -> bool:
    """Acronyms and words with capitals after the first letter (CLIP, MedCLIP, 3D,
    nnU-Net); a capital after a hyphen does not count (Multi-Class)."""
    for part in word.split("-"):
        letters = [ch for ch in part if ch.isalpha()]
        if any(ch.isupper() for ch in letters[1:]) or (
                any(ch.isdigit() for ch in part) and any(ch.isupper() for ch in letters)):
            return True
    return False


def title_field(title: str) -> str:
    """The title, escaped, with acronyms and inner-capital words wrapped in braces."""
    out = []
    for word in squash(title).split(" "):
        if word.islower():  # no capital letter: nothing to protect (most words)
            out.append(latex(word))
            continue
        m = _INNER_CAPITAL.match(word)
        if m and _needs_protection(m.group(1)):
            head = word[:m.start(1)]
            out.append(f"{latex(head)}{{{latex(m.group(1))}}}{latex(m.group(2))}")
        else:
            out.append(latex(word))
    return " ".join(out)


def base_key(paper: Paper) -> str:
    """``guo2025dinomaly``: first author's family name (ASCII), year, first significant
    title word."""
    family = paper.authors[0].partition(",")[0] if paper.authors else ""
    name = "".join(fold(family).split()) or "anon"
    words = fold(_HYPHEN.sub("", paper.title)).split()  # AA-CLIP → aaclip
    word = next((w for w in words if w not in _STOPWORDS and not w.isdigit()),
                words[0] if words else "paper")
    return f"{name}{paper.year}{word}"


def cite_keys(entries: Iterable[Entry]) -> dict[str, str]:
    """File stem → citation key, unique across the list.  Papers sharing a key get the
    suffixes a, b, … in file-name order, so keys depend only on the records."""
    groups: dict[str, list[str]] = {}
    for entry in sorted(entries, key=lambda e: e.key):
        groups.setdefault(base_key(entry.paper), []).append(entry.key)
    taken = {base for base, stems in groups.items() if len(stems) == 1}
    keys = {stems[0]: base for base, stems in groups.items() if len(stems) == 1}
    for base, stems in sorted(groups.items()):
        if len(stems) == 1:
            continue
        n = 0
        for stem in stems:
            while True:
                candidate = f"{base}{_letters(n)}"
                n += 1
                if candidate not in taken:
                    break
            taken.add(candidate)
            keys[stem] = candidate
    return keys


def _letters(n: int) -> str:
    """0 → a, 25 → z, 26 → aa …"""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def fields(paper: Paper, options: Options) -> tuple[str, list[tuple[str, str]]]:
    """Entry type and ``(field, BibTeX value)`` pairs, values already escaped."""
    venue = options.venue(paper.venue)
    arxiv = paper.arxiv or find_arxiv(paper.url)
    out = [("title", title_field(paper.title))]
    if paper.authors:  # a list may make authors optional: no empty 'author = {}' then
        out.append(("author", " and ".join(latex(bare_name(a)) for a in paper.authors)))
    if venue and venue.kind == "conference":
        kind = "inproceedings"
        out.append(("booktitle", latex(venue.name)))
    elif venue and venue.kind == "journal":
        kind = "article"
        out.append(("journal", latex(venue.name)))
    else:
        kind = "misc"
        out.append(("howpublished", latex(venue.name if venue else paper.venue)))
    out.append(("year", str(paper.year)))
    if paper.venue_note:  # "Oral", "Best Paper": what the venue said of the paper
        out.append(("note", latex(paper.venue_note)))
    if paper.doi:
        out.append(("doi", _verbatim(paper.doi)))
    out.append(("url", _verbatim(paper.url)))
    if arxiv:
        out += [("eprint", _verbatim(arxiv)), ("archivePrefix", "arXiv")]
    if paper.tags:
        out.append(("keywords", latex(", ".join(paper.tags))))
    if paper.abstract:
        out.append(("abstract", latex(paper.abstract)))
    return kind, out


def entry_text(key: str, paper: Paper, options: Options) -> str:
    """One BibTeX entry (the site's paper pages show the same text)."""
    kind, pairs = fields(paper, options)
    width = max(len(name) for name, _ in pairs)
    body = ",\n".join(f"  {name.ljust(width)} = {{{value}}}" for name, value in pairs)
    return f"@{kind}{{{key},\n{body}\n}}\n"


def export(plist: PaperList, options: Options | None = None) -> str:
    options = options or Options()
    keys = cite_keys(plist.entries)
    return HEADER + "\n".join(entry_text(keys[e.key], e.paper, options)
                              for e in ordered(plist))
