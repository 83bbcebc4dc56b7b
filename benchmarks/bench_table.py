"""The performance targets of issue 13, each measured against its baseline in the same run.

    python benchmarks/bench_table.py [--repeat 3] [--site-repeat 1] [--only site]
                                     [--write BENCHMARKS.md]

Generates its own synthetic lists (1,000 and 10,000 papers) in a temporary folder, runs
every measure and its baseline as separate processes (best of ``--repeat``), and prints the
table; ``--write`` also puts it into a Markdown file (the repository keeps the latest one
in ``BENCHMARKS.md``).

Times are CPU seconds (user + system) of the measured process and its children, unless
``--clock wall``: on a machine whose cores are shared with other work, CPU time is what a
run costs and does not include the time it waited for a core.  Runs that compare a
command with a baseline use one process (``SITE_BUILDER_JOBS=1``), so that both use one
core, and take their runs in turns with it, so that a drift in the load meets both.  Peak
memory is the maximum resident set size of the process.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_check import BARE
from bench_site import ROOT, plain_mkdocs
from synthetic import VOCABULARY, make_repo

SITE_BUILDER = [sys.executable, "-m", "site_builder"]


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mb: float


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> Run:
    """One run of ``cmd`` (output discarded); fails loudly when the command fails."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


class Bench:
    def __init__(self, repeat: int, clock: str, cache_dir: Path) -> None:
        self.repeat, self.clock = repeat, clock
        self.env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_BUILDER_JOBS": "1",
                    "PYTHONHASHSEED": "0", "SITE_BUILDER_CACHE_DIR": str(cache_dir)}
        # As installed: modules load from their compiled bytecode, not from source.
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "site_builder")],
                       check=True, env=self.env, stdout=subprocess.DEVNULL)

    def time(self, cmd: list[str], cwd: Path, repeat: int | None = None,
             before: Callable[[], None] | None = None) -> float:
        """Best of ``repeat`` runs (``before`` runs, untimed, before each one)."""
        return self.pair(cmd, None, cwd, repeat, before)[0]

    def pair(self, ours: list[str], baseline: list[str] | None, cwd: Path,
             repeat: int | None = None, before: Callable[[], None] | None = None
             ) -> tuple[float, float]:
        """Best of ``repeat`` runs of a command and of its baseline, taken in turns: on a
        machine shared with other work the load drifts, and runs in turns meet the same
        drift (``before`` runs, untimed, before each run of ``ours``)."""
        best = [float("inf"), float("inf")]
        for _ in range(repeat or self.repeat):
            for n, cmd in enumerate((ours, baseline)):
                if cmd is None:
                    continue
                if before and n == 0:
                    before()
                r = run(cmd, cwd, self.env)
                best[n] = min(best[n], r.cpu if self.clock == "cpu" else r.wall)
        return best[0], best[1]


@dataclass(frozen=True)
class Row:
    measure: str
    ours: float
    baseline: float
    unit: str
    target: float

    @property
    def ratio(self) -> float:
        return self.ours / self.baseline if self.baseline else self.ours

    def cells(self) -> list[str]:
        ours = f"{self.ours:.3g} {self.unit}"
        base = f"{self.baseline:.3g} {self.unit}" if self.baseline else "—"
        ok = "yes" if self.ratio <= self.target else "**no**"
        return [self.measure, ours, base, f"{self.ratio:.2f}", f"≤ {self.target:g}", ok]


def table(rows: list[Row], clock: str) -> str:
    head = ["measure", "ours", "baseline", "ratio", "target", "ok"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines) + (f"\n\nTimes are {'CPU' if clock == 'cpu' else 'wall'} seconds, "
                               "best of several runs; memory is the peak resident set size.")


def load_note(before: tuple[float, float, float], after: tuple[float, float, float]) -> str:
    """The machine's load while the table was measured (1-minute load average before and
    after, and the 5-minute one at the end), so a reader can tell a busy run."""
    return (f"Load average while this ran ({os.cpu_count()} cores): {before[0]:.1f} at the "
            f"start, {after[0]:.1f} at the end ({after[1]:.1f} over the last 5 minutes).")


def edit_one(papers: Path) -> Callable[[], None]:
    """A change to one record that differs at each call (a new title)."""
    target = sorted(papers.glob("*.yaml"))[1]
    text = target.read_text(encoding="utf-8")
    count = [0]

    def change() -> None:
        count[0] += 1
        target.write_text(text.replace("title: ", f"title: Edited {count[0]} ", 1),
                          encoding="utf-8")

    return change


