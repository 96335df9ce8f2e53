"""Pages of a list for templates/includes/pagination.html, for every app's list page
(the council directory, the audit log, the outbox)."""

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paginate(request: HttpRequest, items: Any, *, per_page: int) -> dict[str, Any]:
    """The page of `items` for ?page=N, plus what templates/includes/pagination.html needs.

    A page past the end shows the last page with a message instead of a 404, so
    an old bookmark still lands somewhere useful (as the council directory does).
    """
    paginator = Paginator(items, per_page)
    raw = request.GET.get("page", "1")
    requested = int(raw) if raw.isdigit() else 1
    page: Page[Any] = paginator.get_page(requested)
    page_missing = requested > 1 and requested > paginator.num_pages
    return {
        "page_obj": page,
        "page_range": list(paginator.get_elided_page_range(page.number, on_each_side=1)),
        "page_missing": requested if page_missing else None,
    }
