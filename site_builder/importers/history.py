"""When each paper joined a list, read from git history (no network).

Two questions, both answered with *committer* dates taken as UTC days: the committer date
is when a change landed on the branch (a rebase, cherry-pick or squash merge sets it; the
author date stays when the change was first written), which is the nearer answer to "when
did the paper join the list".

- :func:`readme_history`: every version of a hand-written README, each distinct blob parsed
  once with the README importer.  A paper's date is the first version holding an entry
  that shares a DOI, arXiv id, link or title skeleton with it, followed through chains of
  edits, so an entry that moved between sections or was re-worded keeps its first date;
  one removed and added again keeps its first date too.  Versions the importer cannot
  read are skipped and counted.
- :func:`first_commits`: the commit that added each record file (``--follow``, so a
  renamed record keeps its date), and how many record files that commit added (a bulk
  import dates the import, not the papers).
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..crosscheck import effective_arxiv, effective_doi, title_skeleton
from ..errors import UsageError
from ..kinds import Bad
from ..load import YAML_SUFFIXES
from ..model import Paper
from .readme import Imported, parse_readme

Key = tuple[str, str]


@dataclass(frozen=True)
class Commit:
    """One commit: its full hash and committer time (seconds since the epoch)."""

    sha: str
    time: int

    @property
    def day(self) -> dt.date:
        """The committer date as a UTC day."""
        return dt.datetime.fromtimestamp(self.time, dt.timezone.utc).date()


@dataclass(frozen=True)
class Version:
    """A file as one commit left it."""

    commit: Commit
    blob: str


def _git(args: list[str], cwd: Path, stdin: bytes | None = None) -> bytes:
    """Run git (argv list, never a shell); a missing git or a failure is a usage error."""
    try:
        done = subprocess.run(["git", "-c", "core.quotepath=off", *args], cwd=cwd,
                              input=stdin, capture_output=True, check=False)
    except FileNotFoundError as err:
        raise UsageError("git is not installed — dates come from the git history; "
                         "install git and run again") from err
    except OSError as err:
        raise UsageError(f"{cwd}: cannot run git: {err.strerror} — check the path") from err
    if done.returncode:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed in {cwd}: "
                         f"{message[-1] if message else 'no message'} — check the repository")
    return done.stdout


def repository_of(path: Path) -> Path:
    """The top folder of the git work tree holding ``path`` (a file or folder)."""
    where = path if path.is_dir() else path.parent
    if not where.is_dir():
        raise UsageError(f"{path}: no such file or folder — check the path")
    try:
        out = _git(["rev-parse", "--show-toplevel"], where)
    except UsageError as err:
        if "git is not installed" in str(err):
            raise
        raise UsageError(f"{path}: not in a git repository — dates come from the git "
                         "history; run this inside a clone of the list's repository") from err
    return Path(out.decode("utf-8", "surrogateescape").strip())


def file_versions(path: Path) -> list[Version]:
    """Every committed version of ``path`` (across renames), oldest first."""
    repository_of(path)
    out = _git(["log", "--follow", "--no-abbrev", "--raw", "--format=%x01%H %ct", "--",
                path.name], path.parent)
    versions: list[Version] = []
    commit: Commit | None = None
    for line in out.decode("utf-8", "surrogateescape").splitlines():
        if line.startswith("\x01"):
            sha, _, time = line[1:].partition(" ")
            commit = Commit(sha, int(time))
        elif line.startswith(":") and commit is not None:
            blob = line.split("\t", 1)[0].split()[3]
            if blob.strip("0"):  # all zeros: the commit deleted the file
                versions.append(Version(commit, blob))
    versions.reverse()  # git log runs newest first
    return sorted(versions, key=lambda v: v.commit.time)  # stable: ties keep log order


def read_blobs(repo: Path, blobs: Iterable[str]) -> dict[str, bytes]:
    """The contents of many blobs from one ``git cat-file --batch``."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    out = _git(["cat-file", "--batch"], repo, "".join(f"{b}\n" for b in wanted).encode())
    found: dict[str, bytes] = {}
    at = 0
    for blob in wanted:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        if len(header) < 3 or header[1] != b"blob":
            at = end + 1
            continue
        size = int(header[2])
        found[blob] = out[end + 1:end + 1 + size]
        at = end + 1 + size + 1
    return found


