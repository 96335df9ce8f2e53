"""Evaluate matching on real, sourced shared-service arrangements, and fit its weights.

`manage.py evaluate_matching FILE` and `manage.py fit_matching_weights FILE` are thin
wrappers around `evaluate` and `fit_weights` here; the fitting itself is the pure
matching/learning.py.

FILE is a CSV of publicly documented arrangements (data/evaluation/): one row per
arrangement and service, members as GSS codes separated by ";". Every ordered pair
of members (A, B) is one test: rank B among A's candidates for that service, with
the arrangement's other members removed first ("filtered rank"), so a three-council
arrangement is not penalised for ranking the third member first. A pair whose
member the reference does not hold is counted and skipped (the command says so).

Cross-validation is grouped by arrangement: folds are sets of arrangement names,
and every row of an arrangement (all its services) sits in one fold. For the fold
being scored, the "experience" the scorer sees (who already shares what, the
register) is built from the file's rows *outside that fold*; for the pairs a model
is fitted on, from the rows outside that fold and outside the pair's own
arrangement. So no arrangement ever vouches for itself, in fitting or in scoring,
and seeding the public register from the same file changes nothing here: the
database's SharedArrangement rows and live listings are never read.

Each fold's model is made by one procedure (`procedure`) from that fold's training
arrangements alone: the L2 penalty and the distance feature's scale are chosen
together by grouped cross-validation inside them, and the `HELD` factors (the
hub) keep the base file's points instead of being fitted, for the reason HELD
gives. `fit_weights` makes the shipped file by the same procedure on every
arrangement, so the cross-validated figure is the figure of that procedure.

Methods, all on the same pairs in the same run:
  matching (cross-validated)     weights fitted on the other folds, one per factor;
  matching by office (CV)        a richer model: one weight per factor and office;
  matching, hand-set weights     the weights file `--base` (default v1), not fitted;
  boundary or county, then near  candidates sharing a boundary, in the same county,
                                 or a county and its own district, first; then by
                                 distance (the two-line rule the issue measures);
  distance only                  nearest first;
  random                         the expected value of a uniform shuffle.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching import learning
from matching import scoring as matching
from matching.selectors import Arrangement as Recorded
from matching.selectors import (
    experience_signals,
    matching_reference,
    savings_rate,
    service_info,
)
from offers.models import Service


class EvaluationError(ValueError):
    """The file or the reference data cannot be evaluated; the message says why."""


@dataclass(frozen=True)
class Arrangement:
    name: str
    service_slug: str
    members: tuple[str, ...]
    source: str

    @property
    def key(self) -> tuple[str, str, frozenset[str]]:
        return (self.name, self.service_slug, frozenset(self.members))


def read_arrangements(path: Path) -> list[Arrangement]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"arrangement", "service_slug", "member_gss", "source_url"}
    if not rows or not needed <= set(rows[0]):
        raise EvaluationError(f"{path}: expected columns {', '.join(sorted(needed))}")
    out = []
    for number, row in enumerate(rows, start=2):
        members = tuple(code.strip() for code in row["member_gss"].split(";") if code.strip())
        if len(set(members)) < 2:
            raise EvaluationError(f"{path}:{number}: an arrangement needs two or more members")
        if not row["source_url"].startswith(("http://", "https://")):
            raise EvaluationError(f"{path}:{number}: every row needs a public source URL")
        out.append(Arrangement(row["arrangement"], row["service_slug"], members, row["source_url"]))
    return out


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- Building the feature tables ----------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    row: int  # index into the arrangements list
    origin: str
    target: str


@dataclass
class Corpus:
    """The file resolved against the reference: which pairs can be scored."""

    arrangements: list[Arrangement]
    reference: matching.Reference
    infos: dict[str, matching.ServiceInfo]
    offices: dict[str, str]
    base: matching.Weights
    pairs: list[Pair]
    skipped: dict[str, int]  # reason -> ordered pairs skipped

    @property
    def groups(self) -> dict[str, int]:
        """Arrangement name -> ordered pairs that can be scored."""
        sizes: dict[str, int] = {}
        for pair in self.pairs:
            name = self.arrangements[pair.row].name
            sizes[name] = sizes.get(name, 0) + 1
        return sizes


def build_corpus(arrangements: list[Arrangement], *, base: matching.Weights) -> Corpus:
    reference = matching_reference()
    services = {s.slug: s for s in Service.objects.select_related("family")}
    unknown = sorted({x.service_slug for x in arrangements if x.service_slug not in services})
    if unknown:
        raise EvaluationError(f"Unknown service slugs: {', '.join(unknown)}")
    if not reference.bodies:
        raise EvaluationError("No reference data (run manage.py import_authorities)")
    infos = {slug: service_info(service=services[slug]) for slug in services}
    offices = {slug: str(services[slug].office) for slug in services}
    pairs: list[Pair] = []
    skipped: dict[str, int] = {}
    for i, x in enumerate(arrangements):
        for a in x.members:
            for b in x.members:
                if a == b:
                    continue
                if a not in reference.by_gss or b not in reference.by_gss:
                    reason = "a member is not in the reference"
                    skipped[reason] = skipped.get(reason, 0) + 1
                    continue
                pairs.append(Pair(i, a, b))
    return Corpus(arrangements, reference, infos, offices, base, pairs, skipped)


@dataclass(frozen=True)
class Case:
    """A query plus what the baselines need: the two-line rule's first group."""

    query: learning.Query
    row: int  # the arrangement row (file order) the pair comes from
    rule_first: np.ndarray  # bool per candidate: boundary, same county or county-district
    km_target: float | None


