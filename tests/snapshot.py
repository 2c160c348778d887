"""Everything the indexer derives from the chain, as plain sorted rows without surrogate keys.

Two databases (or one database at two moments) hold the same index exactly when their
snapshots are equal; the resilience tests compare a survivor of reorgs and crashes this way
against a fresh index of the same chain. The orderbook follows the chain too: orders that came
from it (presigned, broadcast) and every order's remaining and status are part of the index.
"""

from marketplace.models import (
    Account,
    App,
    AssetTransfer,
    Block,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    RawEvent,
    Task,
    Workerpool,
)
from orderbook.models import Order

SKIP = {"id", "block", "deal", "task", "updated_at", "head_number"}
ORDER_FIELDS = [
    "chain_id", "kind", "order_hash", "signer", "status", "dead_reason", "source", "order",
    "volume", "remaining", "price", "publication_timestamp",
]  # fmt: skip


def _rows(model, extra: dict) -> list[tuple]:
    fields = [f.attname for f in model._meta.concrete_fields if f.name not in SKIP]
    if "block_id" in fields:
        fields.remove("block_id")
    queryset = model.objects.values_list(*fields, *extra.values())
    return sorted(tuple(str(v) for v in row) for row in queryset)


def index_snapshot() -> dict[str, list[tuple]]:
    on_block = {"block_number": "block__number", "block_hash": "block__hash"}
    return {
        "block": _rows(Block, {}),
        "cursor": _rows(IndexerCursor, {}),
        "rawevent": _rows(RawEvent, on_block),
        "category": _rows(Category, on_block),
        "app": _rows(App, on_block),
        "dataset": _rows(Dataset, on_block),
        "workerpool": _rows(Workerpool, on_block),
        "assettransfer": _rows(AssetTransfer, on_block),
        "deal": _rows(Deal, on_block),
        "task": _rows(Task, {**on_block, "dealid": "deal__dealid"}),
        "contribution": _rows(Contribution, {**on_block, "taskid": "task__taskid"}),
        "account": _rows(Account, on_block),
        "order": sorted(
            tuple(str(v) for v in row) for row in Order.objects.values_list(*ORDER_FIELDS)
        ),
    }


def index_wipe():
    """Back to before the first block: orders from the chain go, published ones are as new."""
    Block.objects.all().delete()
    IndexerCursor.objects.all().delete()
    Order.objects.exclude(source=Order.API).delete()
    for order in Order.objects.all():
        order.status, order.dead_reason, order.remaining = Order.OPEN, "", order.volume
        order.save(update_fields=["status", "dead_reason", "remaining"])


def snapshot_diff(survivor: dict, fresh: dict) -> str:
    """The rows that differ, table by table: what a failed comparison should show."""
    lines = []
    for table in survivor:
        kept, expected = set(survivor[table]), set(fresh[table])
        lines += [f"{table} only in the survivor: {row}" for row in sorted(kept - expected)]
        lines += [f"{table} only in a fresh index: {row}" for row in sorted(expected - kept)]
    return "\n".join(lines[:40])


def assert_equals_fresh_index(devnet) -> float:
    """The database as the survivor left it equals a fresh index of the same chain; returns
    the seconds the fresh index took."""
    import time

    from django.db import connection

    connection.close()  # the survivor's process may have left the connection unusable
    survivor = index_snapshot()
    index_wipe()
    started = time.monotonic()
    devnet.index()
    seconds = time.monotonic() - started
    fresh = index_snapshot()
    assert fresh == survivor, snapshot_diff(survivor, fresh)
    return seconds
