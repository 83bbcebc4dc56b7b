"""Which papers are alike: related papers, a map of the field, a section for a paper.

Every paper becomes one TF-IDF vector of its title (counted twice), abstract, notes and
tags.  The weighting is written here in plain Python, so ``check``, ``new`` and
``from-issue`` can suggest a section without importing numpy (start-up stays light; a
section suggestion is a few dot products with the section centroids).  The site build
weighs the same terms the same way into a sparse matrix (:func:`term_matrix`: numpy and
SciPy, imported only there and in :func:`related` and :func:`project`) for the all-pairs
similarity and the 2-D map.

Everything is deterministic: entries are taken in key order, the vocabulary is sorted, ties
are broken by key, the projection starts from a fixed vector and its signs are fixed.
"""

from __future__ import annotations

import contextlib
import math
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem
from .model import Entry, Paper, PaperList

TEXT_FIELDS = ("title", "abstract", "notes")  # notes: read once the record has the field
TITLE_WEIGHT = 2
RELATED = 5
# Terms in more than one paper in COMMON_SHARE (the COMMON_MOST commonest at most) are
# multiplied densely when related papers are found (:func:`related`).
COMMON_SHARE = 20
COMMON_MOST = 512
REASON_TERMS = 3
# A paper gets a note from `check` only when each of the two sections concerned holds at
# least MIN_SECTION papers (fewer make a noisy centroid), and its abstract is clearly closer
# to the other section: by FAR_RATIO times and FAR_MARGIN in cosine.
MIN_SECTION = 5
FAR_RATIO = 2.0
FAR_MARGIN = 0.08

_WORD = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
# Words of every script (letters of any alphabet, accents kept whole after NFC); a run of
# Han or kana, written without spaces, becomes its overlapping pairs of characters
# (:func:`_bigrams`), the usual unit of search there.
_UNSPACED = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_ANY_WORD = re.compile(rf"[{_UNSPACED}]+|[^\W\d_{_UNSPACED}][^\W_{_UNSPACED}]*"
                       rf"(?:-[^\W_{_UNSPACED}]+)*")
_UNSPACED_RUN = re.compile(rf"[{_UNSPACED}]")
_STOP_TEXT = """
a about above across after again against all almost also although always am among an and
another any are as at be because been before being below between both but by can cannot
could did do does doing done down due during each either else enough etc even ever every
few for from further had has have having he her here hers herself him himself his how
however i if in into is it its itself just least less made make makes many may me might
more most much must my myself neither no nor not now of off often on once one only onto or
other others otherwise our ours ourselves out over own per perhaps rather same several she
should since so some such than that the their theirs them themselves then there thereby
therefore these they this those though through thus to together too toward towards under
until up upon us use used uses using very via was we well were what whatever when where
whether which while who whom whose why will with within without would yet you your yours
paper propose proposed show shows novel approach method methods based new result results
experiment experiments experimental demonstrate achieve achieves state art extensive
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


def _stem(word: str) -> str:
    """A light plural fold, so "networks" meets "network" and reasons stay readable."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _term(word: str) -> str:
    """A word's term, or "" for a word that carries no meaning."""
    return "" if word in STOP_WORDS or len(word) < 2 else _stem(word)


def tokens(text: str) -> list[str]:
    """The words of ``text`` that carry meaning: lowercase, no stop words, plurals folded."""
    terms = _TERMS
    out: list[str] = []
    text = text.lower()
    if text.isascii():  # most text: a pattern twice as fast, and no Han or kana to cut
        words = _WORD.findall(text)
    else:
        words = []
        for word in _ANY_WORD.findall(unicodedata.normalize("NFC", text)):
            words += _bigrams(word) if _UNSPACED_RUN.match(word) else (word,)
    for word in words:
        term = terms.get(word)
        if term is None:
            term = _term(word)
            if len(terms) < _TERMS_MAX:
                terms[word] = term
        if term:
            out.append(term)
    return out


def _bigrams(run: str) -> list[str]:
    """A run of Han or kana as its overlapping pairs of characters (a lone one: none)."""
    return [run[i:i + 2] for i in range(len(run) - 1)]


_TERMS: dict[str, str] = {}  # word -> term: a list repeats its words (bounded below)
_TERMS_MAX = 200_000


def _text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Iterable):  # e.g. notes as a list of strings or of records
        return " ".join(_text_of(v if isinstance(v, str) else getattr(v, "text", ""))
                        for v in value)
    return ""