def paper_keys(paper: Paper) -> list[Key]:
    """What makes two entries the same paper: DOI, arXiv id, link, title skeleton."""
    keys: list[Key] = [("doi", effective_doi(paper) or ""),
                       ("arxiv", effective_arxiv(paper) or ""),
                       ("url", paper.url.strip().rstrip("/")),
                       ("title", title_skeleton(paper.title))]
    return [(kind, value) for kind, value in keys if value]


@dataclass
class ReadmeHistory:
    """When each entry of a README's history first appeared."""

    first_seen: dict[Key, dt.date] = field(default_factory=dict)
    versions: int = 0  # committed versions read
    parsed: int = 0  # distinct blobs given to the importer
    unparsable: list[Commit] = field(default_factory=list)  # versions skipped

    def date_of(self, paper: Paper) -> dt.date | None:
        """The day the paper first appeared; None if no committed version held it."""
        days = [self.first_seen[k] for k in paper_keys(paper) if k in self.first_seen]
        return min(days) if days else None


def readme_history(path: Path,
                   parse: Callable[[str], Imported] = parse_readme) -> ReadmeHistory:
    """Walk the committed versions of a README and date every entry (see the module)."""
    versions = file_versions(path)
    blobs = read_blobs(repository_of(path), (v.blob for v in versions))
    history = ReadmeHistory(versions=len(versions))
    keys_of: dict[str, list[list[Key]] | None] = {}  # blob -> keys of each entry
    for version in versions:
        if version.blob not in keys_of:
            keys_of[version.blob] = _entry_keys(blobs.get(version.blob), parse)
            history.parsed += 1
        entries = keys_of[version.blob]
        if entries is None:
            history.unparsable.append(version.commit)
            continue
        day = version.commit.day
        for keys in entries:  # one paper: its oldest key dates all of its keys
            first = min([history.first_seen.get(k, day) for k in keys] + [day])
            for k in keys:
                history.first_seen[k] = first
    return history


def _entry_keys(raw: bytes | None, parse: Callable[[str], Imported]) -> list[list[Key]] | None:
    """The keys of each entry of one version; None when the version cannot be read."""
    if raw is None:
        return None
    try:
        imported = parse(raw.decode("utf-8-sig"))
    except (ValueError, Bad):  # not UTF-8, or text the importer cannot make sense of
        return None
    if not imported.papers:
        return None
    return [paper_keys(p) for p in imported.papers]


@dataclass(frozen=True)
class Added:
    """The commit that added a record file and how many record files it added."""

    commit: Commit
    records: int


def first_commits(files: list[Path]) -> dict[Path, Added]:
    """The commit that first added each file (followed across renames).  Files no commit
    added (untracked or only staged) are left out."""
    if not files:
        return {}
    repo = repository_of(files[0])
    found: dict[Path, Commit] = {}
    for path in files:
        out = _git(["log", "--follow", "--diff-filter=A", "--format=%H %ct", "--",
                    path.name], path.parent).decode().split()
        if len(out) >= 2:  # newest first: the last pair is the first addition
            found[path] = Commit(out[-2], int(out[-1]))
    sizes: dict[str, int] = {}
    for commit in sorted({c.sha for c in found.values()}):
        names = _git(["show", "--no-renames", "--diff-filter=A", "--name-only", "--format=",
                      "-z", commit], repo).decode("utf-8", "surrogateescape").split("\0")
        sizes[commit] = sum(1 for n in names if n.endswith(YAML_SUFFIXES)
                            and not n.rsplit("/", 1)[-1].startswith(("_", ".")))
    return {path: Added(c, sizes[c.sha]) for path, c in found.items()}
