"""offers.moderation.screening is pure: these tests need no database."""

from offers.moderation.screening import Flag, screen_listing_fields, screen_text

TERMS = ["guaranteed", "crypto", "click here"]


def kinds(flags: list[Flag]) -> list[tuple[str, str, str]]:
    return [(f.kind, f.field, f.match) for f in flags]


def test_clean_text_yields_no_flags():
    flags = screen_listing_fields(
        title="Shared building control for two districts",
        summary="We can take on building control, e.g. plan checking, for a neighbour.",
        description="Our team of 12 surveyors covers approx. 200,000 residents. "
        "Costs are about 2.5% lower than average (see the 2017-18 outturn).",
        terms=TERMS,
    )
    assert flags == []


def test_web_addresses_are_flagged_as_links():
    flags = screen_text(
        fields={
            "description": "See https://example.com/offer?x=1, or www.cheap-deals.net. "
            "Also visit partner-site.co.uk/apply today."
        },
        terms=[],
    )
    assert kinds(flags) == [
        ("link", "description", "https://example.com/offer?x=1"),
        ("link", "description", "www.cheap-deals.net"),
        ("link", "description", "partner-site.co.uk/apply"),
    ]
    assert flags[1].message == "Contains a link: www.cheap-deals.net (in the description)"


def test_email_addresses_are_flagged_and_not_also_as_links():
    flags = screen_text(
        fields={"summary": "Write to jo.bloggs@council.gov.uk for details"}, terms=[]
    )
    assert kinds(flags) == [("email", "summary", "jo.bloggs@council.gov.uk")]
    assert flags[0].message == (
        "Contains an email address: jo.bloggs@council.gov.uk (in the summary)"
    )


def test_configured_words_are_flagged_as_whole_words_in_any_case():
    flags = screen_listing_fields(
        title="GUARANTEED savings",
        summary="Paid in Crypto. Click\nhere to apply",
        description="Cryptography and encrypted storage are fine; so is a guarantee.",
        terms=TERMS,
    )
    assert kinds(flags) == [
        ("term", "title", "guaranteed"),
        ("term", "summary", "crypto"),
        ("term", "summary", "click here"),
    ]
    assert flags[0].message == "Contains a screened word: “guaranteed” (in the title)"


def test_a_repeated_match_is_flagged_once_per_field():
    flags = screen_text(
        fields={"title": "casino casino", "description": "casino www.a.com www.a.com"},
        terms=["casino"],
    )
    assert kinds(flags) == [
        ("term", "title", "casino"),
        ("link", "description", "www.a.com"),
        ("term", "description", "casino"),
    ]


def test_blank_terms_and_empty_fields_are_ignored():
    assert screen_text(fields={"title": "", "description": ""}, terms=["", "  "]) == []
