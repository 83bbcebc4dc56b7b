"""``added`` from git history: ``import --history`` (README versions) and ``dates``
(first commits of record files), on fixture repositories built here with fixed dates."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from site_builder import cli
from site_builder.checking import check_dir
from site_builder.commands.dates import fill_dates
from site_builder.commands.export import export_list
from site_builder.commands.imports import import_file
from site_builder.errors import UsageError
from site_builder.importers import parse_readme
from site_builder.importers.history import readme_history
from site_builder.load import read
from site_builder.records import check_paper
from site_builder.site import _newest
from tests.conftest import FAMILY, FLAGSHIP
from tests.test_changed import GIT_ENV

ATOM = "{http://www.w3.org/2005/Atom}"


def git(repo: Path, *args: str, when: str = "2021-01-01T12:00:00+00:00",
        author: str | None = None) -> str:
    """git with fixed identities and dates (``author`` differs from the committer date
    only where a test says so)."""
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True,
                          env={**os.environ, **GIT_ENV, "GIT_COMMITTER_DATE": when,
                               "GIT_AUTHOR_DATE": author or when})
    return done.stdout.decode()


def commit(repo: Path, when: str, message: str, author: str | None = None) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, when=when, author=author)


@pytest.fixture(autouse=True)
def _no_outer_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder of tmp_path is never taken for part of some repository around it."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))


# --- the README's history ----------------------------------------------------------------

BASE = FAMILY.read_text("utf-8")
ONE = ("- ⭐[[2019-NeurIPS]](https://example.org/one.pdf) **Paper One: Learning by Example** "
       "[:octocat:](https://github.com/example/one)")
ONE_REWORDED = ONE.replace("Learning by Example", "Learning from Examples")
TWO = "- [[2021-ICML]](https://example.org/two.pdf) **Paper Two: Methods <and> Madness**"
TWO_IN_B = f"{TWO}\n\n  *Sample, Bo*\n"
THREE = ("- [[2024-MICCAI]](https://example.org/three.pdf) **Paper Three for Brain MRI**\n\n"
         "  *Example, Ada and others*\n  - Intro: Applies the method to *brain* MRI.\n")
FOUR = ("- ⭐†[[2023-CVPR]](https://example.org/four.pdf) **Paper Four: Inspecting Parts** "
        "[:octocat:](https://github.com/example/four)\n\n  *Novak, Petra*\n")
FIVE = "- [[2025-ICCV]](https://example.org/five.pdf) **Paper Five, Not Yet Committed**\n"
for part in (ONE, TWO_IN_B, THREE, FOUR, f"{TWO}\n\n## 🥰"):
    assert part in BASE, part  # the fixture still reads as these versions expect


def without(text: str, *parts: str) -> str:
    for part in parts:
        text = text.replace(part, "")
    return text


# Each version as a commit: (committer date, README text or bytes).  Two in B moves to D2
# (v4), One is re-worded keeping its link (v5), Four is removed (v5) and added again (v6),
# Three first appears in a version that is not UTF-8 (v3), which is skipped.
V2 = without(BASE, THREE).replace(f"{TWO}\n\n## 🥰", "## 🥰")
V1 = without(V2, TWO_IN_B, FOUR)
V4 = without(BASE, TWO_IN_B)
V5 = without(V4, FOUR).replace(ONE, ONE_REWORDED)
V6 = V4.replace(ONE, ONE_REWORDED)
VERSIONS: list[tuple[str, str | bytes]] = [
    ("2021-01-10T23:30:00-05:00", V1),  # 2021-01-11 04:30 UTC: the UTC day counts
    ("2021-03-05T10:00:00+00:00", V2),
    ("2021-06-01T10:00:00+00:00", b"\xff\xfe not UTF-8 " + V4.encode()),
    ("2021-09-01T10:00:00+00:00", V4),
    ("2022-02-01T10:00:00+00:00", V5),
    ("2022-05-01T10:00:00+00:00", V6),
]
EXPECTED = {
    "Paper One: Learning from Examples": dt.date(2021, 1, 11),
    "A Survey of Family Learning": dt.date(2021, 1, 11),
    "Paper Two: Methods <and> Madness": dt.date(2021, 3, 5),
    "Paper Four: Inspecting Parts": dt.date(2021, 3, 5),
    "Paper Three for Brain MRI": dt.date(2021, 9, 1),
}


@pytest.fixture
def readme_repo(tmp_path: Path) -> Path:
    """A list's repository whose README went through VERSIONS; a new entry not committed.
    Author dates are a year earlier than committer dates: the committer date is used."""
    repo = tmp_path / "list"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for n, (when, text) in enumerate(VERSIONS):
        raw = text if isinstance(text, bytes) else text.encode()
        (repo / "README.md").write_bytes(raw)
        commit(repo, when, f"version {n + 1}", author=when.replace("202", "201", 1))
    (repo / "README.md").write_text(V6.replace("## 🥰", f"{FIVE}\n## 🥰"), "utf-8")
    return repo


def test_the_versions_read_as_intended() -> None:
    titles = [{p.title for p in parse_readme(v).papers} for v in (V1, V2, V4, V5, V6)]
    assert titles[0] == {"Paper One: Learning by Example", "A Survey of Family Learning"}
    assert titles[1] == titles[0] | {"Paper Two: Methods <and> Madness",
                                     "Paper Four: Inspecting Parts"}
    assert "Paper Four: Inspecting Parts" not in titles[3]
    assert titles[4] == set(EXPECTED)
    categories = [{p.category for p in parse_readme(v).papers if "Two" in p.title}
                  for v in (V2, V4)]
    assert categories[0] != categories[1]  # Paper Two moved to another section


def test_each_paper_gets_the_day_its_entry_first_appeared(readme_repo: Path) -> None:
    history = readme_history(readme_repo / "README.md")
    dated = {p.title: history.date_of(p) for p in parse_readme(V6).papers}
    assert dated == EXPECTED
    assert history.versions == 6
    assert [c.day for c in history.unparsable] == [dt.date(2021, 6, 1)]


def test_each_distinct_version_is_parsed_once(readme_repo: Path) -> None:
    (readme_repo / "README.md").write_text(V1, "utf-8")  # back to the first text
    commit(readme_repo, "2022-06-01T10:00:00+00:00", "revert")
    calls: list[str] = []

    def counting(text: str):  # type: ignore[no-untyped-def]
        calls.append(text)
        return parse_readme(text)

    history = readme_history(readme_repo / "README.md", counting)
    assert history.versions == 7
    assert history.parsed == 6  # distinct blobs; the one that is not UTF-8 is never parsed
    assert len(calls) == 5 and calls[0] == V1 and calls.count(V1) == 1


def test_import_history_dates_the_records_and_reports_the_rest(
        readme_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "papers"
    assert cli.main(["import", str(readme_repo / "README.md"), "--papers", str(out),
                     "--history"]) == 0
    added = {}
    for path in sorted(out.glob("[!_]*.yaml")):
        data = read(path).data
        added[data["title"]] = data.get("added")
    assert added == {**EXPECTED, "Paper Five, Not Yet Committed": None}
    err = capsys.readouterr().err
    assert "dated 5 of 6 papers from 6 committed versions" in err
    assert "'Paper Five, Not Yet Committed' — it was left without 'added'" in err
    assert "version of commit" in err and "(2021-06-01) could not be read" in err


def test_import_history_leaves_a_paper_a_forged_commit_dates_in_the_future_undated(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A commit's date is whatever its committer's clock said: a paper first seen in a
    version dated 2090 is left undated and reported (as ``dates`` does), so the imported
    records still pass the check."""
    repo = tmp_path / "list"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README.md").write_text(V1, "utf-8")
    commit(repo, "2021-01-10T12:00:00+00:00", "version 1")
    (repo / "README.md").write_text(V2, "utf-8")
    commit(repo, "2090-01-01T12:00:00+00:00", "forged")
    out = tmp_path / "papers"
    assert cli.main(["import", str(repo / "README.md"), "--papers", str(out),
                     "--history"]) == 0
    added = {read(p).data["title"]: read(p).data.get("added")
             for p in sorted(out.glob("[!_]*.yaml"))}
    assert added == {"Paper One: Learning by Example": dt.date(2021, 1, 10),
                     "A Survey of Family Learning": dt.date(2021, 1, 10),
                     "Paper Two: Methods <and> Madness": None,
                     "Paper Four: Inspecting Parts": None}
    err = capsys.readouterr().err
    assert "dated 2 of 4 papers from 2 committed versions" in err
    assert (f"{repo / 'README.md'}: warning: the history dates 'Paper Four: Inspecting Parts' "
            "2090-01-01, in the future (a commit's date is its committer's clock) — it was "
            "left without 'added'; add the date by hand") in err
    assert "no committed version holds" not in err
    assert "need a person's eye" not in err


