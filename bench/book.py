"""The shape of the orderbook the read benchmark fills: who sells what, by a deterministic index.

Kept free of Django so that the harness (which runs no Django) and the filling process
(bench.book_fill) agree on the assets to query.
"""

from eth_utils import keccak, to_checksum_address

from marketplace.chain.protocol import ORDER_KINDS

# The market API's own limit of open orders per signer and type: a realistic book has at
# most this many open orders on one asset of one owner.
PER_ASSET = 50


def asset_address(kind: str, number: int) -> str:
    return to_checksum_address(keccak(f"bench-book-{kind}-{number}".encode())[-20:])


def owner_key(kind: str, number: int) -> bytes:
    return keccak(f"bench-book-owner-{kind}-{number}".encode())


def assets_per_kind(orders: int) -> int:
    return max(1, orders // len(ORDER_KINDS) // PER_ASSET)
