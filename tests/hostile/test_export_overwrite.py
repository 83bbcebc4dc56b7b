"""``export -o FILE`` replaces only a file an export wrote: ``export -o notes.csv`` replaced
whatever was there.  BibTeX and Atom exports say who wrote them (a header comment, a
``generator`` element); a CSV, JSON or RIS file cannot, so the one the last export of the
list wrote is known by its remembered digest.  Anything else is refused with exit 2 and
left as it was, unless ``--force``."""

from __future__ import annotations

from pathlib import Path

import pytest

from site_builder.cli import main
from site_builder.exporters import FORMATS
from tests.hostile.fs_helpers import snapshot

MARKED = ["bibtex", "atom"]
UNMARKED = ["csv", "json", "ris"]
RECORD = Path("papers/guo2025-dinomaly.yaml")


def _refusal(out: str, fmt: str) -> str:
    marker = FORMATS[fmt].marker
    why = f"it does not hold '{marker}'" if marker else \
        (f"it is not the file an export of this list last wrote there; a "
         f"{FORMATS[fmt].label} file cannot say who wrote it")
    return (f"error: {out}: was not written by site-builder export ({why}), so it is left "
            "alone — pass --force to replace it, or write elsewhere with -o FILE\n")


def _retitle(title: str) -> None:
    text = RECORD.read_text(encoding="utf-8")
    RECORD.write_text("\n".join(f"title: {title}" if line.startswith("title:") else line
                                for line in text.split("\n")), encoding="utf-8")


@pytest.mark.parametrize("fmt", [*MARKED, *UNMARKED])
def test_a_file_the_tool_did_not_write_is_left_alone(
        project: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = f"mine.{fmt}"
    Path(out).write_text("my own notes\n", encoding="utf-8")
    before = snapshot(project)
    assert main(["export", "--format", fmt, "-o", out]) == 2
    assert capsys.readouterr().err == _refusal(out, fmt)
    assert snapshot(project) == before
    assert main(["export", "--format", fmt, "-o", out, "--force"]) == 0
    assert Path(out).read_text(encoding="utf-8") != "my own notes\n"


@pytest.mark.parametrize("fmt", [*MARKED, *UNMARKED])
def test_an_export_replaces_the_file_an_export_wrote(
        project: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = Path(f"papers.{fmt}")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    first = out.read_bytes()
    _retitle("A Title Changed Since")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    assert out.read_bytes() != first and b"A Title Changed Since" in out.read_bytes()
    assert capsys.readouterr().err.splitlines()[-1] == f"wrote {out}"


@pytest.mark.parametrize("fmt", UNMARKED)
def test_an_export_edited_by_hand_is_left_alone(
        project: Path, fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    """An edit makes the file someone's: its digest is no longer the remembered one."""
    out = Path(f"papers.{fmt}")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    out.write_bytes(out.read_bytes() + b"\n")
    edited = out.read_bytes()
    capsys.readouterr()
    _retitle("A Title Changed Since")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 2
    assert capsys.readouterr().err == _refusal(str(out), fmt)
    assert out.read_bytes() == edited


@pytest.mark.parametrize("fmt", UNMARKED)
def test_an_unremembered_file_is_left_alone_unless_it_is_the_output(
        project: Path, fmt: str, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A fresh clone (another cache): the export committed there is not known; the same
    bytes are not a replacement (nothing is written), other bytes need --force."""
    out = Path(f"papers.{fmt}")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(tmp_path_factory.mktemp("fresh")))
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    assert capsys.readouterr().err.splitlines()[-1] == f"unchanged {out}"
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(tmp_path_factory.mktemp("fresher")))
    kept = out.read_bytes()
    _retitle("A Title Changed Since")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 2
    assert capsys.readouterr().err == _refusal(str(out), fmt)
    assert out.read_bytes() == kept
    assert main(["export", "--format", fmt, "-o", str(out), "--force"]) == 0
    assert b"A Title Changed Since" in out.read_bytes()


@pytest.mark.parametrize("fmt", MARKED)
def test_a_marked_export_is_known_by_its_marker(
        project: Path, fmt: str, tmp_path_factory: pytest.TempPathFactory,
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = Path(f"papers.{fmt}")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    marker = FORMATS[fmt].marker
    assert marker is not None and marker in out.read_text(encoding="utf-8")
    monkeypatch.setenv("SITE_BUILDER_CACHE_DIR", str(tmp_path_factory.mktemp("fresh")))
    _retitle("A Title Changed Since")
    assert main(["export", "--format", fmt, "-o", str(out)]) == 0
    assert b"A Title Changed Since" in out.read_bytes()


def test_an_empty_file_is_replaced(project: Path) -> None:
    """Nothing to lose: what ``mktemp`` gives a script to export into."""
    Path("papers.csv").touch()
    assert main(["export", "--format", "csv", "-o", "papers.csv"]) == 0
    assert Path("papers.csv").read_text(encoding="utf-8").startswith("key,title,")


def test_a_link_is_left_alone_and_its_target_too(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("target.bib").write_text("% Exported by site-builder, or so it says\n",
                                  encoding="utf-8")
    Path("papers.bib").symlink_to("target.bib")
    assert main(["export", "--format", "bibtex", "-o", "papers.bib"]) == 2
    assert capsys.readouterr().err == (
        "error: papers.bib: is a symbolic link — replace the link by the file, or pass "
        "--force to replace the link by the export\n")
    assert main(["export", "--format", "bibtex", "-o", "papers.bib", "--force"]) == 0
    assert not Path("papers.bib").is_symlink()
    assert Path("target.bib").read_text(encoding="utf-8").endswith("or so it says\n")


def test_a_folder_is_named_as_such(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    Path("exports").mkdir()
    assert main(["export", "--format", "json", "-o", "exports"]) == 2
    assert capsys.readouterr().err == ("error: exports: is a folder — give the export's file "
                                       "name with -o, e.g. -o papers.json\n")
