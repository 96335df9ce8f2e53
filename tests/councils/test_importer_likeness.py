"""Deprivation and rural-urban class in the one-transaction importer (issue 14, point 3)."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from councils.models import Deprivation, RuralUrban
from tests.councils.test_importer import REFERENCE, copy_csv

pytestmark = pytest.mark.django_db


def test_every_council_has_one_preferred_deprivation_row_and_318_have_a_rural_class() -> None:
    assert Deprivation.objects.count() == 510  # 514 rows, 4 with no values left out
    assert Deprivation.objects.filter(preferred=True).count() == 382
    by_index = {
        index: Deprivation.objects.filter(index=index).count()
        for index in ("IoD2025", "IoD2019", "WIMD2019", "SIMD2020v2", "NIMDM2017")
    }
    assert by_index == {
        "IoD2025": 296,
        "IoD2019": 149,
        "WIMD2019": 22,
        "SIMD2020v2": 32,
        "NIMDM2017": 11,
    }
    blackpool = Deprivation.objects.get(authority__gss_code="E06000009", index="IoD2025")
    assert (str(blackpool.avg_score), blackpool.rank_avg_score) == ("43.467000", 1)
    assert RuralUrban.objects.count() == 318
    assert RuralUrban.objects.get(authority__gss_code="E06000052").ruc21_code == "RMF"
    assert not RuralUrban.objects.filter(authority__authority_type="CTY").exists()


def test_rerunning_the_two_files_changes_nothing() -> None:
    out = StringIO()
    call_command(
        "import_authorities",
        str(REFERENCE / "deprivation_la.csv"),
        str(REFERENCE / "rural_urban_la.csv"),
        stdout=out,
    )
    assert "deprivation: 0 created, 0 updated, 510 unchanged" in out.getvalue()
    assert "rural-urban classes: 0 created, 0 updated, 318 unchanged" in out.getvalue()


def test_a_share_above_one_refuses_the_whole_import(tmp_path: Path) -> None:
    def bad_extent(number: int, row: list[str]) -> None:
        if number == 3:
            row[18] = "1.5"  # extent

    before = Deprivation.objects.get(authority__gss_code="E06000001", index="IoD2019").extent
    bad = copy_csv("deprivation_la.csv", tmp_path / "deprivation_la.csv", bad_extent)
    good_ruc = copy_csv(
        "rural_urban_la.csv",
        tmp_path / "rural_urban_la.csv",
        lambda n, row: row.__setitem__(5, "RMF") if n == 2 else None,
    )
    with pytest.raises(CommandError, match=r"line 3: extent 1\.5 is not a share"):
        call_command("import_authorities", str(bad), str(good_ruc), stdout=StringIO())
    assert (
        Deprivation.objects.get(authority__gss_code="E06000001", index="IoD2019").extent == before
    )
    assert RuralUrban.objects.get(authority__gss_code="E06000001").ruc21_code == "UUN"
