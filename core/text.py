"""Plain-text rules shared by every form and email: no control characters.

A carriage return or line feed in a one-line field (a listing title, a name)
ends up in email headers, where Django refuses it with BadHeaderError; other
control characters are invisible on screen and confuse search. So one-line
fields refuse them all, multi-line fields refuse all but tab and line breaks,
and email subjects are made single-line before they are sent.
"""

import re

from django.core.exceptions import ValidationError

# C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

SINGLE_LINE_MESSAGE = "{label} must be on one line, without line breaks or control characters"
MULTILINE_MESSAGE = "{label} must not contain control characters"


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True if the text holds a character a person cannot see or type in this field."""
    pattern = _CONTROL_MULTILINE if multiline else _CONTROL
    return bool(pattern.search(value))


class RefuseControlCharacters:
    """A field validator; `label` names the field in the GOV.UK error message."""

    def __init__(self, *, label: str = "This field", multiline: bool = False) -> None:
        self.label = label
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        if isinstance(value, str) and has_control_characters(value, multiline=self.multiline):
            template = MULTILINE_MESSAGE if self.multiline else SINGLE_LINE_MESSAGE
            raise ValidationError(template.format(label=self.label), code="control_characters")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, RefuseControlCharacters)
            and other.multiline == self.multiline
            and other.label == self.label
        )

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, object]]:
        """So a model field can use it and migrations can serialise it."""
        return (
            "core.text.RefuseControlCharacters",
            (),
            {"label": self.label, "multiline": self.multiline},
        )


def single_line(text: str) -> str:
    """Collapse any run of whitespace or control characters to one space.

    Every email subject passes through this, so text a person typed (a listing
    title) can never break a header, even if it was saved before the forms
    refused control characters.
    """
    return " ".join(_CONTROL.sub(" ", text).split())


def mid_sentence(name: str) -> str:
    """A sentence-case name as it reads inside a sentence: "Waste collection" ->
    "waste collection", but "ICT infrastructure and support" and "HR and payroll"
    keep their acronym (Django's `lower` filter would print "ict")."""
    first = name.partition(" ")[0]
    if len(first) > 1 and sum(1 for c in first if c.isupper()) > 1:
        return name
    return name[:1].lower() + name[1:]
