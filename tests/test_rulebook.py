"""One rulebook: ``check`` and the generated JSON Schemas accept and refuse the same values.

Every bad-input fixture and a generated set of good and bad values per kind go through
both the record checks (:mod:`site_builder.records`) and ``jsonschema`` (Draft 2020-12, with
format checking) against :func:`site_builder.schema.render_schemas`.  They agree, except
for the rules a schema of one file cannot state; those are listed here by name, with why,
and the test proves each of them really is such a case.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import re
import tokenize
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from site_builder import kinds, load
from site_builder.kinds import CHECKS, MAX_YEAR, SCHEMAS, Bad, Kind, max_year
from site_builder.records import check_info, check_paper
from site_builder.schema import render_schemas
from tests.conftest import BAD_CASES, REPO, BadCase, run_bad_case

# --- the two judges --------------------------------------------------------------------


def _validator(schema: dict[str, Any]) -> jsonschema.protocols.Validator:
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


RENDERED = {name: json.loads(text) for name, text in render_schemas().items()}
PAPER_SCHEMA = _validator(RENDERED["paper.schema.json"])
LIST_SCHEMA = _validator(RENDERED["list.schema.json"])


def _jsonable(data: object) -> object:
    """As an editor's YAML language server sees the data: dates are text."""
    return json.loads(json.dumps(data, default=str))


def _check_accepts(data: object, *, list_file: bool = False) -> bool:
    src = load.Source("record.yaml", data=data)
    _, problems = check_info(src) if list_file else check_paper(src, None)
    return not [p for p in problems if p.severity == "error"]


def _schema_accepts(data: object, *, list_file: bool = False) -> bool:
    return (LIST_SCHEMA if list_file else PAPER_SCHEMA).is_valid(_jsonable(data))


# --- every bad fixture -----------------------------------------------------------------

# Problems of the YAML text itself: the file gives no data for a schema to judge.
YAML_LEVEL = {
    "anchor-alias": "YAML aliases are refused while reading",
    "anchor-only": "YAML anchors are refused while reading",
    "control-char": "a raw control character in the file is refused while reading",
    "duplicate-key": "YAML keeps only one of two equal keys: the data no longer shows it",
    "latin1": "the bytes are not UTF-8",
    "oversize": "the file is over the size limit",
    "python-tag": "YAML tags are refused while reading",
    "tab-indent": "YAML syntax error",
    "yaml-unquoted-colon": "YAML syntax error",
    "abstract-not-indented": "YAML syntax error (a long value's lines must be indented)",
    "author-indented": "YAML folds the line into the item above: only the text shows it",
    "key-indented": "YAML folds the key into the value above: only the text shows it",
}
# Rules that need more than one file: a schema sees one file alone.
MORE_THAN_ONE_FILE = {
    "duplicate-arxiv": "same arXiv id as another file",
    "duplicate-doi": "same DOI as another file",
    "duplicate-title": "same title as another file",
    "duplicate-title-confusable": "same title as another file, in look-alike letters",
    "a-duplicate-sorts-first": "same DOI as another file",
    "unknown-category": "the categories are the section ids of _list.yaml",
    "also-in-home": "the further sections are judged against the record's own category",
    "also-in-unknown": "the section ids are those of _list.yaml",
    "mark-twice": "a mark listed twice: JSON Schema's uniqueItems is not stated (yet)",
    "mark-unknown": "the mark ids are those declared in _list.yaml",
}
# Rules that depend on today's date: a committed schema cannot state them.
TODAY = {
    "added-in-the-future": "an 'added' date after tomorrow is refused; the schema states "
    "only that it is a date",
}


def _case_data(case: BadCase) -> load.Source:
    return load.parse(case.path.name, case.path.read_bytes(),
                      case.max_bytes or load.MAX_BYTES)