def _recorded(corpus: Corpus) -> list[Recorded]:
    """The file's rows in the shape of the register (matching.selectors.Arrangement)."""
    return [
        Recorded(
            x.name,
            corpus.infos[x.service_slug].pk,
            corpus.infos[x.service_slug].name,
            frozenset(x.members),
        )
        for x in corpus.arrangements
    ]


def _county_link(origin: matching.Body, candidate: matching.Body) -> bool:
    if origin.county and origin.county == candidate.county:
        return True
    return candidate.gss_code == origin.county or origin.gss_code == candidate.county


class CaseBuilder:
    """Builds Cases, caching one feature table per (origin, row, what the register knows)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self._recorded = _recorded(corpus)
        self._tables: dict[
            tuple[str, int, frozenset[str]],
            list[tuple[matching.Body, float | None, dict[str, float]]],
        ] = {}

    def _table(
        self, origin: str, row: int, exclude: frozenset[str]
    ) -> list[tuple[matching.Body, float | None, dict[str, float]]]:
        key = (origin, row, exclude)
        table = self._tables.get(key)
        if table is None:
            corpus = self.corpus
            x = corpus.arrangements[row]
            # The register as it would stand without the left-out arrangements: the
            # fold being scored and, for fitted pairs, the pair's own arrangement.
            hub, shares = experience_signals(
                self._recorded,
                origin=origin,
                service_pk=corpus.infos[x.service_slug].pk,
                leave_out=exclude,
            )
            context = matching.Context(
                hub=hub, shares_with_asker=shares, weights=corpus.base, rate=savings_rate()
            )
            body = corpus.reference.by_gss[origin]
            table = matching.feature_rows(
                corpus.reference, body, corpus.infos[x.service_slug], context
            )
            self._tables[key] = table
        return table

    def case(self, pair: Pair, exclude: frozenset[str]) -> Case:
        corpus = self.corpus
        x = corpus.arrangements[pair.row]
        others = set(x.members) - {pair.origin, pair.target}
        rows = [
            r for r in self._table(pair.origin, pair.row, exclude) if r[0].gss_code not in others
        ]
        codes = tuple(body.gss_code for body, _km, _f in rows)
        kms = [km for _body, km, _f in rows]
        features = np.array(
            [[f[name] for name in matching.FACTORS] for _b, _k, f in rows], dtype=np.float64
        ).reshape(len(rows), len(matching.FACTORS))
        positive = codes.index(pair.target) if pair.target in codes else None
        origin = corpus.reference.by_gss[pair.origin]
        neighbours = corpus.reference.neighbours.get(pair.origin, frozenset())
        rule = np.array(
            [b.gss_code in neighbours or _county_link(origin, b) for b, _k, _f in rows], dtype=bool
        )
        query = learning.Query(
            group=x.name,
            origin=pair.origin,
            target=pair.target,
            service=x.service_slug,
            features=features,
            tie_order=learning.tie_order(kms, codes),
            positive=positive,
            office=corpus.offices[x.service_slug],
            candidates=codes,
            km=np.array([math.nan if km is None else km for km in kms], dtype=np.float64),
        )
        km_target = kms[positive] if positive is not None else None
        return Case(query, pair.row, rule, km_target)


def _splits(
    corpus: Corpus, builder: CaseBuilder, folds: Sequence[frozenset[str]]
) -> tuple[list[learning.Split], list[list[Case]]]:
    splits: list[learning.Split] = []
    tests: list[list[Case]] = []
    for fold in folds:
        test_cases = [
            builder.case(p, fold) for p in corpus.pairs if corpus.arrangements[p.row].name in fold
        ]
        train = [
            builder.case(p, fold | {corpus.arrangements[p.row].name}).query
            for p in corpus.pairs
            if corpus.arrangements[p.row].name not in fold
        ]
        splits.append(learning.Split(train, [c.query for c in test_cases]))
        tests.append(test_cases)
    return splits, tests


# --- Evaluation ---------------------------------------------------------------------------

SIMPLE = "matching (cross-validated)"
RICHER = "matching by office (CV)"
HAND = "matching, hand-set weights"
RULE = "boundary or county, then near"
DISTANCE = "distance only"
RANDOM = "random (expected)"
L2_GRID = (1e-3, 1e-2, 1e-1)
# The distance feature's scale (km at which the log starts to bite), chosen inside
# each training fold with the penalty; the base file's own scale is one of them.
DISTANCE_SCALES = (5.0, 10.0, 20.0, 40.0)
# Factors kept at the base file's points rather than fitted, and why (the reason
# goes into a fitted file's `not_fitted`).
HELD = {
    "hub": (
        "held at {base}'s {points:g} points, not fitted: a hub is a hub because of the "
        "very arrangement cross-validation must leave out, so with each fold's own "
        "arrangements out of the register only a handful of real partners run the "
        "service for anyone else (lift about 0.2); this set cannot test it, and the "
        "product keeps the leap-over behaviour it was built for"
    ),
}
FAR_TAIL_KM = 60.0


@dataclass
class PairResult:
    case: Case
    fold: int
    ranks: dict[str, int | None]  # method -> rank (RANDOM holds None; see `random`)
    random_recall5: float
    random_recall10: float
    random_rr: float
    contributions: dict[str, float]  # target's points by factor under its fold's fit
    top_contributions: dict[str, float]  # the same for the candidate ranked first
    top_code: str


@dataclass
class Evaluation:
    corpus: Corpus
    folds: list[frozenset[str]]
    results: list[PairResult]
    cv: dict[str, learning.CVResult]
    chosen: str
    choice_reason: str
    methods: tuple[str, ...] = (SIMPLE, RICHER, HAND, RULE, DISTANCE)
    extra: dict[str, str] = field(default_factory=dict)
    held: tuple[str, ...] = ()  # factors held at the base file's points, not fitted

    def metrics(
        self, method: str, results: Iterable[PairResult] | None = None
    ) -> tuple[float, float, float]:
        chosen = list(self.results if results is None else results)
        if method == RANDOM:
            n = len(chosen) or 1
            return (
                sum(r.random_recall5 for r in chosen) / n,
                sum(r.random_recall10 for r in chosen) / n,
                sum(r.random_rr for r in chosen) / n,
            )
        return learning.Metrics(tuple(r.ranks[method] for r in chosen)).as_tuple()

    def by_arrangement(self) -> dict[str, list[PairResult]]:
        out: dict[str, list[PairResult]] = {}
        for r in self.results:
            out.setdefault(r.case.query.group, []).append(r)
        return out

    def macro(self, method: str) -> tuple[float, float, float]:
        """Mean over arrangements of each arrangement's own figures (big consortia count once)."""
        groups = self.by_arrangement().values()
        values = np.array([self.metrics(method, g) for g in groups])
        return (float(values[:, 0].mean()), float(values[:, 1].mean()), float(values[:, 2].mean()))

    def far_tail_inversions(
        self, method: str = SIMPLE, beyond_km: float = FAR_TAIL_KM
    ) -> tuple[int, int]:
        """(pairs whose real partner is beyond `beyond_km` and that `method` ranks lower
        than distance alone would, pairs beyond `beyond_km`): issue 14's far tail, where
        distance points once fell below the region's and the order stopped being near
        first."""
        far = [
            r for r in self.results if r.case.km_target is not None and r.case.km_target > beyond_km
        ]
        lower = sum(
            1
            for r in far
            if (rank := r.ranks[method]) is not None
            and (by_distance := r.ranks[DISTANCE]) is not None
            and rank > by_distance
        )
        return lower, len(far)

    def subset(self, keys: set[tuple[str, str, frozenset[str]]]) -> list[PairResult]:
        """The results whose row (name, service, members) is in `keys` (another file's rows)."""
        arrangements = self.corpus.arrangements
        return [r for r in self.results if arrangements[r.case.row].key in keys]


