"""Rows written straight into the database, as the indexer and publication write them: for the
tests that need an index without a chain, and for the benchmarks' bulk fills (bench/*_fill.py),
where playing every deal on a chain would take hours."""

from datetime import datetime

from eth_keys import keys
from eth_utils import keccak

from marketplace.chain.orders import order_hash
from marketplace.models import Block
from orderbook.models import Order
from orderbook.parsing import order_parse
from orderbook.services import order_columns


def hex32(label: str) -> str:
    """A bytes32 value derived from a label: distinct labels, distinct values."""
    return "0x" + keccak(text=label).hex()


def block_row(*, chain_id: int, number: int, timestamp: datetime) -> Block:
    """Block `number` of chain `chain_id`, unsaved. Its hash depends on both, so that blocks made
    one at a time still name their parent's hash."""
    return Block(
        chain_id=chain_id,
        number=number,
        hash=hex32(f"block-{chain_id}-{number}"),
        parent_hash=hex32(f"block-{chain_id}-{number - 1}"),
        timestamp=timestamp,
    )


def signed_order_row(
    *, kind: str, raw: dict, key: keys.PrivateKey, domain: dict, published_at: datetime
) -> Order:
    """An open order published through the API, unsaved: `raw` (without its signature) parsed,
    hashed and signed by `key` as a wallet signs it."""
    digest = order_hash(kind=kind, order=raw, domain=domain)
    # The digest is at hand: signed as is, not encoded and hashed again as order_sign would.
    signature = key.sign_msg_hash(bytes.fromhex(digest[2:])).to_bytes()
    sign = "0x" + (signature[:64] + bytes([signature[64] + 27])).hex()
    order = order_parse(kind=kind, data={**raw, "sign": sign})
    return Order(
        chain_id=domain["chainId"],
        kind=kind,
        order_hash=digest,
        signer=key.public_key.to_checksum_address(),
        status=Order.OPEN,
        source=Order.API,
        order=order,
        remaining=order["volume"],
        publication_timestamp=published_at,
        **order_columns(kind=kind, order=order),
    )
