"""`site-builder figures`: figures fetched once from a local server into the figure cache,
re-encoded as our own WebP copies, refused with a reason when they are not images we
accept; the site serves the copies and never fetches."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from site_builder import figures
from site_builder.checking import check_dir
from site_builder.cli import main
from site_builder.figures import Settings, fetch_figures, read_index, reencode, sniff
from site_builder.site import build_pages, figure_path, paper_path, read_sources
from tests.conftest import LIST_FIXTURE

FAST = Settings(allow_private=True, deadline=10.0, timeout=(2.0, 5.0), tries=1,
                interval=0.0, agent="site-builder-test")
STEMS = ("bao2024-bmad", "bougaham2025-industrial-and-medical", "guo2025-dinomaly",
         "huang2024-adapting-visual-language", "zhou2024-anomalyclip")


def image_bytes(fmt: str, size: tuple[int, int] = (960, 640), **save: object) -> bytes:
    """A picture with some structure (stripes), so its encodings are not trivial."""
    img = Image.new("RGB", size, (230, 240, 250))
    for x in range(0, size[0], 40):
        img.paste((20, 60 + x % 180, 200), (x, 0, x + 12, size[1]))
    out = io.BytesIO()
    if fmt == "GIF":  # two frames: only the first is kept
        second = Image.new("RGB", size, (255, 0, 0))
        img.save(out, "GIF", save_all=True, append_images=[second], duration=100)
    else:
        img.save(out, fmt, **save)
    return out.getvalue()


def make_list(tmp_path: Path, urls: dict[str, str]) -> Path:
    """The fixture list with each record's figure set to ``urls[stem]`` (or none)."""
    papers = tmp_path / "papers"
    shutil.copytree(LIST_FIXTURE, papers)
    for path in papers.glob("[!_]*.yaml"):
        lines = [x for x in path.read_text("utf-8").splitlines() if not x.startswith("figure:")]
        if path.stem in urls:
            lines.append(f"figure: {urls[path.stem]}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return papers


@pytest.fixture
def images(httpserver: HTTPServer) -> dict[str, str]:
    """PNG, JPEG (with EXIF), GIF and WebP served with an ETag, one per record."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    served = {"png": image_bytes("PNG"), "jpg": image_bytes("JPEG", exif=exif.tobytes()),
              "gif": image_bytes("GIF"), "webp": image_bytes("WEBP", size=(300, 200))}
    for name, data in served.items():
        etag = f'"{name}-1"'

        def handler(request: Request, data: bytes = data, etag: str = etag) -> Response:
            if request.headers.get("If-None-Match") == etag:
                return Response(status=304, headers={"ETag": etag})
            # A misleading type on purpose: the bytes decide.
            return Response(data, content_type="application/octet-stream",
                            headers={"ETag": etag})

        httpserver.expect_request(f"/fig.{name}").respond_with_handler(handler)
    return {stem: httpserver.url_for(f"/fig.{name}")
            for stem, name in zip(STEMS, served, strict=False)}


def hits(httpserver: HTTPServer) -> int:
    return len(httpserver.log)


def test_each_format_is_cached_as_webp_thumbnail_and_full_copy(
        tmp_path: Path, httpserver: HTTPServer, images: dict[str, str]) -> None:
    plist = check_dir(make_list(tmp_path, images))
    cache = tmp_path / "cache"
    report = fetch_figures(plist, cache, FAST)
    assert {o.key: o.result for o in report.outcomes} == dict.fromkeys(images, "fetched")
    assert report.problems() == []
    index = read_index(cache)
    for url in images.values():
        entry = index[url]
        assert entry.status == "ok" and entry.etag and len(entry.sha256) == 64
        assert entry.thumb and entry.full
        thumb = (cache / entry.thumb.file).read_bytes()
        full = (cache / entry.full.file).read_bytes()
        assert sniff(thumb) == sniff(full) == "WEBP"
        with Image.open(io.BytesIO(thumb)) as img:
            assert img.size == (entry.thumb.width, entry.thumb.height)
            assert img.width == min(figures.THUMB_WIDTH, 960 if "webp" not in url else 300)
            assert not getattr(img, "is_animated", False)
            assert "exif" not in img.info and "icc_profile" not in img.info
        with Image.open(io.BytesIO(full)) as img:
            assert img.size == (entry.full.width, entry.full.height)
    jpeg = index[images[STEMS[1]]]
    assert jpeg.full is not None
    assert b"SecretCam" not in (cache / jpeg.full.file).read_bytes()
    gif = index[images[STEMS[2]]]
    assert gif.thumb is not None
    with Image.open(cache / gif.thumb.file) as img:  # the first frame, not the red one
        assert img.convert("RGB").getpixel((5, 5))[0] < 100
    data = json.loads((cache / "index.json").read_text("utf-8"))
    assert data["format"] == figures.FORMAT and set(data["figures"]) == set(images.values())


def test_the_same_input_gives_the_same_bytes(tmp_path: Path, httpserver: HTTPServer,
                                             images: dict[str, str]) -> None:
    plist = check_dir(make_list(tmp_path, images))
    fetch_figures(plist, tmp_path / "a", FAST)
    fetch_figures(plist, tmp_path / "b", FAST)
    names = sorted(p.name for p in (tmp_path / "a").glob("*.webp"))
    assert len(names) == 2 * len(images)
    assert names == sorted(p.name for p in (tmp_path / "b").glob("*.webp"))
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    png = image_bytes("PNG")
    assert reencode(png) == reencode(png)


def test_a_rerun_uses_the_cache_and_asks_politely_when_stale(
        tmp_path: Path, httpserver: HTTPServer, images: dict[str, str]) -> None:
    plist = check_dir(make_list(tmp_path, images))
    cache = tmp_path / "cache"
    fetch_figures(plist, cache, FAST)
    asked = hits(httpserver)
    assert asked == len(images)
    request, _ = httpserver.log[0]
    assert request.headers["User-Agent"] == "site-builder-test"
    again = fetch_figures(plist, cache, FAST)
    assert hits(httpserver) == asked  # not one request
    assert again.asked == 0 and {o.result for o in again.outcomes} == {"cached"}
    stale = fetch_figures(plist, cache, Settings(**{**FAST.__dict__, "max_age": 0.0}))
    assert hits(httpserver) == 2 * asked
    assert {o.result for o in stale.outcomes} == {"unchanged"}  # 304 Not Modified
    assert all(r.headers.get("If-None-Match") for r, _ in httpserver.log[asked:])
    fresh = fetch_figures(plist, cache, Settings(**{**FAST.__dict__, "refresh": True}))
    assert hits(httpserver) == 3 * asked
    assert not any(r.headers.get("If-None-Match") for r, _ in httpserver.log[2 * asked:])
    assert {o.result for o in fresh.outcomes} == {"unchanged"}  # same bytes, same copies
    entry = read_index(cache)[images[STEMS[0]]]
    assert entry.thumb is not None
    (cache / entry.thumb.file).unlink()  # a copy gone from the cache: fetched anew
    fetch_figures(plist, cache, FAST)
    assert hits(httpserver) == 3 * asked + 1 and (cache / entry.thumb.file).is_file()


def refused(tmp_path: Path, url: str, settings: Settings = FAST) -> figures.Outcome:
    plist = check_dir(make_list(tmp_path, {"guo2025-dinomaly": url}))
    report = fetch_figures(plist, tmp_path / "cache", settings)
    (outcome,) = report.outcomes
    (problem,) = report.problems()
    assert problem.path.endswith("guo2025-dinomaly.yaml") and problem.field == "figure"
    assert problem.line > 1 and problem.fix
    assert not list((tmp_path / "cache").glob("*.webp"))
    return outcome


def test_an_html_page_served_as_png_is_refused(tmp_path: Path,
                                               httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fig.png").respond_with_data(
        "<!DOCTYPE html><html><script>alert(1)</script></html>", content_type="image/png")
    outcome = refused(tmp_path, httpserver.url_for("/fig.png"))
    assert outcome.result == "refused" and outcome.reason == "not an image (an HTML page)"


def test_an_svg_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fig.svg").respond_with_data(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        content_type="image/svg+xml")
    outcome = refused(tmp_path, httpserver.url_for("/fig.svg"))
    assert outcome.result == "refused" and "SVG" in outcome.reason


def test_a_redirect_loop_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop.png").respond_with_response(
        Response(status=302, headers={"Location": "/loop.png"}))
    outcome = refused(tmp_path, httpserver.url_for("/loop.png"))
    assert outcome.result == "refused" and "redirected more than" in outcome.reason
    assert len(httpserver.log) == 6  # MAX_REDIRECTS + 1 hops, then it stops


def test_a_decompression_bomb_is_refused(tmp_path: Path, httpserver: HTTPServer) -> None:
    bomb = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(bomb, "PNG")  # 400 megapixels in ~50 kB
    assert len(bomb.getvalue()) < 200_000
    httpserver.expect_request("/bomb.png").respond_with_data(bomb.getvalue(),
                                                             content_type="image/png")
    outcome = refused(tmp_path, httpserver.url_for("/bomb.png"))
    assert outcome.result == "refused" and "decompression bomb" in outcome.reason


def test_a_50_mb_image_stops_at_the_cap(tmp_path: Path, httpserver: HTTPServer) -> None:
    sent = [0]

    def body() -> Iterator[bytes]:
        yield b"\x89PNG\r\n\x1a\n"
        chunk = b"\0" * (256 * 1024)
        for _ in range(200):  # 50 MB, without a Content-Length
            sent[0] += len(chunk)
            yield chunk

    httpserver.expect_request("/big.png").respond_with_handler(
        lambda request: Response(body(), content_type="image/png"))
    outcome = refused(tmp_path, httpserver.url_for("/big.png"))
    assert outcome.result == "refused" and "larger than 10240 KiB" in outcome.reason
    assert "smaller version" in outcome.fix
    assert sent[0] < 30 * 1024 * 1024  # the reader stopped; 50 MB were never sent


def test_a_server_error_is_tried_again_next_run(tmp_path: Path,
                                                httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.png").respond_with_data("no", status=404)
    outcome = refused(tmp_path, httpserver.url_for("/gone.png"))
    assert outcome.result == "failed" and outcome.reason == "answered 404 NOT FOUND"
    plist = check_dir(tmp_path / "papers")
    fetch_figures(plist, tmp_path / "cache", FAST)
    assert len(httpserver.log) == 2


def test_a_private_address_is_refused_by_default(tmp_path: Path,
                                                 httpserver: HTTPServer) -> None:
    httpserver.expect_request("/fig.png").respond_with_data(image_bytes("PNG"))
    settings = Settings(**{**FAST.__dict__, "allow_private": False})
    outcome = refused(tmp_path, httpserver.url_for("/fig.png"), settings)
    assert outcome.result == "refused" and "private or local address" in outcome.reason
    assert len(httpserver.log) == 0


def test_a_tampered_index_is_ignored(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "index.json").write_text(json.dumps({"format": 1, "figures": {
        "https://a.example/x.png": {"status": "ok", "fetched": "2026-01-01T00:00:00+00:00",
                                    "thumb": {"file": "../../etc/passwd", "width": 1,
                                              "height": 1},
                                    "full": {"file": "x.webp", "width": 1, "height": 1}},
        "https://a.example/y.png": {"status": "refused", "fetched": 3}}}), "utf-8")
    assert read_index(cache) == {}
    (cache / "index.json").write_text("{not json", "utf-8")
    assert read_index(cache) == {}


def test_the_site_reads_only_regular_webp_files_from_the_cache(
        tmp_path: Path, httpserver: HTTPServer, images: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    papers = make_list(tmp_path, images)
    cache = tmp_path / "cache"
    fetch_figures(check_dir(papers), cache, FAST)
    index = read_index(cache)
    png, jpeg = index[images[STEMS[0]]], index[images[STEMS[1]]]
    assert png.thumb is not None and jpeg.full is not None
    secret = tmp_path / "secret.txt"
    secret.write_text("password", "utf-8")
    (cache / png.thumb.file).unlink()
    (cache / png.thumb.file).symlink_to(secret)  # a link out of the cache: not published
    (cache / jpeg.full.file).write_bytes(b"<script>alert(1)</script>")  # not WebP
    monkeypatch.setenv("SITE_BUILDER_FIGURE_CACHE", str(cache))
    assert set(read_sources(papers).figures) == set(images) - {STEMS[0], STEMS[1]}


# --- the site's side ------------------------------------------------------------------

def test_the_site_serves_cached_copies_and_never_fetches(
        tmp_path: Path, httpserver: HTTPServer, images: dict[str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    urls = {**images, "zhou2024-anomalyclip": httpserver.url_for("/never-fetched.png")}
    papers = make_list(tmp_path, urls)
    cache = tmp_path / "cache"
    fetch_figures(check_dir(papers), cache, FAST)
    asked = len(httpserver.log)
    monkeypatch.setenv("SITE_BUILDER_FIGURE_CACHE", str(cache))
    sources = read_sources(papers)
    assert set(sources.figures) == set(images)  # the 404 one stays remote
    built = {p.path: p for p in sources.pages(site_url="https://lists.example.org/ad")}
    assert len(httpserver.log) == asked  # building asks nobody
    key = "guo2025-dinomaly"
    thumb = built[figure_path(key, thumb=True)].data
    assert thumb is not None and sniff(thumb) == "WEBP"
    section = next(p.text for path, p in built.items() if f'id="{key}"' in p.text)
    card = section.split(f'data-key="{key}"', 1)[1].split("</article>", 1)[0]
    size = sources.figures[key].thumb_size
    assert re.search(r'<img src="\.\./\.\./figures/guo2025-dinomaly\.thumb\.webp" '
                     rf'width="{size[0]}" height="{size[1]}" loading="lazy" '
                     r'decoding="async" alt="Figure of Dinomaly', card)
    assert "sb-figure" not in card and "127.0.0.1" not in card
    page = built[paper_path(key)].text
    assert 'src="../../figures/guo2025-dinomaly.webp"' in page and "127.0.0.1" not in page
    assert '"og:image", "https://lists.example.org/ad/figures/guo2025-dinomaly.webp"' in page
    uncached = built[paper_path("zhou2024-anomalyclip")].text
    assert "<details class=\"sb-figure sb-figure--page\">" in uncached
    offline = {p.path: p.text for p in build_pages(sources.plist, directory_urls=False,
                                                   figures=sources.figures)}
    assert 'src="../figures/guo2025-dinomaly.webp"' in offline[paper_path(key)]


def test_without_a_cache_every_figure_stays_behind_a_click(tmp_path: Path) -> None:
    papers = make_list(tmp_path, {"guo2025-dinomaly": "https://example.org/f.png"})
    sources = read_sources(papers)
    assert sources.figures == {}
    built = sources.pages()
    assert not any(p.path.startswith("figures/") for p in built)
    page = next(p.text for p in built if p.path == paper_path("guo2025-dinomaly"))
    assert '<details class="sb-figure sb-figure--page">' in page


# --- the verb -------------------------------------------------------------------------

def test_the_verb_prints_a_summary_and_warnings(tmp_path: Path, httpserver: HTTPServer,
                                                images: dict[str, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    httpserver.expect_request("/page.png").respond_with_data("<html></html>",
                                                             content_type="image/png")
    urls = {**images, STEMS[4]: httpserver.url_for("/page.png")}
    papers = make_list(tmp_path, urls)
    cache = tmp_path / "cache"
    argv = ["figures", "--papers", str(papers), "--cache", str(cache),
            "--allow-private-addresses"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out == f"figures: 4 fetched, 0 unchanged, 0 from the cache, 1 refused, 0 failed " \
        f"({cache})\n"
    assert re.fullmatch(r".*zhou2024-anomalyclip\.yaml:\d+: figure: warning: not an image "
                        r"\(an HTML page\) — link a PNG, JPEG, GIF or WebP image file itself "
                        r"\(not a page that shows it\)", err.splitlines()[0])
    assert main([*argv, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["cached"] == 4 and data["counts"]["refused"] == 1
    assert main([*argv, "--per-host", "5"]) == 2
    assert "--per-host must be 1 or 2" in capsys.readouterr().err
