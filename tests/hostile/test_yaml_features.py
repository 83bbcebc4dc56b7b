"""YAML and encoding features a stranger can put in a record, beyond those of
tests/fixtures/bad and tests/test_hostile.py: each ends as one located problem (no
traceback, nothing run), or, where YAML only spells a plain value another way, as a valid
record with that value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder import load
from site_builder.checking import check_dir
from site_builder.errors import InvalidRecords
from site_builder.kinds import CHECKS, Bad, Kind
from tests.conftest import LIST_FIXTURE

RECORD = ('title: {title}\nauthors: ["Doe, Jane"]\nvenue: CVPR\nyear: {year}\n'
          "url: https://example.org/zz\ncategory: benchmarks\n")
SYNTAX = "YAML syntax error"
NOT_A_YEAR = "year: must be a year, got"
DIGITS = "year: must be a year written in plain digits, got"
TAG = "YAML tag "


def _record(title: str = "A Paper", year: str = "2024", extra: str = "") -> bytes:
    return (RECORD.format(title=title, year=year) + extra).encode("utf-8")


CASES: dict[str, tuple[bytes, int, str]] = {
    # name: (file bytes, line of the problem, text the problem holds)
    "a stream of two documents": (_record() + b"---\n" + _record(), 7,
                                  "expected a single document in the stream"),
    "UTF-16 with a BOM": (("\ufeff" + _record().decode()).encode("utf-16-le"), 1,
                          "not valid UTF-8 (byte 0xFF)"),
    "a lone surrogate escape": (_record(title='"A \\ud800 paper"'), 1, SYNTAX),
    "a surrogate in the bytes": (_record().replace(b"A Paper", b"A\xed\xa0\x80Paper"), 1,
                                 "not valid UTF-8 (byte 0xED)"),
    "an overlong UTF-8 slash": (_record().replace(b"A Paper", b"A\xc0\xafPaper"), 1,
                                "not valid UTF-8 (byte 0xC0)"),
    "NaN as the year": (_record(year=".nan"), 4, f"{NOT_A_YEAR} float nan"),
    "infinity as the year": (_record(year="-.inf"), 4, f"{NOT_A_YEAR} float -inf"),
    "a timestamp as the year": (_record(year="2024-01-01"), 4, f"{NOT_A_YEAR} a date"),
    "a tagged timestamp as the year": (_record(year="!!timestamp 2024-01-01"), 4, TAG),
    "a float as the year": (_record(year="2024.0"), 4,
                            f"{NOT_A_YEAR} float 2024.0 — write it as 2024"),
    # YAML 1.1 reads 2024 from each of these; a year is written in plain digits.
    "underscores in the year": (_record(year="2_024"), 4,
                                f"{DIGITS} '2_024' — write it as 2024"),
    "a trailing underscore in the year": (_record(year="2024_"), 4,
                                          f"{DIGITS} '2024_' — write it as 2024"),
    "a plus sign on the year": (_record(year="+2024"), 4,
                                f"{DIGITS} '+2024' — write it as 2024"),
    "a hexadecimal year": (_record(year="0x7E8"), 4, f"{DIGITS} '0x7E8' — write it as 2024"),
    "a binary year": (_record(year="0b11111101000"), 4, "— write it as 2024"),
    "a year with a leading zero": (_record(year="02024"), 4,
                                   f"{DIGITS} '02024' — write it as 2024"),
    "a quoted year": (_record(year='"2024"'), 4, "write the year as a number, without quotes"),
    "a lone = as a tag": (_record(extra="tags: [=]\n"), 7, "tags: tag '=' is not lowercase "
                          "words joined by '-' — use lowercase letters and digits joined by '-'"),
    "sexagesimal as the year": (_record(year="33:44"), 4, f"{NOT_A_YEAR} str '33:44'"),
    "deep flow nesting": (_record(extra="tags: " + "[" * 5000 + "]" * 5000 + "\n"), 7,
                          "exceeded maximum nesting depth"),
    "a true key": (_record(extra="yes: 1\n"), 1, "True: unknown key"),
    "a null key": (_record(extra="~: 1\n"), 1, "None: unknown key"),
    "a number key": (_record(extra="1: x\n"), 7, "1: unknown key"),
    "a complex key": (_record(extra="? [a, b]\n: x\n"), 7, "unhashable key"),
    "a binary title": (_record(title="!!binary QQ=="), 1, f"{TAG}!!binary"),
    "a python tag behind %TAG": (b"%TAG !p! tag:yaml.org,2002:python/\n---\n"
                                 + _record(title="!p!object/apply:os.getcwd []"), 3,
                                 f"{TAG}!!python/object/apply:os.getcwd"),
    "a python tag in a flow list": (_record(extra="tags: [!!python/name:os.getcwd x]\n"),
                                    7, f"{TAG}!!python/name:os.getcwd"),
    "a duplicate key in a note": (_record(extra="notes:\n- lang: en\n  lang: zh\n"
                                          "  text: hi\n"), 9, "lang: duplicate key"),
    "an alias used before its anchor": (_record(title="*nothere"), 1, "undefined alias"),
    "a date with a time": (_record(extra="added: 2024-01-01T10:00:00Z\n"), 7,
                           "has a time of day"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_yaml_feature_is_one_located_problem(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch,
                                               name: str) -> None:
    data, line, text = CASES[name]
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIST_FIXTURE, "papers")
    Path("papers/zz.yaml").write_bytes(data)
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    (problem,) = err.value.problems
    assert (problem.path, problem.line) == ("papers/zz.yaml", line), problem.text()
    assert text in problem.text()
    assert "\n" not in problem.text() and len(problem.text()) < 400


@pytest.mark.parametrize(("data", "title"), [
    (b"%YAML 1.1\n---\n" + _record(), "A Paper"),  # a directive, no tag
    (_record().replace(b"\n", b"\r"), "A Paper"),  # old Mac line ends
    (b"\xef\xbb\xbf" + _record(), "A Paper"),  # a UTF-8 BOM
    (_record(title='"A\\u2028Paper"'), "A Paper"),  # a line separator is whitespace
    (_record(title='"A\\x85Paper"'), "A Paper"),  # so is NEL
])
def test_other_spellings_of_plain_values_read_as_those_values(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, title: str) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIST_FIXTURE, "papers")
    Path("papers/zz.yaml").write_bytes(data)
    (entry,) = [e for e in check_dir(Path("papers")).entries if e.key == "zz"]
    assert entry.paper.title == title and entry.paper.year == 2024


@pytest.mark.parametrize(("field", "written", "problem"), [
    # YAML 1.1 reads these as another type: refused, never turned into text.
    ("title", "yes", "title: must be text, got true (YAML reads yes/no/on/off as true/false)"
     " — put the value in double quotes"),
    ("title", "2024-01-01", "title: must be text, got a date (2024-01-01) — put the value in "
     "double quotes"),
    ("title", ".inf", "title: must be text, got float inf — put the value in double quotes"),
    ("venue", "1.5e+3", "venue: must be text, got float 1500.0 — put the value in double "
     "quotes"),
    ("venue", "2024", "venue: must be text, got int 2024 — put the value in double quotes"),
    ("authors", '["Doe, Jane", no]', "authors: must be text, got false"),
])
def test_a_value_yaml_reads_as_another_type_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, written: str,
        problem: str) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIST_FIXTURE, "papers")
    record = _record().decode().replace(f"{field}: ", f"{field}: {written}  # ", 1)
    Path("papers/zz.yaml").write_text(record, encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(Path("papers"))
    (found,) = err.value.problems
    assert found.path == "papers/zz.yaml" and problem in found.text()


@pytest.mark.parametrize(("field", "written", "value"), [
    # Plain text that only looks like a number in some YAML: kept exactly as written.
    ("venue", "1e3", "1e3"),
    ("venue", "1.5e3", "1.5e3"),  # PyYAML's floats have a dot and a signed exponent
    ("title", "1_000", "1_000"),
    ("title", "+12", "+12"),
    ("title", "0x10", "0x10"),
    ("title", "'yes'", "yes"),
    ("title", "=", "="),  # YAML 1.1's "value key", reported as a tag nobody wrote
    ("title", "1:20", "1:20"),  # sexagesimal in YAML 1.1
    ("title", "y", "y"),  # a boolean in YAML 1.1's spec, not in PyYAML
    # null, ~ and nothing: the same record as no line at all (an optional field left blank).
    ("code", "null", None),
    ("code", "~", None),
    ("code", "", None),
])
def test_a_value_is_kept_as_written_or_left_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, written: str,
        value: object) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIST_FIXTURE, "papers")
    Path("papers/zz.yaml").write_bytes(_record(extra=f"{field}: {written}\n")
                                       if field == "code" else _record().replace(
                                           f"{field}: ".encode(),
                                           f"{field}: {written}  # ".encode(), 1))
    (entry,) = [e for e in check_dir(Path("papers")).entries if e.key == "zz"]
    assert getattr(entry.paper, field) == value


@pytest.mark.parametrize("written", ["1_000", "+1000", "0x3E8", "01000"])
def test_a_count_is_written_in_plain_digits(written: str) -> None:
    data = load.parse("_list.yaml", f"max_results: {written}\n".encode()).data
    assert data == {"max_results": written}  # text as written, never 1000
    with pytest.raises(Bad) as err:
        CHECKS[Kind.COUNT](data["max_results"])
    assert str(err.value) == (f"must be a whole number written in plain digits, got "
                              f"'{written}' — write it as 1000")
