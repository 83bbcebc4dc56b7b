"""Files → raw mappings: safe, strict YAML reading with problems instead of exceptions.

Each file is parsed once with PyYAML's C loader when it is available.  Line numbers are
not kept on the fast path: when validation finds a problem, :meth:`Source.line` composes
that one file again to find where the offending key is.  That keeps a valid list as cheap
as a bare parse and still gives every error a line.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import Problem, UsageError
from .fsio import shown as printable
from .quick import LIST_FILE, METRICS_FILE, YAML_SUFFIXES, paper_paths  # noqa: F401

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    from typing import Any

MAX_BYTES = 64 * 1024

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Only text that could hold an anchor (&a) or alias (*a) at a node start is scanned again.
# C0 controls other than tab, LF and CR, and DEL: invisible, and refused by YAML.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as bytes (in UTF-8 no other character holds such a byte): deleting
# them from a file's bytes tells whether it has one eight times faster than the search.
_CONTROL_BYTES = bytes(c for c in range(128) if _CONTROL.match(chr(c)))
_MAYBE_TAG = re.compile(r"(?:^|[\s\[{,])!")
_MAYBE_ANCHOR = re.compile(r"(?:^|[\s\[{,])[&*][^\s\]},]")


class _AliasUsed(yaml.YAMLError):
    pass


class _RecordLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader that records duplicate keys (PyYAML silently keeps the last one)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        """PyYAML's resolver without its path resolvers (none are registered), which the
        C parser calls for every node: the same tags for less work."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, regexp in self.yaml_implicit_resolvers.get(value[:1], ()):
                    if regexp.match(value):
                        return tag  # type: ignore[no-any-return]
            return self.DEFAULT_SCALAR_TAG  # type: ignore[no-any-return]
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG  # type: ignore[no-any-return]
        return self.DEFAULT_MAPPING_TAG  # type: ignore[no-any-return]

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not allowed", key_node.start_mark)
        super().flatten_mapping(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Any:
        mapping = super().construct_mapping(node, deep)
        if len(mapping) < len(node.value):  # only then look for the repeated keys
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else id(key_node)
                line = key_node.start_mark.line + 1
                if key in seen:
                    self.duplicates.append((str(key), line, seen[key]))
                seen[key] = line
        return mapping


_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,17})")


def _int_or_text(loader: _RecordLoader, node: yaml.ScalarNode) -> Any:
    """Plain decimal digits only: YAML 1.1's other spellings of a number (2_024, +2024,
    0x7E8, 03750, 1:30) stay text as written, so a year is never read from something
    that does not show it (the field check says what is wrong, kinds.plain_number), and
    a 5,000-digit number cannot stop the run."""
    value = node.value
    return int(value) if _DECIMAL.fullmatch(value) else value


def _date_or_text(loader: _RecordLoader, node: yaml.ScalarNode) -> Any:
    """A date that does not exist (2024-02-30) stays text for the field check to report."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_RecordLoader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
_RecordLoader.add_constructor("tag:yaml.org,2002:timestamp", _date_or_text)
# YAML 1.1 reads a lone '=' as the "value key" type, which no safe loader can build: it
# was reported as a tag ("!!value") nobody wrote.  It is the text '=', as written.
_RecordLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:value"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


_Y = "tag:yaml.org,2002:"
_SCALARS = frozenset(_Y + t for t in ("str", "int", "bool", "null", "float", "timestamp"))


class _NotPlain(Exception):
    pass


def _plain(loader: _RecordLoader, node: yaml.Node) -> Any:
    """What the loader's constructor makes of ``node``, for the values records hold
    (mappings without repeated or merge keys, lists, scalars of the implicit types);
    raises _NotPlain for anything else."""
    tag, kind = node.tag, type(node)
    if kind is yaml.ScalarNode:
        if tag == _Y + "str":
            return node.value
        if tag in _SCALARS:
            return loader.yaml_constructors[tag](loader, node)
    elif kind is yaml.MappingNode and tag == _Y + "map":
        mapping = {_plain(loader, k): _plain(loader, v) for k, v in node.value}
        if len(mapping) < len(node.value):
            raise _NotPlain  # repeated keys: the loader reports them
        return mapping
    elif kind is yaml.SequenceNode and tag == _Y + "seq":
        return [_plain(loader, v) for v in node.value]
    raise _NotPlain


def _single_data(loader: _RecordLoader) -> Any:
    """``loader.get_single_data()``, at about half the cost for a plain record.

    PyYAML's constructor is general (aliases, recursion, generators); a record is a
    small tree of plain values, built here directly from the composed nodes.  Anything
    else goes through the loader's own constructor, so results and errors are the same.
    """
    node = loader.get_single_node()
    if node is None:
        return None
    if not isinstance(loader, _StrictLoader):
        try:
            return _plain(loader, node)
        except (_NotPlain, TypeError, RecursionError):  # TypeError: an unhashable key
            pass
    return loader.construct_document(node)


class _StrictLoader(_RecordLoader):
    """Also refuses aliases; used only for text that holds a '*' (aliases need one)."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise _AliasUsed(node.start_mark.line + 1)
        return super().construct_object(node, deep)


