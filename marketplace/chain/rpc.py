"""A small JSON-RPC client: single calls and batches over one kept-alive HTTP connection.

The indexer and the view readers use it instead of web3's provider because batching and raw
results are what make indexing fast; web3's formatting costs ~10x on eth_getLogs.

It keeps within a provider's limits: at most `max_batch` calls per batch (1: single calls),
halved and remembered when the provider refuses a batch; at most `max_rps` calls per second
per process (chain/pacing.py); a 429 waits its Retry-After. Dropped connections and cut bodies
are sent again a few times before the node is called unavailable.
"""

import itertools
import json
import logging
import time

import requests

from marketplace.chain.answers import fields
from marketplace.chain.pacing import TokenBucket, bucket
from marketplace.chain.refusals import batch_refused, rate_limited

log = logging.getLogger(__name__)

# A provider over its rate is waited for this many times before the node is called unavailable.
RATE_ATTEMPTS = 6
# Sends of one request cut short by the network (or a proxy) before giving up on it.
TRANSPORT_ATTEMPTS = 3
MAX_RETRY_AFTER = 30.0
# How providers refuse a batch over HTTP; a 401 or 403 (a wrong key) is not cured by splitting.
BATCH_REFUSALS = (400, 413, 422)


class RpcUnavailable(Exception):
    """The node cannot be reached or answered something that is not JSON-RPC: try again later."""


class RpcError(Exception):
    """The node answered with a JSON-RPC error for a request."""

    def __init__(self, method: str, error: dict):
        self.method = method
        self.code = error.get("code")
        self.message = str(error.get("message", error))
        self.data = error.get("data")
        super().__init__(f"{method}: {self.message}")


class BatchRefused(Exception):
    """The provider would not take a batch this large (or any batch)."""


class _RateLimited(Exception):
    def __init__(self, wait: float):
        self.wait = wait


def _retry_after(response: requests.Response) -> float:
    """Retry-After in seconds; its HTTP-date form (rare on JSON-RPC) is read as one second."""
    try:
        return min(MAX_RETRY_AFTER, max(0.0, float(response.headers.get("Retry-After", 1))))
    except ValueError:
        return 1.0


def _limited(answer) -> bool:
    """A JSON-RPC answer (or batch answer) saying the caller is over the provider's rate."""
    items = answer if isinstance(answer, list) else [answer]
    for item in items:
        error = item.get("error") if isinstance(item, dict) else None
        if isinstance(error, dict) and rate_limited(
            code=error.get("code"), message=str(error.get("message", ""))
        ):
            return True
    return False


class RpcClient:
    def __init__(self, url: str, *, timeout: float = 30, max_batch: int = 200, max_rps: float = 0):
        self.url = url
        self.timeout = timeout
        self.max_batch = max(1, max_batch)
        self._bucket: TokenBucket | None = bucket(url=url, rate=max_rps) if max_rps else None
        self._session = requests.Session()
        self._ids = itertools.count(1)

    def _post(self, payload, *, calls: int):
        """The decoded answer to `payload` (`calls` calls, as the rate counts them)."""
        for attempt in itertools.count(1):
            try:
                return self._send(payload, calls=calls)
            except _RateLimited as limited:
                if attempt == RATE_ATTEMPTS:
                    raise RpcUnavailable(f"{self.url}: over the provider's rate") from None
                log.info("node over its rate: waiting %.1fs", limited.wait)
                time.sleep(limited.wait)

    def _send(self, payload, *, calls: int):
        body = json.dumps(payload)
        for attempt in itertools.count(1):
            if self._bucket:
                self._bucket.take(calls)
            try:
                response = self._session.post(
                    self.url,
                    data=body,
                    headers={"Content-Type": "application/json"},
                    timeout=self.timeout,
                )
                status = response.status_code
                if status == 429:
                    raise _RateLimited(_retry_after(response))
                if status >= 500 or status == 408:
                    raise RpcUnavailable(f"{self.url}: HTTP {status}")
                if status in BATCH_REFUSALS and isinstance(payload, list):
                    raise BatchRefused(f"HTTP {status}")
                answer = response.json()
            except requests.Timeout as exc:
                raise RpcUnavailable(f"{self.url}: {exc.__class__.__name__}: {exc}") from exc
            except (requests.RequestException, ValueError) as exc:
                # A dropped connection, or a body cut short so that it no longer parses.
                if attempt == TRANSPORT_ATTEMPTS:
                    raise RpcUnavailable(f"{self.url}: {exc.__class__.__name__}: {exc}") from exc
                time.sleep(0.1 * attempt)
                continue
            if _limited(answer):
                raise _RateLimited(1.0)
            return answer

    def wait_ready(self, *, timeout: float = 60) -> int:
        """The node's chain id, once it answers (a node loading a saved state takes seconds)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return int(self.call("eth_chainId"), 16)
            except RpcUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)

    def call(self, method: str, params: list | None = None):
        answer = self._post(
            {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []},
            calls=1,
        )
        if not isinstance(answer, dict):
            raise RpcUnavailable(f"{method}: malformed answer")
        if "error" in answer:
            raise RpcError(method, fields(answer["error"]))
        if "result" not in answer:
            raise RpcUnavailable(f"{method}: answer has no result")
        return answer["result"]

    def batch(self, calls: list[tuple[str, list]]) -> list:
        """Results in the order of `calls`; any error raises. Large batches go in chunks."""
        results = []
        start = 0
        while start < len(calls):
            part = calls[start : start + self.max_batch]
            results += self._split(part)
            start += len(part)
        return results

    def _split(self, part: list[tuple[str, list]]) -> list:
        """`part` as one batch, or in halves (remembered) while the provider refuses it."""
        if len(part) == 1:
            return [self.call(*part[0])]
        try:
            return self._batch(part)
        except BatchRefused as exc:
            half = len(part) // 2
            if half < self.max_batch:
                log.warning("node refused a batch of %d (%s): batches of %d", len(part), exc, half)
                self.max_batch = half
            return self._split(part[:half]) + self._split(part[half:])

    def _batch(self, part: list[tuple[str, list]]) -> list:
        first = next(self._ids)
        ids = list(range(first, first + len(part)))
        self._ids = itertools.count(first + len(part))
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": p}
            for i, (m, p) in zip(ids, part, strict=True)
        ]
        answer = self._post(payload, calls=len(part))
        if isinstance(answer, dict) and "error" in answer:
            raise BatchRefused(str(answer["error"])[:200])
        if not isinstance(answer, list):
            raise RpcUnavailable("batch: malformed answer")
        by_id = {item.get("id"): item for item in answer if isinstance(item, dict)}
        results = []
        for i, (method, _params) in zip(ids, part, strict=True):
            item = by_id.get(i)
            if item is None:
                # Some providers answer only the first calls of a batch over their cap.
                raise BatchRefused(f"{method} missing from the answer")
            if "error" in item:
                error = fields(item["error"])
                if batch_refused(str(error.get("message", ""))):
                    raise BatchRefused(str(error.get("message"))[:200])
                raise RpcError(method, error)
            results.append(item.get("result"))
        return results

    def close(self):
        self._session.close()
