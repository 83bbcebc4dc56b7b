"""Hostile figure hosts (raw sockets on 127.0.0.1): a figure that drips in or lies about
its length ends as a failed figure with a reason, within the deadline, and the run goes on
with the other figures."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from site_builder.checking import check_dir
from site_builder.figures import Settings, fetch_figures, read_index
from tests.hostile.test_network import RawServer, drip_body, raw  # noqa: F401  (fixture)
from tests.test_figures import image_bytes, make_list

DEADLINE = 0.5


def serve_png(server: RawServer, conn: socket.socket) -> None:
    data = image_bytes("PNG", size=(64, 48))
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: "
                 + str(len(data)).encode() + b"\r\nConnection: close\r\n\r\n" + data)


def declare_a_huge_body(server: RawServer, conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                 b"Content-Length: 52428800\r\n\r\n\x89PNG\r\n\x1a\n")
    server.drip(conn)


def test_a_dripping_figure_fails_at_the_deadline_and_the_rest_goes_on(
        tmp_path: Path, raw) -> None:  # noqa: F811
    slow, good, huge = raw(drip_body), raw(serve_png), raw(declare_a_huge_body)
    papers = make_list(tmp_path, {"guo2025-dinomaly": f"{slow.url}/slow.png",
                                  "bao2024-bmad": f"{good.url}/fig.png",
                                  "zhou2024-anomalyclip": f"{huge.url}/huge.png"})
    settings = Settings(allow_private=True, deadline=DEADLINE, timeout=(2.0, 5.0), tries=2,
                        interval=0.0, sleep=lambda s: None)
    started = time.monotonic()
    report = fetch_figures(check_dir(papers), tmp_path / "cache", settings)
    assert time.monotonic() - started < DEADLINE + 2.0
    results = {o.key: (o.result, o.reason) for o in report.outcomes}
    assert results["bao2024-bmad"] == ("fetched", "")
    assert results["guo2025-dinomaly"] == (
        "failed", f"did not finish answering within {DEADLINE:g} s")
    assert results["zhou2024-anomalyclip"][0] == "refused"
    assert "larger than 10240 KiB" in results["zhou2024-anomalyclip"][1]
    assert slow.connections == 1  # the deadline covers every try
    index = read_index(tmp_path / "cache")
    assert index[f"{slow.url}/slow.png"].status == "failed"  # asked again next run
