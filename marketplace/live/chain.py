"""Live events for what the pages show of the chain: new blocks, tasks and accounts.

An indexer hook (settings.INDEXER_HOOKS) that reads nothing from the node: it writes inside the
batch's transaction so the events commit with the rows they announce. During a backfill nobody
watches: only batches near the head, and rollbacks, are announced. Orders and deals are
announced by orderbook.follow.
"""

from marketplace.indexer.hooks import BatchContext, Hook
from marketplace.live.events import live_event_add
from marketplace.models import Task


def _announce(ctx: BatchContext, _prepared: None):
    if not (ctx.near_head or ctx.rollback):
        return
    live_event_add(
        chain_id=ctx.chain_id,
        topic="blocks",
        name="block_rolled_back" if ctx.rollback else "block_indexed",
        key=str(ctx.block_number),
        payload={"blockNumber": ctx.block_number, "head": ctx.head},
    )
    tasks = Task.objects.filter(chain_id=ctx.chain_id, taskid__in=list(ctx.changes.tasks))
    seen = set()
    for taskid, dealid, status in tasks.values_list("taskid", "deal__dealid", "status"):
        seen.add(taskid)
        live_event_add(
            chain_id=ctx.chain_id,
            topic="tasks",
            name="task_updated",
            key=taskid,
            payload={"taskid": taskid, "dealid": dealid, "status": Task.STATUSES[status]},
        )
    for taskid in set(ctx.changes.tasks) - seen:  # undone by a rollback
        live_event_add(
            chain_id=ctx.chain_id,
            topic="tasks",
            name="task_removed",
            key=taskid,
            payload={"taskid": taskid},
        )
    for address in ctx.changes.accounts:
        live_event_add(
            chain_id=ctx.chain_id,
            topic="accounts",
            name="account_updated",
            key=address,
            payload={"address": address},
        )


chain_announce = Hook(write=_announce)
