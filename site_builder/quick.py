"""The pre-commit path: is the README still what the records give?  Light to import.

``readme --check`` with nothing changed (the pre-commit hook and CI) should cost a stat of
every file and a compare with keys a cached run kept, with no record parsed and no
template loaded: this module is all that path imports (no PyYAML, Jinja2, the model or
the cache's record store), and the stat walk it makes is handed on to
:func:`site_builder.checking.check_dir` when the shortcut does not decide (one walk per
run).  It holds what both paths must compute alike: a file's signature, the rules'
fingerprint, the key of a list's files, the cache's locations and its remembered
outputs.  See :mod:`site_builder.cache` for the cache itself.
"""

from __future__ import annotations

import contextlib
import functools
import json
import operator
import os
import stat
import sys
import time
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, compress
from operator import attrgetter, itemgetter, methodcaller
from pathlib import Path

from .errors import Problem
from .fsio import blake2b, read_regular

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any

    from .model import Paper

LIST_FILE = "_list.yaml"
METRICS_FILE = "_metrics.json"  # written by `enrich`, shown in the README when asked
YAML_SUFFIXES = (".yaml", ".yml")
FORMAT = 3
RACY_NS = 2_000_000_000  # timestamps closer than this to the run that stored them are ambiguous
_HERE = os.path.dirname(os.path.abspath(__file__))
# The modules whose code decides what checking one file gives.
_RULE_MODULES = ("load", "kinds", "model", "records", "ids", "text", "errors", "cache",
                 "checking", "crosscheck", "quick")
_SEVERITIES = ("error", "warning")

Signature = tuple[int, int, int, int]  # size, mtime_ns, inode, ctime_ns


@dataclass
class Walk:
    """The record files of a folder and their signatures, as one stat walk found them
    (:func:`inputs`), for the run that goes on to check them."""

    folder: str
    paths: list[str]
    sigs: list[Signature | None]


@dataclass
class Stats:
    """What a run did, for ``--verbose``: files read and parsed, files taken from the
    cache, and the seconds spent in each stage (in the order they ran)."""

    files_read: int = 0
    files_cached: int = 0
    stages: dict[str, float] = field(default_factory=dict)
    # With the cache on: a key of everything the list was built from (rules, list file,
    # every record's signature), equal only for equal lists; None when it is not known.
    inputs: str | None = None
    # With the cache on: each paper's display path → the paper and a digest of all its
    # fields (cache.record_digest), so that a rendered entry is found without hashing it.
    records: dict[str, tuple[Paper, str]] = field(default_factory=dict)
    # The stat walk the shortcut made (:func:`inputs`), taken over by check_dir.
    walk: Walk | None = None
    # With ``inputs``: when the run that gave it started; a file changed less than
    # RACY_NS before is in the key by its text (see :func:`inputs`).
    since: int | None = None
    # The README's render key (:func:`render_key`), when the shortcut computed it.
    rendering: str | None = None

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - start


# --- files -------------------------------------------------------------------------------

