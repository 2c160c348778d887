"""Undoes the blocks of an abandoned fork: find the common ancestor, cascade, re-read survivors.

Rows created by the fork's events go with their blocks (on_delete=CASCADE); rows those events
only updated are read again from the chain at the ancestor block, so the database ends up as a
fresh index of the new chain would have it.
"""

import logging

from django.db import transaction

from marketplace.chain.reader import Reader
from marketplace.indexer.changes import changes_from_events
from marketplace.indexer.events import WORKERPOOL
from marketplace.indexer.fetch import Fetcher
from marketplace.indexer.hooks import BatchContext, hooks_prepare, hooks_write
from marketplace.indexer.states import States, states_read
from marketplace.indexer.store import (
    ASSET_MODELS,
    account_fields,
    asset_fields,
    contribution_fields,
    task_fields,
)
from marketplace.indexer.stored import stored_event_decode
from marketplace.models import Account, Block, Contribution, IndexerCursor, RawEvent, Task

log = logging.getLogger(__name__)
WINDOW = 64


def common_ancestor(*, chain_id: int, fetcher: Fetcher) -> Block | None:
    """The highest stored block still on the node's chain, or None when none is."""
    stored = Block.objects.filter(chain_id=chain_id).order_by("-number")
    offset = 0
    while True:
        window = list(stored[offset : offset + WINDOW])
        if not window:
            return None
        on_chain = fetcher.block_hashes([b.number for b in window])
        for block in window:
            if on_chain[block.number] == block.hash:
                return block
        offset += WINDOW


def _stored_events(chain_id: int, after: int, fetcher: Fetcher):
    rows = RawEvent.objects.filter(chain_id=chain_id, block__number__gt=after).select_related(
        "block"
    )
    for row in rows.order_by("block__number", "log_index").iterator():
        yield stored_event_decode(
            row, emitter=fetcher.emitters.get(row.address.lower(), WORKERPOOL)
        )


def rollback(*, chain_id: int, hub: str, fetcher: Fetcher, reader: Reader, start_block: int) -> int:
    """Roll back to the common ancestor; returns its number (the new cursor).

    Everything read from the node (the ancestor, the survivors' state, the hooks' reads) is read
    before the write transaction. Only the indexer writes these rows, so what is read of them
    before it still holds inside."""
    ancestor = common_ancestor(chain_id=chain_id, fetcher=fetcher)
    number = ancestor.number if ancestor else start_block - 1
    at = {"blockHash": ancestor.hash} if ancestor else "latest"
    events = list(_stored_events(chain_id, number, fetcher))
    changes = changes_from_events(events=events, hub=hub)
    survivors = _survivors_read(chain_id, reader, changes, at, number)
    context = BatchContext(
        chain_id=chain_id,
        hub=hub,
        events=events,
        changes=changes,
        reader=reader,
        block=at,
        rollback=True,
        block_number=number,
        head=number,
    )
    prepared = hooks_prepare(context)
    with transaction.atomic():
        Block.objects.filter(chain_id=chain_id, number__gt=number).delete()
        _survivors_write(chain_id, survivors)
        hooks_write(context, prepared)
        IndexerCursor.objects.filter(chain_id=chain_id).update(
            block_number=number, block_hash=ancestor.hash if ancestor else ""
        )
    log.warning("reorg: rolled back to block %s (%s events undone)", number, len(events))
    return number


def _survivors_read(chain_id: int, reader: Reader, changes, at, number: int) -> States:
    """The state at `at` of the rows the fork's events touched that outlive its blocks."""
    kept = {"chain_id": chain_id, "block__number__lte": number}
    assets = [
        (kind, address)
        for kind, address in changes.assets
        if ASSET_MODELS[kind].objects.filter(address=address, **kept).exists()
    ]
    tasks = list(
        Task.objects.filter(taskid__in=list(changes.tasks), **kept).values_list("taskid", flat=True)
    )
    accounts = list(
        Account.objects.filter(address__in=list(changes.accounts), **kept).values_list(
            "address", flat=True
        )
    )
    return states_read(
        reader=reader,
        changes=changes,
        block=at,
        assets=assets,
        deals=[],
        tasks=tasks,
        accounts=accounts,
    )


def _survivors_write(chain_id: int, states: States):
    for (kind, address), state in states.assets.items():
        ASSET_MODELS[kind].objects.filter(chain_id=chain_id, address=address).update(
            **asset_fields(kind, state)
        )
    for taskid, view in states.tasks.items():
        Task.objects.filter(chain_id=chain_id, taskid=taskid).update(**task_fields(view))
    for (taskid, worker), view in states.contributions.items():
        Contribution.objects.filter(
            task__chain_id=chain_id, task__taskid=taskid, worker=worker
        ).update(**contribution_fields(view))
    for address, view in states.accounts.items():
        Account.objects.filter(chain_id=chain_id, address=address).update(**account_fields(view))
