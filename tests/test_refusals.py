"""Providers' refusals, as they word them, told apart from other errors."""

import pytest

from marketplace.chain.refusals import batch_refused, logs_refused, missing_state, rate_limited


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("query returned more than 10000 results", "count"),
        (
            "Log response size exceeded. You can make eth_getLogs requests with up to a 2K block "
            "range and no limit on the response size",
            "count",
        ),
        ("query exceeds max results 20000", "count"),
        ("block range too large", "range"),
        ("exceed maximum block range: 500", "range"),
        ("Exceeded max range limit for eth_getLogs: 800", "range"),
        ("eth_getLogs is limited to a 10,000 range", "range"),
        ("You cannot query logs for more than 10000 blocks at once", "range"),
        ("execution reverted", None),
        ("header not found", None),
    ],
)
def test_log_query_refusals(message, reason):
    assert logs_refused(message) == reason


def test_rate_batch_and_history_refusals():
    assert rate_limited(code=-32005, message="project ID request rate exceeded")
    assert rate_limited(code=429, message="")
    assert rate_limited(code=-32000, message="exceeded its compute units per second capacity")
    assert not rate_limited(code=-32005, message="query returned more than 10000 results")
    assert not rate_limited(code=-32600, message="too many requests in batch: max 10")
    assert batch_refused("batch size too large, max 10")
    assert batch_refused("Batch requests are not supported")
    assert missing_state("missing trie node 8d... (path )")
    assert missing_state("header not found")
    assert not missing_state("execution reverted")
