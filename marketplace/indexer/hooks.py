"""Lets other apps follow the chain without the indexer knowing their rules.

Each entry of settings.INDEXER_HOOKS names a Hook. For every range stored (or rolled back) its
`prepare` reads what it needs from the node before the batch's write transaction, so that no
round trip to the node holds the database's write lock (SQLite has one for the whole file);
then its `write`, given what `prepare` returned, runs inside the transaction, so what it writes
commits or fails with the batch.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

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


def _nothing_to_read(_context: BatchContext) -> None:
    return None


@dataclass(frozen=True)
class Hook:
    write: Callable[[BatchContext, Any], None]  # (context, what prepare returned)
    prepare: Callable[[BatchContext], Any] = _nothing_to_read


@cache
def _hooks(paths: tuple[str, ...]) -> list[Hook]:
    return [import_string(p) for p in paths]


def hooks_prepare(context: BatchContext) -> list:
    """What each hook read from the node; outside any transaction."""
    return [hook.prepare(context) for hook in _hooks(tuple(settings.INDEXER_HOOKS))]


def hooks_write(context: BatchContext, prepared: list):
    """Inside the batch's transaction, with what hooks_prepare returned."""
    for hook, read in zip(_hooks(tuple(settings.INDEXER_HOOKS)), prepared, strict=True):
        hook.write(context, read)
