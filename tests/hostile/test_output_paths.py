"""No output file lands in the papers folder: ``export``, ``links`` and ``inbox`` wrote
``-o FILE`` (and ``links`` its ``--state`` cache) wherever it pointed, so ``export -o
papers/_list.yaml`` replaced the list's own file (and ``-o papers/<record>.yaml`` a record)
with a CSV, and ``readme --force`` could do the same.  Each is refused with exit 2 before
anything is read from the network or written, every file intact."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.cli import main
from tests.hostile.fs_helpers import snapshot


def _message(out: str) -> str:
    return (f"error: {out}: is in the papers folder (papers), which holds only the list's own "
            "files — give a path outside it\n")


@pytest.mark.parametrize(("argv", "out"), [
    (["export", "--format", "csv", "-o", "papers/_list.yaml"], "papers/_list.yaml"),
    (["export", "--format", "bibtex", "-o", "papers/guo2025-dinomaly.yaml"],
     "papers/guo2025-dinomaly.yaml"),
    (["export", "--format", "json", "-o", "papers/new.yaml"], "papers/new.yaml"),
    (["export", "--format", "ris", "-o", "papers/sub/x.yaml"], "papers/sub/x.yaml"),
    (["export", "--format", "atom", "-o", "papers/../papers/_list.yaml"],
     "papers/../papers/_list.yaml"),
    (["readme", "--force", "-o", "papers/_list.yaml"], "papers/_list.yaml"),
    (["readme", "-o", "papers/readme.yaml"], "papers/readme.yaml"),
    (["build", "--force", "-o", "papers/_list.yaml", "-d", "site"], "papers/_list.yaml"),
    (["links", "--no-state", "-o", "papers/_list.yaml"], "papers/_list.yaml"),
    (["links", "--state", "papers/_list.yaml"], "papers/_list.yaml"),
    (["inbox", "--no-remember", "-o", "papers/_list.yaml"], "papers/_list.yaml"),
], ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_no_output_is_written_into_the_papers_folder(
        project: Path, argv: list[str], out: str, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project)
    assert main(argv) == 2
    assert capsys.readouterr().err == _message(out)
    assert snapshot(project) == before
    assert not (project / "site").exists()


def test_a_link_into_the_papers_folder_is_refused_too(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "out").symlink_to(project / "papers")
    before = snapshot(project)
    assert main(["export", "--format", "csv", "-o", "out/_list.yaml"]) == 2
    assert "out/_list.yaml: is in the papers folder" in capsys.readouterr().err
    assert snapshot(project) == before


def test_an_export_beside_the_papers_folder_is_written(project: Path) -> None:
    assert main(["export", "--format", "csv", "-o", "papers.csv"]) == 0
    assert (project / "papers.csv").read_text(encoding="utf-8").startswith("key,title,")