def paper_paths(papers_dir: Path | str) -> list[str]:
    """Every record file below ``papers_dir`` (files starting with '_' are list-level),
    sorted; symbolic links are listed too, so that they are reported."""
    found: list[str] = []
    stack = [str(papers_dir)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_symlink():  # never followed: read() reports it
                    found.append(entry.path)
                elif entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.name.endswith(YAML_SUFFIXES) and not entry.name.startswith("_"):
                    found.append(entry.path)
    found.sort()
    return found


_SIGNATURE = attrgetter("st_size", "st_mtime_ns", "st_ino", "st_ctime_ns")
_MODE = attrgetter("st_mode")
_IS_RECORD_NAME = methodcaller("endswith", YAML_SUFFIXES)
_IS_HIDDEN_NAME = methodcaller("startswith", ("_", "."))


def stat_walk(papers_dir: Path | str) -> tuple[list[str], list[Signature | None]]:
    """:func:`paper_paths` and each file's :func:`signature`, in one walk: a listing
    of names and one ``lstat`` per entry (which tells folders from files too), the floor
    of knowing whether anything changed.  A folder of regular files only (a list's
    usual shape) is sorted out with C-level maps, without a Python step per file."""
    found: list[str] = []
    sigs: list[Signature | None] = []
    stack = [str(papers_dir)]
    lstat, reg, folder, link, sep = os.lstat, stat.S_IFREG, stat.S_IFDIR, stat.S_IFLNK, os.sep
    while stack:
        top = stack.pop()
        names = os.listdir(top)
        paths = list(map(f"{top}{sep}".__add__, names))
        try:
            stats = list(map(lstat, paths))
        except OSError:  # one went away meanwhile: the walk of paper_paths lists this folder
            rest = paper_paths(top)
            found += rest
            sigs += map(signature, rest)
            continue
        kinds = list(map(stat.S_IFMT, map(_MODE, stats)))
        if kinds.count(reg) == len(kinds):
            keep = list(map(operator.gt, map(_IS_RECORD_NAME, names),
                            map(_IS_HIDDEN_NAME, names)))  # a record's name, not hidden
            found += compress(paths, keep)
            sigs += compress(map(_SIGNATURE, stats), keep)
            continue
        for name, path, st, kind in zip(names, paths, stats, kinds, strict=True):
            if name.startswith("."):
                continue
            if kind == reg:
                if name.endswith(YAML_SUFFIXES) and not name.startswith("_"):
                    found.append(path)
                    sigs.append(_SIGNATURE(st))
            elif kind == folder:
                stack.append(path)
            elif kind == link or (name.endswith(YAML_SUFFIXES) and not name.startswith("_")):
                found.append(path)  # never followed, never cached: read() reports it
                sigs.append(None)
    sig_of = dict(zip(found, sigs, strict=True))
    found.sort()
    return found, list(map(sig_of.__getitem__, found))


def signature(path: Path | str) -> Signature | None:
    """The file's signature, or None when it is not a regular file (never cached)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns


def racy(sig: Signature, start_ns: int) -> bool:
    """Whether the file changed too close to ``start_ns`` for its signature to tell a
    later change apart (mtime can be set back, ctime cannot: both count)."""
    return max(sig[1], sig[3]) >= start_ns - RACY_NS


def text_digest(text: str) -> str:
    return bytes_digest(text.encode("utf-8"))


def bytes_digest(raw: bytes) -> str:
    """:func:`text_digest` of the UTF-8 text ``raw`` holds, without decoding it."""
    return blake2b(raw, digest_size=16).hexdigest()


def file_digest(path: Path | str) -> str | None:
    """The digest of the file's text as :func:`site_builder.load.parse` sees it (None
    when it cannot be read as UTF-8 text); a link is not followed."""
    try:
        with open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as fh:
            text = fh.read().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return text_digest(text.removeprefix("\ufeff"))


def output_digest(raw: bytes) -> str:
    """The digest of a written output (a 20 MB README): SHA-256 cut to 128 bits, which
    the CPU's SHA instructions make three times as fast as BLAKE2 on large inputs
    (hashlib, and OpenSSL with it, is loaded only by the runs that need it)."""
    import hashlib

    return hashlib.sha256(raw).hexdigest()[:32]


# --- keys --------------------------------------------------------------------------------

def _yaml_release() -> str:
    """PyYAML's release and whether its C parser is there, without importing it (the
    shortcut does not load PyYAML): its ``__init__.py`` holds the version."""
    for base in sys.path:
        folder = os.path.join(base or ".", "yaml")
        try:
            with open(os.path.join(folder, "__init__.py"), "rb") as fh:
                init = fh.read()
            names = sorted(n for n in os.listdir(folder) if n.startswith("_yaml"))
        except OSError:
            continue
        return f"{bytes_digest(init)}|{names}"
    return "none"


@functools.cache
def code_fingerprint() -> str:
    """A key of the code that decides a file's result (the rule modules, the tool's,
    Python's and PyYAML's versions, the confusables table)."""
    from . import __version__

    h = blake2b(digest_size=16)
    h.update(f"{FORMAT}|{__version__}|{sys.version_info[:2]}|{_yaml_release()}".encode())
    for name in _RULE_MODULES:
        with open(os.path.join(_HERE, f"{name}.py"), "rb") as fh:
            h.update(fh.read())
    with open(os.path.join(_HERE, "confusables.tsv"), "rb") as fh:
        h.update(fh.read())  # title skeletons: duplicate keys
    return h.hexdigest()


def this_year() -> int:
    """Today's year: the latest valid year of a record follows it (kinds.max_year)."""
    return time.localtime().tm_year