_HINTS = (
    ("mapping values are not allowed",
     "a value contains ': ' — put the whole value in double quotes, "
     'e.g. title: "Dinomaly: The Less Is More"'),
    ("cannot start any token", "indent with spaces, not tabs, and quote values that start "
     "with @, ` or %"),
    ("could not determine a constructor", "remove the tag (the word starting with '!'); "
     "only plain YAML values are allowed"),
    ("found undefined alias", "write the value out instead of using *alias"),
    ("merge keys", "write every key of the record out in full"),
    ("expected a single document", "keep one record per file and remove the '---' line"),
    ("while scanning a quoted scalar", "close the quote, or escape the quote character"),
    ("while parsing a block mapping", "check the indentation: every key of the record starts "
     "at the beginning of its line"),
    ("did not find expected key", "check the indentation, and quote values that contain "
     "': ' or start with '[', '{', '*' or '&'"),
)


# Used with match(); the lookbehinds keep a search linear too (tests/hostile).
_KEY_LINE = re.compile(r"(?<![\w-])([A-Za-z_][\w-]*):(?:[ \t]|$)")
_ITEM_LINE = re.compile(r"(?<! )( *)- ")
_ITEM_NOUN = {"authors": "an author line", "tags": "a tag line"}
# A list item indented by at least one space: what a misindented item needs (below).
_INDENTED_ITEM = re.compile(r"\n +- ")
# A line whose value is a block scalar ("- |-", "text: >"): the lines below it, indented
# more, are text (a README block may hold a nested Markdown list), not YAML items.
_BLOCK_SCALAR = re.compile(r"(?:-|:)[ \t]+[|>][-+0-9]{0,2}[ \t]*$")


def _key_above(lines: list[str], index: int) -> str:
    """The top-level key whose value holds line ``index`` (0-based), or ''."""
    for line in reversed(lines[:index]):
        m = _KEY_LINE.match(line)
        if m:
            return m.group(1)
    return ""


def _indentation_problem(path: str, err: yaml.MarkedYAMLError, text: str) -> Problem | None:
    """What an indentation slip looks like to the parser, told as what the contributor did:
    a key indented under the value above it, or the lines of a long value not indented."""
    lines = text.split("\n")
    message = str(err)
    mark = err.problem_mark
    if "mapping values are not allowed" in message and mark and mark.line < len(lines):
        raw = lines[mark.line]
        key = _KEY_LINE.match(raw.lstrip())
        if raw[:1] in (" ", "\t") and key and _key_above(lines, mark.line):
            name = key.group(1)
            return Problem(path, mark.line + 1, name, f"the line '{name}:' is indented, so "
                           f"YAML reads it as part of the value of "
                           f"'{_key_above(lines, mark.line)}' above",
                           f"start '{name}:' at the beginning of the line, like the other keys")
    context = err.context_mark
    if "could not find expected ':'" in message and context and context.line < len(lines):
        raw = lines[context.line]
        above = _key_above(lines, context.line)
        if raw[:1] not in (" ", "\t", "-", "#") and not _KEY_LINE.match(raw) and above:
            return Problem(path, context.line + 1, above, f"this line continues the value of "
                           f"'{above}' but is not indented", "indent every line of a long value "
                           "(two spaces), or write the value on one line")
    return None


