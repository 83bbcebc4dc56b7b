"""site_builder.load: safe, strict YAML reading that reports problems instead of raising."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import yaml

from site_builder import load

RECORD = b"title: T\nauthors:\n- A\n- B\nvenue: V\nyear: 2024\n"


def _texts(src: load.Source) -> list[str]:
    return [p.text() for p in src.problems]


def test_plain_record() -> None:
    src = load.parse("p.yaml", RECORD)
    assert src.problems == []
    assert src.data == {"title": "T", "authors": ["A", "B"], "venue": "V", "year": 2024}


def test_bom_and_crlf_read_like_plain_utf8() -> None:
    src = load.parse("p.yaml", b"\xef\xbb\xbf" + RECORD.replace(b"\n", b"\r\n"))
    assert src.problems == [] and src.data == load.parse("p.yaml", RECORD).data
    assert not src.text.startswith("\ufeff")


def test_syntax_error_has_line_column_and_advice() -> None:
    src = load.parse("p.yaml", b"year: 2024\ntitle: Dinomaly: The Less Is More\n")
    [problem] = src.problems
    assert (problem.line, problem.column) == (2, 16)
    assert problem.message.startswith("YAML syntax error at column 16: mapping values are "
                                      "not allowed")
    assert "put the whole value in double quotes" in problem.fix
    assert src.data is None


def test_duplicate_keys_name_both_lines_at_any_depth() -> None:
    src = load.parse("l.yaml", b"title: L\nsections:\n- title: A\n  id: a\n  title: B\n"
                     b"title: M\n")
    assert sorted(_texts(src)) == [
        "l.yaml:5: title: duplicate key (first given on line 3); YAML would silently keep "
        "only this one — keep one of the two and delete the other",
        "l.yaml:6: title: duplicate key (first given on line 1); YAML would silently keep "
        "only this one — keep one of the two and delete the other"]


def test_pyyaml_itself_keeps_the_last_duplicate_silently() -> None:
    """The reason for the check: the plain safe loader raises nothing."""
    assert yaml.safe_load("title: A\ntitle: B\n") == {"title": "B"}


def test_python_tags_are_refused_and_never_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr("os.system", lambda cmd: calls.append(cmd) or 0)
    doc = 'title: !!python/object/apply:os.system ["echo pwned"]\n'
    # the fixture is a real exploit: an unsafe loader runs it ...
    yaml.unsafe_load(doc)
    assert calls == ["echo pwned"]
    calls.clear()
    # ... ours refuses it without constructing anything
    src = load.parse("p.yaml", doc.encode())
    assert calls == [] and src.data is None
    assert _texts(src) == ["p.yaml:1: YAML tag !!python/object/apply:os.system at column 8 is "
                           "not allowed — remove the tag (the word starting with '!'); only "
                           "plain YAML values are allowed"]


@pytest.mark.parametrize(("doc", "tag", "line"), [
    (b"title: !!binary aGk=\n", "!!binary", 1),
    (b"a: 1\nb: !!set {x}\n", "!!set", 2),
    (b"year: !!int '2024'\n", "!!int", 1),
    (b"title: !custom x\n", "!custom", 1),
])
def test_every_explicit_tag_is_refused(doc: bytes, tag: str, line: int) -> None:
    src = load.parse("p.yaml", doc)
    assert src.data is None
    [problem] = src.problems
    assert problem.line == line and problem.message.startswith(f"YAML tag {tag} ")


def test_text_that_looks_like_a_tag_is_fine() -> None:
    src = load.parse("p.yaml", b"title: Wow! Such '!!' text\nnote: \"!!binary\"\n")
    assert src.problems == [] and src.data["note"] == "!!binary"


def test_anchors_and_aliases_are_refused() -> None:
    src = load.parse("p.yaml", b"a: &x 1\nb: 2\n")
    assert [(p.line, p.message) for p in src.problems] == [
        (1, "YAML anchors and aliases (&name, *name) are not allowed")]
    src = load.parse("p.yaml", b"a: &x [1, 2]\nb: *x\n")
    assert src.data is None and src.problems[0].line == 1


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join(f'*a{i - 1}' for _ in range(9))}]" for i in range(1, 9)]
    start = time.perf_counter()
    src = load.parse("p.yaml", "\n".join(lines).encode())
    assert time.perf_counter() - start < 2
    assert src.data is None and "anchors and aliases" in src.problems[0].message


def test_ampersand_and_star_inside_values_are_fine() -> None:
    src = load.parse("p.yaml", b"title: R&D *is* fun\nabstract: 'x &y *z'\n")
    assert src.problems == [] and src.data["title"] == "R&D *is* fun"


def test_size_cap_reports_the_real_size(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"title: T\nabstract: " + b"x" * 200_000 + b"\n")
    src = load.read(big, "big.yaml")
    assert _texts(src) == ["big.yaml: file is 200,020 bytes, over the limit of 65,536 — a "
                           "record holds one paper; shorten the abstract or split the file"]
    assert src.data is None
    ok = tmp_path / "ok.yaml"
    ok.write_bytes(b"title: T\nabstract: " + b"x" * (load.MAX_BYTES - 30) + b"\n")
    assert load.read(ok).problems == []


def test_non_utf8_bytes_give_the_line() -> None:
    src = load.parse("p.yaml", b"title: T\nauthors:\n- Fr\xe9nay, B\n")
    assert _texts(src) == ["p.yaml:3: not valid UTF-8 (byte 0xE9) — save the file with UTF-8 "
                           "encoding"]


@pytest.mark.parametrize(("raw", "line", "col", "what"), [
    (b"title: a\x00b\n", 1, 9, "a NUL character"),
    (b"a: 1\ntitle: x\x1by\n", 2, 9, "a control character (U+001B)"),
    (b"a: 1\n\ntitle: \x7f\n", 3, 8, "a control character (U+007F)"),
])
def test_control_characters_give_line_and_column(raw: bytes, line: int, col: int,
                                                 what: str) -> None:
    [problem] = load.parse("p.yaml", raw).problems
    assert (problem.line, problem.column) == (line, col)
    assert problem.message == f"file contains {what} at column {col}"


def test_tab_is_not_a_control_character() -> None:
    src = load.parse("p.yaml", b"title: \"a\tb\"\n")
    assert src.problems == [] and src.data == {"title": "a\tb"}


def test_empty_file_has_no_data_and_no_problem() -> None:
    for raw in (b"", b"# only a comment\n", b"\xef\xbb\xbf"):
        src = load.parse("p.yaml", raw)
        assert src.data is None and src.problems == []


def test_unreadable_file_is_a_problem(tmp_path: Path) -> None:
    src = load.read(tmp_path / "missing.yaml", "missing.yaml")
    assert src.problems[0].message == "cannot read file: No such file or directory"


def test_line_finds_keys_and_items() -> None:
    src = load.parse("l.yaml", b"title: L\nsections:\n- title: A\n  id: a\n- title: B\n"
                     b"  image:\n    src: x\n")
    assert src.line("title") == 1
    assert src.line("sections") == 2
    assert src.line("sections", 1) == 5
    assert src.line("sections", 1, "image", "src") == 7
    assert src.line("sections", 0, "image") == 3  # absent: the nearest known line
    assert src.line("sections", 9) == 2
    assert src.line("nope") == 1


def test_line_is_lazy() -> None:
    src = load.parse("p.yaml", RECORD)
    assert src._node is None
    assert src.line("year") == 6
    assert src._node is not None


def test_paper_files_are_sorted_and_skip_list_level_and_hidden(tmp_path: Path) -> None:
    for name in ("b.yaml", "a.yml", "_list.yaml", "_draft.yaml", ".hidden.yaml", "notes.txt",
                 "sub/c.yaml", ".git/d.yaml"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x: 1\n")
    found = [p.relative_to(tmp_path).as_posix() for p in load.paper_files(tmp_path)]
    assert found == ["a.yml", "b.yaml", "sub/c.yaml"]


def test_display_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "papers").mkdir()
    assert load.display_path(tmp_path / "papers" / "a.yaml") == "papers/a.yaml"
    assert load.display_path(Path("/elsewhere/a.yaml")) == "/elsewhere/a.yaml"


def test_a_file_is_read_whole_in_pieces_and_up_to_the_limit(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """load.read reads with os.read: a short read (a pipe-like file system) is continued,
    and a file over the limit is reported with its real size."""
    text = "title: A\n" + "abstract: " + "word " * 100 + "\n"
    path = tmp_path / "a.yaml"
    path.write_text(text, encoding="utf-8")
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: real_read(fd, min(n, 7)))
    assert load.read(path).text == text
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a" * (load.MAX_BYTES + 10))
    assert "is 65,546 bytes, over the limit" in load.read(big).problems[0].message


def test_control_characters_are_found_through_the_bytes_as_by_the_search() -> None:
    """parse() asks the bytes whether a control character is there before searching the
    text: the same characters are reported, at the same place."""
    for code in [*range(0x100), 0x2028, 0x202E, 0xFEFF, 0x1F600]:
        text = f"title: a{chr(code)}b\n"
        src = load.parse("p.yaml", text.encode("utf-8", "surrogatepass"))
        found = [p.message for p in src.problems if p.message.startswith("file contains")]
        expected = load._CONTROL.search(text)
        assert bool(found) == bool(expected), hex(code)
        if expected:
            assert found[0].endswith("at column 9") and src.problems[0].line == 1


def test_a_markdown_list_inside_a_block_value_is_text_not_a_misindented_item() -> None:
    doc = (b"title: T\nsections:\n- title: Intro\n  blocks:\n  - |-\n    - check A\n"
           b"      - nested B\n  - |-\n    Text.\n- title: Next\n")
    src = load.parse("_list.yaml", doc)
    assert src.problems == []
    assert src.data["sections"][0]["blocks"] == ["- check A\n  - nested B", "Text."]
    slipped = load.parse("p.yaml", b"description: |\n  text\nauthors:\n- A\n  - B\n")
    assert [p.line for p in src.problems + slipped.problems] == [5]
