"""Checked records kept between runs, so an unchanged list is not parsed again.

For every record file the cache holds what checking it gave (the typed paper, or its
problems) and the file's signature, as git's index does: size, mtime in nanoseconds,
inode and ctime.  A file whose signature differs is read and checked again.  The entries
are spread over 64 shards by a hash of the file's name, each shard two JSON files: a small
index (signature, problems, the few fields every run reads of every paper, a digest of
the record and its duplicate keys) and the full records, read only for a paper whose
other fields are used (:class:`StoredPaper`).  A run writes only the shards that
changed.  A signature taken less than :data:`~site_builder.quick.RACY_NS` before the run
that stored it is ambiguous (the file may change again within the same timestamp tick,
"racy git"): such an entry also keeps a hash of the text, and is used only when the text
still matches.

The cache is only ever a hint.  It is keyed by the tool's version and a fingerprint of
the rules (the source of the modules that decide a record's result, the Python and PyYAML
versions, today's latest valid year and the list's section ids); a file that is corrupt,
truncated, from another version or for other rules is ignored and rebuilt.  Every entry
is checked for shape and type before a record is rebuilt from it, and JSON holds plain
values only (no pickle): nothing in it can run code.

Where: ``$SITE_BUILDER_CACHE_DIR``, else ``$XDG_CACHE_HOME/site-builder``, else
``~/.cache/site-builder``; one set of files per absolute papers path.  It is outside the
repository on purpose: a pull request cannot bring its own cache into CI.  (A CI job that
keeps the cache between runs can set ``SITE_BUILDER_CACHE_DIR=.site-builder-cache``, which
``.gitignore`` lists.)  ``--no-cache`` neither reads nor writes it.  What the cache's
keys are made of, where it lives and the outputs it remembers are in
:mod:`site_builder.quick`, light to import for the pre-commit path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import operator
import zlib
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from pathlib import Path

from . import quick
from .errors import Problem, UsageError
from .fsio import blake2b
from .kinds import Kind
from .model import Paper
from .quick import (
    FORMAT,
    Signature,
    cache_dir,
    cache_file,
    file_digest,
    inputs_key,
    signature,
    text_digest,
)
from .quick import Bad as _Bad
from .quick import decode_problem as _decode_problem
from .quick import encode_problem as _encode_problem

__all__ = ["Entry", "Fragments", "Store", "StoredPaper", "cache_dir", "cache_file",
           "record_digest"]

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any, AnyStr

    from .model import Entry as ListEntry

Keys = list[str]  # a record's duplicate keys (crosscheck.duplicate_keys), flat

Result = tuple[Paper | None, list[Problem]]


# --- records ↔ plain values ------------------------------------------------------------

_FIELDS = [(f.name, f.metadata["spec"].kind) for f in dataclasses.fields(Paper)]
_LISTS = (Kind.NAMES, Kind.TAGS, Kind.STRINGS, Kind.IDS, Kind.URLS)
# Nested records of a paper (notes): flat records of text fields, kept as JSON objects.
_NESTED = {f.name: f.metadata["spec"].record for f in dataclasses.fields(Paper)
           if f.metadata["spec"].kind is Kind.OBJECTS}


def _encode_paper(paper: Paper) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind in _FIELDS:
        value = getattr(paper, name)
        if value is None:
            continue
        out[name] = value.isoformat() if kind is Kind.DATE else \
            list(value) if kind in _LISTS else \
            [dataclasses.asdict(v) for v in value] if name in _NESTED else value
    return out


def _decode_value(kind: Kind, value: Any) -> Any:
    if kind in _LISTS:
        if type(value) is list and all(type(v) is str for v in value):
            return tuple(value)
    elif kind is Kind.YEAR:
        if type(value) is int:
            return value
    elif kind is Kind.BOOL:
        if type(value) is bool:
            return value
    elif kind is Kind.DATE:
        if type(value) is str:
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise _Bad from None
    elif kind not in (Kind.OBJECT, Kind.OBJECTS) and type(value) is str:
        return value
    raise _Bad


_TEXT_FIELDS = frozenset(name for name, kind in _FIELDS if kind not in
                         (*_LISTS, Kind.YEAR, Kind.BOOL, Kind.DATE, Kind.OBJECT, Kind.OBJECTS))
_OTHER_FIELDS = {name: kind for name, kind in _FIELDS if name not in _TEXT_FIELDS}


def _decode_nested(record: type, value: Any) -> tuple[Any, ...]:
    """A list of flat records whose every field is text (or absent when optional)."""
    names = {f.name for f in dataclasses.fields(record)}
    if type(value) is not list or not all(
            type(v) is dict and v.keys() <= names
            and all(type(x) is str or x is None for x in v.values()) for v in value):
        raise _Bad
    try:
        return tuple(record(**v) for v in value)
    except TypeError:  # a required field is missing
        raise _Bad from None


_DEFAULTS = {f.name: f.default if f.default_factory is dataclasses.MISSING
             else f.default_factory() for f in dataclasses.fields(Paper)
             if f.default is not dataclasses.MISSING
             or f.default_factory is not dataclasses.MISSING}


def _decode_paper(data: Any) -> Paper:
    if type(data) is not dict:
        raise _Bad
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name in _TEXT_FIELDS:
            if type(value) is not str:
                raise _Bad
            values[name] = value
        elif name in _NESTED:
            values[name] = _decode_nested(_NESTED[name], value)
        elif name in _OTHER_FIELDS:
            values[name] = _decode_value(_OTHER_FIELDS[name], value)
        else:
            raise _Bad
    if len(_DEFAULTS) != len(_FIELDS):  # a field without a default: __init__ decides
        try:
            return Paper(**values)
        except TypeError:  # a required field is missing
            raise _Bad from None
    # Every field checked above: set them as the frozen dataclass's __init__ would, at a
    # tenth of its cost (it assigns each field through object.__setattr__).
    paper = object.__new__(Paper)
    paper.__dict__.update(_DEFAULTS, **values)
    return paper


# --- the store -------------------------------------------------------------------------

# The fields a list's README and checks read of every paper (sections, order, statistics):
# kept in the index, so that a warm run decodes the full record only of a paper it shows.
_SUMMARY = ("title", "venue", "year", "category", "also_in")


class StoredPaper(Paper):
    """A paper from the cache: its :data:`_SUMMARY` fields are set, the others are
    decoded from the cache's record shards when one of them is first read.  It equals
    (and hashes as) the :class:`Paper` with the same fields."""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Paper):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name, _ in _FIELDS)

    __hash__ = Paper.__hash__

    def __reduce__(self) -> tuple[Any, ...]:
        """Copied or pickled as the plain paper (its loader stays behind)."""
        return _plain_paper, ({name: getattr(self, name) for name, _ in _FIELDS},)


def _plain_paper(fields: dict[str, Any]) -> Paper:
    return Paper(**fields)


class _Deferred:
    """A field of a :class:`StoredPaper` that is read from the cache on first use (then
    the instance's own value hides this descriptor)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, paper: StoredPaper | None, owner: type | None = None) -> Any:
        if paper is None:
            return getattr(Paper, self.name, None)
        fill = paper.__dict__.pop("_fill", None)
        if fill is not None:
            store, key, record = fill
            paper.__dict__.update(store._record(key, record))
        return paper.__dict__[self.name]


for _name, _ in _FIELDS:
    if _name not in _SUMMARY:
        setattr(StoredPaper, _name, _Deferred(_name))


@dataclasses.dataclass
class Entry:
    """One file's result as checked by this run, with the signature it was taken with and
    what later runs need of the paper without decoding it again: a digest of the record
    (a rendered entry's key) and its duplicate keys
    (:func:`site_builder.crosscheck.duplicate_keys`, flat: field, value, ...)."""

    sig: Signature
    digest: str | None  # set only for a racy entry: then the text must match too
    shown: str
    result: Result
    record: str | None = None  # the digest of the encoded paper
    keys: Keys = dataclasses.field(default_factory=list)


def _shard(key: str) -> str:
    """Which of :data:`Store.SHARDS` files keeps the file ``key`` (stable across runs)."""
    return Store.SHARDS[zlib.crc32(key.encode()) & 63]


# An index shard is a table: one column per value, one row per file (in key order).  Each
# column's type is checked as a whole (in C: the set of its values' types), so a warm run
# does not check 10,000 entries one by one.  A row without a paper has None for the
# paper's values (title ... record).
_COLUMNS: dict[str, frozenset[type]] = {
    "key": frozenset({str}), "digest": frozenset({str, type(None)}),
    "shown": frozenset({str}), "title": frozenset({str, type(None)}),
    "venue": frozenset({str, type(None)}), "year": frozenset({int, type(None)}),
    "category": frozenset({str, type(None)}), "also_in": frozenset({list, type(None)}),
    "problems": frozenset({list}), "record": frozenset({str, type(None)}),
    "dupkeys": frozenset({list}),
}


def _table_ok(table: Any) -> bool:
    """Whether ``table`` has the shape :meth:`Store.save` writes (every value's type)."""
    if type(table) is not dict or table.keys() != {*_COLUMNS, "sig"}:
        return False
    rows = table["key"]
    if type(rows) is not list:
        return False
    n = len(rows)
    for name, types in _COLUMNS.items():
        column = table[name]
        if type(column) is not list or len(column) != n or not set(map(type, column)) <= types:
            return False
    # A row has a paper (a title) exactly when it has each of the paper's values.
    nones = list(map(operator.is_, table["title"], repeat(None)))
    if any(list(map(operator.is_, table[name], repeat(None))) != nones
           for name in ("venue", "year", "category", "also_in", "record")):
        return False
    sigs = table["sig"]
    return (type(sigs) is list and len(sigs) == 4 * n and set(map(type, sigs)) <= {int}
            and set(map(type, chain.from_iterable(filter(None, table["also_in"])))) <= {str}
            and set(map(type, chain.from_iterable(table["dupkeys"]))) <= {str}
            and all(length % 2 == 0 for length in set(map(len, table["dupkeys"]))))


class Store:
    """The cache of one list for one fingerprint: look entries up, add, save.

    Each file's entry is in one of :data:`SHARDS` index files (signature, problems,
    :data:`_SUMMARY` fields, record digest, duplicate keys: small; a table, see
    :data:`_COLUMNS`) and its full record in the matching records file, read only when a
    paper's other fields are asked for.  Only the shards that changed are written again:
    one edited record rewrites a 64th of the cache (a few hundred kB at 10,000 papers:
    its encoding and writing cost more than reading 64 small files).

    ``reread(key)`` gives the fields of a file's paper checked again from the file (the
    :class:`Store`'s owner provides it): used when a record is missing from its shard,
    e.g. after a run was stopped between writing the two files of a shard.
    """

    SHARDS = tuple(f"{i:02x}" for i in range(64))

    def __init__(self, path: Path, fingerprint: str) -> None:
        self.path = path
        self.fingerprint = fingerprint
        self.start_ns = 0
        # The index as read: every shard's table, one after the other.
        self._table: dict[str, list[Any]] = {name: [] for name in _COLUMNS}
        self._sigs: list[Signature] = []
        self._at: dict[str, int] = {}  # key → its row
        self._rows: dict[str, range] = {}  # shard → its rows
        self._used: dict[str, int] = {}  # key → its row, for the files found unchanged
        self._settled: set[int] = set()  # racy rows read whose text digest is not needed
        self.entries: dict[str, Entry] = {}  # the files checked by this run
        self._records: dict[str, dict[str, Any]] = {}  # shard → key → [digest, record]
        self.reread: Callable[[str], Paper] = _no_reread

    def shard_file(self, shard: str, kind: str = "index") -> Path:
        return self.path.with_name(f"{self.path.stem}.{kind}.{shard}.json")

    def _read(self, shard: str, kind: str) -> dict[str, Any]:
        """A shard's table (index) or records, or none when its file is missing or not
        to be trusted.  An index is trusted only with the very records file it was
        written with (the same signature: any later change to that file, or its loss,
        drops the shard)."""
        try:
            data = json.loads(self.shard_file(shard, kind).read_bytes())
        except (OSError, ValueError):
            return {}
        if not (type(data) is dict and data.get("format") == FORMAT
                and data.get("fingerprint") == self.fingerprint):
            return {}
        if kind == "index":
            if data.get("records") == list(signature(self.shard_file(shard, "records"))
                                           or ()) and _table_ok(data.get("table")):
                return data["table"]  # type: ignore[no-any-return]
            return {}
        return data["entries"] if type(data.get("entries")) is dict else {}

    @classmethod
    def open(cls, path: Path, fingerprint: str) -> Store:
        """The stored cache (its index; records are read when needed)."""
        import time

        store = cls(path, fingerprint)
        # Taken before any file is looked at: a change after it makes a newer timestamp.
        store.start_ns = time.time_ns()
        table = store._table
        for shard in cls.SHARDS:
            found = store._read(shard, "index")
            if not found:
                continue
            start = len(table["key"])
            for name, column in table.items():
                column += found[name]
            flat = iter(found["sig"])
            store._sigs += zip(flat, flat, flat, flat, strict=True)
            store._rows[shard] = range(start, len(table["key"]))
        keys = table["key"]
        store._at = dict(zip(keys, range(len(keys)), strict=True))
        if len(store._at) != len(keys):  # a file in two shards: not written by save()
            return cls(path, fingerprint)
        return store

    def lookup(self, keys: list[str], paths: Sequence[Path | str], names: list[str],
               sigs: list[Signature | None]) -> list[Result | None]:
        """Each file's cached result when its signature (and, for a racy entry, its text)
        still match; None for the others."""
        at, stored_sigs, table = self._at, self._sigs, self._table
        shown_col, digest_col, title_col = table["shown"], table["digest"], table["title"]
        problems_col, record_col, also_col = table["problems"], table["record"], \
            table["also_in"]
        venue_col, year_col, category_col = table["venue"], table["year"], table["category"]
        new = object.__new__
        out: list[Result | None] = []
        for key, path, shown, sig in zip(keys, paths, names, sigs, strict=True):
            j = at.get(key)
            if j is None or sig is None or stored_sigs[j] != sig or shown_col[j] != shown:
                out.append(None)
                continue
            digest = digest_col[j]
            if digest is not None and file_digest(path) != digest:
                out.append(None)
                continue
            title, problems = title_col[j], problems_col[j]
            if title is None:
                paper = None
            else:  # the row's paper values are set (see _table_ok)
                paper = new(StoredPaper)
                paper.__dict__.update(title=title, venue=venue_col[j], year=year_col[j],
                                      category=category_col[j], also_in=tuple(also_col[j]),
                                      _fill=(self, key, record_col[j]))
            try:
                result = (paper, [_decode_problem(shown, p) for p in problems]
                          if problems else [])
            except _Bad:
                out.append(None)
                continue
            if digest is not None and not self.racy(sig):
                self._settled.add(j)  # settled now: no hash needed
            self._used[key] = j
            out.append(result)
        return out

    def get(self, key: str, path: Path | str, shown: str, sig: Signature | None
            ) -> Result | None:
        """:meth:`lookup` of one file."""
        return self.lookup([key], [path], [shown], [sig])[0]

    def _stored_paper(self, key: str, j: int) -> StoredPaper:
        table = self._table
        paper = object.__new__(StoredPaper)
        paper.__dict__.update({name: table[name][j] for name in _SUMMARY},
                              also_in=tuple(table["also_in"][j]),
                              _fill=(self, key, table["record"][j]))
        return paper

    def _record(self, key: str, record: str) -> dict[str, Any]:
        """The fields of the paper stored as ``record`` for file ``key``: from its records
        shard, or (when that does not hold it) checked again from the file."""
        shard = _shard(key)
        if shard not in self._records:
            self._records[shard] = self._read(shard, "records")
        found = self._records[shard].pop(key, None)  # kept once, in the paper itself
        if type(found) is list and len(found) == 2 and found[0] == record:
            with contextlib.suppress(_Bad):
                return _decode_paper(found[1]).__dict__
        return dict(self.reread(key).__dict__)

    def racy(self, sig: Signature) -> bool:
        """Whether the file changed too close to this run for its signature to tell a later
        change apart (mtime can be set back, ctime cannot: both count)."""
        return quick.racy(sig, self.start_ns)

    def put(self, key: str, sig: Signature | None, shown: str, result: Result,
            text_digest: str | None) -> None:
        """Keep the result of a file that was read and checked (``text_digest``: of the
        text that was checked; without it a racy entry is not kept)."""
        if sig is None:
            return
        racy = self.racy(sig)
        if racy and text_digest is None:
            return
        from .crosscheck import duplicate_keys

        paper = result[0]
        self._used.pop(key, None)
        self.entries[key] = Entry(
            sig, text_digest if racy else None, shown, result,
            None if paper is None else record_digest(paper),
            [] if paper is None else [part for pair in duplicate_keys(paper)
                                      for part in pair])

    def facts(self, keys: list[str]) -> tuple[str | None, list[str | None],
                                              list[Keys | None]]:
        """What later stages need of these files as this run found or checked them: the
        key of them all (None when one could not be kept: then nothing may be concluded
        from an equal key; see :func:`site_builder.quick.inputs_key`), and each file's
        record digest and duplicate keys (None for a file that could not be kept).  Taken
        column by column: no Python step per file beyond a list's."""
        table, sigs_col, settled = self._table, self._sigs, self._settled
        rows = list(map(self._used.get, keys))
        records = [None if j is None else table["record"][j] for j in rows]
        dupkeys: list[Keys | None] = [None if j is None else table["dupkeys"][j]
                                      for j in rows]
        sigs: list[Signature | None] = [None if j is None else sigs_col[j] for j in rows]
        digests = [None if j is None or j in settled else table["digest"][j] for j in rows]
        complete = True
        for i in [i for i, j in enumerate(rows) if j is None]:  # checked by this run
            entry = self.entries.get(keys[i])
            if entry is None:
                complete = False
                continue
            records[i], dupkeys[i], sigs[i], digests[i] = \
                entry.record, entry.keys, entry.sig, entry.digest
        key = inputs_key(self.fingerprint, keys, sigs, digests) if complete else None  # type: ignore[arg-type]
        return key, records, dupkeys

    def dirty(self) -> set[str]:
        """The shards whose rows differ from those read (new, changed, gone, settled)."""
        out = {_shard(key) for key in self.entries}
        kept = set(self._used.values())
        out.update(shard for shard, rows in self._rows.items()
                   if not kept.issuperset(rows) or not self._settled.isdisjoint(rows))
        return out

    def save(self) -> None:
        """Write the shards whose rows differ from those read, records first; an
        unwritable cache is not an error (just slower)."""
        from .fsio import FileError, write_atomic

        table = self._table
        for shard in sorted(self.dirty()):
            rows: dict[str, list[Any]] = {}
            records = {}
            if shard not in self._records:
                self._records[shard] = self._read(shard, "records")
            old = self._records[shard]
            for j in self._rows.get(shard, ()):
                key = table["key"][j]
                if self._used.get(key) != j:
                    continue
                row = [table[name][j] for name in _COLUMNS]
                row[1] = None if j in self._settled else row[1]
                rows[key] = [row, self._sigs[j]]
                found = old.get(key)
                record = table["record"][j]
                if record is not None:
                    records[key] = found if type(found) is list and len(found) == 2 \
                        and found[0] == record else \
                        [record, _encode_paper(self._stored_paper(key, j))]
            for key, e in self.entries.items():
                if _shard(key) == shard:
                    rows[key] = [self._encode(key, e), e.sig]
                    if e.record is not None:
                        records[key] = [e.record, _encode_paper(e.result[0])]  # type: ignore[arg-type]
            order = sorted(rows)
            columns = {name: [rows[key][0][i] for key in order]
                       for i, name in enumerate(_COLUMNS)}
            columns["sig"] = [n for key in order for n in rows[key][1]]
            with contextlib.suppress(OSError, FileError):  # the next run is slower, not wrong
                head = {"format": FORMAT, "fingerprint": self.fingerprint}
                write_atomic(self.shard_file(shard, "records"), json.dumps(
                    {**head, "entries": dict(sorted(records.items()))}, ensure_ascii=False,
                    separators=(",", ":")))
                sig = signature(self.shard_file(shard, "records"))
                if sig is not None:
                    write_atomic(self.shard_file(shard, "index"), json.dumps(
                        {**head, "records": list(sig), "table": columns},
                        ensure_ascii=False, separators=(",", ":")))

    @staticmethod
    def _encode(key: str, e: Entry) -> list[Any]:
        """A row of :data:`_COLUMNS` (without the signature)."""
        paper = e.result[0]
        summary = [None] * len(_SUMMARY) if paper is None else \
            [_encode_field(paper, name) for name in _SUMMARY]
        return [key, e.digest, e.shown, *summary,
                [_encode_problem(p) for p in e.result[1]], e.record, e.keys]


def _no_reread(key: str) -> Paper:
    raise UsageError(f"{key}: its record is missing from the cache — run again with "
                     "--no-cache")


def _encode_field(paper: Paper, name: str) -> Any:
    value = getattr(paper, name)
    return list(value) if type(value) is tuple else value


def record_digest(paper: Paper) -> str:
    """A digest of every field of the paper (equal digests: equal papers)."""
    return text_digest(json.dumps(_encode_paper(paper), ensure_ascii=False,
                                  separators=(",", ":")))


# --- rendered fragments ------------------------------------------------------------------

class Fragments:
    """Rendered README entries kept between runs, so one changed record re-renders one
    entry.  All fragments share one key (the code, templates, list file and metrics a
    README is rendered with: anything else gives an empty store); each fragment is found
    by a digest of what the entry template is given (the entry itself and its section).
    They are stored in :data:`SHARDS` files by their digest's first character, so that
    one changed entry rewrites a sixteenth of them; they are read on first use.

    A section's whole block of entries (the template's ``section_entries``) is kept too,
    one file per section with each entry's id (:meth:`section`): an unchanged section is
    one read of its text, and a changed one renders only its new entries.  (A file's
    lengths count characters in a shard, bytes in a section's block.)"""

    SHARDS = "0123456789abcdef"

    def __init__(self, path: Path, key: str,
                 records: Mapping[str, tuple[Paper, str]] | None = None) -> None:
        self.path, self.key = path, key
        # Papers whose digest is known (``checking.Stats.records``): by display path.
        self.records = records or {}
        self._stored: dict[str, dict[str, str]] | None = None  # read on first use
        self.used: dict[str, dict[str, str]] = {s: {} for s in self.SHARDS}
        self._rendered: set[str] = set()  # shards with a new fragment
        self.rendered: list[str] = []  # the ids of the entries this run rendered
        self._sections: dict[str, tuple[list[str], list[int], bytes]] = {}  # new blocks
        self._seen: set[str] = set()  # the sections asked for

    @classmethod
    def open(cls, papers_dir: Path, key: str,
             records: Mapping[str, tuple[Paper, str]] | None = None) -> Fragments:
        """The stored fragments for ``key`` (read when first asked for); a file that is
        missing, corrupt, of another format or for another key holds none.  ``records``:
        see :meth:`paper_digest`."""
        return cls(cache_file(papers_dir).with_suffix(".fragments"), key, records)

    def _shards(self) -> dict[str, dict[str, str]]:
        if self._stored is None:
            self._stored = {s: {} for s in self.SHARDS}
            for shard in self.SHARDS:
                with contextlib.suppress(OSError, ValueError, _Bad):
                    ids, lengths, raw = self._read(self._file(shard), shard)
                    text = raw.decode("utf-8")
                    if sum(lengths) == len(text):  # in characters
                        self._stored[shard] = self.split(ids, lengths, text)
        return self._stored

    def _read(self, path: Path, prefix: str) -> tuple[list[str], list[int], bytes]:
        """A file's fragments: their ids, lengths and text (UTF-8), one after the other.
        The file is a line of JSON (format, key, and each fragment's id and length)
        followed by the text: reading it is reading its bytes, where JSON would unescape
        every fragment.  ``prefix``: what every id starts with."""
        with open(path, "rb") as fh:
            head = json.loads(fh.readline())
            raw = fh.read()
        if not (self._ours(head) and type(head.get("fragments")) is list):
            raise _Bad
        return (*self._listing(head["fragments"], prefix), raw)

    def _ours(self, head: Any) -> bool:
        return type(head) is dict and head.get("format") == FORMAT and head.get("key") == self.key

    @staticmethod
    def _listing(items: Any, prefix: str) -> tuple[list[str], list[int]]:
        """The ids and lengths of a file's ``[[id, length], ...]``, each id starting with
        ``prefix``; _Bad for anything else."""
        if type(items) is not list:
            raise _Bad
        ids: list[str] = []
        lengths: list[int] = []
        for item in items:
            if not (type(item) is list and len(item) == 2 and type(item[0]) is str
                    and item[0].startswith(prefix) and type(item[1]) is int
                    and item[1] >= 0):
                raise _Bad
            ids.append(item[0])
            lengths.append(item[1])
        return ids, lengths

    @staticmethod
    def split(ids: list[str], lengths: list[int], text: AnyStr) -> dict[str, AnyStr]:
        """Each fragment's text by its id (what :meth:`_read` gives, the text decoded
        when the lengths count characters)."""
        found = {}
        at = 0
        for key, n in zip(ids, lengths, strict=True):
            found[key] = text[at:at + n]
            at += n
        return found

    def _file(self, shard: str) -> Path:
        return self.path.with_name(f"{self.path.name}.{shard}.txt")

    def _section_file(self, section_id: str) -> Path:
        name = blake2b(section_id.encode(), digest_size=8).hexdigest()
        return self.path.with_name(f"{self.path.name}.section.{name}.txt")

    def section(self, section_id: str, ids: list[str]
                ) -> tuple[list[str], list[int], memoryview]:
        """The entries of the section's block as last kept (:meth:`keep_section`): their
        ids, lengths and text, in UTF-8 bytes (a README of long abstracts is 20 MB: as
        text with a single emoji, four bytes a character); none when its file is missing
        or not to be trusted (then each entry is rendered again).  When they are ``ids``
        (the entries the section shows now), which the file's first line tells by their
        digest, the ids are not read and the lengths not given: the block is used whole.

        The file: a line of JSON (format, key, the ids' digest, the text's size), a line
        of each entry's id and length, then the text — mapped, not read: the README's
        join is then its one copy (a read costs as much again, in page faults).  Files
        are replaced by a rename, never changed in place, so the mapping stays whole."""
        import mmap

        self._seen.add(section_id)
        none: tuple[list[str], list[int], memoryview] = ([], [], memoryview(b""))
        try:
            with open(self._section_file(section_id), "rb") as fh:
                head = json.loads(fh.readline())
                if not (self._ours(head) and type(head.get("size")) is int):
                    raise _Bad
                lengths: list[int] = []
                if head.get("ids") == _listing_digest(ids):
                    fh.readline()
                    stored = ids
                else:  # the section's id and a NUL begin each entry's id
                    stored, lengths = self._listing(json.loads(fh.readline()),
                                                    f"{section_id}\0")
                start = fh.tell()
                raw = memoryview(mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ))[start:]
        except (OSError, ValueError, _Bad):
            return none
        if len(raw) != head["size"] or (lengths and sum(lengths) != len(raw)):
            return none
        return stored, lengths, raw

    def keep_section(self, section_id: str, ids: list[str], texts: list[bytes]) -> None:
        """Keep the section's block (each entry's id, starting with the section's id and
        a NUL, and UTF-8 text) to be written by :meth:`save`."""
        self._sections[section_id] = (ids, [len(t) for t in texts], b"".join(texts))

    @staticmethod
    def entry_key(*parts: object) -> str:
        """The digest of a fragment's inputs: text as it is, each with its length (so no
        two lists of parts give the same string), anything else (numbers, dates, lists,
        frozen dataclasses, None) by its ``repr`` — cheaper than the ``repr`` of long
        text such as an abstract."""
        pieces = []
        for part in parts:
            kind, text = ("s", part) if type(part) is str else ("r", repr(part))
            pieces.append(f"{kind}{len(text)}:{text}")
        return text_digest("".join(pieces))

    def paper_digest(self, path: str, paper: Paper) -> str | None:
        """The :func:`record_digest` of this very paper (the object ``records`` holds for
        its path), known from the cache without hashing its fields; None otherwise."""
        found = self.records.get(path)
        return found[1] if found is not None and found[0] is paper else None

    def digests(self, entries: list[ListEntry]) -> list[str]:
        """Each entry's :func:`record_digest`: its :meth:`paper_digest`, or else hashed
        (one pass, without a call per entry: a README's 10,000 entries ask)."""
        get = self.records.get
        return [found[1] if (found := get(e.path)) is not None and found[0] is e.paper
                else record_digest(e.paper) for e in entries]

    @staticmethod
    def record_key(name: str, entry_key: str, path: str, section: str, digest: str) -> str:
        """:meth:`entry_key` for a paper known by its :func:`record_digest`: a digest of
        names, which hold no NUL (file names, ids), and the record's digest."""
        return text_digest(f"record\0{name}\0{entry_key}\0{path}\0{section}\0{digest}")

    def get(self, key: str) -> str | None:
        found = self._shards()[key[0]].get(key)
        if found is not None:
            self.used[key[0]][key] = found
        return found

    def put(self, key: str, text: str) -> None:
        self._shards()
        self.used[key[0]][key] = text
        self._rendered.add(key[0])
        self.rendered.append(key)

    def save(self) -> None:
        """Write the shards that got a new fragment or lost one (the fragments this run
        used), and the sections' blocks that changed; drop the blocks of sections this
        run did not show (and the single entries, when none was asked for).  An
        unwritable cache is not an error."""
        for shard in self.SHARDS:
            used = self.used[shard]
            if self._stored is None:  # no entry asked for: this template shows none
                if self._seen:
                    with contextlib.suppress(OSError):
                        self._file(shard).unlink(missing_ok=True)
                continue
            if shard not in self._rendered and used.keys() == self._stored[shard].keys():
                continue
            self._write(self._file(shard), list(used), [len(v) for v in used.values()],
                        "".join(used.values()).encode("utf-8"))
        for section_id, (ids, lengths, text) in self._sections.items():
            head = json.dumps({"format": FORMAT, "key": self.key, "ids": _listing_digest(ids),
                               "size": len(text)})
            listing = json.dumps([list(p) for p in zip(ids, lengths, strict=True)])
            self._put(self._section_file(section_id),
                      f"{head}\n{listing}\n".encode() + text)
        if self._seen:
            keep = {self._section_file(s).name for s in self._seen}
            with contextlib.suppress(OSError):
                for path in self.path.parent.glob(f"{self.path.name}.section.*.txt"):
                    if path.name not in keep:
                        path.unlink()

    def _write(self, path: Path, ids: list[str], lengths: list[int], raw: bytes) -> None:
        head = json.dumps({"format": FORMAT, "key": self.key,
                           "fragments": [list(p) for p in zip(ids, lengths, strict=True)]})
        self._put(path, head.encode() + b"\n" + raw)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        from .fsio import FileError, write_atomic

        with contextlib.suppress(OSError, FileError):
            write_atomic(path, data)


def _listing_digest(ids: list[str]) -> str:
    """The digest of a section's entry ids (by which its block is known): their lengths,
    then the ids one after the other, so that no two lists give the same text (and no
    NUL is escaped, as JSON would)."""
    return text_digest(",".join(map(str, map(len, ids))) + "\n" + "".join(ids))
