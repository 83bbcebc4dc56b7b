"""CONTRIBUTING.md follows the code: its field table is the record model's, its example
record passes the check and its category list is the list's."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

from site_builder import load
from site_builder.checking import check_dir
from site_builder.model import ListInfo, Paper
from site_builder.records import check_info, check_paper
from tests.conftest import FLAGSHIP

ROOT = Path(__file__).resolve().parents[1]


def repo_list() -> ListInfo:
    """This repository's list-level file, which CONTRIBUTING describes (its papers do not
    matter here)."""
    info, problems = check_info(load.read(ROOT / "papers" / "_list.yaml"))
    assert info is not None, problems
    return info
TEXT = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")


def field_table() -> str:
    """The table CONTRIBUTING.md must hold, from the specs in site_builder/model.py."""
    rows = ["| Field | Required | What it is | Example |", "| --- | --- | --- | --- |"]
    for f in dataclasses.fields(Paper):
        sp = f.metadata["spec"]
        example = sp.example
        if isinstance(example, list):
            example = json.dumps(example, ensure_ascii=False)
        cells = [f"`{f.name}`", "yes" if sp.required else "no", sp.doc.replace("|", r"\|"),
                 f"`{example}`" if example is not None else ""]
        rows.append("|" + "|".join(f" {c} " if c else " " for c in cells) + "|")
    return "\n".join(rows)


def test_the_field_table_is_the_model_s() -> None:
    expected = field_table()
    assert expected in TEXT, f"replace the table in CONTRIBUTING.md with:\n\n{expected}\n"


def test_every_paper_field_is_explained() -> None:
    for name in Paper.__dataclass_fields__:
        assert f"| `{name}` |" in TEXT, name


def test_the_example_record_passes_the_check() -> None:
    block = re.search(r"## An example record\n\n```yaml\n(.*?)\n```", TEXT, re.S)
    assert block
    section_ids = [s.id for s in repo_list().paper_sections() if s.id]
    paper, problems = check_paper(load.parse("example.yaml", block.group(1).encode()),
                                  section_ids)
    assert problems == [] and paper is not None
    assert paper.category in section_ids


def test_the_categories_named_are_the_list_s() -> None:
    part = TEXT.split("## The fields", 1)[1].split("| Field |", 1)[0]
    named = re.findall(r"`([a-z0-9-]+)`", part.split("papers/_list.yaml", 1)[1])
    assert named == [s.id for s in repo_list().paper_sections()]


def test_local_commands_exist() -> None:
    from site_builder.cli import build_parser

    for line in re.findall(r"^site-builder ([a-z-]+)", TEXT, re.M):
        assert line in build_parser()._subparsers._group_actions[0].choices  # type: ignore


def test_every_field_example_passes_its_check() -> None:
    """The examples of the field table (and of the 'is missing' hints) are valid values;
    the category example is a section of the list CONTRIBUTING.md describes."""
    from site_builder.kinds import CHECKS

    for f in dataclasses.fields(Paper):
        sp = f.metadata["spec"]
        if sp.example is None:
            continue
        CHECKS[sp.kind](sp.example)  # raises Bad for an invalid example
    section_ids = [s.id for s in check_dir(FLAGSHIP).paper_sections() if s.id]
    assert Paper.__dataclass_fields__["category"].metadata["spec"].example in section_ids
