"""site_builder.schema: the committed JSON Schemas match the model and the data."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from site_builder.schema import render_schemas, write_schemas
from tests.conftest import FLAGSHIP, LIST_FIXTURE, REPO

SCHEMA_DIR = REPO / "schema"


def _schema(name: str) -> dict:
    return json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))


def _records(folder: Path) -> list[tuple[Path, dict]]:
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8")))
            for p in sorted(folder.glob("*.yaml")) if not p.name.startswith("_")]


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = _schema(name)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def test_committed_schemas_are_what_the_model_gives() -> None:
    rendered = render_schemas()
    assert sorted(rendered) == sorted(p.name for p in SCHEMA_DIR.glob("*.json"))
    for name, text in rendered.items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == text, \
            f"{name} is stale: run 'site-builder schema'"


def test_write_schemas(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert sorted(p.name for p in written) == ["list.schema.json", "paper.schema.json",
                                              "papers-export.schema.json"]
    assert all(p.read_text(encoding="utf-8") == render_schemas()[p.name] for p in written)


def _jsonable(data: object) -> object:
    """YAML dates → ISO strings, as an editor's YAML language server sees them."""
    return json.loads(json.dumps(data, default=str))


@pytest.mark.parametrize("folder", [FLAGSHIP, LIST_FIXTURE], ids=["flagship", "fixture"])
def test_every_record_validates_against_the_schema(folder: Path) -> None:
    papers = _validator("paper.schema.json")
    records = _records(folder)
    assert records
    for path, data in records:
        errors = [e.message for e in papers.iter_errors(_jsonable(data))]
        assert errors == [], path.name
    info = yaml.safe_load((folder / "_list.yaml").read_text(encoding="utf-8"))
    assert list(_validator("list.schema.json").iter_errors(_jsonable(info))) == []


GOOD = {"title": "T", "authors": ["A"], "venue": "V", "year": 2024,
        "url": "https://example.org/a", "category": "c"}


@pytest.mark.parametrize(("change", "what"), [
    ({"year": "2024"}, "'2024' is not of type 'integer'"),
    ({"authors": "A, B"}, "'A, B' is not of type 'array'"),
    ({"marks": "yes"}, "'yes' is not of type 'array'"),
    ({"title": True}, "True is not of type 'string'"),
    ({"titel": "T"}, "Additional properties are not allowed ('titel' was unexpected)"),
    ({"url": "javascript:alert(1)"}, "'javascript:alert(1)' does not match"),
    ({"url": "ftp://example.org/a"}, "'ftp://example.org/a' does not match"),
    ({"title": ""}, "'' should be non-empty"),
    ({"year": 1850}, "1850 is less than the minimum of 1900"),
    ({"category": "Not An Id"}, "'Not An Id' does not match"),
    ({"tags": ["Brain MRI"]}, "'Brain MRI' does not match"),
])
def test_bad_records_fail_the_schema(change: dict, what: str) -> None:
    validator = _validator("paper.schema.json")
    assert list(validator.iter_errors(GOOD)) == []
    errors = [e.message for e in validator.iter_errors({**GOOD, **change})]
    assert any(e.startswith(what) for e in errors), errors


def test_missing_required_fails_the_schema() -> None:
    validator = _validator("paper.schema.json")
    data = {k: v for k, v in GOOD.items() if k != "url"}
    assert [e.message for e in validator.iter_errors(data)] == ["'url' is a required property"]
