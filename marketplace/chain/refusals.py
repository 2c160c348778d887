"""What public providers answer when a request exceeds their limits, told from other errors.

Providers word these differently (and reuse codes: -32005 is a rate limit on one, a result cap
on another), so the messages are matched, lowercased, on the phrases they are known to use.
"""

BATCH_PHRASES = ("batch",)
RATE_PHRASES = ("rate limit", "too many requests", "exceeded the rate", "request limit", "capacity")
LOGS_RANGE_PHRASES = ("block range", "range too large", "range is too large", "maximum block range")
LOGS_COUNT_PHRASES = ("more than", "response size", "too many results", "results exceed")
MISSING_STATE_PHRASES = ("missing trie node", "header not found", "state not available",
                         "historical state", "pruned")  # fmt: skip


def _has(message: str, phrases: tuple[str, ...]) -> bool:
    lowered = message.lower()
    return any(phrase in lowered for phrase in phrases)


def batch_refused(message: str) -> bool:
    """A batch refused for its size, or batches not served at all."""
    return _has(message, BATCH_PHRASES)


def rate_limited(*, code, message: str) -> bool:
    return code == 429 or (_has(message, RATE_PHRASES) and not batch_refused(message))


def logs_refused(message: str) -> str | None:
    """Why an eth_getLogs was refused: "range" (too many blocks), "count" (too many logs), or
    None when it is not a limit."""
    if _has(message, LOGS_RANGE_PHRASES):
        return "range"
    if _has(message, LOGS_COUNT_PHRASES):
        return "count"
    return None


def missing_state(message: str) -> bool:
    """A node without the state of an old block (not an archive node)."""
    return _has(message, MISSING_STATE_PHRASES)