def test_import_without_history_gives_no_dates(readme_repo: Path, tmp_path: Path) -> None:
    result = import_file(readme_repo / "README.md", tmp_path / "papers")
    assert result.history is None
    assert all("added" not in read(p).data for p in result.written[1:])


def test_import_history_outside_a_repository_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "README.md"
    shutil.copy(FAMILY, source)
    with pytest.raises(UsageError, match="not in a git repository"):
        import_file(source, tmp_path / "papers", history=True)
    assert cli.main(["import", str(source), "--papers", str(tmp_path / "papers"),
                     "--history"]) == 2
    assert capsys.readouterr().err == (
        f"error: {source}: not in a git repository — dates come from the git history; run "
        "this inside a clone of the list's repository\n")
    assert not (tmp_path / "papers").exists()


def test_without_git_the_error_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "papers").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))
    assert cli.main(["dates", "--papers", str(tmp_path / "papers")]) == 2
    assert capsys.readouterr().err == ("error: git is not installed — dates come from the "
                                       "git history; install git and run again\n")


# --- records' own history: `dates` ---------------------------------------------------------

RECORDS = sorted(FLAGSHIP.glob("[a-z]*.yaml"))


@pytest.fixture
def records_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A list whose records came in over several commits: a bulk import of 12, then one
    at a time (one renamed later, one already dated, one without a final newline), one
    only staged and one untracked."""
    repo = tmp_path / "repo"
    papers = repo / "papers"
    papers.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    shutil.copy(FLAGSHIP / "_list.yaml", papers)
    for path in RECORDS[:12]:
        shutil.copy(path, papers)
    commit(repo, "2024-01-05T09:00:00+00:00", "import the README")
    shutil.copy(RECORDS[12], papers / "single.yaml")
    commit(repo, "2024-02-10T20:00:00-08:00", "add a paper")  # 2024-02-11 in UTC
    dated = RECORDS[13].read_text("utf-8") + "added: 2023-12-01\n"
    (papers / "dated.yaml").write_text(dated, "utf-8")
    (papers / "no-newline.yaml").write_text(RECORDS[14].read_text("utf-8").rstrip("\n"),
                                            "utf-8")
    commit(repo, "2024-03-15T09:00:00+00:00", "add two papers")
    git(repo, "mv", "papers/single.yaml", "papers/renamed.yaml")
    commit(repo, "2024-04-01T09:00:00+00:00", "rename a record")
    shutil.copy(RECORDS[15], papers / "staged.yaml")
    git(repo, "add", "papers/staged.yaml")
    shutil.copy(RECORDS[16], papers / "untracked.yaml")
    monkeypatch.chdir(repo)
    return repo


def _snapshot(papers: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(papers.iterdir())}


def test_dates_fills_missing_added_from_first_commits(records_repo: Path) -> None:
    papers = records_repo / "papers"
    before = _snapshot(papers)
    result = fill_dates(Path("papers"))
    after = _snapshot(papers)
    assert {p.name: day for p, day in result.dated} == {
        "renamed.yaml": dt.date(2024, 2, 11), "no-newline.yaml": dt.date(2024, 3, 15)}
    assert after["renamed.yaml"] == before["renamed.yaml"] + b"added: 2024-02-11\n"
    assert after["no-newline.yaml"] == before["no-newline.yaml"] + b"\nadded: 2024-03-15\n"
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"renamed.yaml", "no-newline.yaml"}  # dated.yaml untouched
    assert result.kept == 1
    reasons = {u.path.name: u.reason for u in result.undated}
    assert set(reasons) == {p.name for p in RECORDS[:12]} | {"staged.yaml", "untracked.yaml"}
    assert reasons["staged.yaml"] == reasons["untracked.yaml"] == (
        "no commit added this file yet — commit it, then run 'site-builder dates' again")
    bulk = reasons[RECORDS[0].name]
    assert "(2024-01-05), which added 12 records at once (more than --bulk 10)" in bulk
    assert len(result.hints) == 1 and "bulk import" in result.hints[0]
    assert "import --history README.md" in result.hints[0]
    assert fill_dates(Path("papers")).dated == []  # a second run has nothing left to do


def test_dates_dry_run_writes_nothing_and_bulk_is_an_option(
        records_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    papers = records_repo / "papers"
    before = _snapshot(papers)
    assert cli.main(["dates", "--dry-run", "--bulk", "12"]) == 0
    assert _snapshot(papers) == before
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert len(lines) == 14
    assert f"papers/{RECORDS[0].name}: would add added: 2024-01-05" in lines
    assert "papers/renamed.yaml: would add added: 2024-02-11" in lines
    assert err.endswith("14 records to date, 2 left undated, 1 already dated\n")
    assert "papers/untracked.yaml: not dated: no commit added this file yet" in err


def test_dated_records_still_check(records_repo: Path) -> None:
    fill_dates(Path("papers"))
    for name, day in (("renamed.yaml", dt.date(2024, 2, 11)),
                      ("no-newline.yaml", dt.date(2024, 3, 15))):
        paper, problems = check_paper(read(records_repo / "papers" / name), None)
        assert problems == [] and paper is not None and paper.added == day


def test_dates_outside_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "papers").mkdir()
    assert cli.main(["dates", "--papers", str(tmp_path / "papers")]) == 2
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'papers'}: not in a git repository — dates come from the git "
        "history; run this inside a clone of the list's repository\n")


def test_the_feed_and_newest_papers_show_the_dates_from_history(
        readme_repo: Path, tmp_path: Path) -> None:
    """Imported with history, the feed holds the dated papers with those dates and the
    home page lists them as newest additions; the undated paper is in neither."""
    out = tmp_path / "papers"
    import_file(readme_repo / "README.md", out, history=True)
    plist = check_dir(out)
    root = ET.fromstring(export_list(out, "atom", plist=plist).text)
    published = {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}published")
                 for e in root.findall(f"{ATOM}entry")}
    assert published == {title: f"{day}T00:00:00Z" for title, day in EXPECTED.items()}
    assert root.findtext(f"{ATOM}updated") == "2021-09-01T00:00:00Z"
    assert [e.paper.added for e in _newest(plist)] == sorted(EXPECTED.values(), reverse=True)


def test_the_flagship_imported_in_one_commit_stays_undated_everywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The flagship's case: all its records came in with one import commit and the
    hand-written README's history is not at hand, so nothing may be dated; the feed then
    has no entries and the home page lists the newest papers by year, without dates."""
    repo = tmp_path / "flagship"
    shutil.copytree(FLAGSHIP, repo / "papers")
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "2026-11-29T10:00:00+00:00", "import the README")
    monkeypatch.chdir(repo)
    before = _snapshot(repo / "papers")
    result = fill_dates(Path("papers"))
    assert result.dated == [] and result.kept == 0
    assert len(result.undated) == len(RECORDS) == 33
    assert all("added 33 records at once" in u.reason for u in result.undated)
    assert _snapshot(repo / "papers") == before
    plist = check_dir(Path("papers"))
    root = ET.fromstring(export_list(Path("papers"), "atom", plist=plist).text)
    assert root.findall(f"{ATOM}entry") == []
    newest = _newest(plist)
    assert newest and all(e.paper.added is None for e in newest)
    assert [e.paper.year for e in newest] == sorted((e.paper.year for e in newest),
                                                    reverse=True)