def _misindented_item(path: str, text: str) -> Problem | None:
    """A list item indented more than the one above is silently read as part of it
    ("Novak, Petra - Chen, Li"): valid YAML, but never what the contributor meant."""
    lines = text.split("\n")
    block: int | None = None  # the indentation of the line that opened a block scalar
    for index in range(1, len(lines)):
        if _BLOCK_SCALAR.search(lines[index - 1]) and block is None:
            block = len(lines[index - 1]) - len(lines[index - 1].lstrip(" "))
        if block is not None:
            indent = len(lines[index]) - len(lines[index].lstrip(" "))
            if not lines[index].strip() or indent > block:
                continue  # a line of the block's text
            block = None
        above, here = _ITEM_LINE.match(lines[index - 1]), _ITEM_LINE.match(lines[index])
        if above and here and len(here.group(1)) > len(above.group(1)) and \
                not lines[index - 1].rstrip().endswith(":") and \
                not _KEY_LINE.match(lines[index - 1][above.end():]):
            key = _key_above(lines, index)
            noun = _ITEM_NOUN.get(key, "a list item")
            return Problem(path, index + 1, key, f"{noun} is indented differently from the "
                           "others, so YAML reads it as part of the line above",
                           "start every item of the list with '- ' at the same indentation")
    return None


def _yaml_problem(path: str, err: yaml.MarkedYAMLError, source: str = "") -> Problem:
    indentation = _indentation_problem(path, err, source)
    if indentation:
        return indentation
    mark = err.problem_mark or err.context_mark
    line = mark.line + 1 if mark else 0
    col = mark.column + 1 if mark else 0
    text = " ".join(part for part in (err.context, err.problem) if part)
    tag = re.search(r"constructor for the tag '([^']*)'", text)
    if tag:  # a tag is not a syntax error: say which tag, and that none is allowed
        return _tag_problem(path, line, col, tag.group(1).replace("tag:yaml.org,2002:", "!!"))
    fix = next((hint for key, hint in _HINTS if key in str(err)),
               "fix the YAML syntax at this position; quote values that contain ': ' or '#'")
    what = f"YAML syntax error at column {col}: {text}" if col else f"YAML syntax error: {text}"
    return Problem(path, line, "", what, fix, col)


