"""JSON Schemas of the record files, generated from :mod:`site_builder.model` and the
rulebook (:mod:`site_builder.kinds`), so that they accept exactly what ``check`` accepts
of one file on its own (``tests/test_rulebook.py``); and the schema of the JSON export.

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
        if not sp.required:  # `key:` with no value is accepted (and means unset)
            prop = {"anyOf": [prop, {"type": "null"}]} if "type" not in prop else \
                {**prop, "type": [prop["type"], "null"]}
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


EXPORT_SCHEMA = "papers-export.schema.json"


def export_schema() -> dict[str, Any]:
    """The schema of ``papers.json`` (``site-builder export --format json``): the list's
    title and its papers, each a paper record plus its ``key`` (the file stem)."""
    paper = schema_for(Paper, "")
    defs = paper.pop("$defs", {})
    for name in ("$schema", "title"):
        paper.pop(name)
    paper["properties"] = {"key": {"type": "string", "description": "The record's file "
                                   "name without .yaml: the paper's page is /papers/<key>/."},
                           **paper["properties"]}
    paper["required"] = ["key", *paper["required"]]
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "The papers of a list (papers.json, site-builder export --format json)",
            "type": "object",
            "properties": {
                "title": {"type": "string", "description": "The list's title."},
                "count": {"type": "integer", "minimum": 0,
                          "description": "How many papers follow."},
                "papers": {"type": "array", "items": {"$ref": "#/$defs/Paper"},
                           "description": "Every paper, newest first."}},
            "required": ["title", "count", "papers"],
            "additionalProperties": False,
            "$defs": dict(sorted({**defs, "Paper": paper}.items()))}


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def render_schemas() -> dict[str, str]:
    out = {name: _text(schema_for(cls, title)) for name, (cls, title) in SCHEMAS.items()}
    out[EXPORT_SCHEMA] = _text(export_schema())
    return out


def write_schemas(folder: Path) -> list[Path]:
    written = []
    for name, text in render_schemas().items():
        write_atomic(folder / name, text)
        written.append(folder / name)
    return written
