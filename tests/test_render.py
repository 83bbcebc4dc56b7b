"""site_builder.render: the README, byte for byte.

The golden file ``tests/golden/README.md`` is the README rendered from the fixture list
``tests/fixtures/list/``.  After an intended change to the templates, regenerate it with

    UPDATE_GOLDEN=1 python -m pytest tests/test_render.py

and review the diff before committing it.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from markdown_it import MarkdownIt

from site_builder.checking import check_dir
from site_builder.fsio import write_atomic
from site_builder.model import Entry, Paper, PaperList
from site_builder.render import render_readme
from tests.conftest import GOLDEN, LIST_FIXTURE, REPO, SEED

GOLDEN_README = GOLDEN / "README.md"
ENTRY_LINE = re.compile(r"^- \*?\[\[.+ \d{4}\]\]\(")


def _render(folder: Path) -> str:
    return render_readme(check_dir(folder))


# --- golden file and the repository's own README --------------------------------------

def test_golden_readme() -> None:
    text = _render(LIST_FIXTURE)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN_README.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN_README.write_text(text, encoding="utf-8", newline="\n")
    assert GOLDEN_README.read_text(encoding="utf-8") == text, \
        "golden README differs; if intended: UPDATE_GOLDEN=1 python -m pytest " \
        "tests/test_render.py"


def test_golden_readme_covers_the_format() -> None:
    text = GOLDEN_README.read_text(encoding="utf-8")
    assert "- *[[CVPR 2025]]" in text  # non-medical star
    assert "- [[Neurocomputing 2025]](https://arxiv.org/abs/2302.05154) **Industrial and " \
        "Medical Anomaly Detection Through Cycle-Consistent Adversarial Networks**\n" in text
    assert "Sandkühler, Robin and 李, 华 and others*" in text  # unicode, others last
    assert '<img src="https://example.org/overview.png" width="100%"' in text  # info image
    assert "- :octocat:: Code" in text  # info items
    assert "[![Star History Chart](https://api.star-history.com/" in text  # chart
    assert "![Papers](https://img.shields.io/badge/papers-5-blue)" in text  # unlinked badge
    assert "**🦉 Contributors: [Ada Lovelace](https://example.org/ada)" in text  # notes
    assert "[lists@example.org](mailto:lists@example.org)" in text  # contact
    assert '<img src="https://example.org/logos/lab.png" height="45" alt="Lab">' in text
    assert text.rstrip().endswith("(#top)")  # footer
    assert text.count("<details>") == 2  # two abstracts of five papers
    assert text.count('width="50%"') == 2  # two figures
    assert text.count("[:octocat:]") == 3  # three code links


def test_repo_readme_is_what_the_records_give() -> None:
    from site_builder.cli import main

    assert (REPO / "README.md").read_text(encoding="utf-8") == _render(REPO / "papers")
    assert main(["readme", "--check", "--papers", str(REPO / "papers"),
                 "-o", str(REPO / "README.md")]) == 0


# --- determinism and order ------------------------------------------------------------

def test_rendering_twice_is_byte_identical() -> None:
    plist = check_dir(LIST_FIXTURE)
    assert render_readme(plist).encode() == render_readme(plist).encode()


def test_file_order_does_not_matter(tmp_path: Path) -> None:
    files = sorted(LIST_FIXTURE.iterdir(), reverse=True)
    for i, src in enumerate(files):  # created in reverse order, with new names' mtimes
        shutil.copyfile(src, tmp_path / src.name)
        os.utime(tmp_path / src.name, (1_000_000 - i, 1_000_000 - i))
    assert _render(tmp_path) == _render(LIST_FIXTURE)
    plist = check_dir(LIST_FIXTURE)
    shuffled = list(plist.entries)
    random.Random(7).shuffle(shuffled)
    assert render_readme(dataclasses.replace(plist, entries=tuple(shuffled))) == \
        render_readme(plist)


def test_sections_sort_newest_first_then_venue_title_file(tmp_path: Path) -> None:
    shutil.copytree(LIST_FIXTURE, tmp_path / "papers")
    for name, title, venue, year in [("m1", "Beta", "MICCAI", 2024), ("m2", "Alpha", "MICCAI",
                                      2024), ("m3", "Gamma", "AAAI", 2024),
                                     ("m4", "Delta", "TMI", 2026)]:
        (tmp_path / "papers" / f"{name}.yaml").write_text(
            f"title: {title}\nauthors: [X]\nvenue: {venue}\nyear: {year}\n"
            f"url: https://example.org/{name}\ncategory: benchmarks\n", encoding="utf-8")
    text = _render(tmp_path / "papers")
    section = text[text.index("## 3. Benchmarks"):text.index("## 🥰")]
    titles = re.findall(r"^- \[\[(.+?)\]\]\(.*?\) \*\*(.+?)\*\*", section, re.M)
    assert titles == [("TMI 2026", "Delta"), ("AAAI 2024", "Gamma"), ("CVPR Workshops 2024",
                      "BMAD: Benchmarks for Medical Anomaly Detection"),
                      ("MICCAI 2024", "Alpha"), ("MICCAI 2024", "Beta")]


def test_output_has_no_trailing_spaces_and_one_final_newline() -> None:
    text = GOLDEN_README.read_text(encoding="utf-8")
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert not any(line != line.rstrip() for line in text.splitlines())
    assert "\n\n\n" not in text


def test_user_templates_override_the_bundled_ones(tmp_path: Path) -> None:
    (tmp_path / "readme").mkdir()
    (tmp_path / "readme" / "setup.md.j2").write_text("## Custom build <a id=\"build\"></a>\n")
    text = render_readme(check_dir(LIST_FIXTURE), tmp_path)
    assert "## Custom build" in text and "Building this list" not in text
    assert "**Dinomaly:" in text  # the other templates are still the bundled ones


# --- hostile input ---------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold**",
    "](javascript:alert(1))", "[x](http://evil)", "`tick`", "a | b", "$x$", "</details>",
    "-->", "_em_", "~~del~~", "<!-- open", "&lt;b&gt;", "![i](http://evil/i.png)",
    "<https://auto.link>", "\\", "*[[X 2020]](http://a) **t**", "see https://evil.example/x",
    "www.evil.example",
]


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _hostile_list(tmp_path: Path) -> PaperList:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "_list.yaml").write_text("title: Hostile\nsections:\n- title: Papers\n  id: p\n",
                                       encoding="utf-8")
    for i, bad in enumerate(HOSTILE):
        record = {"title": f"Title{i} {bad} end{i}", "authors": [f"Name{i}, {bad}", "others"],
                  "venue": f"Venue{i} {bad}", "year": 2020, "url": f"https://example.org/{i}",
                  "category": "p", "abstract": f"Abstract{i} {bad}\n{bad} end{i}",
                  "code": f"https://example.org/code{i}",
                  "figure": f"https://example.org/figure{i}.png", "non_medical": i % 2 == 0}
        (papers / f"p{i:02}.yaml").write_text(yaml.safe_dump(record, allow_unicode=True),
                                              encoding="utf-8")
    return check_dir(papers)  # the validator accepts all of it: it is just text


def test_hostile_text_renders_only_as_text(tmp_path: Path) -> None:
    plist = _hostile_list(tmp_path)
    readme = render_readme(plist)
    n = len(HOSTILE)
    # line structure: one entry line and one authors line per paper
    assert len([line for line in readme.splitlines() if ENTRY_LINE.match(line)]) == n
    assert len(re.findall(r"^  \*Name\d+, .*\*$", readme, re.M)) == n
    assert readme.count("\n<details>\n") == n and readme.count("\n</details>\n") == n

    records = readme[:readme.index("## 📊 Statistics")]  # counts and fixed text follow
    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]) \
        .render(records)
    parsed = _Html()
    parsed.feed(html)
    tags = [t for t, _ in parsed.tags]
    assert "script" not in tags
    assert not any(k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    hrefs = [a["href"] for t, a in parsed.tags if t == "a" and "href" in a]
    assert all(h.startswith(("https://", "http://star", "#", "mailto:")) for h in hrefs), hrefs
    assert not any("evil" in h or "javascript" in h for h in hrefs)
    # exactly the structure the format makes, nothing more
    sections = len(plist.info.sections)
    assert tags.count("a") == 2 * n + sections + sections  # venue + code; toc; anchors
    assert tags.count("strong") == n + sections  # titles; table of contents
    assert tags.count("em") == n  # authors
    assert tags.count("img") == n  # figures
    assert tags.count("code") == 0
    assert tags.count("del") == 0 and tags.count("table") == 0
    text = "".join(parsed.text)
    for i, bad in enumerate(HOSTILE):
        assert f"Title{i} {bad} end{i}" in text
        assert f"Venue{i} {bad} 2020" in text
        assert f"Name{i}, {bad} and others" in text
        assert f"Abstract{i} {bad} {bad} end{i}" in text
        alt = next(a["alt"] for t, a in parsed.tags if t == "img" and
                   a.get("src") == f"https://example.org/figure{i}.png")
        assert alt == f"Figure of Title{i} {bad} end{i}"


def test_hostile_venues_stay_in_their_statistics_cells(tmp_path: Path) -> None:
    readme = render_readme(_hostile_list(tmp_path))
    stats = readme[readme.index("## 📊 Statistics"):readme.index("## 🛠️ Building this list")]
    html = MarkdownIt("commonmark", {"html": True}).enable(["table"]).render(stats)
    parsed = _Html()
    parsed.feed(html)
    tags = [t for t, _ in parsed.tags]
    assert tags.count("table") == 2
    shown = min(len(HOSTILE), 10)  # stats.TOP_VENUES
    assert tags.count("tr") == 2 + 1 + shown  # two header rows, one year, the top venues
    assert tags.count("td") == 2 * (1 + shown)
    assert "script" not in tags and tags.count("a") == 1  # the section's anchor


def test_unsafe_urls_never_reach_the_readme() -> None:
    """Defence in depth: even records that skipped validation cannot inject a link."""
    plist = check_dir(LIST_FIXTURE)
    evil = Paper(title="Evil", authors=("A",), venue="V", year=2024,
                 url="javascript:alert(1)", category="benchmarks",
                 code='https://x.org/"onmouseover="alert(1)', figure='https://x.org/f.png" '
                 'onerror="alert(1)')
    readme = render_readme(dataclasses.replace(
        plist, entries=(*plist.entries, Entry("evil", "evil.yaml", evil))))
    assert "javascript:" not in readme
    assert "onmouseover" not in readme and "onerror" not in readme
    assert "- [[V 2024]]() **Evil** [:octocat:]()" in readme
    assert '<img src="" width="50%" alt="Figure of Evil">' in readme


# --- markdownlint ----------------------------------------------------------------------

def test_golden_and_repo_readme_pass_markdownlint(markdownlint) -> None:
    for path in (GOLDEN_README, REPO / "README.md"):
        result = markdownlint(path.read_text(encoding="utf-8"))
        assert result.findings == 0, result.output


def test_seed_readme_fails_markdownlint(markdownlint) -> None:
    """The hand-edited list the tool replaced: the same rules find 64 problems in it."""
    result = markdownlint(SEED.read_text(encoding="utf-8"), "SEED.md")
    assert result.findings == 64, result.output


def test_hostile_readme_passes_markdownlint(markdownlint, tmp_path: Path) -> None:
    result = markdownlint(render_readme(_hostile_list(tmp_path)))
    assert result.findings == 0, result.output


# --- writing ----------------------------------------------------------------------------

def test_write_atomic(tmp_path: Path) -> None:
    out = tmp_path / "sub" / "README.md"
    assert write_atomic(out, "héllo\n") is True
    assert out.read_bytes() == "héllo\n".encode()
    os.utime(out, (1_000_000, 1_000_000))
    assert write_atomic(out, "héllo\n") is False
    assert out.stat().st_mtime == 1_000_000  # unchanged content: file not touched
    assert write_atomic(out, "new\n") is True and out.read_text() == "new\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["README.md"]  # no temp left


def test_write_atomic_leaves_no_temp_file_on_failure(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "README.md"
    out.write_text("old\n")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(out, "new\n")
    assert out.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["README.md"]