@dataclass
class Source:
    """One file as read: its text, its data (``None`` when unreadable) and file-level
    problems (encoding, size, syntax, duplicate keys)."""

    path: str
    text: str = ""
    data: Any = None
    problems: list[Problem] = field(default_factory=list)
    file: Path | None = None  # read again only when a line must be found (see line())
    _node: Any = field(default=None, repr=False)

    def line(self, *keys: str | int) -> int:
        """Line of the key (or list item) at ``keys``; 1 when it is not in the file."""
        if self._node is None and not self.text and self.file is not None:
            try:
                self.text = self.file.read_bytes().decode("utf-8", "replace")
            except OSError:
                self.text = ""
        if self._node is None:
            try:
                self._node = yaml.compose(self.text, Loader=_BaseLoader) or False
            except yaml.YAMLError:
                self._node = False
        node, line = self._node, 1
        for key in keys:
            if isinstance(node, yaml.MappingNode):
                hit = next(((k, v) for k, v in node.value if k.value == key), None)
                if hit is None:
                    return line
                line, node = hit[0].start_mark.line + 1, hit[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
                if key >= len(node.value):
                    return line
                node = node.value[key]
                line = node.start_mark.line + 1
            else:
                return line
        return line


def parse(path: str, raw: bytes, max_bytes: int = MAX_BYTES) -> Source:
    """Decode and parse one file's bytes; never raises on bad input."""
    src = Source(path)
    if len(raw) > max_bytes:
        return _too_big(path, len(raw), max_bytes)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        src.problems.append(Problem(path, line, "", f"not valid UTF-8 (byte "
                                    f"0x{raw[err.start]:02X})", "save the file with UTF-8 "
                                    "encoding"))
        return src
    src.text = text = text.removeprefix("\ufeff")
    bad = _CONTROL.search(text) if len(raw.translate(None, _CONTROL_BYTES)) != len(raw) \
        else None
    if bad:
        before = text[: bad.start()]
        line, col = before.count("\n") + 1, bad.start() - before.rfind("\n")
        what = "a NUL character" if bad.group() == "\x00" else \
            f"a control character (U+{ord(bad.group()):04X})"
        src.problems.append(Problem(path, line, "", f"file contains {what} at column {col}",
                                    "delete it (it is invisible: retype the text around it)",
                                    col))
        return src
    loader = (_StrictLoader if "*" in text else _RecordLoader)(text)
    try:
        src.data = _single_data(loader)
    except _AliasUsed as err:
        src.problems.append(_anchor_problem(path, int(str(err.args[0]))))
        return src
    except yaml.MarkedYAMLError as err:
        src.problems.append(_yaml_problem(path, err, text))
        return src
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        src.problems.append(Problem(path, line, "", f"character U+{err.character:04X} is not "
                                    "allowed in YAML", "delete it"))
        return src
    except yaml.YAMLError as err:
        src.problems.append(Problem(path, 0, "", f"YAML error: {err}", "fix the YAML syntax"))
        return src
    finally:
        loader.dispose()
    if "- " in text and _INDENTED_ITEM.search(text):
        slip = _misindented_item(path, text)
        if slip:
            src.problems.append(slip)
            src.data = None
            return src
    for key, line, first in loader.duplicates:
        src.problems.append(Problem(path, line, key, f"duplicate key (first given on line "
                                    f"{first}); YAML would silently keep only this one",
                                    "keep one of the two and delete the other"))
    if "!" in text and _MAYBE_TAG.search(text):
        tagged = _tag_at(text)
        if tagged:
            src.problems.append(_tag_problem(path, *tagged))
            src.data = None
            return src
    if ("&" in text or "*" in text) and _MAYBE_ANCHOR.search(text):
        line = _anchor_line(text)
        if line:
            src.problems.append(_anchor_problem(path, line))
    return src


def _too_big(path: str, size: int, max_bytes: int) -> Source:
    return Source(path, problems=[Problem(path, 0, "", f"file is {size:,} bytes, over the "
                                          f"limit of {max_bytes:,}", "a record holds one "
                                          "paper; shorten the abstract or split the file")])


def _tag_at(text: str) -> tuple[int, int, str] | None:
    """Line, column and tag of the first explicitly tagged node (!!binary, !!set, !!int...),
    which the safe loader would accept but a record must not use."""
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            tag = getattr(event, "tag", None)
            if tag and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
                return line, col, tag.replace("tag:yaml.org,2002:", "!!")
    except yaml.YAMLError:
        return None
    return None


def _tag_problem(path: str, line: int, col: int, tag: str) -> Problem:
    return Problem(path, line, "", f"YAML tag {tag} at column {col} is not allowed",
                   "remove the tag (the word starting with '!'); only plain YAML values "
                   "are allowed", col)


def _anchor_problem(path: str, line: int) -> Problem:
    return Problem(path, line, "", "YAML anchors and aliases (&name, *name) are not allowed",
                   "write each value out in full, or quote a value that starts with & or *")


def _anchor_line(text: str) -> int:
    try:
        for event in yaml.parse(text, Loader=_BaseLoader):
            if getattr(event, "anchor", None) and event.start_mark:
                return event.start_mark.line + 1
    except yaml.YAMLError:
        return 0
    return 0


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_fd(fd: int, limit: int, size: int) -> bytes:
    """Up to ``limit`` bytes of an open file (fewer only at its end), read without a
    buffered file object: a list reads thousands of small files.  ``size`` (from fstat)
    spares asking again for more of a file that was read whole."""
    raw = os.read(fd, limit)
    if not raw or len(raw) >= min(limit, size):
        return raw
    chunks = [raw]
    got = len(raw)
    while got < limit:
        chunk = os.read(fd, limit - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read(path: Path, display: str | None = None, max_bytes: int = MAX_BYTES) -> Source:
    """Read and parse one file; an unreadable file becomes a problem, not an exception.

    Only regular files are opened: a symbolic link could make CI read (and echo in its
    messages) any file of the machine, such as credentials, and a FIFO would hang."""
    shown = display or str(path)
    try:
        shown.encode("utf-8")
    except UnicodeEncodeError:
        return _bad_name(shown)
    try:
        mode = os.lstat(path).st_mode
    except OSError as err:
        return _unreadable(shown, err)
    if stat.S_ISLNK(mode):
        return _symlink(shown)
    if not stat.S_ISREG(mode):
        return _not_regular(shown, mode)
    try:
        fd = os.open(path, _OPEN_FLAGS)
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):  # replaced since the lstat
                return _not_regular(shown, st.st_mode)
            raw = _read_fd(fd, max_bytes + 1, st.st_size)
        finally:
            os.close(fd)
        size = max(len(raw), st.st_size)
    except OSError as err:
        if err.errno == errno.ELOOP or os.path.islink(path):
            return _symlink(shown)
        return _unreadable(shown, err)
    if size > max_bytes:  # report the real size, not the bytes read to notice it
        return _too_big(shown, size, max_bytes)
    return parse(shown, raw, max_bytes)


def _symlink(shown: str) -> Source:
    return Source(shown, problems=[Problem(shown, 0, "", "is a symbolic link; records must "
                                           "be regular files", "replace the link by the "
                                           "file itself")])


def _unreadable(shown: str, err: OSError) -> Source:
    return Source(shown, problems=[Problem(shown, 0, "", f"cannot read file: {err.strerror}",
                                           "check the path and permissions")])


_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


def _not_regular(shown: str, mode: int) -> Source:
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return Source(shown, problems=[Problem(shown, 0, "", f"is {kind}, not a regular file; "
                                           "it was not read", "delete it, or replace it by "
                                           "a record file")])


def _bad_name(shown: str) -> Source:
    """A file name that is not UTF-8 cannot become a record key, an anchor or a page."""
    name = printable(shown)
    return Source(name, problems=[Problem(name, 0, "", "file name is not valid UTF-8",
                                          "rename the file using UTF-8 characters, e.g. "
                                          "author-year-title.yaml")])


def require_folder(papers_dir: Path) -> None:
    """Refuse a ``--papers`` that is not a folder, saying what it is instead (every verb
    that reads the records starts here)."""
    if papers_dir.is_dir():
        return
    what = "is a file, not a folder" if papers_dir.exists() else "no such folder"
    raise UsageError(f"{papers_dir}: {what} — give the folder of paper records with --papers")


def paper_files(papers_dir: Path) -> list[Path]:
    """Every record file below ``papers_dir`` (files starting with '_' are list-level),
    in a stable order; symbolic links are listed too, so that they are reported."""
    return [Path(f) for f in paper_paths(papers_dir)]


def display_paths(folder: Path, files: list[Path] | list[str]) -> list[str]:
    """:func:`display_path` for many files below ``folder``, resolving the folder once."""
    base = display_path(folder)
    root = str(folder).rstrip(os.sep) + os.sep
    prefix = "" if base in ("", ".") else base.rstrip("/") + "/"
    if os.sep == "/" and files and type(files[0]) is str:
        return [prefix + f[len(root):] if f.startswith(root) else display_path(Path(f))
                for f in files]  # type: ignore[union-attr]
    return [prefix + str(f)[len(root):].replace(os.sep, "/") if str(f).startswith(root)
            else display_path(Path(f)) for f in files]


def display_path(path: Path, base: Path | None = None) -> str:
    """Paths as the user would type them: relative to the working directory when inside."""
    try:
        return path.resolve().relative_to((base or Path.cwd()).resolve()).as_posix()
    except ValueError:
        return path.as_posix()
