"""Preview speed: from saving an edited record to the rebuilt page, on a synthetic list.

    python benchmarks/bench_serve.py [--papers 1000] [--repeat 3]

Both servers run on the same list in the same run: ``site-builder serve`` (records from
the per-file cache, only the pages whose text changed rendered again) and, as the
baseline, ``mkdocs serve`` with the site-builder plugin (every record parsed and every
page rendered on each rebuild).  Each round changes one record's title, then polls the
paper's page until the new title is served; the time is the median of the rounds.
"""

from __future__ import annotations

import argparse
import functools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_repo

ROOT = Path(__file__).resolve().parents[1]
DEADLINE = 600.0


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE) as resp:
            return str(resp.read().decode("utf-8"))
    except OSError:
        return ""


def _shows(url: str, text: str) -> bool:
    return text in _get(url)


def _until(check: Callable[[], bool], proc: subprocess.Popen) -> float:
    start = time.monotonic()
    while time.monotonic() - start < DEADLINE:
        if proc.poll() is not None:
            raise SystemExit("the server stopped")
        if check():
            return time.monotonic() - start
        time.sleep(0.05)
    raise SystemExit("timed out")


def _settle(log: Path, quiet: float = 3.0) -> None:
    """Wait until the server's log has been still for ``quiet`` seconds (no rebuild)."""
    size, still = -1, time.monotonic()
    while time.monotonic() - still < quiet:
        now = log.stat().st_size
        if now != size:
            size, still = now, time.monotonic()
        time.sleep(0.2)


def measure(work: Path, command: list[str], port: int, rounds: int, label: str) -> float:
    """Median seconds from saving a record to its rebuilt page under ``command``."""
    url = f"http://127.0.0.1:{port}/"
    record = sorted((work / "papers").glob("[!_]*.yaml"))[0]
    page = f"{url}papers/{record.stem}/"
    log = work / f"{label}.log"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1",
           "SITE_BUILDER_CACHE_DIR": str(work / f"{label}-cache")}
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=work, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
        try:
            _until(lambda: bool(_get(url)), proc)
            _settle(log)
            times = []
            original = record.read_text(encoding="utf-8")
            for n in range(rounds):
                marker = f"Edited{label}{n}"
                record.write_text(original.replace("title: ", f"title: {marker} ", 1),
                                  encoding="utf-8")
                times.append(_until(functools.partial(_shows, page, marker), proc))
                _settle(log)
            record.write_text(original, encoding="utf-8")
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_repo(work, args.papers)
        port = _port()
        ours = measure(work, [sys.executable, "-m", "site_builder", "serve", "--port",
                              str(port)], port, args.repeat, "serve")
        port = _port()
        plain = measure(work, [sys.executable, "-m", "mkdocs", "serve", "-a",
                               f"127.0.0.1:{port}"], port, args.repeat, "mkdocs")
    print(f"{args.papers} papers, one record edited: site-builder serve {ours:.2f}s, "
          f"mkdocs serve (full rebuild) {plain:.2f}s, ratio {ours / plain:.2f}")


if __name__ == "__main__":
    main()
