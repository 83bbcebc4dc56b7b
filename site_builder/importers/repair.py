"""Repairs for text that reaches us damaged: mojibake and BibTeX escapes."""

from __future__ import annotations

import re
import unicodedata

import ftfy

_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded with the wrong codec.

    The common case, UTF-8 read as Latin-1 or cp1252 (``FrÃ©nay``), is ftfy's: it
    knows which sequences are mojibake and leaves correct text alone.  What ftfy does
    not undo is the Mac Roman damage of some hand-edited lists (``üåü`` → 🌟); that pass
    runs only when ftfy changed nothing, since Mac Roman would read ``Ã©`` as ``̩``.
    """
    if text.isascii():
        return text
    current = text
    for _ in range(4):  # to a fixed point, so that repairing twice changes nothing
        fixed = ftfy.fix_encoding(current)
        fixed = fixed if fixed != current else _fix_mac_roman(current)
        if fixed == current:
            return current
        current = fixed
    return text  # no stable repair: leave the text as it was


def _fix_mac_roman(text: str) -> str:
    """Undo UTF-8 that was read as Mac Roman (``üåü`` → 🌟, ``Fr√©nay`` → Frénay).

    Works run by run of non-ASCII characters: a run is replaced only when it encodes to
    Mac Roman *and* those bytes are valid UTF-8, which correct text practically never is.
    Text with any character Mac Roman cannot hold (an emoji, CJK, Cyrillic...) was not
    decoded as Mac Roman at all, so it is returned as it is: that keeps a rare correct pair
    such as "—ß" (whose bytes happen to be UTF-8 for "ѧ") intact.
    """
    try:
        text.encode("mac_roman")
    except UnicodeEncodeError:
        return text

    def repl(m: re.Match[str]) -> str:
        run = m.group(0)
        try:
            return run.encode("mac_roman").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    return _NON_ASCII_RUN.sub(repl, text)


_ACCENTS = {
    '"': "\u0308", "'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "c": "\u0327", "v": "\u030c", "H": "\u030b",
    "k": "\u0328", "r": "\u030a", "u": "\u0306", "d": "\u0323", "b": "\u0331",
}
_SPECIALS = {
    "ss": "ß", "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
    "o": "ø", "O": "Ø", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ",
}
_SYMBOL_ACCENT = re.compile(r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([cvHkrudb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))")
_SPECIAL = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])(?:\s*\{\})?")
_ESCAPED = re.compile(r"\\([&%$#_])")


_BARE_PERCENT = re.compile(r"(?<!\\)%")


def latex_to_text(value: str) -> str:
    """BibTeX escapes in a name to characters: ``M{\\"u}ller`` → ``Müller``,
    ``{\\"{\\i}}`` → ``ï``, ``\\textbf{X}`` → ``X``, through pylatexenc.

    A bare ``%`` is escaped first (LaTeX would read the rest of the name as a comment);
    should the parser fail on some input, the accent rules below do the common cases."""
    if "\\" not in value and "{" not in value:
        return value
    from pylatexenc.latex2text import LatexNodes2Text

    try:
        text = LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True
                               ).latex_to_text(_BARE_PERCENT.sub(r"\\%", value))
    except Exception:  # a parser bug must not stop an import
        return _latex_by_rules(value)
    return " ".join(text.split())


def _latex_by_rules(value: str) -> str:
    """The common BibTeX accents and escapes, by pattern (the fallback)."""

    def base(letter: str) -> str:
        return _SPECIALS.get(letter[1:], letter[1:]) if letter.startswith("\\") else letter

    def accent(m: re.Match[str]) -> str:
        letter = base(m.group(2) or m.group(3))
        return unicodedata.normalize("NFC", letter + _ACCENTS[m.group(1)])

    out = _SYMBOL_ACCENT.sub(accent, value)
    out = _LETTER_ACCENT.sub(accent, out)
    out = _SPECIAL.sub(lambda m: _SPECIALS[m.group(1)], out)
    out = _ESCAPED.sub(r"\1", out)
    out = out.replace("{", "").replace("}", "").replace("~", " ")
    return " ".join(out.split())
