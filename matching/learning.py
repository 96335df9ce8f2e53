"""Fit the per-factor weights of matching from real partnerships, and measure rankings.

Pure computation on plain arrays (NumPy; no Django, no ORM, no settings), so the
fitter is tested on synthetic data where the right answer is known, and
matching/evaluation.py feeds it the feature tables of real arrangements.

The model. For one ordered pair (asker A, real partner B) the asker's ranking
holds every eligible candidate c with its feature vector x_c (one number in
[0, 1] per factor, matching.scoring.feature_rows). The score is w . x_c, a sum
of per-factor contributions, exactly what the live scorer computes. The fit is
a conditional logit (listwise softmax): the probability that B is the real
partner is exp(w . x_B) / sum_c exp(w . x_c), and the weights maximise the
mean log-probability of the real partners, minus a small L2 penalty, with every
weight kept >= 0 (a weights file refuses negatives, and a factor that pushes a
candidate down would need a sentence saying so). The problem is convex, so the
projected-gradient solver below finds the one optimum whatever it starts from.

Honesty rules built in:
- folds are drawn over arrangements (`grouped_folds`), never over pairs, so no
  arrangement is in both the data a model was fitted on and the data it is scored
  on (`cross_validate` refuses a split that breaks this);
- a factor whose feature is 0 for every training candidate (live listings: the
  evaluation has none) is not fitted at all; `FitResult.fitted` says which were.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Query:
    """One ordered pair: the asker's candidates (the arrangement's other members already
    removed), their features, and where the real partner is among them."""

    group: str  # the arrangement; folds never split a group
    origin: str
    target: str
    service: str
    features: FloatArray  # (candidates, factors), each in [0, 1]
    tie_order: IntArray  # position of each candidate when scores tie: km, then GSS code
    positive: int | None  # row of the real partner; None when it cannot be ranked
    office: str = ""  # "back" or "front", for the by-office model
    candidates: tuple[str, ...] = ()

    @property
    def rankable(self) -> bool:
        return self.positive is not None


def tie_order(km: Sequence[float | None], codes: Sequence[str]) -> IntArray:
    """Each candidate's place when scores are equal: nearer first (unknown last), then
    GSS code, as matching.scoring.sort_key breaks ties."""
    keyed = sorted(range(len(codes)), key=lambda i: (_km(km[i]), codes[i]))
    order = np.empty(len(codes), dtype=np.int64)
    order[keyed] = np.arange(len(codes), dtype=np.int64)
    return order


def _km(value: float | None) -> float:
    return math.inf if value is None else value


def rank_of(scores: FloatArray, order: IntArray, positive: int | None) -> int | None:
    """1-based rank of row `positive` when rows are sorted by score (high first), ties
    broken by `order` (low first); None when there is no positive."""
    if positive is None:
        return None
    s = scores[positive]
    ahead = (scores > s) | ((scores == s) & (order < order[positive]))
    return int(np.count_nonzero(ahead)) + 1


@dataclass(frozen=True)
class Metrics:
    """recall@5, recall@10 and mean reciprocal rank over ranks (None counts as a miss)."""

    ranks: tuple[int | None, ...]

    def recall(self, k: int) -> float:
        if not self.ranks:
            return 0.0
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    def mrr(self) -> float:
        if not self.ranks:
            return 0.0
        return sum(1 / r for r in self.ranks if r is not None) / len(self.ranks)

    def as_tuple(self) -> tuple[float, float, float]:
        return (self.recall(5), self.recall(10), self.mrr())


def random_expectation(candidates: int, k: int) -> tuple[float, float]:
    """Expected recall@k and reciprocal rank when `candidates` are shuffled uniformly."""
    if candidates <= 0:
        return (0.0, 0.0)
    harmonic = sum(1 / i for i in range(1, candidates + 1))
    return (min(k, candidates) / candidates, harmonic / candidates)


# --- Folds -----------------------------------------------------------------------------


def grouped_folds(sizes: Mapping[str, int], k: int, *, seed: int) -> list[frozenset[str]]:
    """Split groups (arrangements) into `k` folds of about equal numbers of pairs.

    Deterministic for a seed: groups are shuffled, then the largest goes first to the
    fold with fewest pairs so far. A group is never split, which is the point.
    """
    if k < 2:
        raise ValueError("Cross-validation needs at least two folds")
    if len(sizes) < k:
        raise ValueError(f"{len(sizes)} groups cannot fill {k} folds")
    names = sorted(sizes)
    random.Random(seed).shuffle(names)  # noqa: S311 (fold assignment, not security)
    names.sort(key=lambda name: -sizes[name])  # stable: shuffled order breaks ties
    folds: list[set[str]] = [set() for _ in range(k)]
    load = [0] * k
    for name in names:
        i = min(range(k), key=lambda j: (load[j], j))
        folds[i].add(name)
        load[i] += sizes[name]
    return [frozenset(f) for f in folds]


# --- Feature maps (models) ----------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """How a query's features become the columns the weights multiply.

    "one weight per factor" uses the features as they are. "by office" gives each
    factor one weight for back-office services and another for front-office ones,
    which is still a sum of per-factor contributions, just with two tables.
    """

    name: str
    factors: tuple[str, ...]
    by_office: bool = False

    @property
    def columns(self) -> tuple[str, ...]:
        if not self.by_office:
            return self.factors
        return tuple(f"{f}@{o}" for o in ("back", "front") for f in self.factors)

    def design(self, query: Query) -> FloatArray:
        x = query.features
        if not self.by_office:
            return x
        zeros = np.zeros_like(x)
        if query.office == "back":
            return np.hstack([x, zeros])
        return np.hstack([zeros, x])

    def weights_for(self, w: FloatArray, office: str) -> dict[str, float]:
        """Per-factor weights this model applies to a service of `office`."""
        n = len(self.factors)
        part = w if not self.by_office else (w[:n] if office == "back" else w[n:])
        return {f: float(v) for f, v in zip(self.factors, part, strict=True)}


# --- Fitting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stacked:
    x: FloatArray  # all candidates of all queries, stacked
    starts: IntArray  # first row of each query
    positives: IntArray  # row (in x) of each query's real partner
    counts: FloatArray  # candidates per query


def _stack(model: Model, queries: Sequence[Query]) -> _Stacked:
    usable = [q for q in queries if q.positive is not None and len(q.features)]
    if not usable:
        raise ValueError("No rankable pairs to fit on")
    blocks = [model.design(q) for q in usable]
    sizes = np.array([len(b) for b in blocks], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    positives = starts + np.array([q.positive for q in usable], dtype=np.int64)
    return _Stacked(np.vstack(blocks), starts, positives, sizes.astype(np.float64))


def _objective(
    w: FloatArray, data: _Stacked, l2: float, *, second: bool = False
) -> tuple[float, FloatArray, FloatArray | None]:
    """Mean negative log-likelihood of the real partners plus l2/2 |w|^2, its gradient
    and (with `second`) its Hessian, all in closed form for the softmax."""
    counts = data.counts.astype(np.int64)
    scores = data.x @ w
    top = np.maximum.reduceat(scores, data.starts)
    shifted = np.exp(scores - np.repeat(top, counts))
    totals = np.add.reduceat(shifted, data.starts)
    queries = len(data.starts)
    loss = float(np.sum(np.log(totals) + top - scores[data.positives])) / queries
    loss += 0.5 * l2 * float(w @ w)
    p = shifted / np.repeat(totals, counts)
    weighted = data.x * p[:, None]
    expected = np.add.reduceat(weighted, data.starts, axis=0)  # per query E_p[x]
    grad = (expected.sum(axis=0) - data.x[data.positives].sum(axis=0)) / queries + l2 * w
    if not second:
        return loss, grad, None
    hessian = (weighted.T @ data.x - expected.T @ expected) / queries
    hessian += l2 * np.eye(len(w))
    return loss, grad, hessian


@dataclass(frozen=True)
class FitResult:
    """Fitted column weights (natural scale: log-odds per unit of feature)."""

    model: Model
    weights: FloatArray
    fitted: tuple[str, ...]  # columns that had any non-zero feature in the data
    l2: float
    loss: float
    iterations: int

    def score(self, query: Query) -> FloatArray:
        return self.model.design(query) @ self.weights


def fit(
    queries: Sequence[Query],
    model: Model,
    *,
    l2: float = 1e-3,
    max_iterations: int = 100,
    tolerance: float = 1e-8,
) -> FitResult:
    """Non-negative conditional-logit weights for `model` (see the module docstring).

    Projected Newton: a Newton step on the weights that are free to move (above 0,
    or at 0 with a gradient pushing them up), then a backtracking line search on the
    projection onto w >= 0. Stops when the projected gradient is below `tolerance`,
    the optimality condition of this bounded convex problem. Columns that are 0 for
    every candidate stay at 0 and are reported as not fitted.
    """
    data = _stack(model, queries)
    active = np.any(data.x != 0, axis=0)
    w = np.zeros(data.x.shape[1])
    loss, grad, hessian = _objective(w, data, l2, second=True)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 (reported)
        projected = np.where(w > 0, grad, np.minimum(grad, 0.0))
        projected[~active] = 0.0
        if float(np.max(np.abs(projected))) < tolerance:
            break
        free = active & ((w > 0) | (grad < 0))
        step = np.zeros_like(w)
        assert hessian is not None  # noqa: S101 (second=True returns it)
        sub = hessian[np.ix_(free, free)]
        step[free] = -np.linalg.solve(sub, grad[free])
        t = 1.0
        for _ in range(40):
            trial = np.maximum(w + t * step, 0.0)
            trial_loss, _g, _h = _objective(trial, data, l2)
            if trial_loss <= loss + 1e-4 * float(grad @ (trial - w)):
                break
            t *= 0.5
        else:  # no descent left along any projected Newton direction: at the optimum
            break
        w = trial
        loss, grad, hessian = _objective(w, data, l2, second=True)
    fitted = tuple(c for c, a in zip(model.columns, active, strict=True) if a)
    return FitResult(model, w, fitted, l2, loss, iterations)


# --- Cross-validation -------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """One fold: queries to fit on and queries to score. The caller builds both, because
    what a query's features hold may depend on the fold (experience from the register
    must come only from arrangements outside the fold being scored)."""

    train: Sequence[Query]
    test: Sequence[Query]


@dataclass
class CVResult:
    model: Model
    fold_ranks: list[list[int | None]] = field(default_factory=list)
    fold_fits: list[FitResult] = field(default_factory=list)
    # (fold, query) -> rank, in test order, for per-pair and per-arrangement tables
    test_queries: list[list[Query]] = field(default_factory=list)

    @property
    def all_ranks(self) -> Metrics:
        return Metrics(tuple(r for fold in self.fold_ranks for r in fold))

    def fold_metrics(self) -> list[tuple[float, float, float]]:
        return [Metrics(tuple(ranks)).as_tuple() for ranks in self.fold_ranks]

    def spread(self) -> tuple[float, float, float]:
        """Standard deviation across folds of recall@5, recall@10 and MRR."""
        values = np.array(self.fold_metrics())
        if len(values) < 2:
            return (0.0, 0.0, 0.0)
        sd = values.std(axis=0, ddof=1)
        return (float(sd[0]), float(sd[1]), float(sd[2]))


def check_split(split: Split) -> None:
    """Refuse a split in which an arrangement is both fitted on and scored."""
    shared = {q.group for q in split.train} & {q.group for q in split.test}
    if shared:
        raise ValueError(f"Arrangements in both train and test: {', '.join(sorted(shared))}")


def cross_validate(
    splits: Iterable[Split],
    model: Model,
    *,
    choose_l2: Callable[[Sequence[Query]], float] | None = None,
    l2: float = 1e-3,
) -> CVResult:
    """Fit on each split's train queries, rank its test queries. `choose_l2`, if given,
    picks the penalty from the train queries alone (nested, so the test fold never
    influences it)."""
    result = CVResult(model)
    for split in splits:
        check_split(split)
        penalty = choose_l2(split.train) if choose_l2 else l2
        fitted = fit(split.train, model, l2=penalty)
        result.fold_fits.append(fitted)
        result.fold_ranks.append(
            [rank_of(fitted.score(q), q.tie_order, q.positive) for q in split.test]
        )
        result.test_queries.append(list(split.test))
    return result


def inner_l2_chooser(
    model: Model, grid: Sequence[float], *, folds: int = 3, seed: int = 7
) -> Callable[[Sequence[Query]], float]:
    """A `choose_l2` that cross-validates (grouped) within the training queries and
    returns the penalty with the best MRR; ties go to the larger penalty (simpler)."""

    def choose(train: Sequence[Query]) -> float:
        if len(grid) == 1:
            return grid[0]
        sizes: dict[str, int] = {}
        for q in train:
            sizes[q.group] = sizes.get(q.group, 0) + 1
        k = min(folds, len(sizes))
        if k < 2:
            return max(grid)
        inner = grouped_folds(sizes, k, seed=seed)
        best: tuple[float, float] | None = None
        for penalty in sorted(grid, reverse=True):
            ranks: list[int | None] = []
            for fold in inner:
                fit_on = [q for q in train if q.group not in fold]
                scored = [q for q in train if q.group in fold]
                fitted = fit(fit_on, model, l2=penalty)
                ranks += [rank_of(fitted.score(q), q.tie_order, q.positive) for q in scored]
            mrr = Metrics(tuple(ranks)).mrr()
            if best is None or mrr > best[0] + 1e-12:
                best = (mrr, penalty)
        return best[1] if best is not None else max(grid)

    return choose


def to_points(weights: Mapping[str, float], total: float) -> dict[str, float]:
    """Rescale fitted weights so they add up to `total` points (only the direction of a
    weight vector matters for the order; the scale is chosen so the page's points read
    like the hand-set ones). Rounded to 0.01."""
    s = sum(weights.values())
    if s <= 0:
        return dict.fromkeys(weights, 0.0)
    return {k: round(v * total / s, 2) for k, v in weights.items()}
