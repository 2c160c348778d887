"""What public providers answer when a request exceeds their limits, told from other errors.

Providers word these differently (and reuse codes: -32005 is a rate limit on one, a result cap
on another), so the messages are matched, lowercased, on the words they are known to use.
"""

RATE_PHRASES = ("rate limit", "rate exceeded", "too many requests", "request limit", "capacity")
# A result cap is often worded with the block range that would pass, so it is told first.
LOGS_COUNT_PHRASES = ("result", "response size", "too many logs")
LOGS_RANGE_PHRASES = ("range", "blocks at once")
MISSING_STATE_PHRASES = (
    "missing trie node",
    "header not found",
    "unknown block",
    "pruned",
    "state not available",
    "state is not available",
    "historical state",
)


def _has(message: str, phrases: tuple[str, ...]) -> bool:
    lowered = message.lower()
    return any(phrase in lowered for phrase in phrases)


def batch_refused(message: str) -> bool:
    """A batch refused for its size, or batches not served at all."""
    return _has(message, ("batch",))


def rate_limited(*, code, message: str) -> bool:
    return code == 429 or (_has(message, RATE_PHRASES) and not batch_refused(message))


def logs_refused(message: str) -> str | None:
    """Why an eth_getLogs was refused: "count" (too many logs), "range" (too many blocks), or
    None when it is not a limit."""
    if _has(message, LOGS_COUNT_PHRASES):
        return "count"
    if _has(message, LOGS_RANGE_PHRASES):
        return "range"
    return None


def missing_state(message: str) -> bool:
    """A node without the state of an old block (not an archive node)."""
    return _has(message, MISSING_STATE_PHRASES)
