"""manage.py evaluate_matching FILE: how high does matching rank councils' real partners?

The evaluation itself is matching.evaluation (its docstring says what each
method is); this command reads the file, runs it and prints the result.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching.evaluation import METHODS, EvaluationError, evaluate, read_arrangements
from matching.selectors import matching_reference


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
        try:
            result = evaluate(read_arrangements(file), shuffles=shuffles, seed=seed)
        except EvaluationError as exc:
            raise CommandError(str(exc)) from exc
        if not options["quiet"]:
            names = matching_reference().by_gss
            self.stdout.write("pair (service): matching / no history / distance / random mean")
            for pair in result.pairs:
                r1, r2, r3 = pair.ranks
                mean = f"{pair.random_mean:.0f}" if pair.random_mean is not None else "-"
                self.stdout.write(
                    f"{names[pair.origin].short_name} -> {names[pair.partner].short_name}"
                    f" ({pair.service_slug}): {r1 or 'not eligible'} / "
                    f"{r2 or '-'} / {r3 or '-'} / {mean}"
                )
        self.stdout.write("")
        self.stdout.write(
            f"{result.arrangements} arrangements, {len(result.pairs)} ordered partner pairs; "
            f"{result.not_eligible} not eligible"
        )
        self.stdout.write(f"{'method':<22} {'recall@5':>9} {'recall@10':>10} {'MRR':>7}")
        for method in METHODS:
            s = result.scores[method]
            self.stdout.write(
                f"{method:<22} {s.recall(5):>9.3f} {s.recall(10):>10.3f} {s.mrr():>7.3f}"
            )
        self.stdout.write(
            f"{'random order':<22} {result.random_mean('recall', 5):>9.3f} "
            f"{result.random_mean('recall', 10):>10.3f} {result.random_mean('mrr'):>7.3f}"
            f"  (mean of {result.shuffles} shuffles)"
        )
