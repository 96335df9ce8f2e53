"""Counting a request's queries without the clock's part in them.

A cache generation (core.generations) is read through the cache for one second, so
a test that runs longer than that sees one more SELECT of core_cachegeneration per
second elapsed, whatever the page does. Query-count tests compare what the code
does, so they leave those reads out.
"""

from typing import Any

from django.test.utils import CaptureQueriesContext


def counted_queries(ctx: CaptureQueriesContext) -> list[dict[str, Any]]:
    """The captured queries, less the time-bounded cache-generation reads."""
    return [q for q in ctx.captured_queries if "core_cachegeneration" not in q["sql"]]