def test_records_dates_cannot_be_added_to_are_reported_and_left_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    papers = repo / "papers"
    papers.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    (papers / "broken.yaml").write_text("title: [unclosed\n", "utf-8")
    (papers / "empty-added.yaml").write_text("title: A Paper\nadded:\n", "utf-8")
    (papers / "flow.yaml").write_text("{title: A Paper, year: 2024}\n", "utf-8")
    (papers / "ended.yaml").write_text("title: A Paper\n...\n", "utf-8")
    commit(repo, "2024-05-01T10:00:00+00:00", "odd records")
    monkeypatch.chdir(repo)
    before = _snapshot(papers)
    result = fill_dates(Path("papers"))
    assert result.dated == [] and _snapshot(papers) == before
    reasons = {u.path.name: u.reason for u in result.undated}
    assert reasons["broken.yaml"].startswith("cannot be read (")
    assert reasons["broken.yaml"].endswith(") — fix it first (site-builder check)")
    assert reasons["empty-added.yaml"] == ("has an 'added:' key without a value — give it a "
                                           "date (YYYY-MM-DD) or delete the line")
    for name in ("flow.yaml", "ended.yaml"):
        assert reasons[name] == ("the date cannot be added as one line at the end — add "
                                 "'added: 2024-05-01' by hand")
