"""`site-builder serve`'s rebuilds, without a server: the first renders every page, the
next only those whose text changed, and what they leave behind (pages, search index,
sitemap) is what a full build of the same records gives."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import pytest

from site_builder.commands.serve import Rebuild
from site_builder.site import Page, write_pages

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "list"
EDITED = "guo2025-dinomaly"


def _rebuild(root: Path, name: str, reports: list[str]) -> Rebuild:
    (root / f"{name}-pages").mkdir()
    return Rebuild(root / "papers", None, None, root / name, str(root / f"{name}-pages"),
                   "127.0.0.1", 8000, reports.append)


def _html(site: Path) -> dict[str, int]:
    return {p.relative_to(site).as_posix(): p.stat().st_mtime_ns
            for p in site.rglob("*.html")}


def _sources(docs: Path) -> dict[str, int]:
    return {p.relative_to(docs).as_posix(): p.stat().st_mtime_ns for p in docs.rglob("*.md")}


def _built(source: str) -> str:
    stem = source.removesuffix(".md")
    return "index.html" if stem == "index" else f"{stem}/index.html"


def _search(site: Path) -> list[str]:
    docs = json.loads((site / "search" / "search_index.json").read_text("utf-8"))["docs"]
    return sorted(json.dumps(d, sort_keys=True) for d in docs)


def _same_as_a_full_build(root: Path, site: Path) -> None:
    fresh = _rebuild(root, f"full{len(list(root.glob('full*-pages')))}", [])
    fresh()
    assert _search(site) == _search(fresh.site_dir)
    assert (site / "sitemap.xml").read_text("utf-8") == \
        (fresh.site_dir / "sitemap.xml").read_text("utf-8")
    assert sorted(_html(site)) == sorted(_html(fresh.site_dir))
    for page in _html(site):
        assert (site / page).read_text("utf-8") == (fresh.site_dir / page).read_text("utf-8")


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "papers")
    monkeypatch.chdir(tmp_path)  # no mkdocs.yml here: the bundled one, as `serve` does
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_an_edit_re_renders_only_the_pages_it_touches(root: Path) -> None:
    reports: list[str] = []
    serve = _rebuild(root, "served", reports)
    serve()
    assert serve.preview.full and reports == []
    before, sources = _html(serve.site_dir), _sources(root / "served-pages")
    _edit(root / "papers" / f"{EDITED}.yaml", "The Less Is More", "The Much Less")
    serve()
    assert not serve.preview.full and reports == []
    page = serve.site_dir / "papers" / EDITED / "index.html"
    assert "The Much Less" in page.read_text("utf-8")
    after, edited = _html(serve.site_dir), _sources(root / "served-pages")
    touched = {p for p in after if after[p] != before[p]} - {"404.html"}  # a theme page
    rewritten = {p for p in edited if edited[p] != sources[p]}
    assert f"papers/{EDITED}/index.html" in touched
    assert "contributing/index.html" not in touched  # among those the title is not on
    assert touched < set(after) - {"404.html"}
    assert touched == {_built(p) for p in rewritten}
    assert touched == {f"{url}index.html" for url in serve.preview.rendered}
    _same_as_a_full_build(root, serve.site_dir)


def test_a_deleted_record_loses_its_page_and_search_entries(root: Path) -> None:
    serve = _rebuild(root, "served", [])
    serve()
    assert (serve.site_dir / "papers" / EDITED / "index.html").exists()
    (root / "papers" / f"{EDITED}.yaml").unlink()
    serve()
    assert not (serve.site_dir / "papers" / EDITED).exists()
    assert not [d for d in _search(serve.site_dir) if f"papers/{EDITED}/" in d]
    _same_as_a_full_build(root, serve.site_dir)


@pytest.mark.parametrize(("old", "new"), [
    ("- title: Reconstruction", "- title: Rebuilding"),  # a section: the navigation
    ("Fixture List for", "Renamed List for"),  # the list's title: every page's header
])
def test_a_list_file_change_renders_every_page_with_it(root: Path, old: str, new: str) -> None:
    serve = _rebuild(root, "served", [])
    serve()
    _edit(root / "papers" / "_list.yaml", old, new)
    serve()
    assert serve.preview.full
    assert new.removeprefix("- title: ") in (serve.site_dir / "papers" / "zhou2024-anomalyclip" /
                                             "index.html").read_text("utf-8")
    _same_as_a_full_build(root, serve.site_dir)


def test_a_half_saved_record_shows_its_problems_escaped_and_the_site_recovers(
        root: Path) -> None:
    reports: list[str] = []
    serve = _rebuild(root, "served", reports)
    serve()
    record = root / "papers" / f"{EDITED}.yaml"
    good = record.read_text("utf-8")
    record.write_text(good.replace("year: 2025", "year: <script>alert(1)</script>"),
                      encoding="utf-8")
    serve()
    assert len(reports) == 1 and f"papers/{EDITED}.yaml:" in reports[0]
    assert "year" in reports[0]
    home = (serve.site_dir / "index.html").read_text("utf-8")
    assert "The records are invalid" in home and f"{EDITED}.yaml" in home
    assert "<script>alert(1)" not in home and "&lt;script&gt;alert(1)" in home
    open_page = serve.site_dir / "papers" / "zhou2024-anomalyclip" / "index.html"
    assert "The records are invalid" in open_page.read_text("utf-8")  # it reloads to this
    record.write_text(good, encoding="utf-8")
    serve()
    assert len(reports) == 1
    assert "The records are invalid" not in (serve.site_dir / "index.html").read_text("utf-8")
    _same_as_a_full_build(root, serve.site_dir)


def test_a_broken_template_shows_an_error_page_and_the_site_recovers(root: Path) -> None:
    reports: list[str] = []
    serve = _rebuild(root, "served", reports)
    serve()
    template = root / "templates" / "site" / "section.md.j2"
    template.parent.mkdir(parents=True)
    template.write_text("{% if %}\n", encoding="utf-8")
    serve()
    assert len(reports) == 1 and "section.md.j2:1: template error" in reports[0]
    home = (serve.site_dir / "index.html").read_text("utf-8")
    assert "The site cannot be built" in home and "section.md.j2:1" in home
    template.unlink()
    serve()
    assert len(reports) == 1
    assert "The site cannot be built" not in (serve.site_dir / "index.html").read_text("utf-8")


def test_write_pages_leaves_unchanged_pages_alone(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    write_pages([Page("a.md", "A", "# A\n"), Page("b.md", "B", "# B\n")], docs)
    old = 1_000_000_000_000_000_000
    for name in ("a.md", "b.md"):
        os.utime(docs / name, ns=(old, old))
    changed = write_pages([Page("a.md", "A", "# A\n"), Page("b.md", "B", "# B, edited\n")],
                          docs)
    assert changed == 1
    assert (docs / "a.md").stat().st_mtime_ns == old  # MkDocs' dirty build skips it
    assert (docs / "b.md").stat().st_mtime_ns > old
    assert write_pages([Page("a.md", "A", "# A\n")], docs) == 1  # b.md removed
    assert not (docs / "b.md").exists()


def test_the_readme_says_how_to_preview_and_links_the_website_and_contributing() -> None:
    from site_builder.checking import check_dir
    from site_builder.render import render_readme

    plist = check_dir(FIXTURE)
    readme = render_readme(plist)
    assert "`.venv/bin/site-builder serve`" in readme
    assert "[CONTRIBUTING.md](CONTRIBUTING.md)" in readme
    assert "The same list is a website" not in readme  # no site_url: no link
    hosted = dataclasses.replace(plist, info=dataclasses.replace(
        plist.info, site_url="https://example.org/list/"))
    assert "website: [https\\://example.org/list/](https://example.org/list/)" in \
        render_readme(hosted)
    repo = (Path(__file__).resolve().parents[1] / "README.md").read_text("utf-8")
    assert "site-builder serve" in repo and "(CONTRIBUTING.md)" in repo


def test_serve_refuses_a_missing_papers_folder(root: Path) -> None:
    from site_builder.cli import main

    assert main(["serve", "--papers", "nowhere", "--port", "8000"]) == 2
    assert main(["serve", "--port", "0"]) == 2