def _rule_rank(case: Case) -> int | None:
    q = case.query
    if q.positive is None:
        return None
    key = (~case.rule_first).astype(np.int64) * (len(q.tie_order) + 1) + q.tie_order
    return int(np.count_nonzero(key < key[q.positive])) + 1


def _points(weights: Mapping[str, float], features: np.ndarray) -> dict[str, float]:
    return {
        f: float(weights.get(f, 0.0) * v) for f, v in zip(matching.FACTORS, features, strict=True)
    }


def _scaled(fit: learning.FitResult, office: str, base: matching.Weights) -> dict[str, float]:
    """A fold's fitted weights in points, scaled as the weights file would be."""
    return points_from_fit(fit.model.weights_for(fit.weights, office), fit, base)


def points_from_fit(
    raw: Mapping[str, float], fit: learning.FitResult, base: matching.Weights
) -> dict[str, float]:
    """Fitted factors scaled to the points the base file gives the same factors in total;
    factors the data could not fit keep their base points (see learning.fit)."""
    fitted = {c.split("@")[0] for c in fit.fitted}
    total = sum(base.weight(f) for f in fitted)
    scaled = learning.to_points({f: raw[f] for f in fitted}, total)
    return {f: scaled[f] if f in fitted else base.weight(f) for f in matching.FACTORS}


