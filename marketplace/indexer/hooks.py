"""Lets other apps follow the chain without the indexer knowing their rules.

Each hook in settings.INDEXER_HOOKS is called with a BatchContext inside the transaction that
stores a range (or rolls one back), so what it writes commits or fails with the batch.
"""

from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from marketplace.chain.reader import Reader
from marketplace.indexer.changes import Changes
from marketplace.indexer.events import Event

NEAR_HEAD_BLOCKS = 50


@dataclass
class BatchContext:
    chain_id: int
    hub: str
    events: list[Event]
    changes: Changes
    reader: Reader
    block: dict | str  # where the batch's state was read: the chain as the database now has it
    rollback: bool  # True: `events` are those of an abandoned fork, just undone
    block_number: int  # the last block of the batch, or the common ancestor after a rollback
    head: int  # the node's head when the batch was read

    @property
    def near_head(self) -> bool:
        """Whether someone may be watching: live pages care about the head, not a backfill."""
        return self.head - self.block_number <= NEAR_HEAD_BLOCKS


@cache
def _hooks(paths: tuple[str, ...]):
    return [import_string(p) for p in paths]


def hooks_run(context: BatchContext):
    for hook in _hooks(tuple(settings.INDEXER_HOOKS)):
        hook(context)
