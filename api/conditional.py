"""Conditional GET and a response cache for the API, keyed on core.generations.

A response is a function of the request's path and query string and of the
generations of the data it reads (listings, reference data, taxonomy). So:
  - ETag = a hash of those generations and the full path. A client that sends
    it back in If-None-Match gets a 304 without a single SQL query (the
    generations are read through the cache);
  - Last-Modified = the latest `changed_at` of those generations;
  - the rendered body is cached under the same hash, so a repeated page of
    results costs no SQL either; a bump makes every older entry a miss.
Listings also read the clock (expired listings drop out), so their validator
includes the current `API_CACHE_SECONDS` window as well.
"""

import hashlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from rest_framework.renderers import JSONRenderer

from core.generations import generation_marks

# Moves on when the API's output format changes, so no client keeps an old shape.
API_FORMAT = "v1.2"
# This process's most recently served bodies. The key is a hash of everything the
# body depends on, so an entry can never be stale, only unused; the shared cache
# behind it is what other processes read.
_BODIES_KEPT = 128
_bodies: OrderedDict[str, bytes] = OrderedDict()


def forget_local_bodies() -> None:
    """Drop this process's copies (tests, whose rolled-back transactions reuse generations)."""
    _bodies.clear()


def _remember(key: str, body: bytes) -> None:
    _bodies[key] = body
    _bodies.move_to_end(key)
    while len(_bodies) > _BODIES_KEPT:
        _bodies.popitem(last=False)


class Validator:
    """The ETag, Last-Modified and cache key of one request's response."""

    def __init__(self, request: HttpRequest, keys: Sequence[str], *, clocked: bool) -> None:
        marks = generation_marks(keys)
        parts = [API_FORMAT, request.get_full_path(), *(str(value) for value, _ in marks)]
        if clocked and settings.API_CACHE_SECONDS:
            parts.append(str(int(time.time() // settings.API_CACHE_SECONDS)))
        digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]
        self.etag = f'"{digest}"'
        self.cache_key = f"api:response:{digest}"
        stamps = [changed for _, changed in marks if changed is not None]
        self.last_modified: datetime | None = max(stamps) if stamps else None

    def apply(self, response: HttpResponseBase) -> HttpResponseBase:
        response.headers["ETag"] = self.etag
        if self.last_modified is not None:
            response.headers["Last-Modified"] = http_date(self.last_modified.timestamp())
        response.headers["Cache-Control"] = f"public, max-age={settings.API_CACHE_SECONDS}"
        return response

    def not_modified(self, request: HttpRequest) -> HttpResponseBase | None:
        last = int(self.last_modified.timestamp()) if self.last_modified else None
        response = get_conditional_response(request, etag=self.etag, last_modified=last)
        return self.apply(response) if response is not None else None


def cached_json(
    request: HttpRequest,
    keys: Sequence[str],
    build: Callable[[], object],
    *,
    clocked: bool = False,
) -> HttpResponseBase:
    """A 304, the cached body, or `build()`'s data rendered as JSON and cached.

    `build` may raise DRF exceptions (a bad filter is a 400); those are never cached.
    """
    validator = Validator(request, keys, clocked=clocked)
    not_modified = validator.not_modified(request)
    if not_modified is not None:
        return not_modified
    body = _bodies.get(validator.cache_key) if settings.API_CACHE_SECONDS else None
    if body is None and settings.API_CACHE_SECONDS:
        body = cache.get(validator.cache_key)
    if body is None:
        body = JSONRenderer().render(build())
        if settings.API_CACHE_SECONDS:
            cache.set(validator.cache_key, body, settings.API_CACHE_SECONDS)
    if settings.API_CACHE_SECONDS:
        _remember(validator.cache_key, body)
    return validator.apply(HttpResponse(body, content_type="application/json"))
