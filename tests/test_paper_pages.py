"""Paper pages: one per record, their head metadata, and what the other pages link."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from mkdocs.utils.meta import get_data

from site_builder.checking import check_dir
from site_builder.commands.site import read_sources
from site_builder.exporters import Options
from site_builder.site import (
    EXPLORE_WORDS,
    build_pages,
    front_matter,
    nav,
    paper_path,
    text_on,
)
from tests.conftest import build_site

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPORTS = FIXTURES / "exports"
ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "muller2024-hostile"


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    built = read_sources(EXPORTS).pages(site_url="https://lists.example.org/ad")
    return {p.path: p.text for p in built}


def _meta(text: str) -> dict:
    _, data = get_data(text)
    assert data, text[:300]
    return data


def _tags(data: dict) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for _, name, content in data["sb_head"]:
        out.setdefault(name, []).append(content)
    return out


def test_one_page_per_record_outside_the_navigation(pages: dict[str, str]) -> None:
    stems = sorted(p.stem for p in EXPORTS.glob("[!_]*.yaml"))
    assert {p for p in pages if p.startswith("papers/")} == {paper_path(s) for s in stems}
    listed = [path for item in nav(list(read_sources(EXPORTS).pages())) for path in
              item.values()]
    assert listed and not any(p.startswith("papers/") for p in listed)


def test_hostile_text_stays_inside_the_front_matter(pages: dict[str, str]) -> None:
    text = pages[paper_path(HOSTILE)]
    head = text.split("\n---\n", 1)[0]
    assert "<" not in head and ">" not in head and "&" not in head.replace("&amp;", "")
    data = _meta(text)
    assert data["title"].startswith("Unbalanced { brace")  # escaped for the theme
    assert _tags(data)["citation_title"] == [
        "Unbalanced { brace and \\textbf{bold} 50% off $x^2$ # _ ~ } } \\end{document} @misc{evil,"]
    assert "&lt;/summary&gt;" in data["description"]  # Material prints it unescaped
    assert "<script>" not in text.split("\n---\n", 1)[1]


def test_citation_tags_follow_the_venue_table(pages: dict[str, str]) -> None:
    cvpr = _tags(_meta(pages[paper_path("guo2025-dinomaly")]))
    assert cvpr["citation_conference_title"][0].startswith("IEEE/CVF Conference")
    assert cvpr["citation_doi"] == ["10.1109/CVPR52734.2025.01234"]
    assert cvpr["citation_publication_date"] == ["2025"]
    media = _tags(_meta(pages[paper_path("guo2025-dinomaly-again")]))
    assert media["citation_journal_title"] == ["Medical Image Analysis (Overridden)"]
    assert "citation_conference_title" not in media
    arxiv = _tags(_meta(pages[paper_path(HOSTILE)]))
    assert arxiv["citation_arxiv_id"] == ["2401.01234"]
    assert arxiv["citation_pdf_url"] == ["https://arxiv.org/pdf/2401.01234"]
    assert arxiv["citation_author"] == ["Müller, Jürgen", "Ødegård, Åse", "李, 华"]
    assert arxiv["og:url"] == [f"https://lists.example.org/ad/papers/{HOSTILE}/"]
    assert "citation_journal_title" not in arxiv and "citation_conference_title" not in arxiv


def test_json_ld_is_a_scholarly_article(pages: dict[str, str]) -> None:
    ld = _meta(pages[paper_path("guo2025-dinomaly")])["sb_jsonld"]
    assert ld["@type"] == "ScholarlyArticle" and ld["datePublished"] == "2025"
    assert ld["identifier"]["value"] == "10.1109/CVPR52734.2025.01234"
    assert ld["url"] == "https://lists.example.org/ad/papers/guo2025-dinomaly/"


def test_front_matter_escapes_markup_and_reads_back() -> None:
    value = {"t": "</script><b>&amp; 🌟 \u2028 \x85 \x9f \ufeff 'q' \"d\"\n:- #"}
    text = front_matter(value)
    assert not set("<>&") & set(text)
    assert _meta(f"---\n{text}\n---\n\n# x\n") == value


def test_badge_text_colour_reads_on_its_background() -> None:
    assert text_on("#7b1fa2") == "#ffffff"
    assert text_on("#ffeb3b") == "#000000"
    assert text_on("#000000") == "#ffffff" and text_on("#ffffff") == "#000000"


def test_the_related_slot_shows_what_it_is_given() -> None:
    from site_builder.similar import Related

    plist = check_dir(EXPORTS)
    empty = {p.path: p.text for p in build_pages(plist, related={})}
    assert "Related papers" not in empty[paper_path("guo2025-dinomaly")]
    filled = {p.path: p.text for p in build_pages(plist, related={
        "guo2025-dinomaly": [Related("guo2025-dinomaly-again", 0.9, ("dinomaly",))]})}
    page = filled[paper_path("guo2025-dinomaly")]
    assert "## Related papers" in page and 'href="../guo2025-dinomaly-again/"' in page
    assert "shared: dinomaly" in page


def test_cards_and_explore_rows_link_the_paper_page(pages: dict[str, str]) -> None:
    assert 'class="sb-details" href="../../papers/guo2025-dinomaly/"' in pages[
        "sections/methods.md"]
    explore = pages["explore.md"]
    assert 'class="sb-details" href="../papers/guo2025-dinomaly/"' in explore
    assert "search:\n  exclude: true" in explore and "search:\n  exclude: true" in pages[
        "contributing.md"]
    words = pages[EXPLORE_WORDS]  # abstracts are matched by the words filter, from here
    assert "line one." in words and "line one." not in explore
    assert 'data-words="../assets/explore-words.js"' in explore


def test_explore_words_hold_each_abstract_as_inert_data() -> None:
    """The abstracts script is one assignment of JSON, escaped so that no abstract can end
    the string or the script (tojson turns <, >, & and ' into \\u escapes)."""
    plist = check_dir(EXPORTS)
    text = next(p.text for p in build_pages(plist) if p.path == EXPLORE_WORDS)
    prefix = "window.sbExploreWords = "
    assert text.startswith(prefix) and text.rstrip().endswith(";")
    data = json.loads(text[len(prefix):text.rstrip().rindex(";")])
    assert data == {e.key: e.paper.abstract.lower() for e in plist.entries
                    if e.paper.abstract}
    assert "<" in data[HOSTILE] and "<" not in text and "\\u003c" in text


def test_explore_offers_the_lists_tags() -> None:
    plist = check_dir(EXPORTS)
    tags = sorted({t for e in plist.entries for t in e.paper.tags}, key=str.casefold)
    explore = next(p.text for p in build_pages(plist, exports=Options())
                   if p.path == "explore.md")
    assert tags and all(f'<option value="{t}">' in explore for t in tags)
    assert 'id="sb-f-tag"' in explore


def test_site_url_from_the_list_fills_canonical_links_and_the_sitemap(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(EXPORTS, work / "papers")
    listing = work / "papers" / "_list.yaml"
    listing.write_text(listing.read_text("utf-8") + "site_url: https://lists.example.org/ad\n",
                       encoding="utf-8")
    build_site(work)
    site = work / "site"
    sitemap = (site / "sitemap.xml").read_text("utf-8")
    assert f"<loc>https://lists.example.org/ad/papers/{HOSTILE}/</loc>" in sitemap
    html = (site / "papers" / "guo2025-dinomaly" / "index.html").read_text("utf-8")
    assert '<link rel="canonical" href="https://lists.example.org/ad/papers/guo2025-dinomaly/">' \
        in html
    assert '<meta name="citation_title" content="Dinomaly: The Less Is More' in html
    ld = html.split('<script type="application/ld+json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(ld)["name"].startswith("Dinomaly")
    hostile = (site / "papers" / HOSTILE / "index.html").read_text("utf-8")
    assert "<script>alert(1)" not in hostile


def test_home_shows_the_readme_header_with_images_on_demand() -> None:
    home = next(p.text for p in read_sources(FIXTURES / "flagship").pages()
                if p.path == "index.md")
    assert ('<p><strong>🦉 Contributors</strong>: <a href="https://diaoquesang.github.io/">'
            "Yifei Sun") in home
    assert '<a href="mailto:szhsxhsyf@hdu.edu.cn">szhsxhsyf@hdu.edu.cn</a>' in home
    overview = home.split('<details class="sb-figure sb-overview">', 1)[1].split("</details>")[0]
    assert "<summary>📚 Overview of Medical Imaging Anomaly Detection</summary>" in overview
    assert 'loading="lazy" alt="Overview of Medical Imaging Anomaly Detection"' in overview
    logos = home.split('<details class="sb-figure sb-logos">', 1)[1].split("</details>")[0]
    assert logos.count("<img ") == 8 and "HDU, ITMO, SEU" in logos


def test_lazy_pages_render_when_written(tmp_path: Path,
                                        pages: dict[str, str]) -> None:
    """The site build holds no page text before writing it (10,000 papers' pages would
    not fit the memory budget), and what it writes is exactly the rendered page."""
    from site_builder.site import DEFERRED, write_pages

    lazy = read_sources(EXPORTS).lazy_pages(site_url="https://lists.example.org/ad")
    assert [p.path for p in lazy] == list(pages)
    assert all(p.text == "" and (p.make or p.data is not None) for p in lazy)
    write_pages(lazy, tmp_path)
    deferred = {p.path: "".join(p.deferred()) for p in lazy if p.deferred}
    assert list(deferred) == ["explore.md"] and 'class="sb-row"' in deferred["explore.md"]
    for path, text in pages.items():
        written = (tmp_path / path).read_bytes().decode("utf-8")
        if path in deferred:  # the list's rows: streamed into the built page instead
            assert written.count(DEFERRED) == 1 and 'class="sb-row"' not in written
            written = written.replace(DEFERRED, deferred[path])
        assert written == text, path


def test_paper_page_html_survives_the_memory_hooks(tmp_path: Path) -> None:
    """The plugin keeps paper pages' HTML compressed between conversion and writing:
    the built page still holds the abstract, its title and its search entry."""
    shutil.copytree(EXPORTS, tmp_path / "papers")
    site = build_site(tmp_path)
    page = next((site / "papers").glob("*/index.html")).read_text(encoding="utf-8")
    assert "<h1" in page and "<title>" in page and "citation_title" in page
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(d["location"].startswith("papers/") and d["text"] for d in index["docs"])


def test_the_shelf_keeps_page_html_on_disk_and_gives_it_back_once() -> None:
    """Between MkDocs' two phases our pages' HTML waits in a temporary file, not in
    memory: each page gets back exactly what it put, once."""
    from site_builder.mkdocs_plugin import _Shelf

    shelf = _Shelf()
    pages = {f"papers/p{i}.md": [f"<p>Ünïcode \u2028 {i}</p>" * 50, {"sb_head": [["a", "b"]]}]
             for i in range(3)}
    for key, value in pages.items():
        shelf.put(key, value)
    assert all(isinstance(v, tuple) for v in shelf.where.values())  # offsets, no HTML
    assert shelf.file.tell() > 0
    for key in reversed(pages):
        assert shelf.take(key) == pages[key]
    assert shelf.take("papers/p0.md") is None and shelf.take("index.md") is None
    shelf.close()
    assert shelf.file.closed


def test_built_explore_page_holds_every_row_and_no_marker(tmp_path: Path) -> None:
    """The Explore list skips Markdown and is streamed into the built page: every paper's
    row is there once, inside the list, as the rendered page has it."""
    from site_builder.site import DEFERRED

    shutil.copytree(EXPORTS, tmp_path / "papers")
    site = build_site(tmp_path)
    built = (site / "explore" / "index.html").read_text(encoding="utf-8")
    rows = "".join(next(p for p in read_sources(EXPORTS).lazy_pages()
                        if p.path == "explore.md").deferred())
    assert DEFERRED not in built and rows in built
    assert built.count('<li class="sb-row"') == len(read_sources(EXPORTS).plist.entries)
    assert built.index('id="sb-results"') < built.index(rows) < built.index('id="sb-empty"')


def test_search_index_written_page_by_page_is_materials_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin writes the search index from a file filled as pages are indexed (10,000
    papers' index would otherwise be in memory three times over): byte for byte the index
    Material's search plugin writes itself, which the offline build then inlines."""
    from site_builder import mkdocs_plugin
    from site_builder.commands.site import site

    shutil.copytree(EXPORTS, tmp_path / "papers")
    ours = build_site(tmp_path) / "search" / "search_index.json"
    spooled = ours.read_bytes()
    with monkeypatch.context() as patch:  # only this build: the test's own settings stay
        patch.setattr(mkdocs_plugin._SearchSpool, "find", staticmethod(lambda config: None))
        assert build_site(tmp_path) == ours.parent.parent
    assert ours.read_bytes() == spooled
    index = json.loads(spooled)
    assert index["config"]["lang"] and {d["location"] for d in index["docs"]} >= {
        f"papers/{e.key}/" for e in check_dir(EXPORTS).entries}
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SITE_BUILDER_OFFLINE", raising=False)
    offline = site(Path("papers"), Path("offline"), offline=True).site_dir / "search"
    assert "SITE_BUILDER_OFFLINE" not in os.environ  # a later build here is not offline
    inlined = (offline / "search_index.js").read_text(encoding="utf-8")
    assert inlined == "var __index = " + (offline / "search_index.json").read_text("utf-8")
    assert len(json.loads(inlined.removeprefix("var __index = "))["docs"]) == len(
        index["docs"])


def test_links_between_pages_are_posixpath_relpath() -> None:
    """The site's own relative path (no getcwd per link) agrees with posixpath.relpath on
    every pair of page and file paths the site has."""
    import itertools
    import posixpath

    from site_builder.site import _relpath

    paths = ["", ".", "index", "explore", "papers", "papers/a", "papers/b", "papers/a/b",
             "sections/x", "sections/x/y", "figures/a.thumb.webp", "search.html"]
    for path, start in itertools.product(paths, paths):
        assert _relpath(path, start) == posixpath.relpath(path or ".", start or "."), (
            path, start)


def test_a_streamed_template_error_is_one_line_and_renders_once(tmp_path: Path) -> None:
    """Explore's rows are streamed: a template that fails is reported by its file and
    line, without rendering the (at 10,000 papers, 11 MB) template a second time."""
    from site_builder.errors import UsageError
    from site_builder.render import environment
    from site_builder.site import stream_template

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "rows.html.j2").write_text("{{ count() }}\n{{ missing }}\n",
                                                    encoding="utf-8")
    calls: list[int] = []
    env = environment(tmp_path, autoescape=True)
    env.globals["count"] = lambda: calls.append(1) or ""
    with pytest.raises(UsageError, match=r"rows\.html\.j2:2: template error: 'missing'"):
        list(stream_template(env, "site/rows.html.j2"))
    assert calls == [1]
