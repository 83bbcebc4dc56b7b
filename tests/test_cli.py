"""site_builder.cli: verbs, output formats and exit codes (0 ok, 1 invalid, 2 usage)."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from site_builder.cli import VERBS, _verb, build_parser, main
from tests.conftest import FLAGSHIP, LIST_FIXTURE, REPO, SEED, write_paper

LINE = re.compile(r"^papers/[\w.-]+\.yaml(:\d+)?: ")


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture list plus three broken records, as papers/ in the working directory."""
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    monkeypatch.chdir(tmp_path)
    write_paper(papers, "c-year", year=1700)
    write_paper(papers, "a-url", title="Another", url="javascript:alert(1)")
    (papers / "b-syntax.yaml").write_text("title: Dinomaly: The Less\n", encoding="utf-8")
    return papers


def test_check_ok(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--papers", str(LIST_FIXTURE)]) == 0
    assert capsys.readouterr().out == "ok: 5 papers in 3 sections\n"


def test_counts_of_one_are_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                    ) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    for record in sorted(p for p in papers.glob("*.yaml") if not p.name.startswith("_"))[1:]:
        record.unlink()
    assert main(["check", "--papers", str(papers)]) == 0
    assert capsys.readouterr().out == "ok: 1 paper in 3 sections\n"


def test_check_flagship_has_no_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--papers", str(FLAGSHIP), "--strict"]) == 0
    assert capsys.readouterr().out == "ok: 33 papers in 10 sections\n"


def test_check_reports_every_broken_record(broken: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "papers/a-url.yaml:6: url: 'javascript:alert(1)' is not an http(s) URL — give the "
        "full address starting with https://",
        "papers/b-syntax.yaml:1: YAML syntax error at column 16: mapping values are not "
        "allowed in this context — a value contains ': ' — put the whole value in double "
        "quotes, e.g. title: \"Dinomaly: The Less Is More\"",
        "papers/c-year.yaml:5: year: 1700 is out of range (1900–"
        f"{__import__('site_builder.model').model.max_year()}) — give the year the paper "
        "was published",
        "3 errors in 3 files"]
    assert all(LINE.match(line) for line in lines[:-1])


