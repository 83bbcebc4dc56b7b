"""Random input never escapes as an exception: mutated records, and random bytes through
``import`` and ``from-issue``.  Every outcome is either success or problems that name a
file (and a line where there is one) — the contract contributors and CI rely on."""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.errors import InvalidRecords
from tests.conftest import LIST_FIXTURE

RECORDS = sorted(p for p in LIST_FIXTURE.glob("*.yaml") if not p.name.startswith("_"))
# What contributors (and attackers) type: YAML syntax, quotes, indentation, controls,
# invisible and right-to-left characters, look-alikes, emoji, non-BMP text.
HOSTILE = st.sampled_from([
    *":-#&*!|>'\"{}[],%@` \t\n\r\\", "\x00", "\x07", "\x85",
    "\u2028", "\u202e", "\u200b", "\ufeff", "а", "é", "🌟", "<script>",
    "](javascript:x)", "&a ", "*a", "!!python/object:os.system", "<<: ", "---\n", "...\n",
    "\n  ", "\n- ", "\n ", "0x10", "2e3", "1_000", "~", "null", "yes", "99999999999999999999"])
SETTINGS = settings(max_examples=80, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A fixture record with a few random edits: insertions, deletions, line moves."""
    path = draw(st.sampled_from(RECORDS))
    text = path.read_text("utf-8")
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "duplicate-line", "indent"]))
        if op == "insert":
            text = text[:at] + draw(HOSTILE) + text[at:]
        elif op == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)):]
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i]) if op == "duplicate-line" else \
                lines.__setitem__(i, " " * draw(st.integers(1, 3)) + lines[i])
            text = "\n".join(lines)
    return path.name, text


@contextlib.contextmanager
def fixture_list() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        papers = Path(tmp) / "papers"
        shutil.copytree(LIST_FIXTURE, papers)
        yield papers


@SETTINGS
@given(mutated())
def test_a_mutated_record_validates_or_gives_located_problems(case: tuple[str, str]) -> None:
    name, text = case
    with fixture_list() as papers:
        (papers / name).write_bytes(text.encode("utf-8", "surrogatepass"))
        try:
            check_dir(papers)
        except InvalidRecords as err:
            assert err.problems
            for problem in err.problems:
                assert problem.path.endswith(".yaml") and problem.message
                assert problem.line >= 0 and "Traceback" not in problem.text()


def _run(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


README_BITS = st.sampled_from([
    b"# T\n", b"## 1. Sec <a id=\"s1\"></a>\n", b"- [[CVPR 2024]](https://a.org/x) **T**\n",
    b"  *A, B and C, D*\n", b"<details>\n", b"</details>\n", b"<summary>x</summary>\n",
    b"```\n", b"| a | b |\n", b"> q\n", b"\xc3\x28", b"\xff\xfe", b" " * 300, b"[" * 50,
    b"<div align=\"center\">\n", b"<img src=\"https://a.org/i.png\">\n", b"\r\n", b"\x00"])


@SETTINGS
@given(st.lists(st.one_of(README_BITS, st.binary(max_size=40)), max_size=25))
def test_random_bytes_through_import_end_in_an_exit_code(chunks: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "README.md"
        source.write_bytes(b"".join(chunks))
        code, err = _run(["import", str(source), "--papers", str(Path(tmp) / "papers")])
        assert code in (0, 1, 2) and "Traceback" not in err


ISSUE_BITS = st.sampled_from([
    b"### Title\n\n", b"### Authors\n\n", b"### Venue\n\n", b"### Year\n\n",
    b"### Paper link\n\n", b"### Category\n\n", b"### Abstract\n\n", b"_No response_\n",
    b"https://a.org/x\n", b"2024\n", b"Guo, Jia\n", b"- [x] x\n", b"\xc3\x28", b"\x00",
    b"```\n", b"\r\n"])


@SETTINGS
@given(st.lists(st.one_of(ISSUE_BITS, st.binary(max_size=40)), max_size=25))
def test_random_bytes_through_from_issue_end_in_an_exit_code(chunks: list[bytes]) -> None:
    with fixture_list() as papers:
        body = papers.parent / "issue.md"
        body.write_bytes(b"".join(chunks))
        before = sorted(p.name for p in papers.iterdir())
        code, err = _run(["from-issue", str(body), "--papers", str(papers), "--dry-run"])
        assert code in (0, 1, 2) and "Traceback" not in err
        assert sorted(p.name for p in papers.iterdir()) == before  # --dry-run writes nothing
