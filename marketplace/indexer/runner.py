"""The indexing loop: bounded ranges from the cursor to the head, reorg checks, retries.

Called by `manage.py index` (and the benchmarks). One step reads one range and stores it; any
failure of the node or the database leaves the cursor where it was, so a retry loses nothing and
stores nothing twice.
"""

import logging
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

from django.db import DatabaseError, close_old_connections, connection

from marketplace.chain.abi_codec import checksum
from marketplace.chain.answers import MalformedAnswer, quantity
from marketplace.chain.node import node_client
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcError, RpcUnavailable
from marketplace.indexer.changes import changes_from_events
from marketplace.indexer.fetch import Fetcher, Inconsistent, RangeRefused, ReorgDetected
from marketplace.indexer.hooks import BatchContext, hooks_prepare
from marketplace.indexer.lock import indexer_lock
from marketplace.indexer.ranges import TARGET_EVENTS, first_range_blocks, next_range_blocks
from marketplace.indexer.rollback import rollback
from marketplace.indexer.states import states_read
from marketplace.indexer.store import batch_store, cursor_heartbeat
from marketplace.models import IndexerCursor, Workerpool

log = logging.getLogger(__name__)
MAX_BACKOFF = 30.0
# At the head the cursor row is touched at most this often: enough for staleness, few writes.
HEARTBEAT_SECONDS = 1.0

# Retried: the node failing or answering garbage (nothing of a range is stored unless all of it
# decoded), the database away. Anything else is a bug: it stops the indexer with its traceback
# (and `index --follow` exits non-zero, for its supervisor to restart it).
RETRIED = (RpcUnavailable, RpcError, MalformedAnswer, Inconsistent, DatabaseError)


class HubMismatch(Exception):
    pass


@dataclass
class Progress:
    cursor: int
    target: int
    first: int
    events: int
    blocks: int
    elapsed: float


