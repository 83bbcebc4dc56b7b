"""The package as published: license file, one version, a description that is not the
generated README, every imported package declared, bounded dependencies."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
PROJECT = PYPROJECT["project"]
# Import name → distribution name, where they differ.
DISTRIBUTIONS = {"yaml": "pyyaml", "PIL": "pillow"}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[<>=!~;\[ ]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_license_file_is_the_declared_license() -> None:
    assert PROJECT["license"] == "MIT" and PROJECT["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text


def test_the_version_is_written_once() -> None:
    import site_builder

    assert "version" not in PROJECT and PROJECT["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "site_builder.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", site_builder.__version__)


def test_the_description_is_a_paragraph_not_the_generated_readme() -> None:
    readme = PROJECT["readme"]
    assert isinstance(readme, dict) and readme["content-type"] == "text/markdown"
    assert "\n" not in readme["text"].strip() and 200 < len(readme["text"]) < 1200


def test_every_imported_package_is_declared() -> None:
    imported: set[str] = set()
    for path in (REPO / "site_builder").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name for name in imported
                   if name not in sys.stdlib_module_names and name != "site_builder"}
    assert third_party >= {"yaml", "jinja2", "markupsafe", "mkdocs", "requests"}
    declared = _requirement_names(PROJECT["dependencies"])
    missing = {DISTRIBUTIONS.get(n, n) for n in third_party} - declared
    assert not missing, f"add to [project] dependencies: {sorted(missing)}"


def test_the_theme_has_an_upper_bound() -> None:
    (material,) = [r for r in PROJECT["dependencies"] if r.startswith("mkdocs-material")]
    assert "<10" in material


def test_the_bundled_templates_ship_with_the_package() -> None:
    assert "templates/**/*" in PYPROJECT["tool"]["setuptools"]["package-data"]["site_builder"]
    bundled = REPO / "site_builder" / "templates"
    assert not bundled.is_symlink() and (bundled / "readme" / "README.md.j2").is_file()
    overrides = {p.relative_to(REPO / "templates").as_posix()
                 for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert overrides == {"readme/setup.md.j2"}  # this repository's own prose only
    assert Path(REPO / "templates" / "readme" / "setup.md.j2").read_text(
        encoding="utf-8").count("chromium") == 1
