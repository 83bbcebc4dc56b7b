"""Fixtures shared by the hostile tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import LIST_FIXTURE


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository (it has .git) holding the fixture list as papers/; the working folder."""
    shutil.copytree(LIST_FIXTURE, tmp_path / "papers")
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path
