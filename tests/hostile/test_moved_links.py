"""``links --fix`` writes where a server says a link moved: the Location header (or the
GitHub API's answer) is untrusted.  A target the URL rule of records refuses (parentheses,
quotes) was written into the record, which then failed ``check`` for everyone; now the
link is reported as moved, to be fixed by hand, and the record is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from site_builder import cli
from site_builder.checking import check_dir
from tests.conftest import write_paper


@pytest.mark.parametrize(("target", "fixed"), [
    ("/new(1)", None), ("/new'x", None), ("/a)b", None),
    ("/a[1]", "/a%5B1%5D"), ("/x`y", "/x%60y"),  # the client percent-encodes these
])
def test_a_moved_link_is_fixed_only_to_a_url_check_accepts(
        server: HTTPServer, one_section_list: Path, target: str, fixed: str | None,
        capsys: pytest.CaptureFixture[str]) -> None:
    papers = one_section_list
    server.expect_request("/old").respond_with_data("", 301, {"Location": target})
    server.expect_request(target).respond_with_data("here")
    old = server.url_for("/old")
    path = write_paper(papers, "a", title="Paper a", url=old)
    assert cli.main(["links", "--allow-private-addresses", "--no-state", "--interval", "0",
                     "--fix"]) == 0
    out, err = capsys.readouterr()
    assert f"url: {server.url_for(fixed) if fixed else old}\n" in path.read_text("utf-8")
    check_dir(papers)  # still valid
    assert "Traceback" not in err
    if fixed:
        assert f"fixed: {old} → {server.url_for(fixed)}" in err
    else:
        assert (f"papers/a.yaml:6: url: moved: {old} — permanently redirected to "
                f"{server.url_for(target)} (not an address a record may hold: fix the link "
                "by hand)") in out


def test_a_moved_link_to_a_fine_url_is_still_fixed(server: HTTPServer,
                                                   one_section_list: Path) -> None:
    server.expect_request("/old").respond_with_data("", 301, {"Location": "/new?a=1&b=2"})
    server.expect_request("/new").respond_with_data("here")
    path = write_paper(one_section_list, "a", title="Paper a", url=server.url_for("/old"))
    assert cli.main(["links", "--allow-private-addresses", "--no-state", "--interval", "0",
                     "--fix"]) == 0
    assert f"url: {server.url_for('/new')}?a=1&b=2" in path.read_text(encoding="utf-8")
