"""The cache of checked records: every change to the files gives exactly a cold run's result.

A cached run (``check_dir(cache=True)``) is compared with a run that reads every file
(``cache=False``, what ``--no-cache`` does) after each kind of change, and ``Stats`` says
how many files were read again.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from site_builder import cache, quick
from site_builder.checking import Stats, check_dir
from site_builder.cli import main
from site_builder.errors import InvalidRecords

from .conftest import LIST_FIXTURE

OLD_NS = 1_600_000_000 * 10**9  # 2020: far older than any run


def outcome(folder: Path, **kwargs: Any) -> tuple[str, Any]:
    try:
        return "ok", check_dir(folder, **kwargs)
    except InvalidRecords as err:
        return "invalid", err.problems


def warm(folder: Path) -> tuple[tuple[str, Any], Stats]:
    stats = Stats()
    return outcome(folder, cache=True, stats=stats), stats


def assert_as_cold(folder: Path, read: int | None = None) -> Stats:
    """A cached run gives what a cold run gives; ``read``: files it must have parsed."""
    result, stats = warm(folder)
    assert result == outcome(folder)
    if read is not None:
        assert stats.files_read == read, stats
    return stats


@pytest.fixture(params=["racy", "settled"])
def papers(request: pytest.FixtureRequest, tmp_path: Path,
           monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture list, cached once.  "racy": the files were just written, so the cache
    also compares their text; "settled": their timestamps are old enough for the
    signature alone to decide (as for a list nobody touched in the last seconds)."""
    folder = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, folder)
    if request.param == "settled":
        monkeypatch.setattr(quick, "RACY_NS", -(10**18))  # nothing counts as racy
    stats = assert_as_cold(folder)
    assert stats.files_read == 5 and stats.files_cached == 0
    return folder


def paper_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_"))


def test_an_unchanged_list_parses_no_file(papers: Path) -> None:
    stats = assert_as_cold(papers, read=0)
    assert stats.files_cached == 5


def test_an_edit_reparses_that_file_only(papers: Path) -> None:
    target = papers / "bao2024-bmad.yaml"
    target.write_text(target.read_text().replace("year: 2024", "year: 2023"))
    assert_as_cold(papers, read=1)
    assert_as_cold(papers, read=0)


def test_a_touch_without_change(papers: Path) -> None:
    os.utime(papers / "zhou2024-anomalyclip.yaml", ns=(OLD_NS, OLD_NS))
    assert_as_cold(papers, read=1)
    assert_as_cold(papers, read=0)


def test_a_rename(papers: Path) -> None:
    (papers / "bao2024-bmad.yaml").rename(papers / "bao2024-renamed.yaml")
    assert_as_cold(papers, read=1)
    result, _ = warm(papers)
    assert "bao2024-renamed" in [e.key for e in result[1].entries]


def test_a_deletion(papers: Path) -> None:
    (papers / "bao2024-bmad.yaml").unlink()
    assert_as_cold(papers, read=0)
    result, _ = warm(papers)
    assert len(result[1].entries) == 4


def test_a_new_file(papers: Path) -> None:
    shutil.copy(papers / "bao2024-bmad.yaml", papers / "copy2024-bmad.yaml")
    stats = assert_as_cold(papers, read=1)  # the copy is a duplicate: same problems as cold
    assert stats.files_cached == 5


def test_a_file_replaced_by_another_of_the_same_size_and_mtime(papers: Path) -> None:
    target = papers / "bao2024-bmad.yaml"
    before = target.stat()
    text = target.read_text()
    replaced = text.replace("year: 2024", "year: 2019")
    assert len(replaced) == len(text)
    tmp = papers / ".new"
    tmp.write_text(replaced)
    os.utime(tmp, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(tmp, target)
    after = target.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    assert_as_cold(papers, read=1)
    result, _ = warm(papers)
    assert {e.key: e.paper.year for e in result[1].entries}["bao2024-bmad"] == 2019


def test_a_racy_entry_is_used_only_while_its_text_matches(tmp_path: Path) -> None:
    """Within one timestamp tick a file can change without its signature changing: an
    entry stored that close to its file's timestamp carries the text's hash."""
    folder = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, folder)
    target = folder / "bao2024-bmad.yaml"
    sig = quick.signature(target)
    assert sig is not None
    store = cache.Store.open(tmp_path / "c.json", "fp")
    result = check_dir(folder).entries[0].paper, []
    store.put("bao2024-bmad.yaml", sig, "shown", result, quick.text_digest(target.read_text()))
    store.save()
    again = cache.Store.open(tmp_path / "c.json", "fp")
    assert again.get("bao2024-bmad.yaml", target, "shown", sig) == result
    target.write_text(target.read_text().replace("2024", "2019"))
    again = cache.Store.open(tmp_path / "c.json", "fp")
    assert again.get("bao2024-bmad.yaml", target, "shown", sig) is None  # same sig given


