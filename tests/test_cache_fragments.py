"""The cache of rendered README entries: a warm README is byte for byte a cold one, and
an entry is rendered again exactly when something it is made of changed (its record, the
list file, the templates, the tool)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import site_builder
from site_builder import cache, quick
from site_builder.checking import Stats, check_dir
from site_builder.commands.readme import readme

from .conftest import LIST_FIXTURE


@pytest.fixture
def papers(tmp_path: Path) -> Path:
    folder = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, folder)
    return folder


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the entries rendered (not taken from the cache) since the last clear,
    alone (``paper_entry``) or in a section's block (``section_entries``)."""
    keys: list[str] = []
    save = cache.Fragments.save

    def spy(self: cache.Fragments) -> None:
        keys.extend(self.rendered)
        save(self)

    monkeypatch.setattr(cache.Fragments, "save", spy)
    return keys


def warm_and_cold(papers: Path, templates: Path | None = None) -> tuple[str, str]:
    """The README of a cached run and of a cold one (each to a new file, so the cached
    run cannot take the unchanged-README shortcut)."""
    outs = papers.parent / "out"
    outs.mkdir(exist_ok=True)
    n = len(list(outs.iterdir()))
    stats = Stats()
    warm = readme(papers, outs / f"warm{n}.md", templates,
                  plist=check_dir(papers, cache=True, stats=stats), stats=stats).path
    cold = readme(papers, outs / f"cold{n}.md", templates).path
    return warm.read_text(encoding="utf-8"), cold.read_text(encoding="utf-8")


def assert_renders(papers: Path, rendered: list[str], count: int | None,
                   templates: Path | None = None) -> None:
    """A warm run gives the cold run's README, having rendered ``count`` entries (None:
    all of them, as a cold run does)."""
    rendered.clear()
    warm, cold = warm_and_cold(papers, templates)
    assert warm == cold
    if count is None:
        assert rendered and len(set(rendered)) == len(rendered)
    else:
        assert len(rendered) == count


