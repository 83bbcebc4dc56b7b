"""The warm path's shortcuts give exactly a cold run's result: one stat walk shared by the
``readme --check`` shortcut and the check, duplicates and file-name clashes found from the
cache's keys, and the shortcut refusing what a stat cannot vouch for."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from site_builder import cache, quick
from site_builder.checking import Stats, check_dir
from site_builder.load import paper_paths

from .conftest import LIST_FIXTURE
from .test_cache import assert_as_cold, outcome, readme_run, shortcut_run, warm


@pytest.fixture
def papers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture list, cached once, its files settled (no timestamp is ambiguous)."""
    folder = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, folder)
    monkeypatch.setattr(quick, "RACY_NS", -(10**18))
    assert_as_cold(folder)
    return folder


def test_the_stat_walk_lists_the_files_paper_paths_lists(tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    (folder / "sub" / "deeper").mkdir(parents=True)
    (folder / "_ignored").mkdir()
    for name in ("a.yaml", "b.yml", "_list.yaml", ".hidden.yaml", "notes.txt", "sub/c.yaml",
                 "sub/deeper/d.yaml", "_ignored/e.yaml", "sub/.f.yaml"):
        (folder / name).write_text("title: x\n", encoding="utf-8")
    (folder / "link.yaml").symlink_to(folder / "a.yaml")
    (folder / "link-without-suffix").symlink_to(folder / "a.yaml")
    (folder / "dir-link").symlink_to(folder / "sub")
    os.mkfifo(folder / "pipe.yaml")
    os.mkfifo(folder / "pipe.txt")
    (folder / "folder.yaml").mkdir()
    (folder / "folder.yaml" / "g.yaml").write_text("title: x\n", encoding="utf-8")

    paths, sigs = quick.stat_walk(folder)
    assert paths == paper_paths(folder)
    assert sigs == [quick.signature(path) for path in paths]
    shown = {Path(p).relative_to(folder).as_posix(): s for p, s in zip(paths, sigs, strict=True)}
    assert {name for name, sig in shown.items() if sig is None} == {
        "link.yaml", "link-without-suffix", "dir-link", "pipe.yaml"}
    assert "_ignored/e.yaml" in shown and "folder.yaml/g.yaml" in shown

    flat = tmp_path / "flat"  # regular files only: sorted out without a step per file
    flat.mkdir()
    for name in ("b.yaml", "a.yml", "_list.yaml", ".hidden.yaml", "notes.txt", "c.YAML",
                 "d.yaml.bak", "e.yaml"):
        (flat / name).write_text("title: x\n", encoding="utf-8")
    paths, sigs = quick.stat_walk(flat)
    assert paths == paper_paths(flat) == [str(flat / n) for n in ("a.yml", "b.yaml", "e.yaml")]
    assert sigs == [quick.signature(path) for path in paths]


def test_one_walk_serves_the_shortcut_and_the_check(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    target = papers / "bao2024-bmad.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("BMAD: ", "BMAD: New ", 1),
                      encoding="utf-8")
    walks: list[Path] = []
    real = quick.stat_walk
    monkeypatch.setattr(quick, "stat_walk", lambda folder: walks.append(folder) or real(folder))
    code, err = readme_run(papers, out)
    assert code == 0 and "stat walk:" in err and "cache lookup:" in err
    assert walks == [str(papers)]  # the shortcut's walk, handed on: no second walk
    assert "files read: 1," in err


def test_a_walk_of_another_folder_is_not_taken_over(papers: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(LIST_FIXTURE, other)
    (other / "bao2024-bmad.yaml").unlink()
    stats = Stats()
    quick.inputs(other, stats)
    assert stats.walk is not None and stats.walk.folder == str(other)
    result = check_dir(papers, cache=True, stats=stats)
    assert result == outcome(papers)[1]
    assert len(result.entries) == len(outcome(papers)[1].entries)


def test_a_file_renamed_so_that_its_name_is_taken_is_found_as_cold(papers: Path) -> None:
    """The moved file is read again; the clash of names is found among cached files."""
    (papers / "sub").mkdir()
    (papers / "zhou2024-anomalyclip.yaml").rename(papers / "sub" / "bao2024-bmad.yaml")
    kind, problems = warm(papers)[0]
    assert kind == "invalid" and any("also used by" in p.message for p in problems)
    assert_as_cold(papers, read=0)
    (papers / "sub" / "bao2024-bmad.yaml").rename(papers / "sub" / "other-name.yaml")
    stats = assert_as_cold(papers, read=1)
    assert warm(papers)[0][0] == "ok" and stats.files_cached == 4


def test_a_duplicate_made_in_a_new_file_against_a_cached_one_is_found_as_cold(
        papers: Path) -> None:
    twin = papers / "zz2025-twin.yaml"
    shutil.copy(papers / "guo2025-dinomaly.yaml", twin)
    kind, problems = warm(papers)[0]
    assert kind == "invalid"
    assert {p.path.rsplit("/", 1)[-1] for p in problems} == {"zz2025-twin.yaml"}
    assert_as_cold(papers, read=0)
    twin.unlink()
    assert warm(papers)[0][0] == "ok"
    assert_as_cold(papers, read=0)


def test_the_shortcut_after_a_list_file_edit_is_not_taken(papers: Path) -> None:
    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    assert shortcut_run(papers, out, "--check")[::2] == (0, True)
    info = papers / "_list.yaml"
    info.write_text(info.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    code, _, shortcut = shortcut_run(papers, out, "--check")
    assert (code, shortcut) == (0, False)  # the list file is part of the key
    info.write_text(info.read_text(encoding="utf-8").replace("description: A small",
                                                             "description: A tiny"),
                    encoding="utf-8")
    code, _, shortcut = shortcut_run(papers, out, "--check")
    assert (code, shortcut) == (1, False)
    assert readme_run(papers, out, "--check", "--no-cache")[0] == 1


@pytest.mark.parametrize("what", ["record", "readme"])
def test_the_shortcut_refuses_a_symbolic_link(papers: Path, what: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    assert shortcut_run(papers, out, "--check")[::2] == (0, True)
    if what == "record":  # the same text, behind a link: the check reports the link
        target = papers / "bao2024-bmad.yaml"
        kept = papers.parent / "kept.yaml"
        target.rename(kept)
        target.symlink_to(kept)
    else:  # the same README, behind a link: never read through it
        kept = papers.parent / "kept.md"
        out.rename(kept)
        out.symlink_to(kept)
    code, err, shortcut = shortcut_run(papers, out, "--check")
    cold_code, cold_err = readme_run(papers, out, "--check", "--no-cache")
    assert not shortcut and code == cold_code != 0
    assert "symbolic link" in err and "symbolic link" in cold_err


def test_an_index_whose_rows_disagree_is_not_trusted(papers: Path) -> None:
    """A row with a title but no record digest (a paper without its record) is not the
    shape save() writes: the shard is dropped, not half used."""
    import json

    store = cache.Store(quick.cache_file(papers), "")
    for shard in store.SHARDS:
        path = store.shard_file(shard)
        if not path.is_file():
            continue
        data: Any = json.loads(path.read_bytes())
        data["table"]["record"] = [None] * len(data["table"]["record"])
        path.write_text(json.dumps(data), encoding="utf-8")
    stats = assert_as_cold(papers)
    assert stats.files_read == 5


def test_the_shortcut_still_decides_once_a_just_edited_file_has_settled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``readme`` run right after an edit keeps the edited file by its text; a
    ``--check`` once its timestamp is no longer ambiguous (the pre-commit hook, seconds
    later) hashes that file again and is decided by the shortcut, as a cold run."""
    import time

    folder = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, folder)
    monkeypatch.setattr(quick, "RACY_NS", 300_000_000)  # a window the test can wait out
    out = tmp_path / "README.md"
    assert readme_run(folder, out)[0] == 0  # every file just copied: known by its text
    time.sleep(0.4)
    code, _, shortcut = shortcut_run(folder, out, "--check")
    assert (code, shortcut) == (0, True)
    target = folder / "bao2024-bmad.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("BMAD: ", "BMAD: New ", 1),
                      encoding="utf-8")
    assert shortcut_run(folder, out)[0] == 0  # written right after the edit
    time.sleep(0.4)
    code, _, shortcut = shortcut_run(folder, out, "--check")
    assert (code, shortcut) == (0, True)
    target.write_text(target.read_text(encoding="utf-8").replace("BMAD: New ", "BMAD: ", 1),
                      encoding="utf-8")
    code, _, shortcut = shortcut_run(folder, out, "--check")
    assert (code, shortcut) == (1, False)
    assert readme_run(folder, out, "--check", "--no-cache")[0] == 1
