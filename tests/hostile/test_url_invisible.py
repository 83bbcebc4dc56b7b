"""Invisible characters in URLs: a URL holding one is not the address it shows (a diff, a
terminal and GitHub's review page show nothing), so every format character (Unicode's
general category Cf) is refused, named by code point and name, wherever it stands —
the soft hyphen, the invisible operators, the Mongolian vowel separator and a byte order
mark in front of the scheme passed before.  The check, ``is_safe_url`` (the renderers'
last defence) and the JSON Schemas agree."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import jsonschema
import pytest

from site_builder.checking import check_dir
from site_builder.errors import InvalidRecords
from site_builder.kinds import _SAFE_URL, CHECKS, URL_INVISIBLE, Bad, Kind, is_safe_url
from tests.conftest import LIST_FIXTURE, REPO

FIX = "delete it: type the address again, or copy it from the browser's address bar"
# The ones the zero-width rule let through, with the names a message gives them.
NAMED = {"\u00ad": "SOFT HYPHEN", "\u2061": "FUNCTION APPLICATION",
         "\u2062": "INVISIBLE TIMES", "\u2063": "INVISIBLE SEPARATOR",
         "\u2064": "INVISIBLE PLUS", "\u180e": "MONGOLIAN VOWEL SEPARATOR",
         "\ufeff": "ZERO WIDTH NO-BREAK SPACE", "\U000e0041": "TAG LATIN CAPITAL LETTER A"}


def _format_characters() -> list[str]:
    return [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def test_every_format_character_is_an_invisible_one() -> None:
    invisible = re.compile(f"[{URL_INVISIBLE}]")
    missing = [f"U+{ord(c):04X}" for c in _format_characters() if not invisible.match(c)]
    assert not missing, f"add {missing} to kinds.URL_INVISIBLE"


@pytest.mark.parametrize("char", _format_characters(), ids=lambda c: f"U+{ord(c):04X}")
def test_a_format_character_anywhere_in_a_url_is_refused(char: str) -> None:
    for url in (f"https://exa{char}mple.org/a", f"https://example.org/a{char}b",
                f"https://example.org/a{char}", f"{char}https://example.org/a"):
        assert not is_safe_url(url)
        with pytest.raises(Bad) as err:
            CHECKS[Kind.URL](url)
        # The control characters' own rule (bidi marks) names them its way.
        assert f"U+{ord(char):04X}" in err.value.message


@pytest.mark.parametrize("char", list(NAMED), ids=lambda c: f"U+{ord(c):04X}")
def test_the_message_names_the_character_and_the_fix(char: str) -> None:
    url = f"https://git{char}hub.com/x/y"
    with pytest.raises(Bad) as err:
        CHECKS[Kind.URL](url)
    assert str(err.value) == (f"{url!r} contains an invisible character "
                              f"(U+{ord(char):04X} {NAMED[char]}) — {FIX}")


def test_visible_characters_beyond_ascii_stay_allowed() -> None:
    for url in ("https://de.wikipedia.org/wiki/Überwachung", "https://例え.jp/パス",
                "https://example.org/𝔸", "https://example.org/a-b"):
        assert CHECKS[Kind.URL](url) == url and is_safe_url(url)


def test_a_record_is_refused_at_the_url_line(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIST_FIXTURE, "papers")
    Path("papers/zz.yaml").write_text(
        'title: A Paper\nauthors: ["Doe, Jane"]\nvenue: CVPR\nyear: 2024\n'
        'url: "https://example.org/a\\u00ADb"\ncategory: benchmarks\n'
        'code: "https://github.com/x/y\\U000E0020"\n', encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    assert [(p.line, p.field) for p in err.value.problems] == [(5, "url"), (7, "code")]
    assert "(U+00AD SOFT HYPHEN)" in err.value.problems[0].text()
    assert "(U+E0020 TAG SPACE)" in err.value.problems[1].text()


def _paper_schema() -> dict:
    return json.loads((REPO / "schema" / "paper.schema.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("char", list(NAMED), ids=lambda c: f"U+{ord(c):04X}")
def test_the_schema_refuses_them_too(char: str) -> None:
    schema = _paper_schema()
    record = {"title": "A", "authors": ["Doe, Jane"], "venue": "CVPR", "year": 2024,
              "url": "https://example.org/a", "category": "benchmarks"}
    validator = jsonschema.Draft202012Validator(schema)
    assert not list(validator.iter_errors(record))
    assert list(validator.iter_errors({**record, "url": f"https://example.org/a{char}b"}))


def _patterns(node: object) -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items()
                for p in ([v] if k == "pattern" else _patterns(v))]
    if isinstance(node, list):
        return [p for v in node for p in _patterns(v)]
    return []


NODE = shutil.which("node")
_JS = r"""
const [patterns, url, bad] = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = patterns.map(p => { try { new RegExp(p, "u"); return null; }
                                catch (e) { return p + ": " + e.message; } });
const [must, refuse] = [new RegExp(url[0], "u"), new RegExp(url[1], "u")];
console.log(JSON.stringify({broken: out.filter(x => x),
  good: must.test("https://example.org/ü") && !refuse.test("https://example.org/ü"),
  caught: bad.map(u => !must.test(u) && refuse.test(u))}));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_schema_patterns_work_in_javascript() -> None:
    """Editors compile a schema's patterns as JavaScript Unicode patterns (the 'u' flag):
    each must compile so, and the URL ones refuse the characters there too."""
    schema = _paper_schema()
    url = schema["properties"]["url"]
    patterns = sorted({p for name in ("paper", "list", "papers-export") for p in _patterns(
        json.loads((REPO / "schema" / f"{name}.schema.json").read_text(encoding="utf-8")))})
    must = next(p for p in _patterns(url["allOf"]) if p.endswith("]*\\s*$"))
    bad = [f"https://example.org/a{c}b" for c in NAMED]
    run = subprocess.run([str(NODE), "-e", _JS], input=json.dumps(
        [patterns, [must, url["not"]["pattern"]], bad]), capture_output=True, text=True,
        check=True, timeout=60)
    result = json.loads(run.stdout)
    assert result == {"broken": [], "good": True, "caught": [True] * len(bad)}


def test_the_ascii_shortcut_agrees_with_the_whole_rule() -> None:
    """``is_safe_url`` takes ASCII text through a smaller pattern (it holds no invisible
    character): the same answer as the whole rule for every ASCII character anywhere."""
    for code in range(128):
        for url in (f"https://ex{chr(code)}ample.org/a", f"https://{chr(code)}x.org",
                    f"https://x.org/a{chr(code)}", f"http{chr(code)}://x.org"):
            assert is_safe_url(url) is bool(_SAFE_URL.match(url)), repr(url)