def rewrite(path: Path, old: str, new: str) -> None:
    """Replace ``old`` (which the file must hold) by ``new`` in a record."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_unchanged_list_renders_no_entry(papers: Path, rendered: list[str]) -> None:
    assert_renders(papers, rendered, None)
    assert len(rendered) >= 5
    assert_renders(papers, rendered, 0)


def test_an_edited_record_renders_its_entry_only(papers: Path, rendered: list[str]) -> None:
    assert_renders(papers, rendered, None)
    target = papers / "bao2024-bmad.yaml"
    rewrite(target, "title: 'BMAD:", "title: 'BMAD (edited):")
    assert_renders(papers, rendered, 1)


def test_a_list_file_change_renders_every_entry(papers: Path, rendered: list[str]) -> None:
    assert_renders(papers, rendered, None)
    everything = len(rendered)
    listed = papers / "_list.yaml"
    listed.write_text(listed.read_text(encoding="utf-8").replace(
        "- title: Benchmarks", "- title: Benchmarks and data sets"), encoding="utf-8")
    assert_renders(papers, rendered, everything)


def test_a_template_change_renders_every_entry(papers: Path, rendered: list[str]) -> None:
    assert_renders(papers, rendered, None)
    everything = len(rendered)
    templates = papers.parent / "templates"
    (templates / "readme").mkdir(parents=True)
    bundled = Path(site_builder.__file__).parent / "templates" / "readme" / "entry.md.j2"
    changed = templates / "readme" / "entry.md.j2"
    changed.write_text(bundled.read_text(encoding="utf-8").replace("**{{", "__{{"),
                       encoding="utf-8")
    assert_renders(papers, rendered, everything, templates)
    assert "__" in warm_and_cold(papers, templates)[0]


def test_an_entry_template_reading_more_is_rendered_every_time(
        papers: Path, rendered: list[str]) -> None:
    """``count`` is not part of the fragments' key: a template that shows it is never
    taken from the cache (deleting a paper changes every entry)."""
    templates = papers.parent / "templates"
    (templates / "readme").mkdir(parents=True)
    (templates / "readme" / "entry.md.j2").write_text(
        "- {{ entry.paper.title|md }} (one of {{ count }})\n", encoding="utf-8")
    assert_renders(papers, rendered, 0, templates)
    (papers / "bao2024-bmad.yaml").unlink()
    warm, cold = warm_and_cold(papers, templates)
    assert warm == cold and "(one of 4)" in warm


def test_another_tool_version_renders_every_entry(
        papers: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    assert_renders(papers, rendered, None)
    everything = len(rendered)
    monkeypatch.setattr(site_builder, "__version__", "0.0.0-other")
    quick.code_fingerprint.cache_clear()
    try:
        assert_renders(papers, rendered, everything)
    finally:
        quick.code_fingerprint.cache_clear()


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 1, "key": 3}',
                                    b'{"format": 1, "key": "x", "fragments": []}'])
def test_a_corrupt_fragment_cache_is_ignored(papers: Path, rendered: list[str],
                                             damage: bytes) -> None:
    assert_renders(papers, rendered, None)
    everything = len(rendered)
    for path in quick.cache_dir().glob("*.fragments*"):
        path.write_bytes(damage)
    assert_renders(papers, rendered, everything)


def test_entry_keys_tell_every_part_apart() -> None:
    key = cache.Fragments.entry_key
    assert key("ab", "c") != key("a", "bc")
    assert key("None") != key(None) and key("1") != key(1) and key("s1:a") != key("a", "")
    assert key(("a", "b")) != key("a", "b")
    assert key("x", 2) == key("x", 2)


ENTRY_LINES = [
    # An entry on a line of its own, as the bundled template puts it.
    ("\n{{ paper_entry(entry, section) }}\n", None),
    # An entry within a line: the text around it is made tidy with it.
    ("\n> {{ paper_entry(entry, section) }} \t\n", None),
    # ... and one that starts with a blank line (the quote's line loses its space).
    ("\n> {{ paper_entry(entry, section) }} x\n", "\n- {{ entry.paper.title|md }}\n"),
    # Entries with trailing whitespace and other line breaks: never kept, made tidy.
    ("\n{{ paper_entry(entry, section) }}\n", "- {{ entry.paper.title|md }}  \r\n  x \v\n"),
    # Entries that start and end with blank lines.
    ("{{ paper_entry(entry, section) }}", "\n\n- {{ entry.paper.title|md }}\n\n\n"),
    # Entries without a line break at the end.
    ("{{ paper_entry(entry, section) }}", "- {{ entry.paper.title|md }}"),
]
SECTION_LINE = "{{ section_entries(section) }}"


def readme_template(papers: Path, line: str, entry_text: str | None,
                    loop: bool) -> Path:
    """Templates whose README.md.j2 is the bundled one with the section's entries given
    by ``line``: as the body of a loop over the entries (``loop``), or with
    ``section_entries(section)`` in place of ``paper_entry(entry, section)``; and whose
    entry templates are ``entry_text`` (None: the bundled ones)."""
    templates = papers.parent / "templates"
    (templates / "readme").mkdir(parents=True, exist_ok=True)
    bundled = Path(site_builder.__file__).parent / "templates" / "readme"
    text = (bundled / "README.md.j2").read_text(encoding="utf-8")
    old = text[text.index("\n" + SECTION_LINE):]
    old = old[:old.index("\n", 1) + 1]
    body = "{% for entry in entries_by_section[section.id] %}" + line + "{% endfor %}" \
        if loop else line.replace("paper_entry(entry, section)", "section_entries(section)")
    (templates / "readme" / "README.md.j2").write_text(text.replace(old, "\n" + body),
                                                       encoding="utf-8")
    if entry_text is not None:
        for name in ("entry.md.j2", "cross_listed.md.j2"):
            (templates / "readme" / name).write_text(entry_text, encoding="utf-8")
    return templates


@pytest.mark.parametrize("loop", [True, False], ids=["paper_entry", "section_entries"])
@pytest.mark.parametrize("readme_line, entry_text", ENTRY_LINES)
def test_entries_anywhere_on_a_line_give_the_cold_readme(
        papers: Path, rendered: list[str], readme_line: str, entry_text: str | None,
        loop: bool) -> None:
    """A warm README leaves the entries out of the pass that makes every line tidy only
    where that gives the same text: byte for byte the cold README, in every case, with
    entries rendered one by one or a section's block at a time."""
    templates = readme_template(papers, readme_line, entry_text, loop)
    for _ in range(2):  # cold fragments, then warm ones
        warm, cold = warm_and_cold(papers, templates)
        assert warm == cold
        assert readme_line.strip() == "{{ paper_entry(entry, section) }}" or ">" in warm


