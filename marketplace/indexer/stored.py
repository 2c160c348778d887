"""Decoding a stored RawEvent again: the rollback re-derives what a fork touched from them, and
the pages show timelines and ledgers from them."""

from marketplace.indexer.events import HUB, Event, event_decode


def stored_event_decode(row, *, emitter: str = HUB) -> Event:
    """The Event of a RawEvent row (its `block` must be loaded)."""
    return event_decode(
        emitter=emitter,
        log={
            "address": row.address,
            "topics": row.topics,
            "data": row.data,
            "blockNumber": hex(row.block.number),
            "blockHash": row.block.hash,
            "transactionHash": row.tx_hash,
            "logIndex": hex(row.log_index),
        },
    )
