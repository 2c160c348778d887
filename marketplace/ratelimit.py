"""Rate limits per client address, counted in the Django cache (django-ratelimit's counters).

With REDIS_URL the cache is Redis, so the limits hold across every ASGI process and host; the
embedded default is a file cache in VAR_DIR, shared by the processes of one machine. Limits are
named groups whose rates come from settings.RATE_LIMITS (e.g. "publish": "120/m"), read on each
request. A limited request gets 429 `{"ok": false, "error": "too many requests, retry later"}`
with Retry-After. The counters are a safety net, not a dependency: if the cache cannot be
reached the request goes through (logged), rather than the API failing with it.

    @rate_limited(group="signin")
    def sign_in(request): ...                      # a Django view, or a DRF view's method
    rate_limited(group="signin", methods={"POST"})(login)   # only its POSTs count
"""

import functools
import logging

from django.conf import settings
from django.http import JsonResponse
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)
MESSAGE = "too many requests, retry later"


def _rate(group: str, request) -> str | None:
    return settings.RATE_LIMITS.get(group)


def retry_after(request, *, group: str) -> int | None:
    """Counts this request in `group`; the seconds to wait if it is over the limit, else None."""
    try:
        usage = get_usage(request, group=group, key="ip", rate=_rate, increment=True)
    except Exception as exc:  # the cache's own errors (Redis down, disk full) vary by backend
        log.warning("rate limit %s not checked: %s", group, exc)
        return None
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, usage["time_left"])


def too_many_requests(seconds: int) -> JsonResponse:
    response = JsonResponse({"ok": False, "error": MESSAGE}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def rate_limited(*, group: str, methods: set[str] | None = None):
    """Decorates a view function or a view method (the request is its first argument that
    has META) so that it answers 429 once the client is over the group's rate; with `methods`,
    only requests of those methods count and may be refused."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = next(a for a in args if hasattr(a, "META"))
            if methods is not None and request.method not in methods:
                return view(*args, **kwargs)
            seconds = retry_after(request, group=group)
            if seconds is not None:
                return too_many_requests(seconds)
            return view(*args, **kwargs)

        return wrapper

    return decorate
