"""manage.py evaluate_matching FILE: how high does matching rank councils' real partners?

The evaluation itself is matching.evaluation (its docstring says what each method
is, and how cross-validation keeps an arrangement from vouching for itself); this
command reads the file, runs it and prints the tables.
"""

from pathlib import Path
from statistics import median
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching import scoring as matching
from matching.evaluation import (
    DISTANCE,
    FAR_TAIL_KM,
    HAND,
    RANDOM,
    RICHER,
    RULE,
    SIMPLE,
    Evaluation,
    EvaluationError,
    PairResult,
    evaluate,
    km_text,
    read_arrangements,
)
from matching.management.fitting_options import add_fitting_arguments, fitting_choices

SHORT = {SIMPLE: "cv", RICHER: "office", HAND: "hand", RULE: "rule", DISTANCE: "dist"}


def _row(label: str, values: tuple[float, float, float], width: int = 32) -> str:
    r5, r10, mrr = values
    return f"{label:<{width}} {r5:>9.3f} {r10:>10.3f} {mrr:>7.3f}"


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank)


class Command(BaseCommand):
    help = (
        "Rank real shared-service partners: matching cross-validated (grouped by "
        "arrangement) next to the hand-set weights, the boundary-or-county rule, "
        "distance only and random order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--base", default="v1", help="weights file for the hand-set line")
        add_fitting_arguments(parser)
        parser.add_argument(
            "--also", type=Path, help="another file whose rows to report on their own"
        )
        parser.add_argument("--worst", type=int, default=15, help="worst-ranked pairs shown")
        parser.add_argument("--quiet", action="store_true", help="no per-pair lines")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        for path in (file, options["also"]):
            if path is not None and not path.is_file():
                raise CommandError(f"{path}: no such file")
        try:
            base = matching.load_weights(options["base"])
            result = evaluate(
                read_arrangements(file),
                base=base,
                **fitting_choices(options),
            )
            also = read_arrangements(options["also"]) if options["also"] else None
        except (EvaluationError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        names = {b.gss_code: b.short_name for b in result.corpus.reference.bodies}
        if not options["quiet"]:
            self._pairs(result, names)
        self._arrangements(result)
        self._summary(result)
        self._folds(result)
        self._far_tail(result)
        if also is not None:
            subset = result.subset({x.key for x in also})
            self.stdout.write("")
            self.stdout.write(
                f"Rows of {options['also'].name}: {len(subset)} pairs, "
                f"{len({r.case.query.group for r in subset})} arrangements "
                "(each scored by a model that never saw it)"
            )
            self._table(result, subset)
        self._worst(result, names, options["worst"])

    def _pairs(self, result: Evaluation, names: dict[str, str]) -> None:
        self.stdout.write(
            "pair (service) [arrangement]: cv / by office / v0 / rule / distance / random mean"
        )
        for r in result.results:
            q = r.case.query
            ranks = " / ".join(_rank(r.ranks[m]) for m in (SIMPLE, RICHER, HAND, RULE, DISTANCE))
            n = len(q.candidates)
            self.stdout.write(
                f"{names[q.origin]} -> {names[q.target]} ({q.service}) [{q.group}]: "
                f"{ranks} / {(n + 1) / 2:.0f}"
            )

    def _arrangements(self, result: Evaluation) -> None:
        self.stdout.write("")
        self.stdout.write("Per arrangement: pairs, median distance; recall@10 and MRR by method")
        header = " ".join(f"{SHORT[m] + ' r@10':>9} {SHORT[m] + ' mrr':>9}" for m in SHORT)
        self.stdout.write(f"{'arrangement':<48} {'pairs':>5} {'km':>7} {header}")
        for name, rows in sorted(result.by_arrangement().items()):
            kms = [r.case.km_target for r in rows if r.case.km_target is not None]
            cells = []
            for method in SHORT:
                _r5, r10, mrr = result.metrics(method, rows)
                cells.append(f"{r10:>9.2f} {mrr:>9.2f}")
            km = km_text(median(kms)) if kms else "-"
            self.stdout.write(f"{name[:48]:<48} {len(rows):>5} {km:>7} {' '.join(cells)}")

    def _table(self, result: Evaluation, rows: list[PairResult] | None = None) -> None:
        self.stdout.write(f"{'method':<32} {'recall@5':>9} {'recall@10':>10} {'MRR':>7}")
        for method in (*result.methods, RANDOM):
            self.stdout.write(_row(method, result.metrics(method, rows)))

    def _summary(self, result: Evaluation) -> None:
        corpus = result.corpus
        self.stdout.write("")
        skipped = sum(corpus.skipped.values())
        self.stdout.write(
            f"{len(corpus.arrangements)} rows, "
            f"{len({x.name for x in corpus.arrangements})} arrangements "
            f"({len(corpus.groups)} with pairs that can be scored), "
            f"{len(result.results)} ordered pairs scored, {skipped} skipped"
            + "".join(f"; {n} because {why}" for why, n in corpus.skipped.items())
        )
        unrankable = sum(1 for r in result.results if r.case.query.positive is None)
        if unrankable:
            self.stdout.write(f"{unrankable} pairs not eligible (counted as misses)")
        self.stdout.write("Per pair:")
        self._table(result)
        self.stdout.write("Per arrangement (mean of each arrangement's own figures):")
        self.stdout.write(f"{'method':<32} {'recall@5':>9} {'recall@10':>10} {'MRR':>7}")
        for method in result.methods:
            self.stdout.write(_row(method, result.macro(method)))

    def _folds(self, result: Evaluation) -> None:
        self.stdout.write("")
        self.stdout.write(
            f"{len(result.folds)} folds grouped by arrangement: recall@5 / recall@10 / MRR"
        )
        simple, richer = result.cv[SIMPLE], result.cv[RICHER]
        for i, (fold, a, b) in enumerate(
            zip(result.folds, simple.fold_metrics(), richer.fold_metrics(), strict=True)
        ):
            pairs = len(simple.fold_ranks[i])
            self.stdout.write(
                f"fold {i + 1}: {len(fold):>3} arrangements {pairs:>4} pairs | one weight "
                f"per factor {a[0]:.3f} {a[1]:.3f} {a[2]:.3f} | by office "
                f"{b[0]:.3f} {b[1]:.3f} {b[2]:.3f} | l2 {simple.fold_fits[i].l2:g}, distance "
                f"scale {simple.fold_fits[i].shape.get('distance_scale_km', 0):g} km"
            )
        s, r = simple.spread(), richer.spread()
        self.stdout.write(
            f"spread (sd across folds): one weight per factor {s[0]:.3f} {s[1]:.3f} {s[2]:.3f}"
            f" | by office {r[0]:.3f} {r[1]:.3f} {r[2]:.3f}"
        )
        self.stdout.write(f"Model chosen: {result.chosen} ({result.choice_reason})")
        if result.held:
            self.stdout.write(
                f"Held at the base file's points, not fitted: {', '.join(result.held)}"
            )

    def _far_tail(self, result: Evaluation) -> None:
        self.stdout.write("")
        for method in (SIMPLE, HAND, RULE):
            lower, far = result.far_tail_inversions(method)
            self.stdout.write(
                f"Far tail, {method}: {lower} of {far} pairs beyond {FAR_TAIL_KM:g} km ranked "
                "lower than distance alone ranks them"
            )

    def _worst(self, result: Evaluation, names: dict[str, str], count: int) -> None:
        if count <= 0:
            return
        self.stdout.write("")
        self.stdout.write(
            f"Worst-ranked {count} pairs (cross-validated), points by factor for the real "
            "partner vs the candidate ranked first:"
        )
        ranked = [r for r in result.results if r.ranks[SIMPLE] is not None]
        ranked.sort(key=lambda r: -(r.ranks[SIMPLE] or 0))
        for r in ranked[:count]:
            q = r.case.query
            self.stdout.write(
                f"#{r.ranks[SIMPLE]} {names[q.origin]} -> {names[q.target]} ({q.service}) "
                f"[{q.group}], {km_text(r.case.km_target)}; first: {names.get(r.top_code, '-')}"
            )
            parts = [
                f"{f} {r.contributions.get(f, 0):.1f}/{r.top_contributions.get(f, 0):.1f}"
                for f in matching.FACTORS
                if r.contributions.get(f, 0) or r.top_contributions.get(f, 0)
            ]
            self.stdout.write("    " + ", ".join(parts))
