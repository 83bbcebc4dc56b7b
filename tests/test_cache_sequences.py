"""Sequences of random changes to a list: after each one, the cached runs give exactly
what cold runs give.

The named cases of tests/test_cache.py and tests/test_cache_fragments.py each change one
thing once; here the record cache, the README's kept section blocks and the ``readme
--check`` shortcut live through many changes in a row (edits, renames, deletions,
duplicates made and undone, moves into a subfolder and back, papers changing section),
through valid and invalid states alike.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from site_builder import quick
from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.errors import InvalidRecords

from .conftest import FLAGSHIP

pytestmark = pytest.mark.slow


def _run(*argv: str) -> int:
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        return main(list(argv))


def _outcome(folder: Path, use_cache: bool) -> tuple[str, object]:
    try:
        return "ok", check_dir(folder, cache=use_cache)
    except InvalidRecords as err:
        return "invalid", err.problems


class _Changes:
    """The changes a contributor makes, each picked at random from the list as it is."""

    def __init__(self, papers: Path, rng: random.Random) -> None:
        self.papers, self.rng = papers, rng
        self.sections = re.findall(r"^  id: (\S+)", (papers / "_list.yaml").read_text(
            encoding="utf-8"), flags=re.M)

    def files(self) -> list[Path]:
        return sorted(p for p in self.papers.rglob("*.yaml") if not p.name.startswith("_"))

    def apply(self, step: int) -> str:
        """One change; a duplicate made by the step before is undone along with it (a
        duplicate is an error, which would leave every later step invalid)."""
        copies = list(self.papers.rglob("copy*.yaml"))
        for copy in copies:
            copy.unlink()
        name = self.rng.choice(["edit", "touch", "rename", "delete", "duplicate", "move",
                                "back", "year", "section"])
        target = self.rng.choice(self.files())
        getattr(self, f"_{name}")(target, step)
        return f"{name} {target.name}" + (" (duplicate undone)" if copies else "")

    def _sub(self, target: Path, pattern: str, repl: str | Callable[[re.Match[str]], str]
             ) -> None:
        text = target.read_text(encoding="utf-8")
        target.write_text(re.sub(pattern, repl, text, count=1, flags=re.M), encoding="utf-8")

    def _edit(self, target: Path, step: int) -> None:
        self._sub(target, r"^title: ([\"']?)", lambda m: f"title: {m.group(1)}Step {step} ")

    def _touch(self, target: Path, step: int) -> None:
        os.utime(target)

    def _rename(self, target: Path, step: int) -> None:
        target.rename(target.with_name(f"r{step}-{target.name}"))

    def _delete(self, target: Path, step: int) -> None:
        target.unlink()

    def _duplicate(self, target: Path, step: int) -> None:
        shutil.copy(target, target.with_name(f"copy{step}.yaml"))

    def _move(self, target: Path, step: int) -> None:
        (self.papers / "sub").mkdir(exist_ok=True)
        target.rename(self.papers / "sub" / target.name)

    def _back(self, target: Path, step: int) -> None:
        for moved in sorted((self.papers / "sub").glob("*.yaml")) if (
                self.papers / "sub").is_dir() else []:
            moved.rename(self.papers / moved.name)

    def _year(self, target: Path, step: int) -> None:
        self._sub(target, r"^year: \d+", f"year: {self.rng.randint(2015, 2025)}")

    def _section(self, target: Path, step: int) -> None:
        self._sub(target, r"^category: \S+", f"category: {self.rng.choice(self.sections)}")


@pytest.mark.parametrize(("seed", "settled"), [(1, False), (2, True)],
                         ids=["just-written", "settled"])
def test_every_step_of_a_random_sequence_gives_the_cold_result(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, settled: bool) -> None:
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(tmp_path / "cache"))
    if settled:
        monkeypatch.setattr(quick, "RACY_NS", -(10**18))  # signatures alone decide
    papers = tmp_path / "papers"
    shutil.copytree(FLAGSHIP, papers)
    listing = papers / "_list.yaml"  # without order: renamed files stay valid
    listing.write_text(re.sub(r"^  order:\n(?:  - .*\n)+", "", listing.read_text(
        encoding="utf-8"), flags=re.M), encoding="utf-8")
    common = ["--papers", str(papers), "--templates", str(tmp_path / "no-templates")]
    warm, cold = tmp_path / "README.md", tmp_path / "README.cold.md"
    changes = _Changes(papers, random.Random(seed))
    assert _run("readme", *common, "-o", str(warm)) == 0
    valid = 0
    for step in range(30):
        what = changes.apply(step)
        code = _run("readme", *common, "-o", str(warm))
        assert code == _run("readme", *common, "-o", str(cold), "--no-cache", "--force"), what
        if code == 0:
            valid += 1
            assert warm.read_bytes() == cold.read_bytes(), what
            assert _run("readme", *common, "-o", str(warm), "--check") == 0, what
        assert _outcome(papers, True) == _outcome(papers, False), what
    assert valid >= 10  # the sequence went through valid lists, not only broken ones
