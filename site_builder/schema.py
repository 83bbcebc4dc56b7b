"""JSON Schemas of the record files, generated from :mod:`site_builder.model`.

Editors (VS Code with the YAML extension, any yaml-language-server client) use them for
completion and errors while typing; ``tests/test_schema.py`` keeps the files in step with
the model.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from .model import MIN_YEAR, Kind, ListInfo, Paper, Spec
from .render import write_atomic

_NON_EMPTY = {"type": "string", "minLength": 1, "pattern": r"\S"}
_BY_KIND: dict[Kind, dict[str, Any]] = {
    Kind.TEXT: _NON_EMPTY,
    Kind.LONG_TEXT: _NON_EMPTY,
    Kind.MARKDOWN: _NON_EMPTY,
    Kind.NAMES: {"type": "array", "minItems": 1, "items": _NON_EMPTY},
    Kind.TAGS: {"type": "array", "minItems": 1,
                "items": {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"}},
    Kind.STRINGS: {"type": "array", "minItems": 1, "items": _NON_EMPTY},
    Kind.URL: {"type": "string", "format": "uri", "pattern": r"^https?://\S+$"},
    Kind.BOOL: {"type": "boolean"},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.ID: {"type": "string", "pattern": r"^[a-z0-9]+(-[a-z0-9]+)*$"},
    Kind.ANCHOR: {"type": "string", "pattern": r"^[A-Za-z][A-Za-z0-9_-]*$"},
    Kind.DOI: {"type": "string", "pattern": r"^10\.\d{4,9}/\S+$"},
    Kind.ARXIV: {"type": "string",
                 "pattern": r"^(\d{4}\.\d{4,5}|[a-z-]+(\.[A-Z]{2})?/\d{7})$"},
    Kind.EMAIL: {"type": "string", "format": "email"},
}


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        sp: Spec | None = f.metadata.get("spec")
        if sp is None:
            continue
        if sp.kind is Kind.YEAR:
            prop: dict[str, Any] = {"type": "integer", "minimum": MIN_YEAR}
        elif sp.kind in (Kind.OBJECT, Kind.OBJECTS):
            name = sp.record.__name__  # type: ignore[union-attr]
            if name not in defs:
                defs[name] = {}
                defs[name] = _object(sp.record, defs)  # type: ignore[arg-type]
            ref = {"$ref": f"#/$defs/{name}"}
            prop = ref if sp.kind is Kind.OBJECT else {"type": "array", "items": ref}
        else:
            prop = dict(_BY_KIND[sp.kind])
        prop["description"] = sp.doc
        if sp.example is not None:
            prop["examples"] = [sp.example]
        if isinstance(f.default, (bool, str)) and not sp.required:
            prop["default"] = f.default
        props[f.name] = prop
        if sp.required:
            required.append(f.name)
    return {"type": "object", "description": (cls.__doc__ or "").strip().splitlines()[0],
            "properties": props, "required": required, "additionalProperties": False}


def schema_for(cls: type, title: str) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    body = _object(cls, defs)
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, **body}
    if defs:
        out["$defs"] = dict(sorted(defs.items()))
    return out


SCHEMAS = {"paper.schema.json": (Paper, "A paper record (papers/*.yaml)"),
           "list.schema.json": (ListInfo, "The list-level file (papers/_list.yaml)")}


def render_schemas() -> dict[str, str]:
    return {name: json.dumps(schema_for(cls, title), indent=2, ensure_ascii=False) + "\n"
            for name, (cls, title) in SCHEMAS.items()}


def write_schemas(folder: Path) -> list[Path]:
    written = []
    for name, text in render_schemas().items():
        write_atomic(folder / name, text)
        written.append(folder / name)
    return written
