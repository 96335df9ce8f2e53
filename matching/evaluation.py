"""Evaluate matching against real, sourced shared-service arrangements.

manage.py evaluate_matching FILE: how high does matching rank councils' real partners?

FILE is a CSV of publicly documented arrangements (data/evaluation/
shared_service_arrangements.csv): one row per arrangement and service, members
as GSS codes separated by ";". Every ordered pair of members (A, B) is one
test: rank B among A's suggestions for that service. Other members of the same
arrangement are removed from the list first ("filtered rank"), so a
three-council arrangement is not penalised for ranking the third member first.

Printed next to each other, all computed in this run on the same pairs:
  matching              the real scorer; "experienced partner" comes from the
                        other rows of FILE, leaving out every row that includes
                        A (so a pair's own arrangement never vouches for B);
  matching, no history  the same without the experienced-partner signal;
  distance only         eligible councils, nearest first;
  random order          eligible councils shuffled (mean of --shuffles runs).

Recorded arrangements in the database (SharedArrangement) and live listings
are not used at all, so loading FILE into the admin could not leak answers.
"""

import csv
import random
from dataclasses import dataclass
from pathlib import Path

from matching import scoring as matching
from matching.selectors import (
    Arrangement as Recorded,
)
from matching.selectors import (
    experience_signals,
    matching_reference,
    matching_weights,
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


@dataclass
class Scores:
    ranks: list[int | None]

    def recall(self, k: int) -> float:
        return sum(1 for r in self.ranks if r is not None and r <= k) / len(self.ranks)

    def mrr(self) -> float:
        return sum(1 / r for r in self.ranks if r is not None) / len(self.ranks)


def read_arrangements(path: Path) -> list[Arrangement]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"arrangement", "service_slug", "member_gss", "source_url"}
    if not rows or not needed <= set(rows[0]):
        raise EvaluationError(f"{path}: expected columns {', '.join(sorted(needed))}")
    out = []
    for number, row in enumerate(rows, start=2):
        members = tuple(code.strip() for code in row["member_gss"].split(";") if code.strip())
        if len(members) < 2:
            raise EvaluationError(f"{path}:{number}: an arrangement needs two or more members")
        if not row["source_url"].startswith(("http://", "https://")):
            raise EvaluationError(f"{path}:{number}: every row needs a public source URL")
        out.append(Arrangement(row["arrangement"], row["service_slug"], members, row["source_url"]))
    return out


def filtered_rank(order: list[str], target: str, others: set[str]) -> int | None:
    """1-based position of `target` once `others` are removed; None if absent."""
    position = 0
    for gss in order:
        if gss in others:
            continue
        position += 1
        if gss == target:
            return position
    return None


METHODS = ("matching", "matching, no history", "distance only")


@dataclass(frozen=True)
class PairResult:
    """One ordered pair (A, B): where each method ranked B for A."""

    origin: str
    partner: str
    service_slug: str
    ranks: tuple[int | None, ...]  # in METHODS order
    random_mean: float | None


@dataclass
class Evaluation:
    arrangements: int
    pairs: list[PairResult]
    scores: dict[str, Scores]
    random_runs: list[Scores]
    shuffles: int

    @property
    def not_eligible(self) -> int:
        return sum(1 for r in self.scores["matching"].ranks if r is None)

    def random_mean(self, metric: str, *args: int) -> float:
        values: list[float] = [getattr(run, metric)(*args) for run in self.random_runs]
        return sum(values) / len(values)


def evaluate(arrangements: list[Arrangement], *, shuffles: int, seed: int) -> Evaluation:
    """Rank every ordered pair of every arrangement by each method (module docstring)."""
    reference = matching_reference()
    services = {s.slug: s for s in Service.objects.select_related("family")}
    unknown = [x.service_slug for x in arrangements if x.service_slug not in services]
    if unknown:
        raise EvaluationError(f"Unknown service slugs: {', '.join(sorted(set(unknown)))}")
    missing = sorted({g for x in arrangements for g in x.members if g not in reference.by_gss})
    if missing:
        raise EvaluationError(f"Unknown GSS codes (import reference data?): {', '.join(missing)}")
    weights, rate = matching_weights(), savings_rate()
    rng = random.Random(seed)  # noqa: S311 (a baseline, not security)
    ranks: dict[str, list[int | None]] = {m: [] for m in METHODS}
    random_runs: list[list[int | None]] = [[] for _ in range(shuffles)]
    # The file's rows stand in for the register; the row being scored is left out
    # below, so an arrangement never vouches for itself.
    recorded = [
        Recorded(
            x.name, services[x.service_slug].pk, services[x.service_slug].name, frozenset(x.members)
        )
        for x in arrangements
    ]
    pairs: list[PairResult] = []
    for arrangement in arrangements:
        info = service_info(service=services[arrangement.service_slug])
        for a in arrangement.members:
            origin = reference.by_gss[a]
            hub, shares = experience_signals(
                recorded,
                origin=a,
                service_pk=info.pk,
                leave_out=frozenset({arrangement.name}),
            )
            orders = (
                _order(
                    reference,
                    origin,
                    info,
                    matching.Context(hub=hub, shares_with_asker=shares, weights=weights, rate=rate),
                ),
                _order(reference, origin, info, matching.Context(weights=weights, rate=rate)),
                [b.gss_code for b in matching.rank_by_distance(reference, origin, info)],
            )
            for b in arrangement.members:
                if b == a:
                    continue
                others = set(arrangement.members) - {a, b}
                found = tuple(filtered_rank(order, b, others) for order in orders)
                for method, rank in zip(METHODS, found, strict=True):
                    ranks[method].append(rank)
                shuffled = list(orders[2])
                run_ranks = []
                for run in random_runs:
                    rng.shuffle(shuffled)
                    rank = filtered_rank(shuffled, b, others)
                    run.append(rank)
                    run_ranks.append(rank)
                known = [r for r in run_ranks if r is not None]
                mean = sum(known) / len(known) if known else None
                pairs.append(PairResult(a, b, arrangement.service_slug, found, mean))
    return Evaluation(
        arrangements=len(arrangements),
        pairs=pairs,
        scores={m: Scores(r) for m, r in ranks.items()},
        random_runs=[Scores(run) for run in random_runs],
        shuffles=shuffles,
    )


def _order(
    reference: matching.Reference,
    origin: matching.Body,
    info: matching.ServiceInfo,
    context: matching.Context,
) -> list[str]:
    return [
        s.body.gss_code
        for s in matching.rank_partners(reference, origin, info, context).suggestions
    ]