def fingerprint(list_text: str) -> str:
    """What the cached results depend on besides the file itself: the rules, today's
    year (the latest valid year) and the list file (sections, marks, optional fields)."""
    extra = json.dumps([this_year(), list_text], ensure_ascii=False)
    return f"{code_fingerprint()}-{blake2b(extra.encode(), digest_size=8).hexdigest()}"


def inputs_key(fingerprint: str, keys: list[str], sigs: list[Signature],
               digests: list[str | None] | None = None) -> str:
    """A key of a list's files (names, signatures, text digests of racy ones) for these
    rules: equal keys mean the files were not changed in between.  The signatures are
    hashed as 64-bit integers, made in C (a text per file costs a tenth of a warm run)."""
    h = blake2b(digest_size=16)
    h.update(f"{fingerprint}\0{len(keys)}\0".encode())
    h.update("\0".join(keys).encode("utf-8", "surrogateescape"))
    try:
        h.update(array("q", chain.from_iterable(sigs)).tobytes())
    except OverflowError:  # an inode number beyond 2**63
        h.update(repr(sigs).encode())
    h.update(repr(digests if digests is not None and any(digests) else None).encode())
    return h.hexdigest()


def cache_keys(papers_dir: Path | str, files: list[str]) -> list[str]:
    """Each file's name in the cache: its path below ``papers_dir``, with '/'."""
    root = len(str(papers_dir).rstrip("/\\")) + 1
    if os.sep == "/":
        return [f[root:] for f in files]
    return [f[root:].replace("\\", "/") for f in files]


def list_inputs(key: str | None, list_text: str) -> str | None:
    """``Stats.inputs``: the files' key with the list file's text."""
    return None if key is None else text_digest(f"{key}|{list_text}")


def inputs(papers_dir: Path, stats: Stats | None = None,
           since: int | None = None) -> tuple[str, int] | None:
    """The ``Stats.inputs`` key a cached :func:`~site_builder.checking.check_dir` would
    give now (and the number of record files), from the list file's text and a stat of
    every record file, without reading or parsing a record.

    None when that cannot be known this way: a file that is not a regular file.  A file
    changed so recently that its signature is ambiguous is hashed, as the cache does
    (:meth:`site_builder.cache.Store.lookup`).  An equal key means the records are those
    a run that gave this key checked.  The walk is kept in ``stats.walk`` for the full
    run, when the shortcut does not decide.

    ``since``: when the run whose key this is to be compared with started
    (``Stats.since``): the files that were ambiguous for that run are those it knew by
    their text, so those are hashed (every file ambiguous now is among them), and a key
    made while a file was just edited still matches once the file has settled.
    """
    stats = stats if stats is not None else Stats()
    with stats.stage("stat walk"):
        start_ns = time.time_ns() if since is None else min(since, time.time_ns())
        folder = str(papers_dir)
        list_path = os.path.join(folder, LIST_FILE)
        try:
            if not stat.S_ISREG(os.lstat(list_path).st_mode):
                return None
            with open(list_path, "rb") as fh:
                list_text = fh.read().decode("utf-8").removeprefix("\ufeff")
            paths, sigs = stat_walk(folder)
        except (OSError, UnicodeDecodeError):
            return None
        stats.walk = Walk(folder, paths, sigs)
        if None in sigs:
            return None
        regular: list[Signature] = sigs  # type: ignore[assignment]
        digests = None
        if regular and racy((0, max(map(itemgetter(1), regular)), 0,
                             max(map(itemgetter(3), regular))), start_ns):
            # Just changed (e.g. the edit before a commit): as for the cache, the text
            # decides, so these few files are read and hashed, not parsed.
            digests = [file_digest(path) if racy(sig, start_ns) else None
                       for path, sig in zip(paths, regular, strict=True)]
        found = list_inputs(inputs_key(fingerprint(list_text), cache_keys(folder, paths),
                                       regular, digests), list_text)
        return (found, len(paths)) if found is not None else None


