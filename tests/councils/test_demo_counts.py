import pytest

from councils.selectors import directory_summary
from tests.factories import officer_of

pytestmark = pytest.mark.django_db


def test_demo_officers_are_left_out_of_public_counts(client):
    officer_of("E07000223")  # a real officer of Adur
    officer_of("E07000223", is_demo=True)

    assert directory_summary()["officers"] == 1
    response = client.get("/councils/?name=Adur")
    adur = next(a for a in response.context["page_obj"] if a.gss_code == "E07000223")
    assert adur.officer_count == 1