def measure(args: argparse.Namespace, tmp: Path) -> list[Row]:
    bench = Bench(args.repeat, args.clock, tmp / "cache")
    rows: list[Row] = []
    lists = {}
    for n in (1, 1000, args.papers):
        work = tmp / f"list-{n}"
        make_repo(work, n, sections=min(10, n))
        lists[n] = work
    os.sync()  # the new files written back now, not by the kernel during the first rows
    time.sleep(2.1)  # the files are now older than the cache's racy window
    big = lists[args.papers]
    if args.only != "site":
        rows += check_rows(bench, lists[1], big)
    if args.only == "check":
        return rows
    rows += site_rows(args, bench, lists[1000], big)
    return rows


def check_rows(bench: Bench, one: Path, big: Path) -> list[Row]:
    """The rows of ``check`` and ``readme``."""
    rows: list[Row] = []
    cold = [*SITE_BUILDER, "check", "--no-cache"]
    rows.append(Row("cold `check`, 10k papers, one process / bare CSafeLoader parse",
                    *bench.pair(cold, [sys.executable, "-c", BARE, "papers"], big), "s", 1.3))

    readme = [*SITE_BUILDER, "readme", "-o", "README.md"]
    cold_readme = [*readme, "--no-cache"]  # reads and writes no cache: the warm one stays
    run(readme, big, bench.env)  # fills the cache
    rows.append(Row("warm `readme` after one changed file / cold `readme`",
                    *bench.pair(readme, cold_readme, big, before=edit_one(big / "papers")),
                    "s", 0.15))
    run(readme, big, bench.env)  # README.md and the cache match the files
    check_cmd = [*readme, "--check"]
    rows.append(Row("`readme --check` with nothing changed / cold",
                    *bench.pair(check_cmd, [*check_cmd, "--no-cache"], big), "s", 0.10))
    rows.append(Row("`readme` / `check`, cold, 10k", *bench.pair(cold_readme, cold, big), "s",
                    1.15))
    rows.append(Row("`check` of a one-paper list / `python -c \"import yaml\"`",
                    *bench.pair([*SITE_BUILDER, "check"], [sys.executable, "-c", "import yaml"],
                                one, repeat=3 * bench.repeat), "s", 2.0))
    return rows


def site_rows(args: argparse.Namespace, bench: Bench, small: Path, big: Path) -> list[Row]:
    """The rows of ``site``: its peak memory at 10k, and its time against plain MkDocs."""
    site = [*SITE_BUILDER, "site", "-d", "site"]
    plain = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(plain_mkdocs(small))]
    site_1k, plain_1k = bench.pair(site, plain, small, repeat=args.site_repeat)
    big_site = [run(site, big, bench.env) for _ in range(args.site_repeat)]
    site_10k = min(r.cpu if args.clock == "cpu" else r.wall for r in big_site)
    return [Row("peak RSS of `site` at 10k papers (MB; target in MB)",
                min(r.rss_mb for r in big_site), 0, "MB", 300),
            Row("site build 1k papers / plain `mkdocs build` of the same pages", site_1k,
                plain_1k, "s", 1.3),
            Row("site build 10k / site build 1k", site_10k, site_1k, "s", 11)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3, help="runs per measure (best is kept)")
    ap.add_argument("--site-repeat", type=int, default=1, help="runs per site build")
    ap.add_argument("--papers", type=int, default=10_000, help="size of the large list")
    ap.add_argument("--clock", choices=("cpu", "wall"), default="cpu")
    ap.add_argument("--only", choices=("check", "site"),
                    help="only the rows of check and readme, or only those of the site")
    ap.add_argument("--no-site", dest="only", action="store_const", const="check",
                    help="skip the site builds (slow; the same as --only check)")
    ap.add_argument("--write", type=Path, metavar="FILE", help="also write the table here")
    args = ap.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args, Path(tmp))
    load_after = os.getloadavg()
    text = table(rows, args.clock)
    print(text)
    print(f"\n{load_note(load_before, load_after)}")
    if args.write:
        from site_builder import __version__

        head = ("# Benchmarks\n\nThe targets of issue 13 (performance at 10,000 papers), "
                "written by `python benchmarks/bench_table.py --write BENCHMARKS.md`; each "
                "ratio's baseline was measured in the same run, on synthetic lists "
                "(`benchmarks/synthetic.py`: titles and abstracts drawn from a "
                f"{VOCABULARY:,}-word Zipf vocabulary).\n\n"
                f"site-builder {__version__}, Python {platform.python_version()}, "
                f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}.\n\n")
        note = (f"\n\n{load_note(load_before, load_after)}  Under contention CPU time "
                "still grows, and the same ratio can move by up to a quarter between runs: "
                "compare ratios of one run, and re-run on an idle machine before drawing a "
                "fine conclusion.\n")
        args.write.write_text(head + text + note,
                              encoding="utf-8")


if __name__ == "__main__":
    main()
