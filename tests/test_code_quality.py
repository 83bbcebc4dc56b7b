"""The code stays lint-clean and type-checked (ruff and mypy, configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=300)


def test_ruff_is_clean() -> None:
    result = _run("ruff", "check", "site_builder", "tests", "benchmarks")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr



def _prints_or_exits(source: str) -> list[int]:
    """Lines that print, exit or write to the terminal (sys.stdout / sys.stderr)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        name = node.id if isinstance(node, ast.Name) else \
            node.attr if isinstance(node, ast.Attribute) else None
        to_terminal = isinstance(node, ast.Attribute) and node.attr in ("stdout", "stderr") \
            and isinstance(node.value, ast.Name) and node.value.id == "sys"
        if name in ("print", "exit", "_exit", "pprint") or to_terminal:
            found.append(node.lineno)  # type: ignore[attr-defined]
    return sorted(found)


def test_only_the_cli_prints_or_exits() -> None:
    """Library code returns results and raises errors; cli.py alone prints and exits."""
    package = REPO / "site_builder"
    found = [f"{path.relative_to(package)}:{line}" for path in sorted(package.rglob("*.py"))
             if path != package / "cli.py"
             for line in _prints_or_exits(path.read_text(encoding="utf-8"))]
    assert found == []


def test_the_print_detector_detects() -> None:
    assert _prints_or_exits("import sys\nprint(1)\nsys.stderr.write('x')\nsys.exit(2)\n"
                            "os._exit(1)\nresult.stdout\n") == [2, 3, 4, 5]
