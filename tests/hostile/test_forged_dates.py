"""A commit's date is whatever the committer's clock (or ``GIT_COMMITTER_DATE``) said:
``dates`` wrote a forged future day into a record as ``added``, which kept the paper first
among the newest (and now fails ``check``).  Such a record is left undated and reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from site_builder.checking import check_dir
from site_builder.commands.dates import fill_dates
from tests.conftest import LIST_FIXTURE
from tests.test_dates import commit, git


def test_a_commit_from_the_future_dates_nothing(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    repo = tmp_path / "repo"
    papers = repo / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "2024-01-05T09:00:00+00:00", "the list")
    record = ('title: {0} Paper\nauthors: ["Doe, Jane"]\nvenue: CVPR\nyear: 2024\n'
              "url: https://example.org/{0}\ncategory: benchmarks\n")
    (papers / "fine.yaml").write_text(record.format("Fine"), "utf-8")
    commit(repo, "2024-03-01T09:00:00+00:00", "a paper")
    (papers / "later.yaml").write_text(  # unlike fine.yaml: git sees no copy of it
        'title: Quite Another Study\nauthors: ["Roe, Rich", "Poe, Edgar"]\nvenue: MICCAI\n'
        "year: 2023\nurl: https://example.net/late\ncategory: reconstruction\n", "utf-8")
    commit(repo, "2090-01-01T09:00:00+00:00", "a paper, committed from the future")
    monkeypatch.chdir(repo)
    before = (papers / "later.yaml").read_bytes()
    result = fill_dates(Path("papers"))
    dated = {p.name: day.isoformat() for p, day in result.dated}
    assert dated["fine.yaml"] == "2024-03-01"
    assert dated.get("later.yaml") is None, dated.get("later.yaml")
    assert (papers / "later.yaml").read_bytes() == before
    (reason,) = [u.reason for u in result.undated if u.path.name == "later.yaml"]
    assert reason.startswith("came in with commit ")
    assert reason.endswith(", dated 2090-01-01, in the future — add 'added:' by hand")
    check_dir(Path("papers"))  # nothing written that check refuses
