"""The channel layer of the embedded default (no Redis): live events cross processes through
the LiveEvent table.

Writers (web server, indexer, Celery) write each event's row in the transaction of the change it
announces; the committed row is the message (writers see `tails_live_events` and send nothing
more, and a group_send to a live group is left to the tail). Each ASGI process tails the table,
from the first live group_add on, every TAIL_INTERVAL seconds, and puts each new row on the
queues of its own members of the event's group; a group_add returns once the tail knows where
the table ends. Other groups and channels stay within the process.

Unlike channels' InMemoryChannelLayer, whose every receive scans all channels for expired
messages and whose every send deep-copies the message, a delivery here costs one queue put per
member: with hundreds of sockets on a feed the in-memory layer took longer per event than the
poll. Members share one message, which they must not change. A channel leaves its groups when
its receiver is cancelled (the consumer is gone), so nothing needs to expire.
"""

import asyncio
import logging
import uuid
from collections import defaultdict

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.layers import BaseChannelLayer
from django.db import DatabaseError

from marketplace.live.events import group_is_live, group_name, live_message
from marketplace.models import LiveEvent

log = logging.getLogger(__name__)
TAIL_INTERVAL = 0.02
TAIL_BATCH = 500


@database_sync_to_async
def _last_id() -> int:
    return LiveEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@database_sync_to_async
def _after(last: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(id__gt=last).order_by("id")[:TAIL_BATCH])


class TableChannelLayer(BaseChannelLayer):
    extensions = ["groups", "flush"]
    tails_live_events = True  # marketplace.live.events

    def __init__(self, *, capacity: int = 1000, **kwargs):
        super().__init__(capacity=capacity, **kwargs)
        self._queues: dict[str, asyncio.Queue] = {}
        self._groups: dict[str, set[str]] = defaultdict(set)
        self._tail: asyncio.Task | None = None

    def _queue(self, channel: str) -> asyncio.Queue:
        if channel not in self._queues:
            self._queues[channel] = asyncio.Queue(maxsize=self.get_capacity(channel))
        return self._queues[channel]

    async def send(self, channel, message):
        self.require_valid_channel_name(channel)
        try:
            self._queue(channel).put_nowait(message)
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None

    async def receive(self, channel):
        self.require_valid_channel_name(channel)
        try:
            return await self._queue(channel).get()
        except asyncio.CancelledError:
            self._forget(channel)
            raise

    async def new_channel(self, prefix="specific"):
        return f"{prefix}.table!{uuid.uuid4().hex}"

    async def group_add(self, group, channel):
        self.require_valid_group_name(group)
        self.require_valid_channel_name(channel)
        self._groups[group].add(channel)
        if group_is_live(group):
            await self._tail_ensure()

    async def group_discard(self, group, channel):
        self.require_valid_group_name(group)
        members = self._groups.get(group)
        if members is not None:
            members.discard(channel)
            if not members:
                del self._groups[group]

    async def group_send(self, group, message):
        self.require_valid_group_name(group)
        if not group_is_live(group):  # a live event is already its row: the tails deliver it
            self._deliver(group, message)

    async def flush(self):
        if self._tail is not None:
            self._tail.cancel()
            self._tail = None
        self._queues.clear()
        self._groups.clear()

    def _deliver(self, group: str, message: dict):
        for channel in list(self._groups.get(group, ())):
            try:
                self._queue(channel).put_nowait(message)
            except asyncio.QueueFull:  # a socket that stopped reading: the others go on
                log.warning("live: channel %s is full, an event to %s is dropped", channel, group)

    def _forget(self, channel: str):
        self._queues.pop(channel, None)
        for group in [g for g, members in self._groups.items() if channel in members]:
            self._groups[group].discard(channel)
            if not self._groups[group]:
                del self._groups[group]

    def _tail_running(self, loop) -> bool:
        return self._tail is not None and not self._tail.done() and self._tail.get_loop() is loop

    async def _tail_ensure(self):
        """Start the tail where the table ends now: every event committed once this returns
        reaches the group's members."""
        loop = asyncio.get_running_loop()
        if self._tail_running(loop):
            return
        last = await _last_id()
        if not self._tail_running(loop):  # no other group_add started it meanwhile
            self._tail = loop.create_task(self._tail_events(last))

    async def _tail_events(self, last: int):
        while True:
            try:
                events = await _after(last)
            except DatabaseError:  # the database may be restarting: keep tailing
                log.exception("live: reading events failed")
                await asyncio.sleep(1)
                continue
            for event in events:
                group = group_name(chain_id=event.chain_id, topic=event.topic)
                self._deliver(group, live_message(event))
                last = event.id
            if len(events) < TAIL_BATCH:
                await asyncio.sleep(TAIL_INTERVAL)
