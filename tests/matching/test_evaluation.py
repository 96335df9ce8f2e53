"""The evaluation against the real imported councils: folds grouped by arrangement, the
register's experience never taken from the fold being scored, the commands, and the
shipped weights file."""

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from matching import evaluation, learning
from matching import scoring as matching
from tests.offers.factories import ADUR, ARUN

pytestmark = pytest.mark.django_db
WORTHING, CHICHESTER, HORSHAM, MID_SUSSEX = "E07000229", "E07000225", "E07000227", "E07000228"
CRAWLEY, BRIGHTON = "E07000226", "E06000043"
EVALUATION = Path(settings.BASE_DIR) / "data" / "evaluation"
V1, V2 = (
    EVALUATION / "shared_service_arrangements.csv",
    EVALUATION / "shared_service_arrangements_v2.csv",
)
HEADER = "arrangement,service_slug,member_gss,member_names,delivery_model,source_url,notes\n"


def _file(tmp_path: Path, rows: list[tuple[str, str, list[str]]]) -> Path:
    path = tmp_path / "arrangements.csv"
    lines = [
        f"{name},{service},{';'.join(members)},{';'.join(members)},shared_team,https://example.org/{i},\n"
        for i, (name, service, members) in enumerate(rows)
    ]
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


ROWS = [
    ("Adur and Worthing", "building-control", [ADUR, WORTHING]),
    ("Worthing and Arun", "building-control", [WORTHING, ARUN]),
    ("Chichester and Horsham", "building-control", [CHICHESTER, HORSHAM]),
    ("Mid Sussex and Crawley", "building-control", [MID_SUSSEX, CRAWLEY]),
    ("Horsham and Mid Sussex", "internal-audit", [HORSHAM, MID_SUSSEX]),
    ("Crawley and Brighton", "internal-audit", [CRAWLEY, BRIGHTON]),
    ("Adur and Worthing audit", "internal-audit", [ADUR, WORTHING]),
]


def _feature(q: learning.Query, factor: str) -> float:
    assert q.positive is not None
    return float(q.features[q.positive][matching.FACTORS.index(factor)])


def _register_says(
    arrangements: list[evaluation.Arrangement], left_out: frozenset[str], q: learning.Query
) -> tuple[bool, bool]:
    """(hub, shares with the asker) for the pair's target, worked out from the rows left
    in the register, independently of the code under test."""
    known = [x for x in arrangements if x.name not in left_out]
    hub = any(
        x.service_slug == q.service
        and q.target in x.members
        and q.origin not in x.members
        and set(x.members) - {q.target}
        for x in known
    )
    shares = any(q.origin in x.members and q.target in x.members for x in known)
    return hub, shares


def test_experience_comes_only_from_arrangements_that_are_not_left_out(tmp_path: Path) -> None:
    arrangements = evaluation.read_arrangements(_file(tmp_path, ROWS))
    corpus = evaluation.build_corpus(arrangements, base=matching.load_weights("v1"))
    builder = evaluation.CaseBuilder(corpus)
    adur_worthing = next(
        p
        for p in corpus.pairs
        if (p.origin, p.target) == (ADUR, WORTHING)
        and arrangements[p.row].name == "Adur and Worthing"
    )
    own = frozenset({"Adur and Worthing"})
    q = builder.case(adur_worthing, own).query
    # Worthing runs building control with Arun in another arrangement (a hub), and
    # already shares audit with Adur in a third: both count...
    assert _feature(q, "hub") > 0
    assert _feature(q, "shares_with_asker") == 1.0
    # ...but not once those arrangements are left out too (in the fold being scored).
    q = builder.case(adur_worthing, own | {"Worthing and Arun", "Adur and Worthing audit"}).query
    assert _feature(q, "hub") == 0.0
    assert _feature(q, "shares_with_asker") == 0.0


def test_evaluation_folds_never_share_an_arrangement_and_no_pair_vouches_for_itself(
    tmp_path: Path,
) -> None:
    arrangements = evaluation.read_arrangements(_file(tmp_path, ROWS))
    result = evaluation.evaluate(
        arrangements, base=matching.load_weights("v1"), folds=3, l2_grid=(0.01,), scales=(10.0,)
    )
    folds = result.folds
    assert sorted(g for f in folds for g in f) == sorted({x.name for x in arrangements})
    checked = 0
    for r in result.results:  # scored: the register without the fold
        q, fold = r.case.query, folds[r.fold]
        assert q.group in fold
        hub, shares = _register_says(arrangements, fold, q)
        assert (_feature(q, "hub") > 0) == hub
        assert (_feature(q, "shares_with_asker") > 0) == shares
        checked += hub or shares
    corpus = result.corpus
    splits, _tests = evaluation._splits(corpus, evaluation.CaseBuilder(corpus), folds)
    for fold, split in zip(folds, splits, strict=True):
        assert {q.group for q in split.test} <= fold
        assert not {q.group for q in split.train} & fold
        for q in split.train:  # fitted on: the register without the fold and itself
            hub, shares = _register_says(arrangements, fold | {q.group}, q)
            assert (_feature(q, "hub") > 0) == hub
            assert (_feature(q, "shares_with_asker") > 0) == shares
            checked += hub or shares
    assert checked  # the rows are chosen so that some signals are present


