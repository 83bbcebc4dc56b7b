"""site_builder.errors: the Problem record and its text, GitHub and JSON formats."""

from __future__ import annotations

import json

from site_builder.errors import InvalidRecords, Problem, format_problems, summary

P1 = Problem("papers/b.yaml", 7, "year", "1850 is out of range", "give the year")
P2 = Problem("papers/a.yaml", 0, "", "the file is empty", "write the fields")
P3 = Problem("papers/a.yaml", 3, "abstract", "same abstract as x", "delete it",
             severity="warning")


def test_text_is_path_line_field_message_fix() -> None:
    assert P1.text() == "papers/b.yaml:7: year: 1850 is out of range — give the year"
    assert P2.text() == "papers/a.yaml: the file is empty — write the fields"
    assert P3.text() == "papers/a.yaml:3: abstract: warning: same abstract as x — delete it"
    assert Problem("p", 1, "", "bad").text() == "p:1: bad"


def test_problems_sort_by_path_then_line() -> None:
    assert sorted([P1, P3, P2]) == [P2, P3, P1]
    assert sorted([Problem("a", 10, "", "x"), Problem("a", 9, "", "x")])[0].line == 9


def test_summary() -> None:
    assert summary([P1]) == "1 error in 1 file"
    assert summary([P1, P2, P3]) == "2 errors and 1 warning in 2 files"
    assert summary([P3]) == "0 errors and 1 warning in 1 file"


def test_invalid_records_sorts_and_deduplicates() -> None:
    err = InvalidRecords([P1, P2, P1, P3])
    assert err.problems == [P2, P3, P1]
    assert str(err) == "2 errors and 1 warning in 2 files"


def test_text_format_ends_with_the_summary() -> None:
    out = format_problems(sorted([P1, P2, P3])).splitlines()
    assert out == [P2.text(), P3.text(), P1.text(), "2 errors and 1 warning in 2 files"]


def test_github_format() -> None:
    out = format_problems([P2, P3, P1], "github").splitlines()
    assert out == [
        "::error file=papers/a.yaml,title=record::the file is empty — write the fields",
        "::warning file=papers/a.yaml,line=3,title=abstract::abstract: warning: same abstract"
        " as x — delete it",
        "::error file=papers/b.yaml,line=7,title=year::year: 1850 is out of range — give the "
        "year",
        "2 errors and 1 warning in 2 files"]


def test_github_format_escapes_properties_and_data() -> None:
    p = Problem("dir,x/a:b.yaml", 2, "f", "100% bad\nreally", "fix", column=4)
    [line, _] = format_problems([p], "github").splitlines()
    # a line break in a message is written as its escape: a problem is one line in any format
    assert line == "::error file=dir%2Cx/a%3Ab.yaml,line=2,col=4,title=f::f: 100%25 bad\\nreally"\
        " — fix"


def test_json_format_is_a_list_of_objects() -> None:
    data = json.loads(format_problems([P1, P3], "json"))
    assert isinstance(data, list) and len(data) == 2
    assert data[0] == {"path": "papers/b.yaml", "line": 7, "field": "year",
                       "message": "1850 is out of range", "fix": "give the year", "column": 0,
                       "severity": "error"}
    assert data[1]["severity"] == "warning"
    assert json.loads(format_problems([], "json")) == []
