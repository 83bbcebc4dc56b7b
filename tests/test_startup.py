"""Light start-up: ``check``, ``readme`` and the pre-commit hook (``site-builder check``)
import neither MkDocs, Material, requests nor numeric libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import LIST_FIXTURE

HEAVY = ("mkdocs", "material", "requests", "urllib3", "numpy", "pandas", "scipy",
         "ftfy", "pylatexenc", "PIL")  # and the importers' repairs, and the figures' Pillow

PROBE = """
import sys
from site_builder.cli import main
papers, out = sys.argv[1], sys.argv[2]
assert main(["check", "--papers", papers]) == 0
assert main(["readme", "--papers", papers, "-o", out]) == 0
assert main(["readme", "--papers", papers, "-o", out, "--check"]) == 0
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
"""


def test_check_and_readme_import_no_heavy_module(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, str(LIST_FIXTURE),
                           str(tmp_path / "README.md")], capture_output=True, text=True,
                          cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split("\n")[-2].split())
    assert "site_builder" in loaded and "jinja2" in loaded  # the probe did run both verbs
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


CHECK_PROBE = """
import sys
from site_builder.cli import main
assert main(["check", "--papers", sys.argv[1]]) == 0
print(" ".join(sorted(sys.modules)))
"""
# What a `check` of a small list (the pre-commit hook) has no use for, each a few ms of
# every run: typing (annotations only), OpenSSL's hashes (blake2b is built in), shutil
# (argparse asks it for the terminal width), importlib.resources (+ tempfile, random).
NOT_FOR_CHECK = ("typing", "_hashlib", "shutil", "importlib.resources", "tempfile", "random",
                 "jinja2", "site_builder.render")


def test_check_imports_only_what_it_uses(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", CHECK_PROBE, str(LIST_FIXTURE)],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split("\n")[-2].split())
    assert "site_builder.checking" in loaded
    assert loaded.isdisjoint(NOT_FOR_CHECK), sorted(loaded & set(NOT_FOR_CHECK))


SHORTCUT_PROBE = """
import sys
from site_builder import quick
quick.RACY_NS = -10**18  # the files were just copied: let their signatures decide
from site_builder.cli import main
assert main(["readme", "--papers", sys.argv[1], "-o", sys.argv[2], *sys.argv[3:], "-v"]) == 0
print(" ".join(sorted(sys.modules)))
"""
# What `readme --check` with nothing changed (the pre-commit hook and CI) has no use for:
# the shortcut is a stat of every file and a compare of keys (site_builder.quick).
NOT_FOR_THE_SHORTCUT = ("yaml", "jinja2", "markupsafe", "site_builder.load",
                        "site_builder.model", "site_builder.cache", "site_builder.checking",
                        "site_builder.render", "site_builder.kinds", "site_builder.records",
                        "site_builder.commands.readme", "typing", "_hashlib", "shutil",
                        "tempfile", "random")


def test_the_readme_check_shortcut_imports_neither_yaml_nor_jinja(tmp_path: Path) -> None:
    import shutil

    papers, out = tmp_path / "papers", tmp_path / "README.md"
    shutil.copytree(LIST_FIXTURE, papers)
    fill = subprocess.run([sys.executable, "-c", SHORTCUT_PROBE, str(papers), str(out)],
                          capture_output=True, text=True, cwd=tmp_path, check=False)
    assert fill.returncode == 0, fill.stderr
    assert "jinja2" in fill.stdout  # the first run renders
    done = subprocess.run([sys.executable, "-c", SHORTCUT_PROBE, str(papers), str(out),
                           "--check"], capture_output=True, text=True, cwd=tmp_path,
                          check=False)
    assert done.returncode == 0, done.stderr
    assert "stat walk:" in done.stderr and "cache lookup:" not in done.stderr  # it decided
    loaded = set(done.stdout.split("\n")[-2].split())
    assert "site_builder.quick" in loaded
    assert loaded.isdisjoint(NOT_FOR_THE_SHORTCUT), sorted(loaded & set(NOT_FOR_THE_SHORTCUT))
