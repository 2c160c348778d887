"""Tells API clients how current the data is: X-Index-* headers on every API response.

The read API (/api/v1/) and the market API answer from the database, so they keep answering
while the node or the indexer is down; these headers say when what they serve has gone stale:

    X-Index-Block  the last indexed block        X-Index-Head  the head the indexer last saw
    X-Index-Lag    blocks between the two        X-Index-Age   seconds since the indexer checked
    X-Index-Stale  true or false (see marketplace.selectors.status.index_staleness)
"""

import logging
import re

from django.conf import settings
from django.db import DatabaseError

from marketplace.selectors.status import index_staleness

log = logging.getLogger(__name__)
INT64_MAX = 2**63 - 1
HEADERS = ["X-Index-Block", "X-Index-Head", "X-Index-Lag", "X-Index-Age", "X-Index-Stale"]


def _chain_of(request) -> int | None:
    value = request.GET.get("chainId", "")
    if value.isascii() and value.isdigit() and int(value) <= INT64_MAX:
        return int(value)
    return None


def _headers(request) -> dict[str, str]:
    status = index_staleness(chain_id=_chain_of(request))
    if status.last_block is None:
        return {"X-Index-Stale": "true"}
    return {
        "X-Index-Block": str(status.last_block),
        "X-Index-Head": str(status.head),
        "X-Index-Lag": str(status.lag_blocks),
        "X-Index-Age": f"{status.age_seconds:.1f}",
        "X-Index-Stale": "true" if status.stale else "false",
    }


class IndexHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The market API's routes are exactly those CORS opens to every origin.
        self.market_api = re.compile(settings.CORS_URLS_REGEX)

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/v1/") or self.market_api.match(request.path):
            try:
                for name, value in _headers(request).items():
                    response[name] = value
            except DatabaseError as exc:  # the answer itself says what failed; keep it
                log.warning("index headers left out: %s", exc)
        return response