DISTANCE_COLUMN = matching.FACTORS.index("distance")


def reshape_distance(query: learning.Query, shape: learning.Shape) -> learning.Query:
    """The query with its distance column recomputed at `shape`'s distance_scale_km
    (matching.scoring.distance_feature, vectorised; unknown km gives 0, as the
    scorer's None does)."""
    if query.km is None or "distance_scale_km" not in shape:
        return query
    scale, most = shape["distance_scale_km"], shape["distance_max_km"]
    km = np.nan_to_num(query.km, nan=math.inf)
    column = np.where(
        km >= most, 0.0, 1.0 - np.log1p(np.minimum(km, most) / scale) / math.log1p(most / scale)
    )
    features = query.features.copy()
    features[:, DISTANCE_COLUMN] = column
    return dataclasses.replace(query, features=features)


def procedure(
    model: learning.Model,
    base: matching.Weights,
    *,
    l2_grid: Sequence[float] = L2_GRID,
    scales: Sequence[float] = DISTANCE_SCALES,
    held: Iterable[str] = tuple(HELD),
) -> learning.Procedure:
    """How every fold's model (and the shipped fit) is made: penalty and distance scale
    chosen by grouped cross-validation inside the training arrangements, the held
    factors at the base file's points."""
    most = base.param("distance_max_km")
    return learning.Procedure(
        model,
        l2_grid=tuple(l2_grid),
        shapes=tuple({"distance_scale_km": s, "distance_max_km": most} for s in scales),
        reshape=reshape_distance,
        held={f: base.weight(f) for f in held},
        base_points=dict(base.values),
    )


