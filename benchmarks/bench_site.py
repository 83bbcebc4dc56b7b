"""The site build for a synthetic list against a plain `mkdocs build` of the same pages.

    python benchmarks/bench_site.py [--papers 1000] [--repeat 3]

`site-builder site` validates the records, renders the pages and runs MkDocs; the baseline
is `mkdocs build` of the very pages it generated, with the same theme and navigation and
without our plugin.  The ratio is our overhead on top of MkDocs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import best_of, make_repo

ROOT = Path(__file__).resolve().parents[1]


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml with its !ENV tags (read as their default)."""


_ConfigLoader.add_constructor("!ENV", lambda loader, node: loader.construct_sequence(node)[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--papers", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        make_repo(work, args.papers)
        ours = best_of([sys.executable, "-m", "site_builder", "site", "-d", "site"],
                       args.repeat, work)
        config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), _ConfigLoader)
        config["plugins"] = ["search"]
        config["not_in_nav"] = "/papers/"  # the paper pages, as the plugin sets it
        config["site_dir"] = "plain-site"
        from site_builder.commands.site import read_sources
        from site_builder.site import nav

        os.chdir(work)
        config["nav"] = [{str(title): path for title, path in item.items()}
                         for item in nav(read_sources(Path("papers")).pages())]
        (work / "plain.yml").write_text(yaml.safe_dump(config, allow_unicode=True),
                                        encoding="utf-8")
        plain = best_of([sys.executable, "-m", "mkdocs", "build", "-q", "-f", "plain.yml"],
                        args.repeat, work)
        pages = sum(1 for _ in (work / "site").rglob("index.html"))
        size = sum(p.stat().st_size for p in (work / "site").rglob("*") if p.is_file())
    print(f"{args.papers} papers, {pages} pages, {size / 1e6:.1f} MB: site-builder site "
          f"{ours:.2f}s, plain mkdocs build of the same pages {plain:.2f}s, "
          f"ratio {ours / plain:.2f}")


if __name__ == "__main__":
    main()