def templates_key(*folders: Path | None) -> str:
    """A key of the templates (and of the renderer's code) an output is made with."""
    h = blake2b(digest_size=16)
    with open(os.path.join(_HERE, "render.py"), "rb") as fh:
        h.update(fh.read())
    for folder in folders:
        if folder is None or not os.path.isdir(folder):
            continue
        found = []
        for top, dirs, files in os.walk(folder):
            dirs.sort()
            found += [os.path.join(top, name) for name in files]
        for path in sorted(found):
            if os.path.isfile(path):
                h.update(f"{os.path.relpath(path, folder)}\0".encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()


def render_key(papers: Path, templates: Path | None) -> str:
    """The key of everything a README is made of besides the records: the code and its
    rules, the list file, the templates (the repository's and the bundled ones), and the
    metrics file (shown when the list sets ``show_metrics``)."""
    digests = []
    for name in (LIST_FILE, METRICS_FILE):
        try:
            with open(os.path.join(papers, name), "rb") as fh:
                digests.append(bytes_digest(fh.read()))
        except OSError:
            digests.append("none")
    bundled = Path(_HERE) / "templates"
    return "-".join((fingerprint(""), templates_key(templates, bundled), *digests))


# --- where the cache is ------------------------------------------------------------------

def cache_dir() -> Path:
    """The tool's cache folder (see :mod:`site_builder.cache`); the figure cache lives in
    it."""
    base = os.environ.get("SITE_BUILDER_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"),
                                                               ".cache")
        base = os.path.join(xdg, "site-builder")
    return Path(base)


def cache_file(papers_dir: Path) -> Path:
    """Where the cache of the list in ``papers_dir`` lives (see :mod:`site_builder.cache`)."""
    key = blake2b(os.path.realpath(papers_dir).encode(), digest_size=12)
    return cache_dir() / f"{key.hexdigest()}.json"


# --- remembered outputs ------------------------------------------------------------------

def _outputs_file(papers_dir: Path) -> Path:
    return cache_file(papers_dir).with_suffix(".outputs.json")


def recalled(papers_dir: Path, name: str, key: str | None
             ) -> tuple[str, dict[str, Any]] | None:
    """The digest of the text output ``name`` had when it was made from inputs ``key``
    (None: whatever inputs it was last made from), and what else was remembered with it
    (see :func:`remember`; {} when it was not a mapping)."""
    try:
        with open(_outputs_file(papers_dir), "rb") as fh:
            data = json.loads(fh.read())
        found = data["outputs"][name] if data["format"] == FORMAT else None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if type(found) is list and len(found) == 3 and (key is None or found[0] == key) \
            and type(found[1]) is str:
        return found[1], found[2] if type(found[2]) is dict else {}
    return None


def remember(papers_dir: Path, name: str, key: str, digest: str, extra: Any = None) -> None:
    """Keep the digest (:func:`output_digest`) of output ``name`` as made from inputs
    ``key`` (a later run with the same inputs and an output file of that digest need not
    render it again), with ``extra`` (plain JSON values) to give back with it."""
    from .fsio import FileError, write_atomic

    path = _outputs_file(papers_dir)
    try:
        data = json.loads(path.read_bytes())
        outputs = data["outputs"] if data["format"] == FORMAT else {}
    except (OSError, ValueError, KeyError, TypeError):
        outputs = {}
    if type(outputs) is not dict:
        outputs = {}
    outputs[name] = [key, digest, extra]
    with contextlib.suppress(OSError, FileError):
        write_atomic(path, json.dumps({"format": FORMAT, "outputs": outputs}, sort_keys=True))


class Bad(Exception):
    """A cache entry that does not have the shape this version writes."""


def encode_problem(p: Problem) -> list[Any]:
    return [p.line, p.field, p.message, p.fix, p.column, p.severity]


