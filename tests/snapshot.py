"""Everything the indexer derives from the chain, as plain sorted rows without surrogate keys.

Two databases (or one database at two moments) hold the same index exactly when their
snapshots are equal; the resilience tests compare a survivor of reorgs and crashes this way
against a fresh index of the same chain.
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

SKIP = {"id", "block", "deal", "task", "updated_at", "head_number"}


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
    }


def index_wipe():
    Block.objects.all().delete()
    IndexerCursor.objects.all().delete()
