"""Read the /listings/ page as a visitor sees it: from the HTML, not the template context.

Cached pages carry no context (offers/browse/cache.py), so tests that may
get one read the titles and the count the way a person would.
"""

import html
import re

_RESULT = re.compile(
    r'<li class="app-result-list__item">.*?<h3[^>]*><a [^>]*>(.*?)</a></h3>', re.DOTALL
)
_COUNT = re.compile(r'id="result-count"[^>]*>\s*<strong>([\d,]+)</strong> listing')
_TAG = re.compile(r"<[^>]+>")


def result_titles(response) -> list[str]:
    assert response.status_code == 200
    page = response.content.decode()
    return [html.unescape(_TAG.sub("", title)) for title in _RESULT.findall(page)]


def result_count(response) -> int:
    assert response.status_code == 200
    match = _COUNT.search(response.content.decode())
    assert match, "no result count on the page"
    return int(match.group(1).replace(",", ""))
