"""The pure fitter on synthetic data where the right answer is known, and the folds."""

import math

import numpy as np
import pytest

from matching import learning

FACTORS = ("strong", "weak", "noise", "harmful", "never")


def _queries(
    true: np.ndarray, *, n_queries: int = 300, n_candidates: int = 60, seed: int = 1
) -> list[learning.Query]:
    """Each query's real partner is the argmax of true . x plus Gumbel noise, which is
    exactly the conditional logit the fitter assumes; column 'never' is always 0."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n_queries):
        x = rng.random((n_candidates, len(FACTORS))) * (rng.random((n_candidates, 5)) < 0.5)
        x[:, 4] = 0.0
        utility = x @ true + rng.gumbel(size=n_candidates)
        out.append(
            learning.Query(
                group=f"arrangement {i // 3}",
                origin=f"o{i}",
                target=f"t{i}",
                service="payroll",
                features=x,
                tie_order=np.arange(n_candidates, dtype=np.int64),
                positive=int(np.argmax(utility)),
                office="back" if i % 2 else "front",
            )
        )
    return out


def test_fit_recovers_the_sign_and_order_of_known_weights() -> None:
    true = np.array([4.0, 1.5, 0.0, -2.0, 0.0])
    result = learning.fit(_queries(true), learning.Model("simple", FACTORS), l2=1e-4)
    w = dict(zip(FACTORS, result.weights, strict=True))
    assert w["strong"] > w["weak"] > w["noise"]
    assert w["strong"] == pytest.approx(4.0, rel=0.2)
    assert w["weak"] == pytest.approx(1.5, rel=0.3)
    assert w["noise"] < 0.3
    # A factor that really pushes the partner down is held at 0, never made negative.
    assert w["harmful"] == 0.0
    assert min(result.weights) >= 0.0


def test_a_column_with_no_signal_is_not_fitted() -> None:
    result = learning.fit(_queries(np.array([3.0, 0, 0, 0, 0])), learning.Model("s", FACTORS))
    assert "never" not in result.fitted
    assert result.weights[FACTORS.index("never")] == 0.0
    assert set(result.fitted) == set(FACTORS) - {"never"}


def test_the_fitted_weights_rank_better_than_equal_weights() -> None:
    true = np.array([4.0, 1.5, 0.0, 0.0, 0.0])
    train, test = _queries(true, seed=1), _queries(true, seed=2)
    fitted = learning.fit(train, learning.Model("s", FACTORS))
    flat = np.ones(len(FACTORS))

    def mrr(weights: np.ndarray) -> float:
        ranks = tuple(learning.rank_of(q.features @ weights, q.tie_order, q.positive) for q in test)
        return learning.Metrics(ranks).mrr()

    assert mrr(fitted.weights) > mrr(flat) + 0.05


def test_by_office_model_learns_a_weight_that_differs_between_offices() -> None:
    rng = np.random.default_rng(3)
    queries = []
    for i in range(400):
        x = rng.random((40, 2))
        office = "back" if i % 2 else "front"
        true = np.array([3.0, 0.0]) if office == "back" else np.array([0.0, 3.0])
        utility = x @ true + rng.gumbel(size=40)
        queries.append(
            learning.Query(
                f"g{i}",
                "o",
                "t",
                "s",
                x,
                np.arange(40, dtype=np.int64),
                int(np.argmax(utility)),
                office=office,
            )
        )
    model = learning.Model("by office", ("a", "b"), by_office=True)
    result = learning.fit(queries, model)
    back, front = (
        model.weights_for(result.weights, "back"),
        model.weights_for(result.weights, "front"),
    )
    assert back["a"] > 2 * back["b"]
    assert front["b"] > 2 * front["a"]


def test_rank_breaks_ties_as_the_scorer_does_nearer_then_code() -> None:
    order = learning.tie_order([12.0, None, 3.0, 12.0], ["E2", "E0", "E9", "E1"])
    assert list(order) == [2, 3, 0, 1]
    scores = np.array([1.0, 1.0, 1.0, 0.5])
    assert learning.rank_of(scores, order, 0) == 2  # E9 at 3 km is ahead, E0 (no km) behind
    assert learning.rank_of(scores, order, 1) == 3
    assert learning.rank_of(scores, order, 3) == 4
    assert learning.rank_of(scores, order, None) is None


def test_grouped_folds_never_split_a_group_and_cover_every_group_once() -> None:
    sizes = {f"arrangement {i}": (i % 7) + 2 for i in range(40)}
    folds = learning.grouped_folds(sizes, 5, seed=11)
    assert len(folds) == 5
    seen = [g for fold in folds for g in fold]
    assert sorted(seen) == sorted(sizes)  # every group in exactly one fold
    loads = [sum(sizes[g] for g in fold) for fold in folds]
    assert max(loads) - min(loads) <= max(sizes.values())
    assert folds == learning.grouped_folds(sizes, 5, seed=11)
    assert folds != learning.grouped_folds(sizes, 5, seed=12)


def test_cross_validation_refuses_a_split_that_shares_an_arrangement() -> None:
    queries = _queries(np.array([2.0, 0, 0, 0, 0]), n_queries=12)
    leaky = learning.Split(train=queries[:7], test=queries[5:])  # arrangement 1 on both sides
    with pytest.raises(ValueError, match="arrangement 1"):
        learning.cross_validate([leaky], learning.Procedure(learning.Model("s", FACTORS)))


def test_cross_validation_scores_each_fold_with_a_model_fitted_without_it() -> None:
    queries = _queries(np.array([4.0, 1.0, 0, 0, 0]), n_queries=120)
    sizes: dict[str, int] = {}
    for q in queries:
        sizes[q.group] = sizes.get(q.group, 0) + 1
    folds = learning.grouped_folds(sizes, 4, seed=5)
    splits = [
        learning.Split(
            [q for q in queries if q.group not in f], [q for q in queries if q.group in f]
        )
        for f in folds
    ]
    result = learning.cross_validate(
        splits, learning.Procedure(learning.Model("s", FACTORS), l2_grid=(1e-3, 1e-1))
    )
    assert sum(len(r) for r in result.fold_ranks) == len(queries)
    assert all(f.l2 in (1e-3, 1e-1) for f in result.fold_fits)
    r5, r10, mrr = result.all_ranks.as_tuple()
    assert 0 < r5 <= r10 <= 1 and mrr > 0.2
    assert len(result.spread()) == 3


def test_random_expectation_matches_a_uniform_shuffle() -> None:
    recall, rr = learning.random_expectation(4, 2)
    assert recall == 0.5
    assert rr == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4) / 4)
    assert learning.random_expectation(0, 5) == (0.0, 0.0)


def test_points_keep_proportions_and_add_up() -> None:
    points = learning.to_points({"a": 3.0, "b": 1.0, "c": 0.0}, 80)
    assert points == {"a": 60.0, "b": 20.0, "c": 0.0}
    assert math.isclose(sum(points.values()), 80)


def test_a_held_factor_gets_exactly_its_points_and_the_others_are_fitted_around_it() -> None:
    # 'harmful' really pushes the partner down; held at 10 points it still adds them.
    true = np.array([4.0, 1.5, 0.0, -2.0, 0.0])
    base = {"strong": 30.0, "weak": 10.0, "noise": 5.0, "harmful": 10.0, "never": 0.0}
    result = learning.fit(
        _queries(true),
        learning.Model("s", FACTORS),
        l2=1e-4,
        held={"harmful": 10.0},
        base_points=base,
    )
    w = dict(zip(FACTORS, result.weights, strict=True))
    assert result.held == ("harmful",)
    assert "harmful" not in result.fitted and "never" not in result.fitted
    fitted = {f: w[f] for f in result.fitted}
    total = sum(base[f] for f in result.fitted)  # 45: the points the fitted factors share
    points = learning.to_points(fitted, total)
    assert sum(points.values()) == pytest.approx(total, abs=0.02)
    # On the same scale the held factor is worth exactly its 10 points.
    assert w["harmful"] * total / sum(fitted.values()) == pytest.approx(10.0)
    assert w["strong"] > w["weak"] > 0
    q = _queries(true, n_queries=1)[0]
    assert np.allclose(result.score(q), q.features @ result.weights)


def _shaped_queries(scale: float, *, n: int = 240, seed: int = 4) -> list[learning.Query]:
    """Column 0 is a distance feature 1 - log1p(km/scale)/log1p(500/scale); the real
    partner follows it at the true `scale`. Queries are built at another scale (50)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        km = rng.random(50) * 500
        x = np.stack([_closeness(km, 50.0), rng.random(50)], axis=1)
        utility = 6 * _closeness(km, scale) + x[:, 1] + rng.gumbel(size=50)
        out.append(
            learning.Query(
                group=f"arrangement {i // 2}",
                origin=f"o{i}",
                target=f"t{i}",
                service="s",
                features=x,
                tie_order=np.arange(50, dtype=np.int64),
                positive=int(np.argmax(utility)),
                km=km,
            )
        )
    return out


