"""CSV: one row per paper for spreadsheets, every record field a column.

Columns follow the model (the file stem first), so a field added to the record appears
here without code.  Lists are joined with ``"; "``.  A cell that a spreadsheet would read
as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is
prefixed with ``'``, as OWASP recommends against CSV injection.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
from typing import Any

from ..model import PAPER_FIELDS, PaperList
from .base import Options, ordered

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """A record value as spreadsheet text (not yet guarded, see :func:`guard`)."""
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "; ".join(cell(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return " ".join(cell(getattr(value, f.name)) for f in dataclasses.fields(value)
                        if getattr(value, f.name) not in (None, "", ()))
    return " ".join(str(value).split())


def guard(text: str) -> str:
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def export(plist: PaperList, options: Options | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(("key", *PAPER_FIELDS))
    for entry in ordered(plist):
        writer.writerow([guard(entry.key)] + [guard(cell(getattr(entry.paper, name)))
                                              for name in PAPER_FIELDS])
    return out.getvalue()
