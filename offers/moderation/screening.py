"""Automated screening of listing text, for the moderator's attention.

Pure: no ORM calls. A selector fetches the active ScreeningTerm rows and the
listing's text and hands them over. Flags never block a submission; they
tell the moderator where to look ("Contains a link: www.example.com").
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# The text fields an owner types freely (contact details are separate fields).
SCREENED_FIELDS: tuple[str, ...] = ("title", "summary", "description")

_FIELD_NAMES = {"title": "title", "summary": "summary", "description": "description"}

_EMAIL = re.compile(r"[\w.+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# A bare domain such as "cheap-deals.com" or "council.gov.uk/page". Only
# common top-level domains count, so "e.g." or "approx.5" are not links.
_TLDS = (
    "com|org|net|uk|io|co|info|biz|xyz|eu|me|ly|app|dev|online|site|shop|top|click|"
    "link|live|store|tech|ai|gg|tv|ru|cn"
)
_DOMAIN = re.compile(
    rf"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}'\""


@dataclass(frozen=True)
class Flag:
    kind: str  # "link", "email" or "term"
    field: str  # which field it was found in
    match: str  # the text that matched

    @property
    def message(self) -> str:
        where = _FIELD_NAMES.get(self.field, self.field)
        if self.kind == "link":
            return f"Contains a link: {self.match} (in the {where})"
        if self.kind == "email":
            return f"Contains an email address: {self.match} (in the {where})"
        return f"Contains a screened word: “{self.match}” (in the {where})"


def _term_pattern(term: str) -> re.Pattern[str]:
    # Whole words only, so "bet" would not flag "between"; the spaces inside a
    # phrase match any run of whitespace (line breaks included).
    words = [re.escape(word) for word in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def _links(text: str) -> list[str]:
    found: list[str] = []
    spans: list[tuple[int, int]] = []
    for pattern in (_URL, _DOMAIN):
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(s <= start < e for s, e in spans):
                continue  # already part of a longer link
            spans.append((start, end))
            found.append(match.group(0).rstrip(_TRAILING))
    return found


def screen_text(*, fields: Mapping[str, str], terms: Iterable[str]) -> list[Flag]:
    """Flags for links, email addresses and screened terms in `fields` (name -> text).

    Each distinct match is flagged once per field, in field order.
    """
    patterns = [(term.strip(), _term_pattern(term)) for term in terms if term.strip()]
    flags: list[Flag] = []
    for name, text in fields.items():
        text = text or ""
        seen: set[tuple[str, str]] = set()

        def add(kind: str, match: str, name: str = name, seen: set[tuple[str, str]] = seen) -> None:
            key = (kind, match.lower())
            if key not in seen:
                seen.add(key)
                flags.append(Flag(kind=kind, field=name, match=match))

        emails = [m.group(0) for m in _EMAIL.finditer(text)]
        for email in emails:
            add("email", email)
        # Emails are removed first so "name@council.gov.uk" is not also a link.
        without_emails = _EMAIL.sub(" ", text)
        for link in _links(without_emails):
            add("link", link)
        for term, pattern in patterns:
            match = pattern.search(text)
            if match:
                add("term", term)
    return flags


def screen_listing_fields(
    *, title: str, summary: str, description: str, terms: Iterable[str]
) -> list[Flag]:
    """Screen the three free-text fields of a listing."""
    return screen_text(
        fields={"title": title, "summary": summary, "description": description}, terms=terms
    )
