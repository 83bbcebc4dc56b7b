"""The fast path of record loading gives exactly what PyYAML's own constructor and
resolver give: the same data, the same duplicate keys, the same errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from site_builder import load

from .conftest import BAD, LIST_FIXTURE


class _Stock(load._RecordLoader):
    """The record loader with PyYAML's own resolver, loaded the stock way."""

    resolve = yaml.resolver.BaseResolver.resolve


def outcome(loader_cls: type, text: str, fast: bool) -> tuple[Any, ...]:
    loader = loader_cls(text)
    try:
        data = load._single_data(loader) if fast else loader.get_single_data()
        return "ok", repr(data), loader.duplicates
    except Exception as err:  # the very same error is the point
        return "error", type(err).__name__, str(err)
    finally:
        loader.dispose()


def assert_same(text: str) -> None:
    assert outcome(load._RecordLoader, text, True) == outcome(_Stock, text, False), text


EDGE_CASES = [
    "", "# only a comment", "a: 1", "a: 1\na: 2", "<<: {a: 1}", "a: &x 1\nb: 2",
    "!!str {a: 1}", "!!map foo", "a: !!int [1]", "? [a]\n: b", "? {a: 1}\n: b",
    "a: .inf", "a: .nan", "a: 1:30", "a: 0x10", "a: 0o17", "a: 1_000", "a: 2024-02-30",
    "a: 2024-01-01", "a: 2024-01-01 10:00:00", "a: yes", "a: No", "a: ~", "a: =",
    "a: !!binary aGVsbG8=", "a: !!set {x}", "a: !foo x", "a: ! x", "{1: 2, true: 3, null: 4}",
    "- a\n- {b: [1, 2.5, null]}", "a: '1'", 'a: "x" # c', "a: [" * 200 + "]" * 200,
    "[" * 3000 + "]" * 3000, "a: b: c", "a: [1, 2", "--- a\n--- b",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases(text: str) -> None:
    assert_same(text)


def _texts() -> list[tuple[str, str]]:
    """The fixture records that are UTF-8 (parse() stops before loading any other)."""
    found = []
    for path in sorted([*BAD.glob("*.yaml"), *LIST_FIXTURE.glob("*.yaml")]):
        try:
            found.append((path.name, path.read_bytes().decode("utf-8").removeprefix("\ufeff")))
        except UnicodeDecodeError:
            continue
    return found


@pytest.mark.parametrize(("name", "text"), _texts(), ids=[n for n, _ in _texts()])
def test_fixture_files(name: str, text: str) -> None:
    assert_same(text)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=False), st.text(max_size=20),
                    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(values, st.booleans())
def test_dumped_values(value: Any, flow: bool) -> None:
    assert_same(yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True))
