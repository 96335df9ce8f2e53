"""Fixed-window rate limits in the shared cache, for limits allauth does not own.

Every web process counts in the same cache (Redis in production), so a limit
holds across processes. Callers name the bucket (for example
`report:user:42`), the allowance and the window.
"""

import time

from django.core.cache import cache


def rate_limit_take(*, bucket: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt in the bucket; False once the window's allowance is used up."""
    key = f"ratelimit:{bucket}:{int(time.time() // window_seconds)}"
    cache.add(key, 0, timeout=window_seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window_seconds)
        count = 1
    return count <= limit
