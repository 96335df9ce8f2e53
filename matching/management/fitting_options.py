"""The fitting options evaluate_matching and fit_matching_weights share, so the two
commands cross-validate the same way from the same flags."""

from typing import Any

from django.core.management.base import CommandParser

from matching.evaluation import DISTANCE_SCALES, HELD, L2_GRID


def add_fitting_arguments(parser: CommandParser) -> None:
    """--folds, --seed, --distance-scale, --fit-held and --l2."""
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument(
        "--distance-scale",
        type=float,
        action="append",
        help="distance scale (km) to try (repeat for a grid; default: chosen from "
        f"{', '.join(f'{v:g}' for v in DISTANCE_SCALES)} by inner cross-validation)",
    )
    parser.add_argument(
        "--fit-held",
        action="store_true",
        help=f"fit {', '.join(HELD)} too instead of holding it at the base points",
    )
    parser.add_argument(
        "--l2",
        type=float,
        action="append",
        help="L2 penalty to try (repeat for a grid; default: chosen from "
        f"{', '.join(map(str, L2_GRID))} by inner cross-validation)",
    )


def fitting_choices(options: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of evaluate and fit_weights those flags stand for."""
    return {
        "folds": options["folds"],
        "seed": options["seed"],
        "l2_grid": tuple(options["l2"] or L2_GRID),
        "scales": tuple(options["distance_scale"] or DISTANCE_SCALES),
        "held": () if options["fit_held"] else tuple(HELD),
    }
