"""Small display helpers for listing templates."""

from django import template

from core import text

register = template.Library()

_TAG_COLOURS = {
    "draft": "govuk-tag--grey",
    "submitted": "govuk-tag--blue",
    "changes_requested": "govuk-tag--orange",
    "published": "govuk-tag--green",
    "rejected": "govuk-tag--red",
    "withdrawn": "govuk-tag--grey",
    "expired": "govuk-tag--yellow",
}


@register.simple_tag
def status_tag_class(status: str) -> str:
    """GOV.UK tag colour class for a Listing.Status value."""
    return _TAG_COLOURS.get(status, "govuk-tag--grey")


@register.filter
def display_value(value: object) -> str:
    """A history value (str, number, list or None) as text."""
    if value is None or value == "" or value == []:
        return "(blank)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@register.filter
def get_item(mapping: dict[str, object], key: str) -> object:
    return mapping.get(key)


@register.filter
def mid_sentence(name: str) -> str:
    """A service name inside a sentence or heading, acronyms kept (core.text)."""
    return text.mid_sentence(str(name))
