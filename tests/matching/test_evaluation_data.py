"""The evaluation files are clean enough to score against and to seed the register.

Each check here is one a hand-compiled row could fail: a typo in a GSS code or a
service slug, a member whose tier does not deliver the service (that pair could
never be ranked), a row without a source, or the v2 file dropping a row of the
22-row file it claims to contain.
"""

import csv
import re
from pathlib import Path

import pytest

from offers.models import Listing, Service

DATA = Path(__file__).resolve().parents[2] / "data"
V1 = DATA / "evaluation" / "shared_service_arrangements.csv"
V2 = DATA / "evaluation" / "shared_service_arrangements_v2.csv"
# Police force areas (E23, W15) and fire and rescue authorities (E31), as in
# public_bodies.csv; the only bodies other than councils the sources allowed.
BODY_CODE = re.compile(r"^(E23|E31|W15)\d{6}$")
TIER_FLAG = {
    "upper tier": "by_upper",
    "lower tier": "by_lower",
    "unitary": "by_unitary",
    "ni district": "by_ni_district",
}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _councils() -> dict[str, dict[str, str]]:
    return {row["gss_code"]: row for row in _rows(DATA / "reference" / "authorities.csv")}


@pytest.mark.parametrize("path", [V1, V2], ids=["v1", "v2"])
def test_every_member_is_a_known_council_or_body_and_rows_have_sources(path: Path) -> None:
    councils = _councils()
    models = set(Listing.DeliveryModel.values)
    for number, row in enumerate(_rows(path), start=2):
        members = row["member_gss"].split(";")
        assert len(members) == len(set(members)) >= 2, f"{path.name}:{number}"
        for code in members:
            assert code in councils or BODY_CODE.match(code), f"{path.name}:{number}: {code}"
        assert row["source_url"].startswith(("http://", "https://")), f"{path.name}:{number}"
        assert row["delivery_model"] in models, f"{path.name}:{number}"
        assert len(row["member_names"].split(";")) == len(members), f"{path.name}:{number}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", [V1, V2], ids=["v1", "v2"])
def test_every_council_member_delivers_the_service(path: Path) -> None:
    councils = _councils()
    services = {s.slug: s for s in Service.objects.all()}
    for number, row in enumerate(_rows(path), start=2):
        service = services.get(row["service_slug"])
        assert service is not None, f"{path.name}:{number}: {row['service_slug']}"
        for code in row["member_gss"].split(";"):
            if code in councils:
                flag = TIER_FLAG[councils[code]["tier"]]
                assert getattr(service, flag), f"{path.name}:{number}: {code} {service.slug}"


def test_v2_columns_are_consistent() -> None:
    for number, row in enumerate(_rows(V2), start=2):
        assert row["still_running"] in {"yes", "no", "unknown"}, number
        assert re.fullmatch(r"(\d{4})?", row["start_year"]), number
        assert re.fullmatch(r"(\d{4})?", row["status_year"]), number
        if row["still_running"] == "yes":
            assert row["status_year"], f"row {number}: 'yes' needs the year a source shows it"
        for url in filter(None, (u.strip() for u in row["other_sources"].split(" ; "))):
            assert url.startswith(("http://", "https://")), f"row {number}: {url}"


def test_v2_contains_every_row_of_the_22_row_file() -> None:
    def key(row: dict[str, str]) -> tuple[str, str, str, str]:
        return (row["arrangement"], row["service_slug"], row["member_gss"], row["source_url"])

    old = {key(row) for row in _rows(V1)}
    new = {key(row) for row in _rows(V2)}
    assert len(old) == 22
    assert old <= new
