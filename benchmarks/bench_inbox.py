"""The curator's inbox: how well it ranks candidates and suggests their sections.

    python benchmarks/bench_inbox.py

The fixture list (``tests/fixtures/inbox/papers``: the flagship fixture with ten papers
held out) is searched against a local fake arXiv serving ``tests/fixtures/inbox/feed.xml``:
the ten held-out papers (their right sections in ``answers.yaml``) mixed with fifteen
off-topic ones, some of them near misses (medical segmentation, registration, fraud
detection).  It prints the precision at 10 of the ranking (held-out papers among the ten
first) and the accuracy of the suggested section over the held-out papers.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import time
from pathlib import Path

import yaml
from pytest_httpserver import HTTPServer

from site_builder import inbox
from site_builder.checking import check_dir

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "inbox"
TODAY = dt.date(2026, 11, 30)


def measure(k: int = 10) -> tuple[float, int, int, float, list[inbox.Ranked]]:
    """(precision at k, right sections, held-out papers proposed, seconds, ranking)."""
    answers = yaml.safe_load((FIXTURE / "answers.yaml").read_text("utf-8"))
    server = HTTPServer(host="127.0.0.1")
    server.expect_request("/api/query").respond_with_data(
        (FIXTURE / "feed.xml").read_bytes(), content_type="application/atom+xml")
    server.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["SITE_BUILDER_CACHE_DIR"] = str(Path(tmp) / "cache")
            papers = Path(tmp) / "papers"
            shutil.copytree(FIXTURE / "papers", papers)
            plist = check_dir(papers)
            settings = inbox.Settings(arxiv_api=server.url_for("/api/query"),
                                      semantic_scholar=False, sleep=lambda _s: None)
            start = time.perf_counter()
            report = inbox.run(papers, plist, settings, TODAY, remember=False)
            seconds = time.perf_counter() - start
    finally:
        server.stop()
    ranked = list(report.candidates)
    relevant = sum(r.candidate.arxiv in answers for r in ranked[:k])
    held = [r for r in ranked if r.candidate.arxiv in answers]
    right = sum(r.section == answers[r.candidate.arxiv] for r in held)
    return relevant / k, right, len(held), seconds, ranked


def main() -> None:
    precision, right, held, seconds, ranked = measure()
    answers = yaml.safe_load((FIXTURE / "answers.yaml").read_text("utf-8"))
    for n, r in enumerate(ranked, 1):
        mark = "+" if r.candidate.arxiv in answers else " "
        truth = answers.get(r.candidate.arxiv, "")
        print(f"{n:>2} {mark} {r.score:.2f} {r.section or '-':<26} {truth:<26} "
              f"{r.candidate.title[:60]}")
    print(f"precision@10 {precision:.2f}; section accuracy {right}/{held} = "
          f"{right / held:.0%}; {len(ranked)} candidates ranked in {seconds:.2f} s")


if __name__ == "__main__":
    main()