class Indexer:
    def __init__(
        self,
        *,
        rpc_url: str,
        hub: str,
        start_block: int = 0,
        confirmations: int = 0,
        max_batch_blocks: int = 2000,
        timeout: float = 30,
    ):
        self.rpc = node_client(url=rpc_url, timeout=timeout)
        self.hub = checksum(hub)
        self.start_block = start_block
        self.confirmations = confirmations
        self.max_batch_blocks = max_batch_blocks
        self.batch_blocks = first_range_blocks(maximum=max_batch_blocks)
        self.target_events = TARGET_EVENTS
        self.reader = Reader(self.rpc, self.hub)
        # Both learnt from the node by connect(), before anything else reads them.
        self.chain_id: int
        self.fetcher: Fetcher
        self.events = 0
        self.blocks = 0
        self.heartbeat_at = 0.0

    def connect(self):
        """Learn the chain id and the registries from the node: nothing is assumed."""
        self.chain_id = quantity(self.rpc.call("eth_chainId"))
        code = self.rpc.call("eth_getCode", [self.hub, "latest"])
        if code in ("0x", "0x0", None):
            raise HubMismatch(f"no contract at HUB_ADDRESS {self.hub} on chain {self.chain_id}")
        self.fetcher = Fetcher(rpc=self.rpc, hub=self.hub, registries=self.reader.registries())
        cursor = IndexerCursor.objects.filter(chain_id=self.chain_id).first()
        if cursor and cursor.hub != self.hub:
            raise HubMismatch(
                f"this database indexes hub {cursor.hub} on chain {self.chain_id}, "
                f"not {self.hub}: use another database"
            )

    def cursor(self) -> tuple[int, str | None]:
        row = IndexerCursor.objects.filter(chain_id=self.chain_id).first()
        return (row.block_number, row.block_hash) if row else (self.start_block - 1, None)

    def _workerpools(self) -> list[str]:
        return list(
            Workerpool.objects.filter(chain_id=self.chain_id).values_list("address", flat=True)
        )

    def _narrow(self, refused: RangeRefused) -> None:
        """A shorter range after the provider refused one. A range cap is learnt for good;
        a result cap lowers the events a range aims at, as it depends on the chain's density."""
        if refused.blocks <= 1:
            raise refused.error  # one block is as short as a range gets: a node fault
        self.batch_blocks = max(1, refused.blocks // 2)
        if refused.reason == "range":
            self.max_batch_blocks = min(self.max_batch_blocks, self.batch_blocks)
        else:
            self.target_events = max(1, self.target_events // 2)
        log.info(
            "indexer: the node refused %d blocks (%s): ranges of %d blocks, about %d events",
            refused.blocks, refused.reason, self.batch_blocks, self.target_events,
        )  # fmt: skip

    def _rollback(self) -> None:
        rollback(
            chain_id=self.chain_id,
            hub=self.hub,
            fetcher=self.fetcher,
            reader=self.reader,
            start_block=self.start_block,
        )

    def step(self) -> tuple[bool, int, int]:
        """Index one range. Returns (more to do, cursor, target)."""
        head = self.fetcher.head()
        target = head - self.confirmations
        number, block_hash = self.cursor()
        if number >= target:
            if block_hash and self.fetcher.block_hashes([number])[number] != block_hash:
                self._rollback()
                return True, number, target
            self._heartbeat(head)
            return False, number, target
        end = min(number + self.batch_blocks, target)
        parent = (number, block_hash) if block_hash else None
        try:
            batch = self.fetcher.fetch(
                start=number + 1, end=end, parent=parent, workerpools=self._workerpools()
            )
        except ReorgDetected:
            self._rollback()
            return True, number, target
        except RangeRefused as refused:
            self._narrow(refused)
            return True, number, target
        end = batch.end  # a range too busy is cut short
        changes = changes_from_events(events=batch.events, hub=self.hub)
        block = {"blockHash": batch.end_header.hash}
        states = states_read(reader=self.reader, changes=changes, block=block)
        context = BatchContext(
            chain_id=self.chain_id,
            hub=self.hub,
            events=batch.events,
            changes=changes,
            reader=self.reader,
            block=block,
            rollback=False,
            block_number=end,
            head=head,
        )
        batch_store(context=context, batch=batch, states=states, prepared=hooks_prepare(context))
        self.events += len(batch.events)
        self.blocks += end - number
        self.batch_blocks = next_range_blocks(
            current=self.batch_blocks,
            events=len(batch.events),
            blocks=end - number,
            maximum=self.max_batch_blocks,
            target=self.target_events,
        )
        return end < target, end, target

    def _heartbeat(self, head: int):
        now = time.monotonic()
        if now - self.heartbeat_at >= HEARTBEAT_SECONDS:
            cursor_heartbeat(chain_id=self.chain_id, head=head)
            self.heartbeat_at = now

    def run(
        self,
        *,
        follow: bool,
        poll_seconds: float = 1.0,
        give_up_after: float = 120.0,
        stop: threading.Event | None = None,
        on_progress=None,
    ) -> None:
        stop = stop or threading.Event()
        started = time.monotonic()
        failing_since = None
        failures = 0
        first = None
        locked = False
        with ExitStack() as held:
            while not stop.is_set():
                try:
                    if not locked:
                        self.connect()
                        held.enter_context(indexer_lock(chain_id=self.chain_id))
                        locked = True
                    if first is None:
                        first = self.cursor()[0]
                    more, cursor, target = self.step()
                    failures, failing_since = 0, None
                except RETRIED as exc:
                    failing_since = failing_since or time.monotonic()
                    if not follow and time.monotonic() - failing_since > give_up_after:
                        raise
                    delay = min(MAX_BACKOFF, 0.25 * 2**failures)
                    failures += 1
                    log.warning(
                        "indexer: %s; retrying in %.1fs",
                        f"malformed answer: {exc}" if isinstance(exc, MalformedAnswer) else exc,
                        delay,
                    )
                    if isinstance(exc, DatabaseError):
                        connection.close()
                        close_old_connections()
                    stop.wait(delay)
                    continue
                if on_progress:
                    on_progress(
                        Progress(
                            cursor=cursor,
                            target=target,
                            first=first,
                            events=self.events,
                            blocks=self.blocks,
                            elapsed=time.monotonic() - started,
                        )
                    )
                if not more:
                    if not follow:
                        break
                    stop.wait(poll_seconds)