def test_check_github_format(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "github"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert [re.match(r"::error file=([^,]+),line=(\d+)", ln).groups()  # type: ignore[union-attr]
            for ln in lines[:-1]] == [("papers/a-url.yaml", "6"),
                                      ("papers/b-syntax.yaml", "1"),
                                      ("papers/c-year.yaml", "5")]
    assert ",col=16," in lines[1]
    assert lines[-1] == "3 errors in 3 files"


def test_check_json_format(broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data, list) and len(data) == 3
    for item in data:
        assert {"path", "line", "field", "message", "fix"} <= set(item)
    assert [(d["path"], d["line"], d["field"]) for d in data] == [
        ("papers/a-url.yaml", 6, "url"), ("papers/b-syntax.yaml", 1, ""),
        ("papers/c-year.yaml", 5, "year")]


def test_check_json_when_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--papers", str(LIST_FIXTURE), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_warnings_and_strict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    monkeypatch.chdir(tmp_path)
    text = (papers / "zhou2024-anomalyclip.yaml").read_text(encoding="utf-8")
    write_paper(papers, "zz-copy", extra=text[text.index("abstract:"):text.index("arxiv:")])
    assert main(["check"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("papers/zz-copy.yaml:8: abstract: warning: same abstract as "
                             "papers/zhou2024-anomalyclip.yaml")
    assert out[1:] == ["0 errors and 1 warning in 1 file", "ok: 6 papers in 3 sections"]
    assert main(["check", "--strict"]) == 1


def test_readme_leaves_the_old_readme_untouched_on_errors(
        broken: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = broken.parent / "README.md"
    readme.write_bytes(b"old\r\ncontent\n")
    os.utime(readme, (1_000_000, 1_000_000))
    assert main(["readme"]) == 1
    assert readme.read_bytes() == b"old\r\ncontent\n"
    assert readme.stat().st_mtime == 1_000_000
    err = capsys.readouterr().err
    assert "papers/c-year.yaml:5: year:" in err and err.rstrip().endswith("3 errors in 3 files")
    assert sorted(p.name for p in broken.parent.iterdir()) == ["README.md", "papers"]


def test_readme_writes_then_reports_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no templates/ overrides here: the bundled templates
    out = tmp_path / "README.md"
    args = ["readme", "--papers", str(LIST_FIXTURE), "-o", str(out)]
    assert main(args) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == \
        (REPO / "tests" / "golden" / "README.md").read_text(encoding="utf-8")
    assert main(args) == 0
    assert capsys.readouterr().out == f"unchanged {out}\n"
    assert main([*args, "--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("BMAD", "BNAD"), encoding="utf-8")
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert "is out of date" in err and "+- [[CVPR Workshops 2024]]" in err


def test_a_readme_past_githubs_limit_is_written_with_a_warning_and_a_way_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """GitHub shows the first 500 KiB of a README and drops the rest without a word: the
    maintainer hears it (from the cache's quick path too) and how to fix it, a list
    setting that leaves the abstracts to the website."""
    from site_builder.commands import readme as command

    monkeypatch.chdir(tmp_path)
    shutil.copytree(FLAGSHIP, tmp_path / "papers")
    assert main(["readme", "-o", "full.md"]) == 0
    full = len(Path("full.md").read_bytes())
    capsys.readouterr()
    monkeypatch.setattr(command, "GITHUB_README_LIMIT", full - 1)
    for run in ("renders", "from the cache"):
        assert main(["readme"]) == 0, run
        err = capsys.readouterr().err
        assert err.startswith("README.md: warning: 0.1 MB, but GitHub shows only the first "
                              "500 KiB of a README (about "), (run, err)
        assert "— set 'readme_abstracts: false' in papers/_list.yaml to leave the abstracts " \
               "to the website" in err, run
    assert Path("README.md").read_bytes() == Path("full.md").read_bytes()
    with open("papers/_list.yaml", "a", encoding="utf-8") as f:
        f.write("readme_abstracts: false\n")
    assert main(["readme"]) == 0
    assert capsys.readouterr().err == ""
    short = Path("README.md").read_text(encoding="utf-8")
    assert "<details>" not in short and "<summary>" not in short
    assert "The abstracts are not in this file (`readme_abstracts: false`)" in short
    entries = re.compile(r"^- \S*\[\[", re.M)  # every paper still listed
    assert len(short.encode()) < full / 2
    assert len(entries.findall(short)) == len(entries.findall(Path("full.md").read_text(
        encoding="utf-8"))) == len(list(FLAGSHIP.glob("[!_]*.yaml")))


@pytest.mark.parametrize("flags", [["--no-cache"], [], ["--no-cache", "--force"]])
def test_readme_compares_the_old_readme_s_bytes_as_its_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        flags: list[str]) -> None:
    """The old README is compared as bytes, not decoded: a BOM before the same text is
    still the same README (left as it is), another text is replaced, and one that is not
    UTF-8 is an error that leaves it alone — as when it was read as text."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "README.md"
    args = ["readme", "--papers", str(LIST_FIXTURE), "-o", str(out), *flags]
    assert main(args) == 0
    golden = out.read_bytes()
    out.write_bytes(b"\xef\xbb\xbf" + golden)
    os.utime(out, (1_000_000, 1_000_000))  # no cached signature of it
    capsys.readouterr()
    assert main(args) == 0 and capsys.readouterr().out == f"unchanged {out}\n"
    assert out.read_bytes() == b"\xef\xbb\xbf" + golden
    assert main([*args, "--check"]) == 0
    out.write_bytes(golden.replace(b"BMAD", b"BNAD"))
    assert main([*args, "--check"]) == 1 and "+- [[CVPR Workshops 2024]]" in \
        capsys.readouterr().err
    assert main(args) == 0 and capsys.readouterr().out == f"wrote {out}\n"
    assert out.read_bytes() == golden
    latin1 = golden.replace(b"BMAD", b"BM\xc9D")
    out.write_bytes(latin1)
    assert main(args) == 2 and "not valid UTF-8 (byte 0xC9)" in capsys.readouterr().err
    assert out.read_bytes() == latin1
    assert main([*args, "--check"]) == 2 and "not valid UTF-8" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["chek"], "invalid choice: 'chek'"),
    (["check", "--papers", "no-such-folder"], "no such folder"),
    (["check", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    (["readme", "--bogus"], "unrecognized arguments: --bogus"),
    ([], ""),
])
def test_usage_errors_exit_2(argv: list[str], message: str, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err + captured.out


def test_unknown_verb_suggests_the_closest(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chek"]) == 2
    assert "did you mean 'check'?" in capsys.readouterr().err
    assert main(["readm"]) == 2
    assert "did you mean 'readme'?" in capsys.readouterr().err


def _sub_help(parser: argparse.ArgumentParser, verb: str) -> str:
    subparsers = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    return subparsers.choices[verb].format_help()  # type: ignore[no-any-return]


def test_a_verb_gets_the_parser_the_whole_command_gives_it() -> None:
    """A run parses with its verb's parser only (start-up time): the same options,
    defaults and help as in the whole parser."""
    whole = build_parser()
    for verb in VERBS:
        alone = build_parser(verb)
        assert list(alone._subparsers._group_actions[0].choices) == [verb]  # type: ignore
        assert _sub_help(alone, verb) == _sub_help(whole, verb)
    args = ["check", "--papers", "p", "--format", "json", "--no-cache"]
    assert vars(build_parser("check").parse_args(args)) == vars(whole.parse_args(args))
    assert list(whole._subparsers._group_actions[0].choices) == list(VERBS)  # type: ignore


@pytest.mark.parametrize(("argv", "verb"), [
    (["check"], "check"), (["--debug", "readme", "--check"], "readme"),
    (["check", "--help"], "check"), (["chek"], None), (["--help", "check"], None),
    (["--version"], None), ([], None), (["--debug"], None), (["--", "check"], None),
])
def test_the_verb_is_read_before_parsing(argv: list[str], verb: str | None) -> None:
    assert _verb(argv) == verb


def test_help_still_lists_every_verb(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(verb in out for verb in VERBS)
    assert main([]) == 2
    assert "inbox-accept" in capsys.readouterr().out


def test_import_verb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["import", str(SEED), "--papers", "imported"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "imported 33 papers in 10 sections into imported/ (34 files)\n"
    assert "imported/li2023-rethinking-out-of-distribution-ood.yaml:" in captured.err
    assert "warning: same abstract as imported/cai2024-rethinking-autoencoders-for-medical-" \
        "anomaly.yaml" in captured.err
    # a second import would overwrite: refused without --force
    assert main(["import", str(SEED), "--papers", "imported"]) == 2
    assert "pass --force" in capsys.readouterr().err
    assert main(["import", str(SEED), "--papers", "imported", "--force"]) == 0


def test_import_of_a_file_that_is_not_a_list(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "notes.md"
    src.write_text("# Notes\n\nnothing here\n", encoding="utf-8")
    assert main(["import", str(src), "--papers", str(tmp_path / "out")]) == 2
    assert "no paper entries found" in capsys.readouterr().err
    assert main(["import", str(tmp_path / "missing.md"), "--papers",
                 str(tmp_path / "out")]) == 2


def test_schema_verb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "paper.schema.json").read_text(encoding="utf-8") == \
        (REPO / "schema" / "paper.schema.json").read_text(encoding="utf-8")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith("site-builder ")


def test_a_reader_that_leaves_early_gets_no_traceback(tmp_path: Path) -> None:
    """`site-builder check | head -1` on a long report: exit quietly, no BrokenPipeError."""
    import subprocess
    import sys

    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    for n in range(400):
        write_paper(papers, f"bad{n}", year=1700 + n % 100)
    proc = subprocess.run(f"'{sys.executable}' -m site_builder check --papers '{papers}' "
                          "| head -1", shell=True, capture_output=True, text=True, timeout=60)
    assert proc.stdout.count("\n") == 1 and "year" in proc.stdout
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr


def test_build_reads_the_records_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`build` renders the README and the site from one validation of the records."""
    import site_builder.checking as validate
    import site_builder.commands.readme as readme_cmd
    import site_builder.site as site_lib

    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    calls: list[Path] = []
    real = validate.check_dir
    for module in (validate, readme_cmd, site_lib):
        monkeypatch.setattr(module, "check_dir",
                            lambda p, only=None, **kw: calls.append(p) or real(p, **kw))
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--papers", "papers", "-o", "README.md", "-d", "site"]) == 0
    assert calls == [Path("papers")]
    assert (tmp_path / "README.md").is_file() and (tmp_path / "site" / "index.html").is_file()