def test_a_file_with_problems_gives_the_same_problems_and_lines(papers: Path) -> None:
    (papers / "bad2024.yaml").write_text(
        "title: A paper\nauthors:\n- Doe, Jane\nvenue: CVPR\nyear: 1800\nurl: ftp://x\n"
        "category: nowhere\ncolour: red\n", encoding="utf-8")
    (papers / "syntax2024.yaml").write_text("title: a: b\n", encoding="utf-8")
    stats = assert_as_cold(papers, read=2)
    stats = assert_as_cold(papers, read=0)
    assert stats.files_cached == 7
    kind, problems = warm(papers)[0]
    assert kind == "invalid"
    assert {(p.path.rsplit("/", 1)[-1], p.line, p.field) for p in problems} >= {
        ("bad2024.yaml", 5, "year"), ("bad2024.yaml", 6, "url"),
        ("bad2024.yaml", 8, "colour"), ("syntax2024.yaml", 1, "")}


def test_new_sections_check_the_categories_again(papers: Path) -> None:
    info = papers / "_list.yaml"
    info.write_text(info.read_text().replace("id: reconstruction", "id: rebuilt"),
                    encoding="utf-8")
    assert_as_cold(papers, read=5)


def test_another_working_directory_names_files_as_a_cold_run(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (papers / "bad2024.yaml").write_text("title: x\n", encoding="utf-8")
    assert_as_cold(papers)
    monkeypatch.chdir(papers.parent)
    assert_as_cold(Path("papers"))
    monkeypatch.chdir(papers)
    assert_as_cold(Path("."))


def cache_paths(folder: Path, kinds: tuple[str, ...] = ("index", "records")) -> list[Path]:
    """The record cache's shard files (each holds the entries of some of the files)."""
    store = cache.Store(quick.cache_file(folder), "")
    paths = [store.shard_file(s, kind) for s in store.SHARDS for kind in kinds
             if store.shard_file(s, kind).is_file()]
    assert paths
    return paths


@pytest.mark.parametrize("damage", [
    lambda raw: b"",
    lambda raw: raw[: len(raw) // 2],  # truncated
    lambda raw: b"\x80\x81 not json",
    lambda raw: b"[1, 2, 3]",
    # a wrong type in a record (records) and in a column (index)
    lambda raw: raw.replace(b'"year":2024', b'"year":"2024"').replace(b'"year":[', b'"year":["1",'),
    lambda raw: raw.replace(b'"year":', b'"yaer":'),  # an unknown field, or column
    lambda raw: raw.replace(b'"sig":[', b'"sig":[1,'),  # a column of another length
    lambda raw: raw.replace(b'"dupkeys":[[', b'"dupkeys":[[1,'),  # a key that is no text
    lambda raw: raw.replace(b'"format":3', b'"format":99'),
], ids=["empty", "truncated", "garbage", "not-a-mapping", "wrong-type", "unknown-field",
        "short-column", "wrong-type-inside", "other-format"])
def test_a_corrupt_cache_is_ignored_and_rebuilt(papers: Path, damage: Any) -> None:
    damaged = 0
    for path in cache_paths(papers):
        raw = path.read_bytes()
        path.write_bytes(damage(raw))
        damaged += damage(raw) != raw
    assert damaged  # the damage did touch the cache
    assert_as_cold(papers)
    assert_as_cold(papers, read=0)  # rebuilt


def test_a_cache_from_another_version_or_other_rules_is_not_used(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for path in cache_paths(papers):
        data = json.loads(path.read_bytes())
        data["fingerprint"] = "0.0.1-" + data["fingerprint"]
        path.write_text(json.dumps(data), encoding="utf-8")
    assert_as_cold(papers, read=5)
    import site_builder

    fingerprint = quick.fingerprint("sections: [reconstruction]")
    quick.code_fingerprint.cache_clear()
    monkeypatch.setattr(site_builder, "__version__", "9.9.9")
    try:
        assert quick.fingerprint("sections: [reconstruction]") != fingerprint
        assert_as_cold(papers, read=5)
    finally:
        quick.code_fingerprint.cache_clear()


def test_the_rules_are_part_of_the_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    base = quick.fingerprint("sections: [a]")
    assert quick.fingerprint("sections: [b]") != base  # another list file
    monkeypatch.setattr(quick, "this_year", lambda: 2999)  # another year: other valid years
    assert quick.fingerprint("sections: [a]") != base
    assert set(quick._RULE_MODULES) >= {"kinds", "records", "model", "load"}


def test_an_unwritable_cache_is_only_slower(papers: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(blocker / "cache"))
    assert_as_cold(papers, read=5)
    assert_as_cold(papers, read=5)


def test_cli_no_cache_and_verbose(papers: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = cache_paths(papers)
    for path in paths:
        path.unlink()
    assert main(["check", "--papers", str(papers), "--no-cache", "--verbose"]) == 0
    err = capsys.readouterr().err
    assert "files read: 5, from cache: 0" in err and "read and check:" in err
    assert not any(path.exists() for path in paths)
    assert main(["check", "--papers", str(papers)]) == 0
    assert all(path.exists() for path in paths)
    out_file = papers.parent / "R.md"
    assert main(["readme", "--papers", str(papers), "-o", str(out_file), "-v"]) == 0
    err = capsys.readouterr().err
    assert "files read: 0, from cache: 5" in err and "render:" in err


def readme_run(papers: Path, out: Path, *args: str) -> tuple[int, str]:
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["readme", "--papers", str(papers), "-o", str(out), "-v",
                     "--templates", str(papers.parent / "templates"), *args])
    return code, err.getvalue()


def test_an_unchanged_readme_is_not_rendered_again(papers: Path) -> None:
    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    code, err = readme_run(papers, out, "--check")
    assert code == 0 and "render:" not in err and "files read: 0" in err
    cold = out.read_text(encoding="utf-8")
    assert readme_run(papers, out, "--check", "--no-cache")[0] == 0

    out.write_text(cold + "edited by hand\n", encoding="utf-8")  # the output changed
    assert readme_run(papers, out, "--check")[0] == 1
    assert readme_run(papers, out)[0] == 0 and out.read_text(encoding="utf-8") == cold

    target = papers / "bao2024-bmad.yaml"  # a record changed
    target.write_text(target.read_text().replace("year: 2024", "year: 2023"))
    code, err = readme_run(papers, out, "--check")
    assert code == 1 and "render:" in err
    assert readme_run(papers, out, "--check", "--no-cache")[0] == 1

    assert readme_run(papers, out)[0] == 0
    templates = papers.parent / "templates" / "readme"  # the templates changed
    templates.mkdir(parents=True)
    bundled = Path(__file__).parents[1] / "site_builder" / "templates"
    entry = (bundled / "readme" / "entry.md.j2").read_text()
    (templates / "entry.md.j2").write_text(entry.replace("**{{", "__{{"), encoding="utf-8")
    code, err = readme_run(papers, out, "--check")
    assert code == 1 and "render:" in err


def shortcut_run(papers: Path, out: Path, *args: str) -> tuple[int, str, bool]:
    """``readme`` through the stat-walk shortcut when it can: the exit code, the
    warnings it printed (without ``-v``'s lines) and whether the shortcut decided."""
    code, err = readme_run(papers, out, *args)
    shortcut = "stat walk:" in err and "cache lookup:" not in err
    warnings = "\n".join(line for line in err.splitlines()
                         if not line.startswith(("files read:", "  ")))
    return code, warnings, shortcut


def test_the_readme_shortcut_is_taken_only_when_every_input_is_unchanged(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settled = quick.RACY_NS < 0  # else just-written files are not decided by a stat alone
    import yaml

    abstract = yaml.safe_load((papers / "guo2025-dinomaly.yaml").read_text())["abstract"]
    (papers / "z2024-warn.yaml").write_text(  # a warning the shortcut must repeat
        "title: Another paper\nauthors:\n- Doe, Jane\nvenue: CVPR\nyear: 2024\n"
        "url: https://example.org/a\ncategory: benchmarks\nabstract: " + json.dumps(abstract),
        encoding="utf-8")
    out = papers.parent / "README.md"
    code, cold_warnings, _ = shortcut_run(papers, out, "--no-cache")
    assert code == 0 and "warning" in cold_warnings

    def unchanged(*args: str) -> None:
        """As a cold run; with settled files, decided by the shortcut."""
        code, warnings, shortcut = shortcut_run(papers, out, *args)
        assert (code, warnings) == (0, cold_warnings)
        assert shortcut or not settled

    assert shortcut_run(papers, out)[:2] == (0, cold_warnings)  # fills the cache
    unchanged()
    unchanged("--check")

    def changed(expect_code: int) -> None:
        code, _, shortcut = shortcut_run(papers, out, "--check")
        assert (code, shortcut) == (expect_code, False)
        assert readme_run(papers, out, "--check", "--no-cache")[0] == expect_code
        assert shortcut_run(papers, out)[0] == 0  # brought up to date
        unchanged("--check")

    info = papers / "_list.yaml"  # the list file
    info.write_text(info.read_text().replace("description: A small", "description: A tiny"),
                    encoding="utf-8")
    changed(1)
    (papers / "bao2024-bmad.yaml").touch()  # a touch: not rendered differently
    changed(0)
    (papers / "_metrics.json").write_text('{"repos": {}, "papers": {}}', encoding="utf-8")
    changed(0)
    templates = papers.parent / "templates" / "readme"  # a template
    templates.mkdir(parents=True)
    bundled = Path(__file__).parents[1] / "site_builder" / "templates"
    entry = (bundled / "readme" / "entry.md.j2").read_text()
    (templates / "entry.md.j2").write_text(entry.replace("**{{", "__{{"), encoding="utf-8")
    changed(1)
    monkeypatch.setattr(quick, "code_fingerprint", lambda: "another tool version")
    changed(0)
    out.write_text(out.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # the output
    changed(1)


def test_an_unchanged_readme_is_not_read_again_and_a_forged_edit_is_seen(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's own signature (size, mtime, inode, ctime) spares reading and hashing
    it; an edit that keeps its size and sets its mtime back still changes its ctime."""
    import os

    from site_builder.commands import readme as readme_command

    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    reads: list[Path] = []
    real = readme_command.read_regular
    for module in (readme_command, quick):  # the full run's and the shortcut's reads
        monkeypatch.setattr(module, "read_regular",
                            lambda path, what: reads.append(path) or real(path, what))
    for args in (["--check"], ["--check"], []):  # just-written records are hashed, not
        code, _, shortcut = shortcut_run(papers, out, *args)  # parsed: still the shortcut
        assert code == 0 and shortcut
    if quick.RACY_NS < 0:  # settled: the stat walk and the README's signature decided,
        assert reads == []  # also for readme itself (nothing it could refuse)

    before = os.stat(out)
    text = out.read_text(encoding="utf-8")
    forged = text.replace("Dinomaly", "Dinomalx", 1)
    assert forged != text and len(forged) == len(text)
    out.write_text(forged, encoding="utf-8")
    os.utime(out, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert shortcut_run(papers, out, "--check")[0] == 1


def test_a_changed_list_reads_the_readme_only_when_it_may_have_changed(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a record changed, the README the last run wrote is known by its signature,
    not read (just written, its signature cannot tell: it is read and compared byte for
    byte); one edited since is read, refused without its marker, and replaced — even
    when the new text is the old one's."""
    import os

    from site_builder.commands import readme as readme_command

    out = papers.parent / "README.md"
    assert readme_run(papers, out)[0] == 0
    cold = out.read_bytes()
    texts: list[Path] = []  # the READMEs read whole (and checked for the marker)
    real = readme_command._replaceable
    monkeypatch.setattr(readme_command, "_replaceable",
                        lambda path: texts.append(path) or real(path))
    target = papers / "bao2024-bmad.yaml"
    target.touch()  # a changed signature, the same README
    code, err = readme_run(papers, out)
    assert code == 0 and "render:" in err and out.read_bytes() == cold
    assert texts == ([] if quick.RACY_NS < 0 else [out])
    texts.clear()

    before = os.stat(out)  # an edit of the same size, its mtime set back
    forged = cold.replace(b"Dinomaly", b"Dinomalx", 1)
    out.write_bytes(forged)
    os.utime(out, ns=(before.st_atime_ns, before.st_mtime_ns))
    target.touch()
    assert readme_run(papers, out)[0] == 0
    assert texts == [out] and out.read_bytes() == cold

    out.write_bytes(cold.replace(readme_command.README_MARKER.encode(), b"<!-- mine"))
    target.touch()
    assert readme_run(papers, out)[0] == 2  # not generated by site-builder: left alone
    assert b"<!-- mine" in out.read_bytes()


def _abstract_of(path: Path) -> str:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("abstract:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith(" "))
    return "".join(lines[start:end])


@pytest.mark.parametrize("field", ["title", "doi", "arxiv", "abstract"])
def test_a_duplicate_made_or_undone_in_one_file_is_found_as_cold(
        papers: Path, field: str) -> None:
    """The other file of the pair is served from the cache (its duplicate keys too): the
    duplicate is reported, and then no longer reported, exactly as a cold run does."""
    target = papers / "bao2024-bmad.yaml"
    original = target.read_text(encoding="utf-8")
    # The title of the cached zhou2024-anomalyclip, upper-cased: the same skeleton.
    title = next(line for line in (papers / "zhou2024-anomalyclip.yaml").read_text(
        encoding="utf-8").splitlines() if line.startswith("title:"))
    edited = {
        "title": original.replace(original.splitlines()[0], "title:" + title[6:].upper()),
        "doi": original + "doi: 10.1109/cvpr52734.2025.01234\n",
        "arxiv": original + "arxiv: '2310.18961'\n",
        "abstract": original + _abstract_of(papers / "guo2025-dinomaly.yaml"),
    }[field]
    target.write_text(edited, encoding="utf-8")
    os.utime(target, ns=(OLD_NS + 10**9, OLD_NS + 10**9))
    kind, found = warm(papers)[0]
    problems = found if kind == "invalid" else found.warnings
    assert [p.field for p in problems] == [field]  # the pair's newer file is blamed
    assert_as_cold(papers, read=0)  # the duplicate is found again from the cache's keys
    target.write_text(original, encoding="utf-8")
    os.utime(target, ns=(OLD_NS + 2 * 10**9, OLD_NS + 2 * 10**9))
    stats = assert_as_cold(papers, read=1)
    assert warm(papers)[0][0] == "ok" and not warm(papers)[0][1].warnings
    assert stats.files_cached == 4


def test_a_warm_run_decodes_no_record_it_does_not_show(papers: Path, tmp_path: Path) -> None:
    """A cached paper carries only what the list's checks and README read of every paper;
    the rest of its record is read from the cache when one of those fields is used, and
    it then equals (and hashes as, copies as, pickles as) the cold run's paper."""
    import copy
    import dataclasses
    import pickle

    from site_builder.commands.readme import readme

    out = tmp_path / "R.md"
    readme(papers, out, plist=check_dir(papers, cache=True, stats=(stats := Stats())),
           stats=stats)
    target = papers / "bao2024-bmad.yaml"
    target.write_text(target.read_text(encoding="utf-8").replace("2024", "2019"),
                      encoding="utf-8")
    stats = Stats()
    plist = check_dir(papers, cache=True, stats=stats)
    readme(papers, out, plist=plist, stats=stats)
    cold = {e.key: e.paper for e in check_dir(papers).entries}
    stored = {e.key: e.paper for e in plist.entries if isinstance(e.paper, cache.StoredPaper)}
    assert sorted(stored) == sorted(set(cold) - {"bao2024-bmad"})
    assert all("_fill" in vars(p) for p in stored.values())  # nothing else was decoded
    paper = stored["guo2025-dinomaly"]
    assert paper == cold["guo2025-dinomaly"] and cold["guo2025-dinomaly"] == paper
    assert "_fill" not in vars(paper) and paper.doi == "10.1109/CVPR52734.2025.01234"
    assert hash(stored["zhou2024-anomalyclip"]) == hash(cold["zhou2024-anomalyclip"])
    for twin in (copy.copy(paper), pickle.loads(pickle.dumps(paper)),
                 dataclasses.replace(paper, year=paper.year)):
        assert twin == cold["guo2025-dinomaly"]
    assert dataclasses.replace(paper, year=1999).year == 1999


def test_a_record_missing_from_its_shard_is_read_from_its_file(
        papers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Should a records shard not hold a record its index names, the paper is checked
    again from its file, and the result is a cold run's."""
    read = cache.Store._read

    def no_records(self: cache.Store, shard: str, kind: str) -> dict[str, Any]:
        return {} if kind == "records" else read(self, shard, kind)

    monkeypatch.setattr(cache.Store, "_read", no_records)
    assert_as_cold(papers, read=0)


def test_a_records_file_changed_after_its_index_drops_the_shard(papers: Path) -> None:
    for path in cache_paths(papers, ("records",)):
        path.write_bytes(path.read_bytes())  # same bytes, a new signature
    assert_as_cold(papers, read=5)
    assert_as_cold(papers, read=0)
