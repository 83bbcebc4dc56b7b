"""``site-builder import``: turn a README in the list's format into record files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..dump import write_list
from ..errors import UsageError
from ..fsio import file_error
from ..importers import IMPORTERS
from ..load import LIST_FILE


@dataclass(frozen=True)
class ImportResult:
    papers_dir: Path
    written: list[Path]
    papers: int
    sections: int
    skipped: list[tuple[int, str]]


def import_file(source: Path, papers_dir: Path, fmt: str = "readme", *,
                force: bool = False) -> ImportResult:
    """Write one YAML file per paper plus the list-level file into ``papers_dir``."""
    if (papers_dir / LIST_FILE).exists() and not force:
        raise UsageError(f"{papers_dir / LIST_FILE} exists — import into an empty folder, "
                         "or pass --force to overwrite")
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as err:
        raise UsageError(f"{source}: {err.strerror}") from err
    except UnicodeDecodeError as err:
        raise UsageError(f"{source}: not UTF-8 ({err.reason})") from err
    try:
        papers_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise file_error(papers_dir, err) from err
    imported = IMPORTERS[fmt](text)
    if not imported.papers:
        raise UsageError(f"{source}: no paper entries found — is it a README in the list's "
                         "format ('- [[VENUE YEAR]](url) **Title**')?")
    written = write_list(papers_dir, imported.info, imported.papers, imported.stems)
    return ImportResult(papers_dir, written, len(imported.papers),
                        len(imported.info.paper_sections()), imported.skipped)
