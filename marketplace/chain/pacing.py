"""Calls per second to a node, per process: a token bucket shared by every client of one URL.

Each process (web server, indexer, Celery worker) paces itself alone; a provider's rate is
shared between them, so CHAIN_RPC_MAX_RPS is what one process may use, not the deployment.
"""

import threading
import time


class TokenBucket:
    """`rate` calls per second, with bursts of up to one second's worth. A caller reserves its
    calls at once and sleeps off the debt, so a batch larger than the burst still passes."""

    def __init__(self, *, rate: float):
        self.rate = rate
        self._tokens = rate
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self, calls: int) -> None:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.rate, self._tokens + (now - self._at) * self.rate) - calls
            self._at = now
            debt = -self._tokens / self.rate
        if debt > 0:
            time.sleep(debt)


_buckets: dict[tuple[str, float], TokenBucket] = {}
_buckets_lock = threading.Lock()


def bucket(*, url: str, rate: float) -> TokenBucket:
    """The process's bucket for `url`: clients made apart (indexer, readers) share it."""
    with _buckets_lock:
        return _buckets.setdefault((url, rate), TokenBucket(rate=rate))