def _closeness(km: np.ndarray, scale: float) -> np.ndarray:
    return 1 - np.log1p(km / scale) / np.log1p(500 / scale)


def _reshape(q: learning.Query, shape: learning.Shape) -> learning.Query:
    assert q.km is not None
    x = q.features.copy()
    x[:, 0] = _closeness(q.km, shape["scale"])
    return learning.Query(
        q.group, q.origin, q.target, q.service, x, q.tie_order, q.positive, km=q.km
    )


def test_a_procedure_chooses_the_feature_shape_from_its_training_queries_alone() -> None:
    queries = _shaped_queries(2.0)
    procedure = learning.Procedure(
        learning.Model("s", ("distance", "other")),
        shapes=({"scale": 50.0}, {"scale": 2.0}),
        reshape=_reshape,
    )
    assert procedure.choose(queries)[0] == {"scale": 2.0}  # the true shape, not the first
    sizes: dict[str, int] = {}
    for q in queries:
        sizes[q.group] = sizes.get(q.group, 0) + 1
    splits = [
        learning.Split(
            [q for q in queries if q.group not in f], [q for q in queries if q.group in f]
        )
        for f in learning.grouped_folds(sizes, 3, seed=1)
    ]
    result = learning.cross_validate(splits, procedure)
    for split, fitted, tested in zip(splits, result.fold_fits, result.test_queries, strict=True):
        # each fold's choice is what its training queries alone give, and its test
        # queries are scored shaped that way
        assert fitted.shape == procedure.choose(split.train)[0]
        km = tested[0].km
        assert km is not None
        assert np.allclose(tested[0].features[:, 0], _closeness(km, fitted.shape["scale"]))