def decode_problem(path: str, data: Any) -> Problem:
    if type(data) is not list or len(data) != 6:
        raise Bad
    line, field, message, fix, column, severity = data
    if not (type(line) is int and type(column) is int and type(field) is str
            and type(message) is str and type(fix) is str and severity in _SEVERITIES):
        raise Bad
    return Problem(path, line, field, message, fix, column, severity)


def encode_problems(problems: list[Problem]) -> list[list[Any]]:
    """Problems as plain values (for :func:`remember`), each with its path."""
    return [[p.path, *encode_problem(p)] for p in problems]


def decode_problems(data: Any) -> list[Problem] | None:
    """What :func:`encode_problems` gave, or None when ``data`` does not have its shape."""
    if type(data) is not list:
        return None
    try:
        return [decode_problem(p[0], p[1:]) if type(p) is list and p and type(p[0]) is str
                else decode_problem("", None) for p in data]
    except Bad:
        return None


# --- the README --------------------------------------------------------------------------

def up_to_date(papers: Path, out: Path, templates: Path | None = None, *,
               check_only: bool = False, stats: Stats | None = None) -> list[Problem] | None:
    """The warnings of the run that rendered ``out``, when ``out`` is still what the
    records, list file, templates and metrics give; None when that is not known.

    The pre-commit and CI path: with nothing changed it costs a stat of every file and a
    compare with the cache's keys (:func:`inputs`), with no record parsed and no template
    loaded.  Without ``check_only`` it refuses, as
    :func:`site_builder.commands.readme.readme` does, to replace a file that is not a
    README we generated.
    """
    stats = stats if stats is not None else Stats()
    last = recalled(papers, output_name(out), None)
    since = last[1].get("since") if last is not None else None
    quick = inputs(papers, stats, since if type(since) is int else None)
    if quick is None:
        return None
    stats.rendering = render_key(papers, templates)  # for the full run, if it comes to it
    key = f"{quick[0]}-{stats.rendering}"
    found = recalled(papers, output_name(out), key)
    if found is None:
        return None
    extra = found[1]
    # The very file a run wrote (a regular file with the marker) has nothing to refuse and
    # need not be read; another is refused as readme would, in its order.
    if not unchanged_since(out, extra.get("file"), extra.get("at")):
        if not check_only:
            from .commands.readme import check_output

            check_output(out)
        # Bytes, not text: a README we wrote is UTF-8 without a BOM, so equal digests
        # mean equal text (any other file differs, and then the full run decides).
        current = read_regular(out, "README")
        if current is None or found[0] != output_digest(current):
            return None
        remember_output(papers, out, key, found[0], extra.get("warnings"),
                        extra.get("since"))  # later runs, once not racy, need not hash
    warnings = decode_problems(extra.get("warnings"))
    if warnings is not None:
        stats.files_cached += quick[1]
        stats.walk = None
    return warnings


def remember_output(papers: Path, out: Path, memo: str, digest: str, warnings: Any,
                    since: int | None = None) -> None:
    """Remember the README at ``out`` as made from inputs ``memo``, with its signature
    now (:func:`unchanged_since`), the run's warnings and when the run that gave the
    inputs key started (``Stats.since``)."""
    remember(papers, output_name(out), memo, digest,
             {"warnings": warnings, "file": signature(out), "at": time.time_ns(),
              "since": since})


def unchanged_since(out: Path, stored: Any, at: Any) -> bool:
    """Whether ``out`` is the very file that held the output when it was remembered: the
    same size, mtime, inode and ctime (git's index test; ctime cannot be set back), and
    not changed within :data:`RACY_NS` of that moment, when a timestamp cannot tell
    a later edit apart.  Then it need not be read and hashed again."""
    sig = signature(out)
    return (sig is not None and type(at) is int and stored == list(sig)
            and not racy(sig, at))


def output_name(out: Path) -> str:
    """The output's name among the cache's outputs; the working directory is part of it,
    because the warnings remembered with it name files as seen from there."""
    return f"readme:{os.path.realpath(out)}:{os.getcwd()}"
