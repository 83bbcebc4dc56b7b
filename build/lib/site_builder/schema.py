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

from . import kinds
from .fsio import write_atomic
from .model import Kind, ListInfo, Paper, Spec


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        sp: Spec | None = f.metadata.get("spec")
        if sp is None:
            continue
        prop: dict[str, Any]
        if sp.kind in (Kind.OBJECT, Kind.OBJECTS):
            name = sp.record.__name__  # type: ignore[union-attr]
            if name not in defs:
                defs[name] = {}
                defs[name] = _object(sp.record, defs)  # type: ignore[arg-type]
            ref: dict[str, Any] = {"$ref": f"#/$defs/{name}"}
            prop = ref if sp.kind is Kind.OBJECT else {"type": "array", "items": ref}
        else:
            prop = dict(kinds.SCHEMAS[sp.kind])
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
