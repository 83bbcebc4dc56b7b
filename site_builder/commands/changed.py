"""``check --changed-only``: which record files a branch changed, asked of git.

A pull request is judged on the files it touches: their problems are reported, and the
rest of the list is still read for the duplicate checks (see ``checking.check_dir``).
When the list-level file changed, every record is affected (a section id may have gone),
so every record file is returned.
"""

from __future__ import annotations

from pathlib import Path

from .. import load
from ..errors import UsageError

TYPE_CHECKING = False  # typing is for type checkers only: importing it costs every run
if TYPE_CHECKING:
    import subprocess


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    import subprocess  # only when git is asked: check imports this module at start-up

    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              encoding="utf-8", errors="surrogateescape", check=False)
    except FileNotFoundError as err:
        raise UsageError("--changed-only needs git, which is not installed") from err


def _toplevel(papers_dir: Path) -> Path:
    done = _git(["rev-parse", "--show-toplevel"], papers_dir)
    if done.returncode:
        raise UsageError(f"{papers_dir}: not inside a git repository — --changed-only "
                         "compares with a git ref; run a plain 'site-builder check'")
    return Path(done.stdout.strip())


def _merge_base(base: str, top: Path) -> str:
    """The commit the branch forked from: what a pull request is compared with."""
    if base.startswith("-") or _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"],
                                    top).returncode:
        remote, _, branch = base.partition("/")
        fetch = f"git fetch {remote} {branch}" if branch else "git fetch origin"
        raise UsageError(f"unknown git ref {base!r} — fetch it first ({fetch}; in GitHub "
                         "Actions use actions/checkout with fetch-depth: 0), or name another "
                         "ref with --base")
    done = _git(["merge-base", base, "HEAD"], top)
    if done.returncode:
        raise UsageError(f"HEAD and {base!r} have no common commit — the clone may be "
                         "shallow: run 'git fetch --unshallow' (or use fetch-depth: 0)")
    return done.stdout.strip()


def _changed_paths(papers_dir: Path, base: str) -> set[Path]:
    """Absolute paths below ``papers_dir`` added, copied, modified or renamed since the
    merge base: committed, staged, unstaged and untracked changes alike."""
    top = _toplevel(papers_dir)
    since = _merge_base(base, top)
    where = str(papers_dir.resolve())
    listings = (["diff", "--name-only", "--no-renames", "--diff-filter=ACMR", "-z", since,
                 "--", where],
                ["ls-files", "--others", "--exclude-standard", "-z", "--", where])
    found: set[Path] = set()
    for args in listings:
        done = _git(args, top)
        if done.returncode:
            raise UsageError(f"git {args[0]} failed: {done.stderr.strip()}")
        found.update((top / name).resolve() for name in done.stdout.split("\0") if name)
    return found


def changed_files(papers_dir: Path, base: str) -> set[str]:
    """Display paths (as ``check_dir`` names files) of the records changed since ``base``;
    every record when ``_list.yaml`` changed."""
    papers_dir = Path(papers_dir)
    load.require_folder(papers_dir)
    changed = _changed_paths(papers_dir, base)
    records = load.paper_files(papers_dir)
    if (papers_dir / load.LIST_FILE).resolve() in changed:
        return {load.display_path(path) for path in records}
    return {load.display_path(path) for path in records if path.resolve() in changed}


def joined_times(files: list[Path]) -> dict[Path, float]:
    """When git first saw each file: the time of the commit that added it, or infinity for
    a file not committed as it is (untracked, staged or modified).  Files git does not know,
    and every file outside a repository or without git, are left out.  Used to blame the
    newer of two duplicate records (``crosscheck``); asked only for those files."""
    if not files:
        return {}
    where = files[0].parent
    try:
        top = _git(["rev-parse", "--show-toplevel"], where)
    except UsageError:
        return {}
    if top.returncode:
        return {}
    root = Path(top.stdout.strip()).resolve()
    wanted = {f.resolve(): f for f in files}
    args = ["-c", "core.quotepath=off"]
    names = ["--", *(str(p) for p in wanted)]
    times: dict[Path, float] = {}
    log = _git([*args, "log", "--diff-filter=A", "--no-renames", "--format=@%ct",
                "--name-only", *names], root)
    stamp = 0.0
    for line in log.stdout.splitlines() if not log.returncode else []:
        if line.startswith("@") and line[1:].isdigit():
            stamp = float(line[1:])
        elif line:
            path = wanted.get((root / line).resolve())
            if path is not None:  # the log runs newest first: keep the first addition
                times[path] = stamp
    status = _git([*args, "status", "--porcelain", "--untracked-files=all", *names], root)
    for line in status.stdout.splitlines() if not status.returncode else []:
        path = wanted.get((root / line[3:].split(" -> ")[-1]).resolve())
        if path is not None:
            times[path] = float("inf")
    return times
