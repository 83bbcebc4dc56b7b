"""The README's build section is the one documented way to build and test, and CI runs it."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

from site_builder.cli import build_parser, main
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _build_section() -> str:
    start = README.index("## 🛠️ Building this list")
    rest = README[start + 3:]
    end = rest.find("\n## ")
    return rest if end < 0 else rest[:end]


def _fenced(text: str) -> list[str]:
    return re.findall(r"^```[a-z]*\n(.*?)^```$", text, re.M | re.S)


def test_build_section_holds_exactly_two_one_line_commands() -> None:
    blocks = _fenced(_build_section())
    assert len(blocks) == 2
    assert all(block.count("\n") == 1 for block in blocks)
    build, test = (b.strip() for b in blocks)
    assert build.endswith("site-builder build")
    assert test.endswith("python -m pytest")
    assert len(_fenced(README)) == 2  # and there is no other recipe elsewhere


def test_the_readme_ends_with_the_two_commands() -> None:
    """After the test command: the one line saying what it does, then only the footer."""
    after = README[README.rindex("```") + 3:].strip().split("\n\n")
    assert after[0].startswith("installs and runs the tests")
    assert all(part.startswith(("[![", "<!--")) for part in after[1:]), after[1:]


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    run = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in run.splitlines() if line.strip() and
                not line.lstrip().startswith("#")]
    test_command = _fenced(_build_section())[1].strip()
    assert test_command in commands
    # then the checks of the live list, which the tests themselves never read
    assert commands[commands.index(test_command) + 1:] == [
        ".venv/bin/site-builder check --strict", ".venv/bin/site-builder readme --check",
        '.venv/bin/site-builder site -d "$(mktemp -d)/site"']


def _verbs() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def test_the_parser_has_the_documented_verbs() -> None:
    assert {"check", "readme", "import", "site", "build", "schema"} <= set(_verbs())


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([verb, "--help"])
    assert info.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: site-builder {verb}")


def test_console_script_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "site_builder", "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0
    for verb in _verbs():
        assert verb in proc.stdout
