"""Cold `check` against a bare CSafeLoader parse of the same files, in one run.

    python benchmarks/bench_check.py [--papers 10000] [--repeat 3]

Target (issue 13): cold check within 1.3x of the bare parse, in one process
(``SITE_BUILDER_JOBS=1``); ``benchmarks/bench_table.py`` measures the whole target table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import best_of, make_list

BARE = """
import os, sys, yaml
d = sys.argv[1]
for name in sorted(os.listdir(d)):
    if name.endswith('.yaml'):
        with open(os.path.join(d, name), 'rb') as fh:
            yaml.load(fh.read().decode('utf-8'), Loader=yaml.CSafeLoader)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        papers = make_list(Path(tmp) / "papers", args.papers)
        bare = best_of([sys.executable, "-c", BARE, str(papers)], args.repeat)
        check = best_of([sys.executable, "-m", "site_builder", "check", "--no-cache",
                         "--papers", str(papers)], args.repeat)
    print(f"{args.papers} papers: bare CSafeLoader parse {bare:.2f}s, "
          f"site-builder check {check:.2f}s, ratio {check / bare:.2f} (target <= 1.3)")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    os.environ.setdefault("SITE_BUILDER_JOBS", "1")
    main()
