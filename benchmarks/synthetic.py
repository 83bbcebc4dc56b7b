"""Synthetic paper lists for benchmarks (deterministic, 1k–10k papers), and timing."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import subprocess
import time
from pathlib import Path

from site_builder.dump import LIST_HEADER, file_stems, to_yaml
from site_builder.fsio import write_atomic
from site_builder.model import ListInfo, Mark, Paper, Section

WORDS = (
    "anomaly", "detection", "medical", "image", "diffusion", "model", "unsupervised",
    "segmentation", "brain", "MRI", "chest", "X-ray", "transformer", "contrastive", "learning",
    "reconstruction", "normal", "features", "few-shot", "zero-shot", "benchmark", "dataset",
    "lesion", "retinal", "pathology", "memory", "bank",
)
VOCABULARY = 20_000


def vocabulary(size: int = VOCABULARY, seed: int = 2) -> tuple[list[str], list[float]]:
    """The words of the synthetic prose and their cumulative Zipf weights: the domain's
    words first, then made-up ones.  Prose of a handful of words would hide every cost
    that grows with the vocabulary (related papers, the map, the search index)."""
    rng = random.Random(seed)
    words = list(WORDS)
    seen = set(words)
    while len(words) < size:
        word = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(4, 11)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words, list(itertools.accumulate(1 / rank for rank in range(1, size + 1)))


VENUES = ("CVPR", "ICCV", "MICCAI", "NeurIPS", "ICLR", "MedIA", "TMI", "AAAI", "arXiv")


def make_list(folder: Path, papers: int, sections: int = 10, seed: int = 1) -> Path:
    """Write ``papers`` records in ``sections`` sections into ``folder``; returns it."""
    rng = random.Random(seed)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    secs = tuple(Section(title=f"Section {i}", id=f"section-{i}") for i in range(1, sections + 1))
    records = []
    words, weights = vocabulary()
    for n in range(papers):
        title = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(6, 12)))
        abstract = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(120, 220)))
        records.append(Paper(
            title=f"{title.capitalize()} {n}", authors=tuple(f"Author{rng.randint(1, 999)}, A{k}"
                                                for k in range(rng.randint(2, 8))),
            venue=rng.choice(VENUES), year=rng.randint(2015, 2025),
            url=f"https://example.org/papers/{n}", category=rng.choice(secs).id or "",
            code=f"https://github.com/example/repo{n}" if rng.random() < 0.7 else None,
            figure=f"https://example.org/fig/{n}.png", abstract=f"{abstract} {n}.",
            marks=("marked",) if rng.random() < 0.2 else ()))
    marked = Mark(id="marked", symbol="*", label="marked", description="Marked papers")
    write_atomic(folder / "_list.yaml", to_yaml(ListInfo(title="Synthetic list", sections=secs,
                                                         marks=(marked,)), LIST_HEADER))
    for stem, record in zip(file_stems(records), records, strict=True):
        write_atomic(folder / f"{stem}.yaml", to_yaml(record))
    return folder


def make_repo(work: Path, papers: int, sections: int = 10) -> Path:
    """A repository as a site build sees it: a synthetic list in ``work/papers``, this
    repository's mkdocs.yml and an empty docs folder."""
    make_list(work / "papers", papers, sections=sections)
    shutil.copy(Path(__file__).resolve().parents[1] / "mkdocs.yml", work / "mkdocs.yml")
    (work / "docs").mkdir()
    return work


def best_of(cmd: list[str], repeat: int, cwd: Path | None = None) -> float:
    """The fastest of ``repeat`` runs of a command, in seconds (its output is discarded)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return min(times)
