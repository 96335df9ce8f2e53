"""manage.py fit_matching_weights FILE --name v1: fit the weights, write the file.

Cross-validates first (grouped by arrangement; the figures go into the file), then
fits on every arrangement and writes matching/weights/<version>.json with the
command that produced it, the data file and its SHA-256. The fitting is
matching.learning; the feature tables come from matching.evaluation. Switching
the site to the new file is a separate, reviewed one-line change of
matching.scoring.WEIGHTS_VERSION.
"""

import json
import shlex
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from matching import scoring as matching
from matching.evaluation import (
    RANDOM,
    EvaluationError,
    fit_weights,
)
from matching.management.fitting_options import add_fitting_arguments, fitting_choices


class Command(BaseCommand):
    help = "Fit matching's per-factor weights on real arrangements and write a weights file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--name", required=True, help="version name of the new file, e.g. v1")
        parser.add_argument("--base", default="v1", help="weights file for unfitted factors")
        add_fitting_arguments(parser)
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args: Any, file: Path, name: str, **options: Any) -> None:
        version = name
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if not version.replace("_", "").isalnum():
            raise CommandError("--name is a file name: letters, digits and _ only")
        target = matching.WEIGHTS_DIR / f"{version}.json"
        if target.exists() and not options["force"]:
            raise CommandError(f"{target} exists; a new fit is a new version (or --force)")
        command = shlex.join(
            [
                "manage.py",
                "fit_matching_weights",
                str(file),
                "--name",
                version,
                "--base",
                options["base"],
                "--folds",
                str(options["folds"]),
                "--seed",
                str(options["seed"]),
                *[arg for value in options["l2"] or () for arg in ("--l2", str(value))],
                *[
                    arg
                    for value in options["distance_scale"] or ()
                    for arg in ("--distance-scale", f"{value:g}")
                ],
                *(["--fit-held"] if options["fit_held"] else []),
            ]
        )
        try:
            fitted, evaluation = fit_weights(
                file,
                base=matching.load_weights(options["base"]),
                version=version,
                command=command,
                **fitting_choices(options),
            )
        except (EvaluationError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        # The file must load as weights before it is written (every factor, no negatives).
        matching.Weights.from_data(fitted.data, version=version)
        target.write_text(json.dumps(fitted.data, indent=2) + "\n", encoding="utf-8")
        self.stdout.write(f"Wrote {target}")
        for method in (*evaluation.methods, RANDOM):
            r5, r10, mrr = evaluation.metrics(method)
            self.stdout.write(f"{method:<32} {r5:>9.3f} {r10:>10.3f} {mrr:>7.3f}")
        self.stdout.write(f"Model chosen: {evaluation.chosen} ({evaluation.choice_reason})")