def section_files() -> list[Path]:
    return sorted(quick.cache_dir().glob("*.fragments.section.*.txt"))


def test_an_unchanged_section_is_read_whole(papers: Path, rendered: list[str]) -> None:
    """One edited record: its section's block takes its other entries from the cache, the
    other sections' blocks are read as they are (no entry rendered, none rewritten)."""
    assert_renders(papers, rendered, None)
    before = {p: p.read_bytes() for p in section_files()}
    assert len(before) == 3  # reconstruction, vision-language-models, benchmarks
    target = papers / "guo2025-dinomaly.yaml"
    rewrite(target, "title: 'Dinomaly:", "title: 'Dinomaly (edited):")
    assert_renders(papers, rendered, 1)
    assert rendered[0].startswith("reconstruction\0") and "guo2025-dinomaly" in rendered[0]
    after = {p: p.read_bytes() for p in section_files()}
    assert after.keys() == before.keys()
    assert [p for p in after if after[p] != before[p]] == \
        [p for p in after if b"guo2025-dinomaly" in after[p]]


def test_a_moved_paper_updates_both_sections(papers: Path, rendered: list[str]) -> None:
    assert_renders(papers, rendered, None)
    target = papers / "guo2025-dinomaly.yaml"
    rewrite(target, "category: reconstruction", "category: benchmarks")
    assert_renders(papers, rendered, 1)
    assert rendered[0].startswith("benchmarks\0")
    warm = warm_and_cold(papers)[0]
    benchmarks = warm[warm.index("## 3. Benchmarks"):warm.index("## 🥰")]
    reconstruction = warm[warm.index("## 1. Reconstruction"):warm.index("## 2. ")]
    assert "Dinomaly" in benchmarks and "Dinomaly" not in reconstruction
    # ... and back: both blocks change again, and the entry was kept in neither.
    rewrite(target, "category: benchmarks", "category: reconstruction")
    assert_renders(papers, rendered, 1)


@pytest.mark.parametrize("damage", [
    lambda raw: raw[:-10],  # truncated: the lengths do not add up
    lambda raw: raw.replace(b'"format": ', b'"format": 9', 1),
    lambda raw: b"\xff" + raw,
    lambda raw: raw.split(b"\n", 1)[1],  # no head
])
def test_a_corrupt_section_block_renders_that_section(
        papers: Path, rendered: list[str], damage: Any) -> None:
    assert_renders(papers, rendered, None)
    block = next(p for p in section_files() if b"guo2025-dinomaly" in p.read_bytes())
    block.write_bytes(damage(block.read_bytes()))
    assert_renders(papers, rendered, 2)  # the two papers of "reconstruction"
    assert all(i.startswith("reconstruction\0") for i in rendered)


def test_another_sections_block_is_not_taken(papers: Path, rendered: list[str]) -> None:
    """A block copied over another section's file (same key, other ids) is ignored."""
    assert_renders(papers, rendered, None)
    files = section_files()
    files[1].write_bytes(files[0].read_bytes())
    assert_renders(papers, rendered, 2)


def test_a_section_gone_drops_its_block(papers: Path, rendered: list[str]) -> None:
    """A section emptied keeps an empty block; one taken out of the list loses its file."""
    assert_renders(papers, rendered, None)
    assert len(section_files()) == 3
    (papers / "bao2024-bmad.yaml").unlink()  # the only paper of "benchmarks"
    assert_renders(papers, rendered, 0)
    assert len(section_files()) == 3
    listed = papers / "_list.yaml"
    text = listed.read_text(encoding="utf-8")
    assert "- title: Benchmarks\n  id: benchmarks\n" in text
    listed.write_text(text.replace("- title: Benchmarks\n  id: benchmarks\n", ""),
                      encoding="utf-8")
    assert_renders(papers, rendered, None)  # a new list file: every entry again
    assert len(section_files()) == 2
