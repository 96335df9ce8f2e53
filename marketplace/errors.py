"""GOV.UK-style error pages (the default ones would break the service's look).

While the database is down every page answers 503 "Sorry, the service is
unavailable" instead of 500, and a form that could not be saved is shown back
so the person can copy what they typed. Two ways in, because Django turns an
exception into a response at every middleware: a view's failure reaches
DatabaseUnavailableMiddleware.process_exception; a middleware's own (loading
the session or the signed-in user) reaches handler500, `server_error`.
"""

import logging
import re
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.template import loader
from django.urls import get_script_prefix

from .context_processors import layout_urls

logger = logging.getLogger(__name__)

# What psycopg2 raises when the database cannot be reached or the
# connection broke: the request may succeed if tried again later.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
# Sent back so load balancers and browsers know it is temporary.
RETRY_AFTER_SECONDS = 30
# Submitted fields never shown back: secrets, one-time codes and the form's plumbing.
_NOT_SHOWN = re.compile(r"password|secret|token|otp|^code$|^next$|^version$", re.IGNORECASE)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):  # a middleware met the outage
        return database_unavailable(request)
    # No context processors may run here: the database may be what failed.
    return HttpResponse(loader.get_template("errors/500.html").render(), status=500)


def typed_values(request: HttpRequest) -> list[dict[str, Any]]:
    """What a POST submitted, to show back: one entry per field with a value."""
    if request.method != "POST":
        return []
    try:
        data = request.POST
    except Exception:  # unreadable or too large: there is nothing we can show
        return []
    typed = []
    for name in data:
        if _NOT_SHOWN.search(name):
            continue
        value = "\n".join(v for v in data.getlist(name) if v.strip())
        if value:
            label = name.replace("_", " ").replace("-", " ").strip().capitalize()
            rows = min(12, max(2, value.count("\n") + 1 + len(value) // 70))
            typed.append({"label": label or name, "value": value, "rows": rows})
    return typed


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 page, built without touching the database: no context processors (they
    read the signed-in user), only what the layout needs."""
    typed = typed_values(request)
    context = {
        "request": request,
        "layout_urls": layout_urls(get_script_prefix()),
        "SITE_NAME": settings.SITE_NAME,
        "SERVICE_CONTACT_EMAIL": settings.SERVICE_CONTACT_EMAIL,
        "not_saved": request.method == "POST",
        "typed": typed,
    }
    response = HttpResponse(loader.render_to_string("errors/503.html", context), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers the 503 page, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        logger.warning(
            "Database unavailable during %s %s: %s: %s",
            request.method,
            request.path,
            type(exception).__name__,
            exception,
        )
        return database_unavailable(request)
