"""JSON: the whole list as data, described by ``schema/papers-export.schema.json``.

Each paper is its record as written (unset fields left out, dates as ISO strings) plus its
``key``, the file stem that names its page.  The schema is generated from the model
(:func:`site_builder.schema.export_schema`, written by ``site-builder schema``), so the
two cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..dump import plain
from ..model import PaperList
from .base import Options, ordered


def _default(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON data: {type(value).__name__}")


def data(plist: PaperList) -> dict[str, Any]:
    return {"title": plist.info.title,
            "count": len(plist.entries),
            "papers": [{"key": e.key, **plain(e.paper)} for e in ordered(plist)]}


def export(plist: PaperList, options: Options | None = None) -> str:
    return json.dumps(data(plist), indent=2, ensure_ascii=False, default=_default) + "\n"
