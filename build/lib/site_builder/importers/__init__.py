"""Importers: other formats → records, chosen by format name."""

from __future__ import annotations

from collections.abc import Callable

from .readme import Imported, parse_readme

IMPORTERS: dict[str, Callable[[str], Imported]] = {"readme": parse_readme}

__all__ = ["IMPORTERS", "Imported", "parse_readme"]
