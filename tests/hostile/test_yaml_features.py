"""YAML and encoding features a stranger can put in a record, beyond those of
tests/fixtures/bad and tests/test_hostile.py: each ends as one located problem (no
traceback, nothing run), or, where YAML only spells a plain value another way, as a valid
record with that value."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.checking import check_dir
from site_builder.errors import InvalidRecords
from tests.conftest import LIST_FIXTURE

RECORD = ('title: {title}\nauthors: ["Doe, Jane"]\nvenue: CVPR\nyear: {year}\n'
          "url: https://example.org/zz\ncategory: benchmarks\n")
SYNTAX = "YAML syntax error"
NOT_A_YEAR = "year: must be a year, got"
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
    "a float as the year": (_record(year="2024.0"), 4, f"{NOT_A_YEAR} float 2024.0"),
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
