"""manage.py evaluate_matching FILE: how high does matching rank councils' real partners?

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
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching import scoring as matching
from matching.selectors import (
    experience_map,
    matching_reference,
    matching_weights,
    savings_rate,
    service_info,
)
from offers.models import Service


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
        raise CommandError(f"{path}: expected columns {', '.join(sorted(needed))}")
    out = []
    for number, row in enumerate(rows, start=2):
        members = tuple(code.strip() for code in row["member_gss"].split(";") if code.strip())
        if len(members) < 2:
            raise CommandError(f"{path}:{number}: an arrangement needs two or more members")
        if not row["source_url"].startswith(("http://", "https://")):
            raise CommandError(f"{path}:{number}: every row needs a public source URL")
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


class Command(BaseCommand):
    help = "Rank real shared-service partners and compare with distance-only and random order."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--shuffles", type=int, default=200, help="random-order runs")
        parser.add_argument("--seed", type=int, default=2019)
        parser.add_argument("--quiet", action="store_true", help="summary only")

    def handle(self, *args: Any, file: Path, shuffles: int, seed: int, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        arrangements = read_arrangements(file)
        reference = matching_reference()
        services = {s.slug: s for s in Service.objects.select_related("family")}
        weights, rate = matching_weights(), savings_rate()
        unknown = [x.service_slug for x in arrangements if x.service_slug not in services]
        if unknown:
            raise CommandError(f"Unknown service slugs: {', '.join(sorted(set(unknown)))}")
        missing = sorted({g for x in arrangements for g in x.members if g not in reference.by_gss})
        if missing:
            raise CommandError(f"Unknown GSS codes (import reference data?): {', '.join(missing)}")

        rng = random.Random(seed)  # noqa: S311 (a baseline, not security)
        methods = ["matching", "matching, no history", "distance only", "random order"]
        ranks: dict[str, list[int | None]] = {m: [] for m in methods}
        random_runs: list[list[int | None]] = [[] for _ in range(shuffles)]
        by_service: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for x in arrangements:
            by_service.setdefault(x.service_slug, []).append((x.name, frozenset(x.members)))

        if not options["quiet"]:
            self.stdout.write("pair (service): matching / no history / distance / random mean")
        for arrangement in arrangements:
            info = service_info(service=services[arrangement.service_slug])
            for a in arrangement.members:
                origin = reference.by_gss[a]
                history = experience_map(
                    by_service[arrangement.service_slug], origin=a, leave_out_origin=True
                )
                with_history = matching.rank_partners(
                    reference,
                    origin,
                    info,
                    matching.Context(experience=history, weights=weights, rate=rate),
                )
                without = matching.rank_partners(
                    reference, origin, info, matching.Context(weights=weights, rate=rate)
                )
                order = [s.body.gss_code for s in with_history.suggestions]
                order_plain = [s.body.gss_code for s in without.suggestions]
                order_near = [
                    b.gss_code for b in matching.rank_by_distance(reference, origin, info)
                ]
                for b in arrangement.members:
                    if b == a:
                        continue
                    others = set(arrangement.members) - {a, b}
                    r1 = filtered_rank(order, b, others)
                    r2 = filtered_rank(order_plain, b, others)
                    r3 = filtered_rank(order_near, b, others)
                    shuffled = list(order_near)
                    run_ranks = []
                    for run in random_runs:
                        rng.shuffle(shuffled)
                        rank = filtered_rank(shuffled, b, others)
                        run.append(rank)
                        run_ranks.append(rank)
                    ranks["matching"].append(r1)
                    ranks["matching, no history"].append(r2)
                    ranks["distance only"].append(r3)
                    if not options["quiet"]:
                        known = [r for r in run_ranks if r is not None]
                        mean = f"{sum(known) / len(known):.0f}" if known else "-"
                        self.stdout.write(
                            f"{reference.by_gss[a].short_name} -> {reference.by_gss[b].short_name}"
                            f" ({arrangement.service_slug}): {r1 or 'not eligible'} / "
                            f"{r2 or '-'} / {r3 or '-'} / {mean}"
                        )

        pairs = len(ranks["matching"])
        self.stdout.write("")
        self.stdout.write(
            f"{len(arrangements)} arrangements, {pairs} ordered partner pairs; "
            f"{sum(1 for r in ranks['matching'] if r is None)} not eligible"
        )
        self.stdout.write(f"{'method':<22} {'recall@5':>9} {'recall@10':>10} {'MRR':>7}")
        for method in methods[:3]:
            s = Scores(ranks[method])
            self.stdout.write(
                f"{method:<22} {s.recall(5):>9.3f} {s.recall(10):>10.3f} {s.mrr():>7.3f}"
            )
        runs = [Scores(run) for run in random_runs]
        r5 = sum(s.recall(5) for s in runs) / len(runs)
        r10 = sum(s.recall(10) for s in runs) / len(runs)
        mrr = sum(s.mrr() for s in runs) / len(runs)
        self.stdout.write(
            f"{'random order':<22} {r5:>9.3f} {r10:>10.3f} {mrr:>7.3f}"
            f"  (mean of {shuffles} shuffles)"
        )