def paper_terms(paper: Paper) -> Counter[str]:
    """Term counts of one paper: title (weighted), abstract, notes and tags."""
    counts: Counter[str] = Counter()
    for name in TEXT_FIELDS:
        words = tokens(_text_of(getattr(paper, name, None) or ""))
        for _ in range(TITLE_WEIGHT if name == "title" else 1):
            counts.update(words)
    for tag in paper.tags:
        counts.update(tokens(tag.replace("-", " ")))
    return counts


Vector = dict[str, float]


def _normalised(weights: Vector) -> Vector:
    norm = math.sqrt(sum(w * w for w in weights.values()))
    return {t: w / norm for t, w in weights.items()} if norm else {}


def dot(a: Vector, b: Vector) -> float:
    """Sparse dot product, walking the shorter vector."""
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


@dataclass(frozen=True)
class Index:
    """The list's papers as unit TF-IDF vectors (sublinear tf, smoothed idf), by key."""

    keys: tuple[str, ...]
    categories: tuple[str, ...]
    vectors: tuple[Vector, ...]
    idf: dict[str, float]

    def vectorize(self, paper: Paper) -> Vector:
        """A paper outside the index, weighted with the list's idf (unknown terms drop)."""
        return _weigh(paper_terms(paper), self.idf)


def _weigh(counts: Counter[str], idf: dict[str, float]) -> Vector:
    return _normalised({t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()
                        if t in idf})


def build_index(entries: Iterable[Entry]) -> Index:
    """Vectors of ``entries`` (taken in key order)."""
    ordered = sorted(entries, key=lambda e: e.key)
    counts = [paper_terms(e.paper) for e in ordered]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(ordered)
    idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
    return Index(tuple(e.key for e in ordered), tuple(e.paper.category for e in ordered),
                 tuple(_weigh(c, idf) for c in counts), idf)


# --- section suggestion (pure Python) ------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    """Sections ranked by the cosine of a paper with each section's centroid."""

    ranked: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float] | None:
        return self.ranked[0] if self.ranked else None

    @property
    def runner_up(self) -> tuple[str, float] | None:
        return self.ranked[1] if len(self.ranked) > 1 else None

    def score_of(self, section: str) -> float:
        return dict(self.ranked).get(section, 0.0)

    def describe(self) -> str:
        """``diffusion (0.39), runner-up gan (0.09)``; empty when nothing was matched."""
        best, second = self.best, self.runner_up
        if best is None or best[1] <= 0:
            return ""
        text = f"{best[0]} ({best[1]:.2f})"
        return f"{text}, runner-up {second[0]} ({second[1]:.2f})" if second else text


class Centroids:
    """Per-section sums of the unit vectors.  The cosine with a centroid needs only the sum
    and its norm, and leaving one paper out of its own section is closed-form:
    ``(S·v − 1) / |S − v|`` with ``|S − v|² = |S|² − 2 S·v + 1``."""

    def __init__(self, index: Index) -> None:
        self.sums: dict[str, defaultdict[str, float]] = {}
        self.sizes: Counter[str] = Counter(index.categories)
        for cat, vec in zip(index.categories, index.vectors, strict=True):
            acc = self.sums.setdefault(cat, defaultdict(float))
            for t, w in vec.items():
                acc[t] += w
        self.norms = {c: math.sqrt(sum(w * w for w in s.values())) for c, s in self.sums.items()}

    def suggest(self, vector: Vector, leave_out: str | None = None) -> Suggestion:
        """Rank sections for ``vector``; ``leave_out`` names the section it is part of (its
        own vector is taken out of that centroid first)."""
        scores = []
        for cat in sorted(self.sums):
            along = dot(vector, self.sums[cat])
            if cat == leave_out and vector:
                if self.sizes[cat] < 2:
                    continue
                rest = self.norms[cat] ** 2 - 2 * along + 1.0
                score = (along - 1.0) / math.sqrt(rest) if rest > 1e-12 else 0.0
            else:
                score = along / self.norms[cat] if self.norms[cat] else 0.0
            scores.append((cat, round(score, 6)))
        scores.sort(key=lambda cs: (-cs[1], cs[0]))
        return Suggestion(tuple(scores))


def suggest_section(plist: PaperList, paper: Paper) -> Suggestion:
    """Sections of the list ranked for a paper that is not (yet) in it (only ``paper``'s
    text fields and tags are read)."""
    index = build_index(plist.entries)
    return Centroids(index).suggest(index.vectorize(paper))


def suggest_for_text(plist: PaperList, title: str | None, abstract: str | None
                     ) -> Suggestion:
    """:func:`suggest_section` for a paper known only by its title and abstract so far."""
    draft = Paper(title=title or "", authors=(), venue="", year=0, url="", category="",
                  abstract=abstract)
    return suggest_section(plist, draft)