def evaluate(
    arrangements: list[Arrangement],
    *,
    base: matching.Weights,
    folds: int = 5,
    seed: int = 2019,
    l2_grid: Sequence[float] = L2_GRID,
    scales: Sequence[float] = DISTANCE_SCALES,
    held: Iterable[str] = tuple(HELD),
) -> Evaluation:
    """Every method on every scorable pair, the matcher cross-validated (module docstring).

    Each fold's model is made by `procedure`: its L2 penalty (from `l2_grid`) and
    distance scale (from `scales`) are chosen by grouped cross-validation inside that
    fold's training arrangements, and the `held` factors keep the base file's points.
    """
    held = tuple(held)
    corpus = build_corpus(arrangements, base=base)
    if len(corpus.groups) < folds:
        raise EvaluationError(f"{len(corpus.groups)} arrangements are too few for {folds} folds")
    fold_sets = learning.grouped_folds(corpus.groups, folds, seed=seed)
    builder = CaseBuilder(corpus)
    splits, tests = _splits(corpus, builder, fold_sets)
    simple = learning.Model("one weight per factor", matching.FACTORS)
    richer = learning.Model("one weight per factor and office", matching.FACTORS, by_office=True)
    cv = {
        name: learning.cross_validate(
            splits, procedure(model, base, l2_grid=l2_grid, scales=scales, held=held)
        )
        for name, model in ((SIMPLE, simple), (RICHER, richer))
    }
    hand = np.array([base.weight(f) for f in matching.FACTORS])
    results: list[PairResult] = []
    for fold, cases in enumerate(tests):
        fitted = cv[SIMPLE].fold_fits[fold]
        for i, case in enumerate(cases):
            q = case.query
            shaped = cv[SIMPLE].test_queries[fold][i]  # features as the fold's fit shaped them
            n = len(q.candidates)
            r5, rr = learning.random_expectation(n, 5)
            r10, _ = learning.random_expectation(n, 10)
            weights = _scaled(fitted, q.office, base)
            scores = (
                np.array([weights[f] for f in matching.FACTORS]) @ shaped.features.T
                if n
                else np.zeros(0)
            )
            top = int(np.lexsort((q.tie_order, -scores))[0]) if n else 0
            results.append(
                PairResult(
                    case=case,
                    fold=fold,
                    ranks={
                        SIMPLE: cv[SIMPLE].fold_ranks[fold][i],
                        RICHER: cv[RICHER].fold_ranks[fold][i],
                        HAND: learning.rank_of(q.features @ hand, q.tie_order, q.positive),
                        RULE: _rule_rank(case),
                        DISTANCE: None if q.positive is None else int(q.tie_order[q.positive]) + 1,
                    },
                    random_recall5=r5 if q.positive is not None else 0.0,
                    random_recall10=r10 if q.positive is not None else 0.0,
                    random_rr=rr if q.positive is not None else 0.0,
                    contributions=_points(weights, shaped.features[q.positive])
                    if q.positive is not None
                    else {},
                    top_contributions=_points(weights, shaped.features[top]) if n else {},
                    top_code=q.candidates[top] if n else "",
                )
            )
    chosen, reason = choose_model(cv[SIMPLE], cv[RICHER])
    return Evaluation(corpus, fold_sets, results, cv, chosen, reason, held=held)


def choose_model(simple: learning.CVResult, richer: learning.CVResult) -> tuple[str, str]:
    """The richer model only if its cross-validated MRR beats the simple one's by more
    than the spread (standard deviation) of the simple model's MRR across folds."""
    gain = richer.all_ranks.mrr() - simple.all_ranks.mrr()
    spread = simple.spread()[2]
    if gain > spread:
        return RICHER, f"by-office MRR gain {gain:+.3f} exceeds the fold spread {spread:.3f}"
    return SIMPLE, f"by-office MRR gain {gain:+.3f} does not exceed the fold spread {spread:.3f}"


# --- Fitting the shipped weights ----------------------------------------------------------


@dataclass(frozen=True)
class FittedWeights:
    data: dict[str, object]  # the JSON written to matching/weights/<version>.json


