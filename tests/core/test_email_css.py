"""{% inlinecss %}: a stylesheet written into style attributes for HTML email, with the
markup's escaping kept."""

from django.template import Context, Template

from tests.pages import read_elements

CARD_CSS = "offers/email/listing_card.css"


def _render(body: str, **context: object) -> str:
    template = Template(
        "{% load email_css %}{% inlinecss '" + CARD_CSS + "' %}" + body + "{% endinlinecss %}"
    )
    return template.render(Context(context))


def test_classes_get_the_stylesheets_rules_as_style_attributes() -> None:
    html = _render(
        '<p class="govuk-body-s app-listing-card__why govuk-!-margin-bottom-0">Why</p><p>Plain</p>'
    )

    styled, plain = read_elements(html)
    style = styled.attrs["style"] or ""
    assert "font-size: 16px" in style and "border-left: 5px solid #b1b4b6" in style
    # Written in the stylesheet's order, so a mail client applies the later rule last.
    assert style.index("margin: 0;") < style.index("margin-top: 10px")
    assert "style" not in plain.attrs


def test_escaped_text_stays_text_after_inlining() -> None:
    typed = '<script>alert(1)</script> & <img src=x onerror="alert(2)">'

    html = _render('<p class="govuk-body" title="{{ typed }}">{{ typed }}</p>', typed=typed)

    # One element: the typed tags are text, and in the quoted attribute (where the
    # serialiser leaves < and > as they are, which HTML allows) a value.
    (p,) = read_elements(html)
    assert p.text == typed and p.attrs["title"] == typed


def test_a_linked_stylesheet_in_the_markup_is_never_fetched() -> None:
    # Port 9 on localhost refuses connections: fetching it would raise an InlineError.
    html = _render(
        '<link rel="stylesheet" href="http://127.0.0.1:9/x.css"><p class="govuk-body-s">x</p>'
    )

    assert "font-size: 16px" in html


def test_indentation_and_empty_lines_go_and_words_stay_apart() -> None:
    body = (
        '<p class="govuk-body-s">\n'
        "    <strong>Offer</strong>\n"
        "    {% if demo %}<strong>Demo</strong>{% endif %}\n"
        "    \n"
        "    <strong>Signed-in users only</strong>\n"
        "</p>"
    )

    html = _render(body, demo=False)

    (p, *strongs) = read_elements(html)
    assert [s.text for s in strongs] == ["Offer", "Signed-in users only"]
    assert p.text == "Offer Signed-in users only"
    assert html.count("\n") == 3 and "\n " not in html