@pytest.mark.parametrize("case", BAD_CASES, ids=str)
def test_check_and_schema_agree_on_every_fixture(case: BadCase, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    lines = run_bad_case(case, tmp_path, monkeypatch)
    check_refuses = any(": warning: " not in line for line in lines)
    src = _case_data(case)
    if case.name in YAML_LEVEL:
        assert check_refuses and src.problems, "not a YAML-level case any more"
        return
    assert not src.problems, f"{case.name}: YAML-level problem; list it in YAML_LEVEL"
    if src.data is None:  # an empty file: no record at all (the schema needs an object)
        assert check_refuses and not _schema_accepts(src.data)
        return
    schema_accepts = _schema_accepts(src.data)
    if case.name in TODAY:
        assert check_refuses and schema_accepts and not _check_accepts(src.data), \
            "no longer a rule of today's date"
        return
    if case.name in MORE_THAN_ONE_FILE:
        assert check_refuses and schema_accepts and _check_accepts(src.data), \
            "no longer a rule across files"
        return
    assert schema_accepts is not check_refuses, \
        f"{case.name}: check {'refuses' if check_refuses else 'accepts'}, the schema " \
        f"{'accepts' if schema_accepts else 'refuses'}"


def test_every_fixture_exception_is_a_fixture() -> None:
    names = {c.name for c in BAD_CASES}
    assert set(YAML_LEVEL) | set(MORE_THAN_ONE_FILE) | set(TODAY) <= names


# --- a generated set of values per kind ------------------------------------------------

PAPER: dict[str, Any] = {"title": "A Fine Paper", "authors": ["Doe, Jane"], "venue": "MICCAI",
                         "year": 2024, "url": "https://example.org/a", "category": "recon",
                         "notes": [{"lang": "en", "text": "A note."}]}
LIST: dict[str, Any] = {"title": "A List", "sections": [{"title": "Papers", "id": "papers"},
                                                       {"title": "About"}],
                        "contact": {"text": "Write to", "email": "a@example.org"},
                        "marks": [{"id": "x", "symbol": "*", "label": "x",
                                   "description": "Papers of kind x"}],
                        "inbox": {"queries": ["abs:anomaly"], "categories": ["cs.CV"],
                                  "max_results": 10, "days": 7}}

# Where a value of each kind sits: (list-level file?, path of keys, wrap the value in a list).
WHERE: dict[Kind, tuple[bool, tuple[str | int, ...], bool]] = {
    Kind.TEXT: (False, ("venue",), False),
    Kind.VENUE_NOTE: (False, ("venue_note",), False),
    Kind.TITLE: (False, ("title",), False),
    Kind.LONG_TEXT: (False, ("abstract",), False),
    Kind.PERSON: (False, ("authors",), True),
    Kind.NAMES: (False, ("authors",), False),
    Kind.TAG: (False, ("tags",), True),
    Kind.TAGS: (False, ("tags",), False),
    Kind.YEAR: (False, ("year",), False),
    Kind.URL: (False, ("figure",), False),
    Kind.URLS: (False, ("more_figures",), False),
    Kind.BOOL: (True, ("numbered",), False),
    Kind.IDS: (False, ("marks",), False),
    Kind.RECORD_NAMES: (True, ("sections", 0, "order"), False),
    Kind.LANG: (False, ("notes", 0, "lang"), False),
    Kind.DATE: (False, ("added",), False),
    Kind.ID: (False, ("category",), False),
    Kind.DOI: (False, ("doi",), False),
    Kind.ARXIV: (False, ("arxiv",), False),
    Kind.MARKDOWN: (True, ("description",), False),
    Kind.STRINGS: (True, ("sections", 1, "items"), False),  # an information section's
    Kind.ANCHOR: (True, ("sections", 0, "anchor"), False),
    Kind.EMAIL: (True, ("contact", "email"), False),
    Kind.SYMBOL: (True, ("marks", 0, "symbol"), False),
    Kind.COLOUR: (True, ("marks", 0, "colour"), False),
    Kind.BLOCK: (True, ("sections", 1, "blocks"), True),
    Kind.BLOCKS: (True, ("header_blocks",), False),
    Kind.COUNT: (True, ("inbox", "max_results"), False),
    Kind.QUERIES: (True, ("inbox", "queries"), False),
    Kind.ARXIV_CATEGORIES: (True, ("inbox", "categories"), False),
}
NOT_IN_A_RECORD = {Kind.FILE_STEM: "a file's name, not a value in it: checked as a fragment",
                   Kind.RECORD_NAME: "a file's name, not a value in it: checked as a "
                   "fragment"}
STRUCTURE = {Kind.OBJECT, Kind.OBJECTS}  # nested records: the model's, not a value kind

_TEXT_BAD = [None, "", "   ", 12, True, ["a"], {"a": 1}, "a\x07b", "a\u202eb",
             "a\u200eb", "a\u200fb", "a\u061cb", "x" * (kinds.MAX_TEXT + 1)]
VALUES: dict[Kind, tuple[list[Any], list[Any]]] = {
    Kind.TEXT: (["MICCAI", "  Med  Image\n Analysis ", "李华 🌟", "x" * kinds.MAX_TEXT],
                _TEXT_BAD),
    Kind.VENUE_NOTE: (["Oral", "Best Paper", "(Oral)", "2nd Place", "Top-1 19999",
                       "x" * kinds.MAX_VENUE_NOTE],
                      [*_TEXT_BAD[1:], "Workshop 2024", "Oral2024", "(2024)", "Oral'24",
                       "Oral ’24", "- Oral", ", Oral", "/Oral", "x" * (kinds.MAX_VENUE_NOTE + 1)]),
    Kind.TITLE: (["Dinomaly: The Less Is More", "x" * kinds.MAX_TITLE],
                 [*_TEXT_BAD, "x" * 1200, "x" * (kinds.MAX_TITLE + 1)]),
    Kind.LONG_TEXT: (["An abstract.\n\nSecond paragraph.", "x" * kinds.MAX_LONG_TEXT],
                     ["", 3, "x" * (kinds.MAX_LONG_TEXT + 1), "bad\x00"]),
    Kind.PERSON: (["Guo, Jia", "others", "Frénay, Benoît", "van der Berg, Anna-Lena",
                   "MONAI Consortium", "Anderson, Sandra"],
                  ["A and B", "Doe, Jane and Roe, Richard", "Guo, Jia, Lu, Shuai", "Guo,",
                   ", Jia", "", 7, "x" * (kinds.MAX_NAME + 1)]),
    Kind.NAMES: ([["Guo, Jia", "Lu, Shuai"], ["others"]],
                 [[], "Guo, Jia", ["Guo, Jia", ""], [None]]),
    Kind.TAG: (["brain-mri", "mri", "3d"], ["Brain MRI", "brain_mri", "-mri", "mri-", ""]),
    Kind.TAGS: ([["brain-mri", "diffusion"]], [[], "brain-mri", ["ok", "Not OK"]]),
    Kind.YEAR: ([kinds.MIN_YEAR, 2024, max_year()],
                [kinds.MIN_YEAR - 1, 2999, MAX_YEAR + 1, "2024", "twenty", True, 2024.5,
                 None]),
    Kind.URL: (["https://example.org/a", "http://example.org", "HTTPS://Example.org/A",
                "https://example.org/a%20b?x=1&y=2#f", " https://example.org/a "],
               ["https://example.org/a(1).png", "https://example.org/a b", "ftp://x.org/a",
                "javascript:alert(1)", "//example.org/a", "https://", "https:///a",
                'https://x.org/"onmouseover', "https://x.org/<b>", "example.org", 5,
                "https://exa\u200bmple.org", "https://x.org/a\u200cb", "https://x.org/\u200d",
                "https://x.org/a\u2060", "\ufeffhttps://x.org/a", "https://x.org/a\ufeff"]),
    Kind.URLS: ([["https://example.org/b.png"], ["https://a.org/1", "HTTPS://a.org/2"]],
                [[], "https://example.org/b.png", ["javascript:alert(1)"], [""], [None]]),
    Kind.BOOL: ([True, False], ["yes", 1, "true", None]),
    Kind.DATE: ([dt.date(2025, 5, 1), "2025-05-01"],
                ["May 2025", "2024-02-30", "20250501", "2025-W01-1",
                 dt.datetime(2025, 5, 1, 10, 0), 2025, ""]),
    Kind.ID: (["identity-mapping", "a1", "recon"],
              ["Not An Id", "under_score", "-a", "a--b", "", "x" * (kinds.MAX_ID + 1)]),
    Kind.DOI: (["10.1109/CVPR52734.2025.01234", "10.48550/arXiv.2403.09303"],
               ["12345", "https://doi.org/10.1234/x", "doi:10.1234/x", "10.12/x",
                "10.1234/a b", ""]),
    Kind.ARXIV: (["2403.09303", "0704.0001", "hep-th/9901001", "math.GT/0309136"],
                 ["-/1234567", "arXiv:2403.09303", "2403.09303v2", "2403.093", 2403.09303,
                  "HEP-TH/9901001", "https://arxiv.org/abs/2403.09303", ""]),
    Kind.MARKDOWN: (["Made by [us](https://example.org) and [others](#top).",
                     "Write to [me](mailto:a@example.org)", "2 < 3 and a & b"],
                    ["<b>bold</b>", "[x](javascript:alert(1))", "[x](ftp://a)", "[x]()",
                     "[r]: http://", "<!-- c -->", "[x](https://a.org/(b))",
                     "*a*{: onclick=x()}", "[a](https://a.org){.c}", "!!! note", "???+ x"]),
    Kind.STRINGS: ([["one", "[two](https://example.org)"]], [[], ["<i>x</i>"], "one"]),
    Kind.ANCHOR: (["s3", "Section_1", "a-b"], ["3s", "a b", "a.b", ""]),
    Kind.EMAIL: (["name@example.org", "a.b+c@sub.example.co.uk"],
                 ["name", "name@example", "a b@example.org", "<a@example.org>", "@x.org"]),
    Kind.IDS: ([["non-medical"], ["a", "b-2"]], [[], "non-medical", ["Non Medical"], [""], [3]]),
    Kind.RECORD_NAMES: ([["guo2025-dinomaly"], ["Zhang2024", "x.v2", "straße-2024"]],
                        [[], "guo2025", ["a b"], [""], [3], [" x"], ["a#b"]]),
    Kind.LANG: (["en", "zh", "pt-BR", "zh-Hans"], ["", "EN", "english", "e", "en_US", 5]),
    Kind.SYMBOL: (["*", "†", "⭐", "**", "[W]", "[x]", "[Workshop]", "[a b]", "[Workshop123]",
                   "[Best Paper]", "[Honorable Mention 2]", "[W!]", "!*"],
                  ["", "a b", "[[x]]", "[x", "[]", "(", "`", "\\", "*****", "[a  b]", "[ a]",
                   "[a ]", "[a\tb]", "[a (b)]", "[Honorable Mention 212]", 1, "!", "⭐!"]),
    Kind.COLOUR: (["#7b1fa2", "#FFFFFF"], ["red", "#fff", "7b1fa2", "#7b1fa2ff", ""]),
    Kind.BLOCK: (["```bibtex\n@article{x,\n  title={Y}\n}\n```", "| a | b |\n| - | - |",
                  "> quote\n\n> more", "<!-- note -->", "`one` and ```x``` inline"],
                 [None, "", " \n ", 3, "a\x07b", "```\nnever closed", "x" * 20001]),
    Kind.BLOCKS: ([["> a", "```\nb\n```"]], [[], "> a", ["```"], [""]]),
    Kind.COUNT: ([1, 100, kinds.MAX_COUNT],
                 [0, -3, kinds.MAX_COUNT + 1, "100", True, 2.5, [1]]),
    Kind.QUERIES: ([['abs:"anomaly detection" AND (abs:MRI OR abs:CT)'], ["a", "b"]],
                   [[], "abs:x", [""], [3], ["a\x07b"], ["x" * (kinds.MAX_TEXT + 1)]]),
    Kind.ARXIV_CATEGORIES: ([["cs.CV", "eess.IV"], ["q-bio"], ["math.GT"]],
                            [[], "cs.CV", ["cs CV"], ["CS.cv"], ["cs.computer"], [""], [1]]),
    Kind.FILE_STEM: (["guo2025-dinomaly-the-less-is-more"],
                     ["Guo2025", "a b", "a_b", "", "x" * (kinds.MAX_ID + 1)]),
    Kind.RECORD_NAME: (["guo2025-dinomaly", "Guo2025", "a_b", "straße-2024", "x.v2", "2024-liu"],
                       ["", "a b", " a", "a#b", "-x", "_x", "<img>", "a\u200db", 3,
                        "x" * (kinds.MAX_ID + 1)]),
}

# Values the two judges see differently, by design; each is asserted to really differ.
DISAGREE: dict[tuple[Kind, str], str] = {
    (Kind.YEAR, "next-but-one year"): "'not in the future' depends on today's date; a "
    "committed schema states only the fixed bound MAX_YEAR",
    (Kind.YEAR, "2024.0"): "JSON Schema counts 2024.0 as an integer; check wants it "
    "written 2024",
    (Kind.DATE, "the day after tomorrow"): "'not in the future' depends on today's date; "
    "the schema states only that it is a date",
}


def test_every_kind_is_covered() -> None:
    assert set(Kind) == set(WHERE) | set(NOT_IN_A_RECORD) | STRUCTURE
    assert set(VALUES) == set(WHERE) | set(NOT_IN_A_RECORD)
    assert set(CHECKS) == set(SCHEMAS) == set(Kind) - STRUCTURE


def _placed(kind: Kind, value: Any) -> tuple[Any, bool]:
    list_file, path, wrap = WHERE[kind]
    data = copy.deepcopy(LIST if list_file else PAPER)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = [value] if wrap else value
    return data, list_file


def _judges(kind: Kind, value: Any) -> tuple[bool, bool]:
    """(check accepts, schema accepts) for one value of one kind."""
    if kind in NOT_IN_A_RECORD:
        try:
            CHECKS[kind](value)
            checked = True
        except Bad:
            checked = False
        return checked, _validator(SCHEMAS[kind]).is_valid(_jsonable(value))
    data, list_file = _placed(kind, value)
    return (_check_accepts(data, list_file=list_file),
            _schema_accepts(data, list_file=list_file))


CASES = [(kind, value, good) for kind, (goods, bads) in VALUES.items()
         for good, values in ((True, goods), (False, bads)) for value in values]


@pytest.mark.parametrize(("kind", "value", "good"), CASES,
                         ids=[f"{k.value}-{'good' if g else 'bad'}-{i}"
                              for i, (k, _, g) in enumerate(CASES)])
def test_check_and_schema_agree_on_generated_values(kind: Kind, value: Any,
                                                    good: bool) -> None:
    if value is None and kind in (Kind.LONG_TEXT, Kind.DOI, Kind.URL, Kind.DATE, Kind.BOOL):
        good = True  # an optional key left empty means "not set"
    checked, schema = _judges(kind, value)
    assert (checked, schema) == (good, good), \
        f"{kind.value} {value!r}: check {checked}, schema {schema}, expected {good}"


def test_the_listed_disagreements_are_real() -> None:
    assert len(DISAGREE) == 3
    assert _judges(Kind.DATE, dt.date.today() + dt.timedelta(days=2)) == (False, True)
    assert _judges(Kind.DATE, dt.date.today() + dt.timedelta(days=1)) == (True, True)
    future = max_year() + 1
    if future <= MAX_YEAR:
        assert _judges(Kind.YEAR, future) == (False, True)
    assert _judges(Kind.YEAR, 2024.0) == (False, True)


def test_the_empty_list_file_and_reserved_anchors_need_the_whole_list() -> None:
    """A list without paper sections, or a section anchored 'top': rules of the list."""
    for change in ({"sections": [{"title": "Only prose"}]},
                   {"sections": [{"title": "P", "id": "p", "anchor": kinds.TOP_ANCHOR}]}):
        data = {**LIST, **change}
        assert (_check_accepts(data, list_file=True), _schema_accepts(data, list_file=True)) \
            == (False, True)


def test_the_issue_measurements_now_agree() -> None:
    """The disagreements issue 7 measured on main: the schema now refuses each."""
    for kind, value in [(Kind.URL, "https://example.org/fig(1).png"),
                        (Kind.ARXIV, "-/1234567"), (Kind.TITLE, "x" * 1200),
                        (Kind.YEAR, 2999), (Kind.PERSON, "A and B"),
                        (Kind.PERSON, "Guo, Jia, Lu, Shuai")]:
        assert _judges(kind, value) == (False, False), (kind, value)
    with pytest.raises(Bad, match="is not an http"):
        CHECKS[Kind.URL]("HTTPX://example.org")
    assert CHECKS[Kind.URL]("HTTPS://example.org/A") == "https://example.org/A"


def test_new_and_the_issue_form_parse_through_the_kinds() -> None:
    assert kinds.from_text(Kind.NAMES, "Guo, Jia; Lu, Shuai\nDoe, Jane") == \
        ("Guo, Jia", "Lu, Shuai", "Doe, Jane")
    assert kinds.from_text(Kind.YEAR, " 2024 ") == 2024
    for kind, text in [(Kind.YEAR, "²⁰²⁴"), (Kind.YEAR, "20x5"),
                       (Kind.NAMES, "Guo, Jia, Lu, Shuai")]:
        with pytest.raises(Bad):
            kinds.from_text(kind, text)


# --- one place for value patterns ------------------------------------------------------

# What value patterns look like: years, DOIs, arXiv ids, URL schemes, slugs, e-mails, anchors.
_VALUE_PATTERN = re.compile(r"\\d\{4|\\d\{7|\(\?:19\|20|10\\\.|https\?|\[Hh\]\[Tt\]"
                            r"|\[a-z0-9\]\+\(\?:?-|@\[\^|\[A-Za-z\]\[A-Za-z0-9_-\]")
RULEBOOK = {"kinds.py", "ids.py"}


def _raw_strings(path: Path) -> list[tuple[int, str]]:
    with path.open("rb") as fh:
        tokens = list(tokenize.tokenize(fh.readline))
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING
            and re.match(r"[rRfF]*[rR]", t.string)]


def test_the_value_pattern_detector_detects() -> None:
    source = 'import re\nYEAR = re.compile(r"^\\d{4}$")\nDOI = r"10\\.\\d+/"\n'
    tokens = tokenize.tokenize(io.BytesIO(source.encode()).readline)
    found = [t.string for t in tokens if t.type == tokenize.STRING
             and _VALUE_PATTERN.search(t.string)]
    assert len(found) == 2


def test_no_value_pattern_outside_the_rulebook() -> None:
    found = [f"{path.relative_to(REPO)}:{line}: {text}"
             for path in sorted((REPO / "site_builder").rglob("*.py"))
             if path.name not in RULEBOOK
             for line, text in _raw_strings(path) if _VALUE_PATTERN.search(text)]
    assert found == []
