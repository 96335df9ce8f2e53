"""The search highlight as a template filter: the one place listing text becomes markup.

PostgreSQL's ts_headline marks matched words with two private-use characters
(offers.browse.search.START/STOP) and leaves the listing's text as it is, so
the text may hold anything an officer typed: `<script>`, `&`, quotes. This
filter escapes all of it first, and only then turns each START…STOP pair into
<mark>…</mark>; a stray or typed marker is dropped, never shown.
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from offers.browse.search import START, STOP

register = template.Library()

_MARKED = re.compile(f"{START}(.*?){STOP}", re.DOTALL)
# The listing fields a search annotates with `<field>_marked` (listing_text_search).
_HIGHLIGHTED_FIELDS = frozenset({"title", "summary"})


def highlight(text: str) -> SafeString:
    """`text` escaped, with START…STOP around matched words turned into <mark>."""
    escaped = str(escape(str(text)))  # escape(), not conditional_escape(): even "safe" input
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    # Escaping left the markers alone; any still here are unbalanced or typed in.
    return mark_safe(html.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


@register.filter
def highlighted(listing: object, field: str) -> SafeString:
    """A listing's `title` or `summary` for display: with the search's matches in
    <mark> when the listing came from a search, else its text with typed markers
    dropped. Every character of the listing's text is escaped."""
    if field not in _HIGHLIGHTED_FIELDS:
        raise template.TemplateSyntaxError(f"highlighted: no search highlight for {field!r}")
    marked = getattr(listing, f"{field}_marked", None)
    if marked is None:  # not from a search: no <mark>, whatever was typed
        plain = str(getattr(listing, field, "") or "")
        return highlight(plain.replace(START, "").replace(STOP, ""))
    return highlight(marked)
