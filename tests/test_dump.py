"""site_builder.dump: records → YAML that loads back to the same records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_builder import load
from site_builder.checking import check_dir
from site_builder.dump import file_stem, file_stems, plain, to_yaml, write_list
from site_builder.model import Image, ListInfo, Paper, Section
from site_builder.records import build_record
from tests.conftest import LIST_FIXTURE

PAPER = Paper(title="Dinomaly: The Less Is More", authors=("Guo, Jia", "Frénay, Benoît",
              "others"), venue="CVPR", year=2025, url="https://example.org/d",
              category="reconstruction", abstract="A long abstract " * 12 + "with 🌟 and ’.",
              marks=("non-medical",), arxiv="2405.14325", added=dt.date(2025, 5, 1))


def _reload(text: str, cls: type) -> object:
    src = load.parse("x.yaml", text.encode("utf-8"))
    assert src.problems == []
    problems: list = []
    record = build_record(cls, src.data, src, (), problems)
    assert problems == []
    return record


def test_paper_round_trips() -> None:
    assert _reload(to_yaml(PAPER), Paper) == PAPER


def test_every_fixture_record_round_trips() -> None:
    plist = check_dir(LIST_FIXTURE)
    for entry in plist.entries:
        assert _reload(to_yaml(entry.paper), Paper) == entry.paper
    assert _reload(to_yaml(plist.info), ListInfo) == plist.info


def test_only_set_fields_in_schema_order() -> None:
    text = to_yaml(Paper(title="T", authors=("A",), venue="V", year=2024,
                         url="https://example.org", category="c"))
    assert text == ("title: T\nauthors:\n- A\nvenue: V\nyear: 2024\nurl: https://example.org\n"
                    "category: c\n")
    assert "marks" not in text and "null" not in text


def test_long_prose_is_folded_and_unicode_kept() -> None:
    text = to_yaml(PAPER)
    assert "abstract: >-\n  A long abstract" in text
    assert "🌟" in text and "’" in text and "Frénay" in text and "\\U" not in text
    assert "title: 'Dinomaly: The Less Is More'" in text
    assert "arxiv: '2405.14325'" in text  # quoted: would be read as a number otherwise
    assert "added: 2025-05-01" in text


def test_defaults_are_left_out_of_the_list_file() -> None:
    info = ListInfo(title="L", sections=(Section(title="S", id="s"),))
    assert plain(info) == {"title": "L", "sections": [{"title": "S", "id": "s"}]}
    info = ListInfo(title="L", sections=(Section(title="S", id="s"),),
                    contents_title="Inhalt", banner=Image(src="https://e.org/b.png", alt="B"))
    assert plain(info)["contents_title"] == "Inhalt"
    assert plain(info)["banner"] == {"src": "https://e.org/b.png", "alt": "B"}


def test_file_stems_are_readable_and_unique() -> None:
    assert file_stem(PAPER) == "guo2025-dinomaly-the-less-is-more"
    assert file_stem(PAPER, {"guo2025-dinomaly-the-less-is-more"}) == \
        "guo2025-dinomaly-the-less-is-more-2"
    anon = Paper(title="李华", authors=("李, 华",), venue="V", year=2024,
                 url="https://example.org", category="c")
    assert file_stem(anon) == "anon2024-paper"
    assert file_stems([PAPER, PAPER, PAPER]) == [
        "guo2025-dinomaly-the-less-is-more", "guo2025-dinomaly-the-less-is-more-2",
        "guo2025-dinomaly-the-less-is-more-3"]


def test_write_list_writes_a_valid_list(tmp_path: Path) -> None:
    plist = check_dir(LIST_FIXTURE)
    papers = [e.paper for e in plist.entries]
    written = write_list(tmp_path / "out", plist.info, papers, file_stems(papers))
    assert written[0].name == "_list.yaml" and len(written) == 6
    assert written[0].read_text(encoding="utf-8").startswith("# The list-level file")
    again = check_dir(tmp_path / "out")
    assert again.info == plist.info
    assert sorted(e.paper.title for e in again.entries) == sorted(p.title for p in papers)
