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
  evaluation has none) is not fitted at all; `FitResult.fitted` says which were;
- every choice a fold's model rests on (the L2 penalty, the distance feature's
  scale) is made by `Procedure` from that fold's training queries alone, by
  grouped cross-validation inside them, so the fold's figure is for a model that
  saw nothing of the fold;
- a factor the data cannot inform for a stated reason can be held at fixed points
  (`fit(held=...)`), and the figure is then for exactly that model.
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
    # km to each candidate (NaN unknown), so a feature's shape (the distance scale)
    # can be chosen inside a fold by recomputing a column (`Procedure.reshape`).
    km: FloatArray | None = None

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

    def blocks(self) -> list[list[int]]:
        """Column indices that form one table of weights (one per office when by office)."""
        n = len(self.factors)
        if not self.by_office:
            return [list(range(n))]
        return [list(range(n)), list(range(n, 2 * n))]

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
    # x transposed and contiguous: per-query sums along a contiguous row are about
    # 20 times faster than np.add.reduceat down the columns of x.
    xt: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))


def _stacked(x: FloatArray, starts: IntArray, positives: IntArray, counts: FloatArray) -> _Stacked:
    return _Stacked(x, starts, positives, counts, np.ascontiguousarray(x.T))


def _stack(model: Model, queries: Sequence[Query]) -> _Stacked:
    usable = [q for q in queries if q.positive is not None and len(q.features)]
    if not usable:
        raise ValueError("No rankable pairs to fit on")
    blocks = [model.design(q) for q in usable]
    sizes = np.array([len(b) for b in blocks], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    positives = starts + np.array([q.positive for q in usable], dtype=np.int64)
    return _stacked(np.vstack(blocks), starts, positives, sizes.astype(np.float64))


def _loss(w: FloatArray, data: _Stacked, l2: float) -> tuple[float, FloatArray, FloatArray]:
    """Mean negative log-likelihood of the real partners plus l2/2 |w|^2, with each
    candidate's softmax probability and the scores (for the gradient)."""
    counts = data.counts.astype(np.int64)
    scores = data.x @ w
    top = np.maximum.reduceat(scores, data.starts)
    shifted = np.exp(scores - np.repeat(top, counts))
    totals = np.add.reduceat(shifted, data.starts)
    queries = len(data.starts)
    loss = float(np.sum(np.log(totals) + top - scores[data.positives])) / queries
    loss += 0.5 * l2 * float(w @ w)
    return loss, shifted / np.repeat(totals, counts), scores


def _objective(
    w: FloatArray, data: _Stacked, l2: float, *, second: bool = False
) -> tuple[float, FloatArray, FloatArray | None]:
    """The loss (`_loss`), its gradient and (with `second`) its Hessian, all in closed
    form for the softmax."""
    loss, p, _scores = _loss(w, data, l2)
    queries = len(data.starts)
    weighted = data.xt * p  # (columns, candidates)
    expected = np.add.reduceat(weighted, data.starts, axis=1).T  # per query E_p[x]
    grad = (expected.sum(axis=0) - data.x[data.positives].sum(axis=0)) / queries + l2 * w
    if not second:
        return loss, grad, None
    hessian = (weighted @ data.x - expected.T @ expected) / queries
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
    held: tuple[str, ...] = ()  # columns held at fixed points, not fitted (`fit`)
    # The feature parameters the queries were shaped with (Procedure.shapes), {} if none.
    shape: Mapping[str, float] = field(default_factory=dict)

    def score(self, query: Query) -> FloatArray:
        return self.model.design(query) @ self.weights


def _factor(column: str) -> str:
    return column.split("@")[0]


def _held_ties(
    model: Model,
    free: NDArray[np.bool_],
    held: Mapping[str, float],
    base_points: Mapping[str, float],
) -> FloatArray:
    """ties[h, f] = c_h for each held column h and each free column f of its block, where
    c_h = held points / the base points the block's free factors share. The held weight
    is then c_h x (sum of the block's fitted weights), so once the fitted weights are
    rescaled to those base points (`to_points`) the held factor gets exactly its points."""
    columns = model.columns
    ties = np.zeros((len(columns), len(columns)))
    for block in model.blocks():
        members = [i for i in block if free[i]]
        total = sum(base_points.get(_factor(columns[i]), 0.0) for i in members)
        for h in block:
            points = held.get(_factor(columns[h]))
            if points is None or not members:  # a block with no data (no such office)
                continue
            if total <= 0:
                raise ValueError("A held factor needs fitted factors with base points")
            ties[h, members] = points / total
    return ties


def fit(
    queries: Sequence[Query],
    model: Model,
    *,
    l2: float = 1e-3,
    held: Mapping[str, float] | None = None,
    base_points: Mapping[str, float] | None = None,
    max_iterations: int = 100,
    tolerance: float = 1e-8,
) -> FitResult:
    """Non-negative conditional-logit weights for `model` (see the module docstring).

    Projected Newton: a Newton step on the weights that are free to move (above 0,
    or at 0 with a gradient pushing them up), then a backtracking line search on the
    projection onto w >= 0. Stops when the projected gradient is below `tolerance`,
    the optimality condition of this bounded convex problem. Columns that are 0 for
    every candidate stay at 0 and are reported as not fitted.

    `held` (factor -> points) keeps a factor at a fixed number of points instead of
    fitting it, for a factor the data cannot inform for a stated reason (the hub: a
    hub is a hub because of the arrangement cross-validation leaves out). Points are
    on the scale where the fitted factors share the points `base_points` gives them,
    so the held weight is tied to the fitted ones (`_held_ties`): w_h = c_h sum(w_f).
    That keeps the fit one convex problem in the free weights (each free column
    becomes x_f + c_h x_h) and the held factor still adds its points to every score
    the fit is judged on, so the cross-validated figure is for exactly this model.
    """
    data = _stack(model, queries)
    held = held or {}
    is_held = np.array([_factor(c) in held for c in model.columns], dtype=bool)
    active = np.any(data.x != 0, axis=0) & ~is_held
    ties = np.zeros((len(model.columns), len(model.columns)))
    if held:
        ties = _held_ties(model, active, held, base_points or {})
        data = _stacked(data.x + data.x @ ties, data.starts, data.positives, data.counts)
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
            trial_loss = _loss(trial, data, l2)[0]
            if trial_loss <= loss + 1e-4 * float(grad @ (trial - w)):
                break
            t *= 0.5
        else:  # no descent left along any projected Newton direction: at the optimum
            break
        w = trial
        loss, grad, hessian = _objective(w, data, l2, second=True)
    w = w + ties @ w  # the held columns' tied weights (0 when nothing is held)
    fitted = tuple(c for c, a in zip(model.columns, active, strict=True) if a)
    held_columns = tuple(c for c, h in zip(model.columns, is_held, strict=True) if h)
    return FitResult(model, w, fitted, l2, loss, iterations, held_columns)


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


Shape = Mapping[str, float]
Reshape = Callable[[Query, Shape], Query]


@dataclass(frozen=True)
class Procedure:
    """Everything a fold's model is made by, so every choice sees only the queries it is
    given: the model, the L2 penalties and feature shapes to choose among (a distance
    scale, recomputed from `Query.km` by `reshape`), and the factors held at fixed
    points. `run` chooses a shape and a penalty by grouped cross-validation inside the
    queries (best MRR; ties to the larger penalty, then the earlier shape), then fits.
    Cross-validation calls `run` on each fold's training queries: nested, so the fold
    being scored influences neither the weights nor any choice."""

    model: Model
    l2_grid: tuple[float, ...] = (1e-3,)
    shapes: tuple[Shape, ...] = ({},)
    reshape: Reshape | None = None
    held: Mapping[str, float] = field(default_factory=dict)
    base_points: Mapping[str, float] = field(default_factory=dict)
    inner_folds: int = 3
    inner_seed: int = 7

    def apply(self, queries: Sequence[Query], shape: Shape) -> list[Query]:
        if not shape or self.reshape is None:
            return list(queries)
        return [self.reshape(q, shape) for q in queries]

    def fit(self, queries: Sequence[Query], *, l2: float, shape: Shape) -> FitResult:
        result = fit(
            self.apply(queries, shape),
            self.model,
            l2=l2,
            held=self.held,
            base_points=self.base_points,
        )
        return FitResult(
            result.model,
            result.weights,
            result.fitted,
            result.l2,
            result.loss,
            result.iterations,
            result.held,
            dict(shape),
        )

    def choose(self, train: Sequence[Query]) -> tuple[Shape, float]:
        """The (shape, penalty) with the best MRR in grouped inner cross-validation."""
        if len(self.l2_grid) == 1 and len(self.shapes) == 1:
            return self.shapes[0], self.l2_grid[0]
        sizes: dict[str, int] = {}
        for q in train:
            sizes[q.group] = sizes.get(q.group, 0) + 1
        k = min(self.inner_folds, len(sizes))
        if k < 2:
            return self.shapes[0], max(self.l2_grid)
        inner = grouped_folds(sizes, k, seed=self.inner_seed)
        best: tuple[float, Shape, float] | None = None
        for shape in self.shapes:
            shaped = self.apply(train, shape)
            for penalty in sorted(self.l2_grid, reverse=True):
                ranks: list[int | None] = []
                for fold in inner:
                    fit_on = [q for q in shaped if q.group not in fold]
                    fitted = fit(
                        fit_on,
                        self.model,
                        l2=penalty,
                        held=self.held,
                        base_points=self.base_points,
                    )
                    ranks += [
                        rank_of(fitted.score(q), q.tie_order, q.positive)
                        for q in shaped
                        if q.group in fold
                    ]
                mrr = Metrics(tuple(ranks)).mrr()
                if best is None or mrr > best[0] + 1e-12:
                    best = (mrr, shape, penalty)
        assert best is not None  # noqa: S101 (the grids are not empty)
        return best[1], best[2]

    def run(self, train: Sequence[Query]) -> FitResult:
        shape, penalty = self.choose(train)
        return self.fit(train, l2=penalty, shape=shape)


def cross_validate(splits: Iterable[Split], procedure: Procedure) -> CVResult:
    """For each split: `procedure.run` on its train queries alone (choices included),
    then rank its test queries, shaped as that fold's model chose."""
    result = CVResult(procedure.model)
    for split in splits:
        check_split(split)
        fitted = procedure.run(split.train)
        result.fold_fits.append(fitted)
        test = procedure.apply(split.test, fitted.shape)
        result.fold_ranks.append([rank_of(fitted.score(q), q.tie_order, q.positive) for q in test])
        result.test_queries.append(test)
    return result


def to_points(weights: Mapping[str, float], total: float) -> dict[str, float]:
    """Rescale fitted weights so they add up to `total` points (only the direction of a
    weight vector matters for the order; the scale is chosen so the page's points read
    like the hand-set ones). Rounded to 0.01."""
    s = sum(weights.values())
    if s <= 0:
        return dict.fromkeys(weights, 0.0)
    return {k: round(v * total / s, 2) for k, v in weights.items()}
