"""A record's file name is the paper's permanent link (its page ``papers/<stem>/``, its
card's HTML id and the anchor the README and the site link to): a name with a space, '#',
a quote, markup or capitals was accepted, and gave links that lead elsewhere
(``papers/a#b/`` opens ``papers/a``) or break."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.errors import InvalidRecords
from site_builder.kinds import CHECKS, MAX_ID, Bad, Kind, all_record_names
from tests.conftest import LIST_FIXTURE

RECORD = ("title: A Paper Named {n}\nauthors: [\"Doe, Jane\"]\nvenue: CVPR\nyear: 2024\n"
          "url: https://example.org/{n}\ncategory: benchmarks\n")


@pytest.mark.parametrize(("stem", "fix"), [
    ("a#b", "a-b"), ("Upper Case", "upper-case"), ('a"b', "a-b"), ("a\tb", "a-b"),
    ("<img src=x onerror=alert(1)>", "img-src-x-onerror-alert-1"), ("-x", "x"),
    ("a?b", "a-b"), ("a%20b", "a-20b"), ("a\u200db", "ab"), ("x ", "x"),
])
def test_a_file_name_that_is_no_link_is_a_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stem: str, fix: str) -> None:
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / f"{stem}.yaml").write_text(RECORD.format(n=len(stem)), encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    (problem,) = err.value.problems
    assert problem.path == f"papers/{stem}.yaml" and problem.line == 0
    assert problem.message.endswith("cannot be a permanent link (use letters, digits, '-', "
                                    "'_' or '.')")
    assert problem.fix == ("rename the file (its name is the paper's permanent link on the "
                           f"site); write it as {fix!r}")


@pytest.mark.parametrize("stem", ["Zhang2024", "a_b", "straße-2024", "x.v2", "2024-liu"])
def test_names_people_give_files_are_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           stem: str) -> None:
    """Capitals, '_', '.', digits first and letters of any script make working links:
    the names of a list kept by hand pass, though ``new`` writes stricter ones."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / f"{stem}.yaml").write_text(RECORD.format(n=len(stem)), encoding="utf-8")
    assert stem in {e.key for e in check_dir(papers).entries}


@pytest.mark.parametrize(("first", "second"), [("Zhang2024", "sub/zhang2024"),
                                                ("Élan-2024", "élan-2024")])
def test_names_that_differ_only_in_case_are_one_file_elsewhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str, second: str) -> None:
    """A Mac's or Windows' file system holds 'Zhang2024.yaml' and 'zhang2024.yaml' as one
    file: a clone there keeps one of the two papers, and a site built there one page."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / f"{first}.yaml").write_text(RECORD.format(n=1), encoding="utf-8")
    (papers / "sub").mkdir()
    (papers / f"{second}.yaml").write_text(RECORD.format(n=2), encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    assert [p.text() for p in err.value.problems] == [
        f"papers/{second}.yaml: the file name {Path(second).name!r} differs from "
        f"papers/{first}.yaml "
        "only in case; a Mac or Windows takes the two names (and the two pages) as one — "
        "rename one of the two files"]


def test_check_changed_only_reports_the_names_of_changed_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``check --changed-only`` judges the files a pull request changed, as for every
    other per-file rule: an old badly named file does not fail someone else's change."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "Old Name.yaml").write_text(RECORD.format(n=1), encoding="utf-8")
    (papers / "new.yaml").write_text(RECORD.format(n=2), encoding="utf-8")
    plist = check_dir(papers, only={"papers/new.yaml"})
    assert {"new", "Old Name"} <= {e.key for e in plist.entries}
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers, only={"papers/Old Name.yaml"})
    assert [p.path for p in err.value.problems] == ["papers/Old Name.yaml"]


def test_the_names_of_a_list_are_judged_at_once_as_each_alone() -> None:
    """:func:`all_record_names` (one search over every name, the cost of a large list of
    good names) says yes exactly when the check of each name accepts it: names with a
    line break, which would read as two names, included."""
    rng = random.Random(3)
    alphabet = "aZ9_.-# \n\u200dé\t\r\x85\u2028"

    def accepted(name: str) -> bool:
        try:
            CHECKS[Kind.RECORD_NAME](name)
        except Bad:
            return False
        return True

    for _ in range(20000):
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))
        assert all_record_names([name]) is accepted(name), repr(name)
        assert all_record_names(["good", name, "x"]) is accepted(name), repr(name)
    assert all_record_names([]) and not all_record_names(["x" * (MAX_ID + 1)])


@pytest.mark.parametrize("fmt", ["text", "github"])
def test_a_file_name_cannot_drive_the_terminal_or_split_a_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        fmt: str) -> None:
    """A record named with ESC (a terminal's escape sequences: colours, a cleared screen,
    a window title) or a line break (one problem reading as two, the second forged) was
    printed as it is in every problem about it: each is written as its escape now."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / "\x1b[2J\x1b]0;x\x07a.yaml").write_text(RECORD.format(n=1), encoding="utf-8")
    (papers / "b\nforged: all is well.yaml").write_text(RECORD.format(n=2), encoding="utf-8")
    assert main(["check", "--papers", "papers", "--format", fmt]) == 1
    out = capsys.readouterr()
    lines = (out.out + out.err).splitlines()
    assert not [line for line in lines if re.search(r"[\x00-\x1f\x7f]", line)]
    assert any("papers/\\x1b[2J\\x1b]0;x\\x07a.yaml" in line for line in lines)
    assert not [line for line in lines if line.startswith("forged")]
    assert any("papers/b\\nforged" in line for line in lines)  # ":" is "%3A" for GitHub


@pytest.mark.parametrize("stem", ["README", "index"])
def test_a_name_the_website_takes_as_a_folders_index_is_a_problem(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stem: str) -> None:
    """MkDocs serves papers/README.md and papers/index.md as papers/: a record named
    README.yaml had its page there while every link led to papers/README/ (a 404), and
    the two together stopped the site build with an unexplained strict-mode warning."""
    monkeypatch.chdir(tmp_path)
    papers = Path("papers")
    shutil.copytree(LIST_FIXTURE, papers)
    (papers / f"{stem}.yaml").write_text(RECORD.format(n=1), encoding="utf-8")
    with pytest.raises(InvalidRecords) as err:
        check_dir(papers)
    assert [p.text() for p in err.value.problems] == [
        f"papers/{stem}.yaml: {stem!r} cannot be a permanent link: the website serves a page "
        "of that name as its folder's index — rename the file, e.g. author2024-title"]
    (papers / f"{stem}.yaml").rename(papers / f"{stem}-2024.yaml")
    assert f"{stem}-2024" in {e.key for e in check_dir(papers).entries}