def section_notes(plist: PaperList, only: set[str] | None = None) -> list[Problem]:
    """Notes (never errors) for papers whose abstract sits far closer to another section
    than to their own (left out of it); ``only`` limits them to those file paths."""
    index = build_index(plist.entries)
    centroids = Centroids(index)
    paths = {e.key: e.path for e in plist.entries}
    by_key = {e.key: e.paper for e in plist.entries}
    notes = []
    for key, cat, vec in zip(index.keys, index.categories, index.vectors, strict=True):
        if not by_key[key].abstract or (only is not None and paths[key] not in only) \
                or centroids.sizes[cat] < MIN_SECTION:
            continue
        ranked = centroids.suggest(vec, leave_out=cat)
        best = ranked.best
        own = ranked.score_of(cat)
        if best is None or best[0] == cat or centroids.sizes[best[0]] < MIN_SECTION:
            continue
        if best[1] >= FAR_RATIO * own and best[1] - own >= FAR_MARGIN:
            notes.append(Problem(
                paths[key], 0, "category",
                f"the abstract reads far closer to section {best[0]!r} ({best[1]:.2f}) "
                f"than to {cat!r} ({own:.2f})",
                "check the section; if it is right, this note can be ignored",
                severity="note"))
    return notes


def leave_one_out_accuracy(plist: PaperList) -> tuple[int, int]:
    """(right, tried): each paper with an abstract, left out of its own section's centroid,
    against the suggestion's best section (the benchmark's accuracy)."""
    index = build_index(plist.entries)
    centroids = Centroids(index)
    right = tried = 0
    for cat, vec in zip(index.categories, index.vectors, strict=True):
        if centroids.sizes[cat] < 2 or not vec:
            continue
        best = centroids.suggest(vec, leave_out=cat).best
        tried += 1
        right += best is not None and best[0] == cat
    return right, tried


# --- related papers and the map (numpy, SciPy) ------------------------------------------

@dataclass(frozen=True)
class Related:
    """One related paper: its key, cosine similarity and the shared terms that weigh most."""

    key: str
    score: float
    terms: tuple[str, ...]


@dataclass(frozen=True)
class TermMatrix:
    """The list's papers as the unit TF-IDF rows of a sparse matrix (rows in key order,
    columns in term order): :class:`Index`'s weights without a dict per paper, which at
    10,000 papers of real prose take ~100 MB."""

    keys: tuple[str, ...]
    terms: tuple[str, ...]
    matrix: Any  # scipy.sparse.csr_matrix of float64


def term_matrix(entries: Iterable[Entry]) -> TermMatrix:
    """:func:`build_index`'s vectors of ``entries`` as a :class:`TermMatrix`: each paper's
    term counts are kept as two numbers per term until all are read (the idf needs them
    all), then weighed at once."""
    import numpy as np
    from scipy.sparse import csr_matrix

    ordered = sorted(entries, key=lambda e: e.key)
    ids: dict[str, int] = {}
    cols, counts, lengths = array("i"), array("d"), array("q", [0])
    for entry in ordered:
        terms = paper_terms(entry.paper)
        cols.extend([ids.setdefault(t, len(ids)) for t in terms])
        counts.extend(terms.values())
        lengths.append(len(terms))
    n = len(ordered)
    col = np.frombuffer(cols, dtype=np.intc).astype(np.int64)
    idf = np.log((1 + n) / (1 + np.bincount(col, minlength=len(ids)))) + 1.0
    weights = (1.0 + np.log(np.frombuffer(counts, dtype=np.float64))) * idf[col]
    rows = np.repeat(np.arange(n), np.frombuffer(lengths, dtype=np.int64)[1:])
    weights /= np.sqrt(np.bincount(rows, weights=weights * weights, minlength=n))[rows]
    terms_sorted = sorted(ids)
    rank = np.empty(len(ids), dtype=np.int64)
    rank[[ids[t] for t in terms_sorted]] = np.arange(len(ids))
    matrix = csr_matrix((weights, rank[col], np.cumsum(np.frombuffer(lengths, dtype=np.int64))),
                        shape=(n, len(ids)))
    matrix.sort_indices()
    return TermMatrix(tuple(e.key for e in ordered), tuple(terms_sorted), matrix)


def shared_terms(a: dict[Any, float], b: dict[Any, float], n: int = REASON_TERMS
                 ) -> tuple[Any, ...]:
    """The terms (or their columns) that add most to the similarity of two vectors, ties
    in term order."""
    if len(a) > len(b):
        a, b = b, a
    # A sort of the few shared terms costs less than heapq.nsmallest over a generator.
    return tuple(t for _, t in sorted([(-w * b[t], t) for t, w in a.items() if t in b])[:n])


