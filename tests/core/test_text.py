"""core.text: names inside sentences."""

import pytest

from core.text import mid_sentence


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Waste collection", "waste collection"),
        ("ICT infrastructure and support", "ICT infrastructure and support"),
        ("HR and payroll", "HR and payroll"),
        ("A", "a"),
    ],
)
def test_mid_sentence_keeps_acronyms(name, expected):
    assert mid_sentence(name) == expected