def fit_weights(
    path: Path,
    *,
    base: matching.Weights,
    version: str,
    command: str,
    folds: int = 5,
    seed: int = 2019,
    l2_grid: Sequence[float] = L2_GRID,
    scales: Sequence[float] = DISTANCE_SCALES,
    held: Iterable[str] = tuple(HELD),
) -> tuple[FittedWeights, Evaluation]:
    """Cross-validate (the figures go into the file), then make the chosen model on every
    arrangement by the same procedure (penalty and distance scale chosen by grouped
    cross-validation over all of them, held factors at the base points), each pair's
    experience from the other arrangements only."""
    held = tuple(held)
    arrangements = read_arrangements(path)
    evaluation = evaluate(
        arrangements,
        base=base,
        folds=folds,
        seed=seed,
        l2_grid=l2_grid,
        scales=scales,
        held=held,
    )
    corpus = evaluation.corpus
    builder = CaseBuilder(corpus)
    queries = [
        builder.case(p, frozenset({corpus.arrangements[p.row].name})).query for p in corpus.pairs
    ]
    model = learning.Model("one weight per factor", matching.FACTORS)
    if evaluation.chosen == RICHER:
        raise EvaluationError(
            "The by-office model won by more than the fold spread, but weights files hold "
            "one weight per factor; extend the scorer before shipping it."
        )
    fitted = procedure(model, base, l2_grid=l2_grid, scales=scales, held=held).run(queries)
    l2 = fitted.l2
    raw = model.weights_for(fitted.weights, "")
    points = points_from_fit(raw, fitted, base)
    not_fitted = [f for f in matching.FACTORS if f not in fitted.fitted]
    unfitted_note = f"no candidate has this feature in the data; kept {base.version}'s points"

    def why_not(factor: str) -> str:
        if factor in held:
            return HELD[factor].format(base=base.version, points=base.weight(factor))
        return unfitted_note

    def figures(method: str) -> dict[str, float]:
        r5, r10, mrr = evaluation.metrics(method)
        return {"recall@5": round(r5, 3), "recall@10": round(r10, 3), "mrr": round(mrr, 3)}

    cv = evaluation.cv[SIMPLE]
    data: dict[str, object] = {
        "version": version,
        "source": (
            "Fitted (non-negative conditional logit over per-factor features, L2 chosen by "
            "grouped inner cross-validation) on real shared-service arrangements; fitted "
            "factors rescaled to the points the base file gives them in total. Factors "
            "with no signal in the data keep the base file's points."
        ),
        "command": command,
        "data": {
            "file": str(path),
            "sha256": file_digest(path),
            "rows": len(arrangements),
            "arrangements": len({x.name for x in arrangements}),
            "pairs_scored": len(corpus.pairs),
            "pairs_skipped": corpus.skipped,
        },
        "base": base.version,
        "model": model.name,
        "l2": l2,
        "chosen_by_inner_cv": {
            "l2": list(l2_grid),
            "distance_scale_km": list(scales),
            "note": (
                "chosen together, best MRR in 3-fold cross-validation grouped by "
                "arrangement; in each outer fold only from that fold's training arrangements"
            ),
        },
        "fitted": list(fitted.fitted),
        "not_fitted": {f: why_not(f) for f in not_fitted},
        "natural_weights": {f: round(v, 4) for f, v in raw.items()},
        "cross_validation": {
            "folds": len(evaluation.folds),
            "grouped_by": "arrangement",
            "seed": seed,
            "per_pair": {m: figures(m) for m in (*evaluation.methods, RANDOM)},
            "fold_spread_sd": dict(
                zip(
                    ("recall@5", "recall@10", "mrr"),
                    (round(v, 3) for v in cv.spread()),
                    strict=True,
                )
            ),
            "per_fold": [
                dict(zip(("recall@5", "recall@10", "mrr"), (round(v, 3) for v in f), strict=True))
                for f in cv.fold_metrics()
            ],
            "model_choice": evaluation.choice_reason,
            "per_fold_choice": [
                {"l2": f.l2, **dict(f.shape)} for f in evaluation.cv[SIMPLE].fold_fits
            ],
            "per_arrangement": {
                m: dict(
                    zip(
                        ("recall@5", "recall@10", "mrr"),
                        (round(v, 3) for v in evaluation.macro(m)),
                        strict=True,
                    )
                )
                for m in evaluation.methods
            },
        },
        "weights": points,
        "params": {**dict(base.params), **dict(fitted.shape)},
    }
    return FittedWeights(data), evaluation


def km_text(km: float | None) -> str:
    return "-" if km is None or math.isinf(km) else f"{km:.0f} km"
