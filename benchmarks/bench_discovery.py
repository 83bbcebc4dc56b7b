"""Discovery: how well the section suggestion works, and what related papers and the map cost.

    python benchmarks/bench_discovery.py [PAPERS_DIR ...] [--sizes 1000 10000] [--no-build]

For each list given by path (e.g. the flagship ``papers/``) and for synthetic lists of each
size, it prints the leave-one-out section accuracy (each paper left out of its own section's
centroid), then for the synthetic lists the time to index, to find related papers, to
project the map and to note misplaced papers (what ``check`` adds), against the time of
``site-builder site`` on the same list (the baseline, which now includes them).

Synthetic abstracts are drawn from a shared vocabulary plus one per section, so accuracy
means something: 6% of the words of an abstract are its section's, and 4%
come from a random other section's (misleading on purpose).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import VENUES, best_of

from site_builder import similar
from site_builder.checking import check_dir
from site_builder.dump import LIST_HEADER, file_stems, to_yaml
from site_builder.fsio import write_atomic
from site_builder.model import ListInfo, Mark, Paper, Section

ROOT = Path(__file__).resolve().parents[1]
MARKED = Mark(id="marked", symbol="*", label="marked", description="Marked papers")
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "vo", "si", "de", "pa", "gu", "fe", "zo", "bi")


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def make_topical_list(folder: Path, papers: int, sections: int = 12, seed: int = 7) -> Path:
    """``papers`` records whose abstracts carry their section's vocabulary."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    shared = [_word(rng) for _ in range(3000)]
    topical = [[_word(rng) for _ in range(200)] for _ in range(sections)]
    secs = tuple(Section(title=f"Topic {i}", id=f"topic-{i}") for i in range(1, sections + 1))
    records = []
    for n in range(papers):
        s = rng.randrange(sections)
        other = rng.randrange(sections)

        def pick(s: int = s, other: int = other) -> str:
            r = rng.random()
            if r < 0.06:
                return rng.choice(topical[s])
            if r < 0.10:
                return rng.choice(topical[other])
            return shared[min(int(rng.paretovariate(1.0)) - 1, len(shared) - 1)] \
                if rng.random() < 0.5 else rng.choice(shared)

        title = " ".join(pick() for _ in range(rng.randint(5, 10))).capitalize()
        abstract = " ".join(pick() for _ in range(rng.randint(100, 200)))
        records.append(Paper(
            title=f"{title} {n}", authors=(f"Author{rng.randint(1, 999)}, A",),
            venue=rng.choice(VENUES), year=rng.randint(2015, 2025),
            url=f"https://example.org/papers/{n}", category=secs[s].id or "",
            abstract=f"{abstract}.", marks=("marked",) if rng.random() < 0.2 else ()))
    info = ListInfo(title="Synthetic topical list", sections=secs, marks=(MARKED,))
    write_atomic(folder / "_list.yaml", to_yaml(info, LIST_HEADER))
    for stem, record in zip(file_stems(records), records, strict=True):
        write_atomic(folder / f"{stem}.yaml", to_yaml(record))
    return folder


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def accuracy(folder: Path) -> str:
    plist = check_dir(folder)
    right, tried = similar.leave_one_out_accuracy(plist)
    share = f"{right / tried:.1%}" if tried else "n/a"
    return f"{folder}: leave-one-out section accuracy {right}/{tried} = {share} " \
        f"({len(plist.entries)} papers, {len(plist.paper_sections())} sections)"


def timings(folder: Path, build: bool) -> str:
    plist = check_dir(folder)
    index, t_index = _timed(similar.build_index, plist.entries)
    _, t_related = _timed(similar.related, index)
    _, t_map = _timed(similar.project, index)
    _, t_notes = _timed(similar.section_notes, plist)
    _, t_check = _timed(check_dir, folder)
    line = (f"  index {t_index:.2f}s, related {t_related:.2f}s, map {t_map:.2f}s "
            f"(discovery in the site build {t_index + t_related + t_map:.2f}s); "
            f"check {t_check:.2f}s + section notes {t_notes:.2f}s")
    if build:
        work = folder.parent
        shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")
        site = best_of([sys.executable, "-m", "site_builder", "site", "--papers",
                        folder.name, "-d", "site"], 1, work)
        disc = t_index + t_related + t_map
        line += (f"\n  site-builder site {site:.2f}s (with discovery); without it "
                 f"~{site - disc:.2f}s: discovery adds {disc / (site - disc):.0%}")
    return line


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lists", nargs="*", type=Path, help="paper folders to measure accuracy on")
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    ap.add_argument("--no-build", action="store_true", help="skip the site build baseline")
    args = ap.parse_args()
    for folder in args.lists:
        print(accuracy(folder))
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = make_topical_list(Path(tmp) / "papers", size)
            print(f"synthetic {accuracy(folder)}")
            print(timings(folder, not args.no_build))


if __name__ == "__main__":
    main()
