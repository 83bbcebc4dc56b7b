"""Reading service answers that may have any shape: bounded JSON and typed access.

A service can send anything: JSON nested 100,000 deep, a number where a list of titles
belongs, authors as plain strings.  :func:`load_json` refuses nesting deeper than
:data:`MAX_DEPTH` before the parser could recurse, and :class:`Node` reads one value at a
path with the type the caller expects, so a wrong shape becomes one :class:`ServiceError`
that names the field instead of an AttributeError or TypeError deep in the caller.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterator
from itertools import accumulate
from typing import Any

from . import ServiceError

MAX_DEPTH = 64  # Crossref records nest about 5 deep
# A string, or an unclosed one up to the end: the scan never restarts inside a string, so
# it is linear even on '"\\"\\"\\"...'.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")  # +1 and, as a signed byte, -1


def depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), found in one
    pass without recursion."""
    skeleton = _NOT_BRACKET.sub("", _STRING.sub("", text)).encode("ascii")
    return max(accumulate(array("b", skeleton.translate(_STEP))), default=0)


def load_json(data: bytes, fail: Callable[[str], ServiceError]) -> object:
    """``data`` as JSON; ``fail(what)`` makes the error for text that is not JSON or nests
    deeper than :data:`MAX_DEPTH`."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise fail("an answer that is not UTF-8 text") from None
    if depth(text) > MAX_DEPTH:
        raise fail(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise fail("an answer that is not JSON") from None


def kind_of(value: object) -> str:
    """What a JSON value is, in words: ``a number``, ``a list``..."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class Node:
    """One JSON value and where it sits (``message.author[2]``); accessors check the type.

    Missing keys and ``null`` give the empty value of the expected type (optional fields
    are common); a value of another type raises ``fail(message)``.
    """

    def __init__(self, value: object, path: str, fail: Callable[[str], ServiceError]) -> None:
        self.value, self.path, self.fail = value, path, fail

    def _wrong(self, path: str, value: object, expected: str) -> ServiceError:
        return self.fail(f"{path} is {kind_of(value)} where {expected} was expected")

    def _child(self, key: str) -> tuple[str, object]:
        if not isinstance(self.value, dict):
            raise self._wrong(self.path, self.value, "an object")
        return (f"{self.path}.{key}" if self.path else key), self.value.get(key)

    def obj(self, key: str) -> Node:
        """The object at ``key`` (an empty one when missing)."""
        path, value = self._child(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self._wrong(path, value, "an object")
        return Node(value, path, self.fail)

    def items(self, key: str) -> Iterator[Node]:
        """The members of the list at ``key`` (none when missing)."""
        path, value = self._child(key)
        if value is None:
            return iter(())
        if not isinstance(value, list):
            raise self._wrong(path, value, "a list")
        return (Node(v, f"{path}[{i}]", self.fail) for i, v in enumerate(value))

    def text(self, key: str) -> str:
        """The text at ``key`` ("" when missing)."""
        path, value = self._child(key)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise self._wrong(path, value, "a text")
        return value

    def texts(self, key: str) -> list[str]:
        """The list of texts at ``key`` ([] when missing)."""
        out = []
        for item in self.items(key):
            if item.value is None:
                continue
            if not isinstance(item.value, str):
                raise self._wrong(item.path, item.value, "a text")
            out.append(item.value)
        return out


def citation_count(reply: Any, service: str, subject: str, field: str, missing: str,
                   absent: str) -> int:
    """The non-negative count ``field`` of a one-record JSON answer about ``subject``:
    NotFound (saying ``absent``) on 404, ServiceError on any other failure or shape
    (OpenAlex and Semantic Scholar answer alike)."""
    from . import NotFound

    if reply.status_code == 404:
        raise NotFound(absent)
    if reply.status_code != 200:
        raise ServiceError(f"{service} answered {reply.status_code} {reply.reason} for "
                           f"{subject} — try again later")

    def fail(what: str) -> ServiceError:
        return ServiceError(f"{service} sent {what} for {subject} — try again later")

    data = Node(load_json(reply.content, fail), "", fail)
    count = data.value.get(field) if isinstance(data.value, dict) else None
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise fail(missing)
    return count
