"""The site build for a synthetic list against a plain `mkdocs build` of the same pages.

    python benchmarks/bench_site.py [--papers 1000] [--repeat 3]

`site-builder site` validates the records, renders the pages and runs MkDocs; the baseline
is `mkdocs build` of the very pages it generated (each whole, as MkDocs alone must build
it: the Explore list in its page), with the same theme and navigation and without our
plugin.  The ratio is our overhead on top of MkDocs.
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


def _env_default(loader: yaml.SafeLoader, node: yaml.Node) -> object:
    """``!ENV [NAME, default]`` (or ``!ENV NAME``): the default, as MkDocs reads it unset."""
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)[-1]
    return None


_ConfigLoader.add_constructor("!ENV", _env_default)


def plain_mkdocs(work: Path) -> Path:
    """A config that builds with plain MkDocs (no plugin) the pages ``site`` generates for
    ``work``, each whole, into ``work/plain-site``; written as ``work/plain.yml``."""
    from site_builder.site import nav, read_sources, write_pages

    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), _ConfigLoader)
    config["plugins"] = ["search"]
    config["not_in_nav"] = "/papers/"  # the paper pages, as the plugin sets it
    config["docs_dir"] = "plain-docs"
    config["site_dir"] = "plain-site"
    cwd = Path.cwd()
    os.chdir(work)  # the contributing guide and templates, as `site` reads them
    try:
        pages = read_sources(Path("papers"), Path("templates"),
                             Path("CONTRIBUTING.md")).pages()
    finally:
        os.chdir(cwd)
    write_pages(pages, work / "plain-docs")
    config["nav"] = [{str(title): path for title, path in item.items()}
                     for item in nav(pages)]
    out = work / "plain.yml"
    out.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return out


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
        plain = best_of([sys.executable, "-m", "mkdocs", "build", "-q", "-f",
                         str(plain_mkdocs(work))], args.repeat, work)
        pages = sum(1 for _ in (work / "site").rglob("index.html"))
        size = sum(p.stat().st_size for p in (work / "site").rglob("*") if p.is_file())
    print(f"{args.papers} papers, {pages} pages, {size / 1e6:.1f} MB: site-builder site "
          f"{ours:.2f}s, plain mkdocs build of the same pages {plain:.2f}s, "
          f"ratio {ours / plain:.2f}")


if __name__ == "__main__":
    main()