def _metrics(text: str) -> dict[str, tuple[float, ...]]:
    found = {}
    for line in text.splitlines():
        m = re.match(r"^(.{32}) +([\d.]+) +([\d.]+) +([\d.]+)$", line)
        if m and m.group(1).strip() not in found:
            found[m.group(1).strip()] = tuple(float(v) for v in m.groups()[1:])
    return found


def test_evaluate_matching_prints_every_method_per_pair_per_arrangement_and_the_worst() -> None:
    out = io.StringIO()
    call_command(
        "evaluate_matching",
        str(V1),
        *("--folds", "3", "--l2", "0.01", "--distance-scale", "10", "--worst", "3"),
        stdout=out,
    )
    text = out.getvalue()
    metrics = _metrics(text)
    for method in (*evaluation.Evaluation.methods, evaluation.RANDOM):
        assert method in metrics, method
        assert all(0 <= v <= 1 for v in metrics[method])
    assert metrics[evaluation.DISTANCE][2] > metrics[evaluation.RANDOM][2]
    assert metrics[evaluation.SIMPLE][2] > metrics[evaluation.RANDOM][2]
    assert "22 rows, 12 arrangements (12 with pairs that can be scored), 128 ordered pairs" in text
    assert "Per arrangement" in text and "Mid Kent Services" in text
    assert "Adur -> Worthing (building-control) [Adur and Worthing Councils]:" in text
    assert "3 folds grouped by arrangement" in text and "Model chosen:" in text
    assert "distance scale 10 km" in text
    assert "Held at the base file's points, not fitted: hub" in text
    far = re.search(
        r"Far tail, matching \(cross-validated\): (\d+) of (\d+) pairs beyond 60 km", text
    )
    assert far and int(far.group(1)) <= int(far.group(2))
    assert text.count("\n#") == 3  # the three worst pairs, each with its factor points
    assert "distance" in text.split("Worst-ranked")[1]


def test_fit_matching_weights_writes_a_file_that_loads_and_records_its_provenance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fit starts from the weights in use, so the directory it writes to holds them
    # too (whether they were read before in this process or not).
    for shipped in matching.WEIGHTS_DIR.glob("*.json"):
        shutil.copy(shipped, tmp_path / shipped.name)
    monkeypatch.setattr(matching, "WEIGHTS_DIR", tmp_path)
    args = (
        "fit_matching_weights",
        str(V1),
        *("--name", "vtest", "--folds", "3", "--l2", "0.01"),
        *("--distance-scale", "10", "--distance-scale", "40"),
    )
    call_command(*args, stdout=io.StringIO())
    written = tmp_path / "vtest.json"
    weights = matching.load_weights_file(written)
    assert set(weights.values) == set(matching.FACTORS)
    data = json.loads(written.read_text())
    assert data["command"].startswith("manage.py fit_matching_weights")
    assert data["data"]["sha256"] == evaluation.file_digest(V1)
    assert data["cross_validation"]["grouped_by"] == "arrangement"
    assert "listing_service" in data["not_fitted"]  # no live listings in the file
    assert weights.weight("listing_service") == matching.load_weights("v1").weight(
        "listing_service"
    )
    # The hub is held at the base file's points, with the reason, not fitted.
    assert "hub" not in data["fitted"] and "held at v1's 12 points" in data["not_fitted"]["hub"]
    assert weights.weight("hub") == matching.load_weights("v1").weight("hub")
    # The distance scale is the procedure's choice among those offered, and recorded.
    assert weights.param("distance_scale_km") in (10.0, 40.0)
    assert data["chosen_by_inner_cv"]["distance_scale_km"] == [10.0, 40.0]
    assert "--distance-scale" in data["command"]
    with pytest.raises(CommandError, match="exists"):
        call_command(*args, stdout=io.StringIO())


def test_the_weights_in_use_load() -> None:
    weights = matching.load_weights()
    assert set(weights.values) == set(matching.FACTORS)
    assert weights.version == matching.WEIGHTS_VERSION


FITTED = [
    p
    for p in sorted(matching.WEIGHTS_DIR.glob("*.json"))
    if json.loads(p.read_text()).get("command") is not None
]


@pytest.mark.parametrize("path", FITTED, ids=lambda p: p.stem)
def test_a_fitted_weights_file_matches_its_data_file(path: Path) -> None:
    data = json.loads(path.read_text())
    assert data["command"].startswith("manage.py fit_matching_weights")
    assert data["version"] == path.stem
    assert data["cross_validation"]["grouped_by"] == "arrangement"
    source = Path(settings.BASE_DIR) / data["data"]["file"]
    assert evaluation.file_digest(source) == data["data"]["sha256"], (
        f"{source.name} changed since {path.stem} was fitted: refit as a new version "
        f"({data['command']})"
    )
