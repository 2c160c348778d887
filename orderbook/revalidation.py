"""The periodic safety net: re-check all open orders against the chain as it is now.

The indexer hook follows orders event by event; this catches whatever an event cannot tell
(an order published while the indexer was behind, a node that answered wrongly for a while).
"""

import logging

from django.db import transaction

from marketplace.chain.protocol import ASSET_OF_KIND
from marketplace.models import IndexerCursor
from orderbook import facts
from orderbook.follow import consumed_read, orders_revalidate
from orderbook.models import Order

log = logging.getLogger(__name__)
CHUNK = 200


def open_orders_revalidate() -> int:
    chain_id = facts.chain_id()
    # Consumed volumes are read where the index is, not at the head: a fill or a close the
    # indexer has not stored yet is its to apply, with its event (read ahead of the index, a
    # closed order would look filled, and the indexer only follows open orders).
    cursor = IndexerCursor.objects.filter(chain_id=chain_id).only("block_hash").first()
    block = {"blockHash": cursor.block_hash} if cursor and cursor.block_hash else "latest"
    changed = 0
    last = 0
    while True:
        chunk = list(
            Order.objects.filter(chain_id=chain_id, status=Order.OPEN, id__gt=last).order_by("id")[
                :CHUNK
            ]
        )
        if not chunk:
            break
        last = chunk[-1].id
        owners = {}
        for kind, asset in ASSET_OF_KIND.items():
            addresses = list({getattr(o, asset) for o in chunk if o.kind == kind})
            if addresses:
                found = facts.assets_owner(chain=chain_id, kind=asset, addresses=addresses)
                owners.update({a: f.owner for a, f in found.items() if f.owner})
        stakes = facts.stakes(chain=chain_id, addresses=[o.signer for o in chunk])
        consumed = consumed_read(
            reader=facts.chain_reader(), block=block, hashes={o.order_hash for o in chunk}
        )
        with transaction.atomic():  # no round trip to the node while it holds the write lock
            changed += len(
                orders_revalidate(
                    chain_id=chain_id,
                    orders=chunk,
                    consumed=consumed,
                    revive=False,
                    owners=owners,
                    stakes=stakes,
                )
            )
    log.info("revalidated open orders: %s changed", changed)
    return changed