def related(index: TermMatrix, k: int = RELATED, block: int = 256
            ) -> dict[str, list[Related]]:
    """The ``k`` most similar papers of each paper (never itself; only with a shared term),
    most similar first, ties by key.  Similarities are computed a block of papers at a time,
    so memory stays bounded, and in two parts (:func:`_split`): the terms most papers hold
    as a dense product (BLAS), the rest as a sparse one.  A sparse product costs the square
    of each term's paper count, so the few common terms of real prose cost ~90 % of it
    alone, and grow with the square of the list."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    result: dict[str, list[Related]] = {key: [] for key in index.keys}
    n = len(index.keys)
    if n < 2:
        return result
    common, rare = _split(index.matrix.astype(np.float32), COMMON_SHARE, COMMON_MOST)
    rare_t = rare.T.tocsr()
    with threadpool_limits(limits=1):  # BLAS threads only slow these sizes down
        for start in range(0, n, block):
            sims = common[start:start + block] @ common.T
            sims += (rare[start:start + block] @ rare_t).toarray()
            _top(index, sims, start, min(k, n - 1), result)
    return result


def _split(x: Any, share: int, most: int) -> tuple[Any, Any]:
    """The matrix's columns of terms in more than one paper in ``share`` (at most ``most``
    of them, the commonest) as a dense array, and the other columns, as a sparse matrix."""
    import numpy as np

    counts = np.bincount(x.indices, minlength=x.shape[1])
    ranked = np.argsort(-counts, kind="stable")[:most]
    common = np.sort(ranked[counts[ranked] * share > x.shape[0]])
    rest = np.setdiff1d(np.arange(x.shape[1]), common, assume_unique=True)
    return x[:, common].toarray(), x[:, rest].tocsr()


def _top(index: TermMatrix, sims: Any, start: int, k: int, result: dict[str, list[Related]]
         ) -> None:
    """Fill ``result`` for the rows ``start...`` whose similarities are ``sims``: a few more
    than ``k`` candidates by partition, then ordered by score rounded to 6 digits (so the
    summation order cannot reorder papers), ties by key."""
    import numpy as np

    n = sims.shape[1]
    rows = np.arange(sims.shape[0])
    sims[rows, rows + start] = -np.inf
    take = min(k + 2, n - 1)
    best = np.argpartition(-sims, take - 1, axis=1)[:, :take]
    scores = np.round(np.take_along_axis(sims, best, axis=1).astype(np.float64), 6)
    x = index.matrix
    for row in rows.tolist():
        i = start + row
        ranked = sorted((-scores[row, c], index.keys[j], j)
                        for c, j in enumerate(best[row].tolist()) if scores[row, c] > 0)
        mine = _row(x, i)
        result[index.keys[i]] = [
            Related(key, float(-neg), tuple(index.terms[t] for t in shared_terms(mine, _row(x, j))))
            for neg, key, j in ranked[:k]]


def _row(x: Any, i: int) -> dict[int, float]:
    """Row ``i`` of a CSR matrix as column → weight."""
    span = slice(x.indptr[i], x.indptr[i + 1])
    return dict(zip(x.indices[span].tolist(), x.data[span].tolist(), strict=True))


def _flip(vectors: Any) -> Any:
    """Rows with the sign that makes each one's largest entry positive: an SVD's signs are
    arbitrary, and the map must not mirror from one build to the next."""
    import numpy as np

    signs = np.sign(vectors[np.arange(vectors.shape[0]), np.abs(vectors).argmax(axis=1)])
    return vectors * np.where(signs == 0, 1.0, signs)[:, None]


def project(index: TermMatrix, dims: int = 24) -> dict[str, tuple[float, float]]:
    """Each paper as a point in the unit square: latent semantic analysis (a truncated SVD
    of the TF-IDF matrix, ARPACK from a fixed start vector) to ``dims`` dimensions, then
    the two principal components of those unit rows."""
    from threadpoolctl import threadpool_limits

    n = len(index.keys)
    if n < 3 or len(index.terms) < 3:
        return {key: (0.5, 0.5) for key in index.keys}
    x = index.matrix
    with threadpool_limits(limits=1):
        return _project(index, x, dims)


def _project(index: TermMatrix, x: Any, dims: int) -> dict[str, tuple[float, float]]:
    import numpy as np
    from scipy.sparse.linalg import svds

    n = x.shape[0]
    k = min(dims, min(x.shape) - 1)
    start = np.full(min(x.shape), 1.0 / math.sqrt(min(x.shape)))
    _, values, vt = svds(x, k=k, v0=start, solver="arpack")
    latent = x @ _flip(vt[np.argsort(-values)]).T
    norms = np.linalg.norm(latent, axis=1, keepdims=True)
    latent = latent / np.where(norms == 0, 1.0, norms)
    centred = latent - latent.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    xy = centred @ _flip(axes[:2]).T
    # Half linear, half by rank on each axis: a few papers unlike all others then cannot
    # squeeze the rest of the field into a corner, and neighbours stay neighbours.
    low, high = xy.min(axis=0), xy.max(axis=0)
    linear = (xy - low) / np.where(high - low == 0, 1.0, high - low)
    ranks = np.argsort(np.argsort(xy, axis=0, kind="stable"), axis=0, kind="stable")
    unit = np.round((linear + ranks / (n - 1)) / 2, 4)
    return {key: (float(unit[i, 0]), float(unit[i, 1])) for i, key in enumerate(index.keys)}


# --- related papers and the map, kept between builds ------------------------------------

DISCOVERY_FORMAT = 1


@dataclass(frozen=True)
class Discovery:
    """What the site shows of how papers are alike: each paper's related papers and its
    point on the map."""

    related: dict[str, list[Related]]
    positions: dict[str, tuple[float, float]]


def discover(entries: Iterable[Entry], store: Path | None = None) -> Discovery:
    """:func:`related` and :func:`project` of ``entries``, from ``store`` when it holds
    them for the very same text: a site rebuilt after an edit that changed no title,
    abstract, note or tag (or none at all) skips the numeric libraries, which are a few
    seconds at 10,000 papers.  The store is keyed by a digest of every text these read,
    this module's source and the numeric libraries' versions, so what it gives is exactly
    what a computation gives; a store that is unreadable, foreign or malformed is ignored
    and written again.  ``store=None`` neither reads nor writes one."""
    ordered = sorted(entries, key=lambda e: e.key)
    key = _discovery_key(ordered) if store is not None else ""
    found = _read_discovery(store, key, [e.key for e in ordered]) if store else None
    if found is None:
        matrix = term_matrix(ordered)
        found = Discovery(related(matrix), project(matrix))
        if store is not None:
            _write_discovery(store, key, found)
    return found


def _discovery_key(ordered: list[Entry]) -> str:
    from importlib.metadata import version

    from .fsio import blake2b

    digest = blake2b(digest_size=16)
    digest.update(Path(__file__).read_bytes())
    for package in ("numpy", "scipy"):
        digest.update(f"\0{package} {version(package)}".encode())
    for entry in ordered:
        paper = entry.paper
        texts = [entry.key, *(_text_of(getattr(paper, name, None) or "")
                              for name in TEXT_FIELDS), *paper.tags]
        digest.update(("\0\1" + "\0".join(texts)).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _read_discovery(store: Path, key: str, keys: list[str]) -> Discovery | None:
    """The stored discovery when it is for ``key`` and well formed for these ``keys``."""
    import json

    try:
        data = json.loads(store.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not (type(data) is dict and data.get("format") == DISCOVERY_FORMAT
            and data.get("key") == key and type(data.get("related")) is dict
            and type(data.get("positions")) is dict
            and sorted(data["related"]) == keys and sorted(data["positions"]) == keys):
        return None
    known = set(keys)
    related: dict[str, list[Related]] = {}
    for paper in keys:
        items = data["related"][paper]
        if type(items) is not list:
            return None
        related[paper] = []
        for item in items:
            if not (type(item) is list and len(item) == 3 and item[0] in known
                    and item[0] != paper and type(item[1]) is float
                    and type(item[2]) is list and all(type(t) is str for t in item[2])):
                return None
            related[paper].append(Related(item[0], item[1], tuple(item[2])))
    positions: dict[str, tuple[float, float]] = {}
    for paper in keys:
        point = data["positions"][paper]
        if not (type(point) is list and len(point) == 2
                and all(type(v) in (int, float) and 0 <= v <= 1 for v in point)):
            return None
        positions[paper] = (float(point[0]), float(point[1]))
    return Discovery(related, positions)


def _write_discovery(store: Path, key: str, found: Discovery) -> None:
    """Keep ``found`` for the next build; a store that cannot be written is no error."""
    import json

    from .fsio import FileError, write_atomic

    data = {"format": DISCOVERY_FORMAT, "key": key,
            "related": {k: [[r.key, r.score, list(r.terms)] for r in v]
                        for k, v in found.related.items()},
            "positions": {k: list(p) for k, p in found.positions.items()}}
    with contextlib.suppress(FileError):  # write_atomic makes the folder
        write_atomic(store, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
