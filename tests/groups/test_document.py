"""groups.document without a database: what the pack says, and that both renderers
take any organisation's name (the PDF's fonts are Latin-1 only)."""

import io
import zipfile
from dataclasses import replace

from pypdf import PdfReader

from groups import document
from groups.document import (
    Bullets,
    Heading,
    OrganisationFacts,
    PackContent,
    Para,
    SpendFigure,
    Table,
    format_thousands_gbp,
    latin1,
    pack_sections,
)

CONTENT = PackContent(
    title="Sharing payroll: Gwynedd and Ynys Môn",
    service="Payroll",
    service_family="HR and payroll",
    prepared_for="Cyngor Gwynedd",
    prepared_on="2026-12-01",
    organisations=(
        OrganisationFacts("Cyngor Gwynedd", "Unitary authority", "Wales", 117_000, "W06000002"),
        OrganisationFacts("Ynys Môn – Ŵ test", "Unitary authority", "Wales", None, "W06000001"),
    ),
    spend_line="690 Central services",
    spend=(
        SpendFigure("Gwynedd", "2023-24", 1234.5, "Welsh revenue outturn", "2024-10-01"),
        SpendFigure("Ynys Môn", "2023-24", None, "Welsh revenue outturn"),
    ),
    savings_display="£40,000 to £80,000 a year",
    savings_sentence="Estimate: “quoted” text.",
    savings_bases=("Gwynedd's own figure (2025-26)",),
    rate_low_percent=1.8,
    rate_high_percent=3.6,
    rate_source="New Local Government Network, “Shared Necessities”",
    rate_source_url="",
    rate_note="",
    rate_family_evidence=False,
    evidence=(),
    explanation=("12 km away.",),
    score=50.0,
)


def _text(blocks: list[document.Block]) -> str:
    parts: list[str] = []
    for b in blocks:
        if isinstance(b, Heading | Para):
            parts.append(b.text)
        elif isinstance(b, Bullets):
            parts.extend(b.items)
        elif isinstance(b, Table):
            parts.extend(" | ".join(r) for r in (b.header, *b.rows))
    return "\n".join(parts)


def test_each_spend_row_carries_its_year_source_and_edition_and_a_gap_says_not_received() -> None:
    text = _text(pack_sections(CONTENT))
    assert "Gwynedd | 2023-24 | £1.23m | Welsh revenue outturn (edition 2024-10-01)" in text
    assert "Ynys Môn | 2023-24 | Not received | Welsh revenue outturn" in text


def test_a_family_without_its_own_evidence_says_the_general_range_is_used() -> None:
    text = _text(pack_sections(CONTENT))
    assert "the general back-office range is used" in text
    assert "the general back-office range is used" not in _text(
        pack_sections(replace(CONTENT, rate_family_evidence=True))
    )


def test_demo_data_is_labelled_first_and_only_when_it_is_demo() -> None:
    demo = pack_sections(replace(CONTENT, demo=True))
    assert isinstance(demo[0], Para) and demo[0].text == document.DEMO_NOTICE
    assert document.DEMO_NOTICE not in _text(pack_sections(CONTENT))


def test_every_delivery_model_says_what_it_needs() -> None:
    text = _text(pack_sections(CONTENT))
    for name, what, needs in document.DELIVERY_MODELS:
        assert f"{name} | {what} | {needs}" in text
    assert "s.101" in document.DELIVERY_MODELS[0][0]


def test_latin1_keeps_pounds_and_accents_it_can_and_folds_the_rest() -> None:
    assert latin1("£1.2m – “Môn”") == '£1.2m - "Môn"'
    assert latin1("Ŵ") == "W"  # Welsh w-circumflex is not Latin-1: its accent goes
    assert latin1("Ł") == "?"


def test_both_renderers_take_names_outside_latin1() -> None:
    odt, pdf = document.render_both(CONTENT)
    with zipfile.ZipFile(io.BytesIO(odt)) as z:
        assert z.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert "Ynys Môn – Ŵ test" in z.read("content.xml").decode()  # the ODT keeps it
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Ynys Môn - W test" in " ".join(text.split())


def test_thousands_are_shown_as_pounds() -> None:
    assert format_thousands_gbp(987.0) == "£987,000"
    assert format_thousands_gbp(10_320.0) == "£10.32m"
    assert format_thousands_gbp(None) == "Not received"
