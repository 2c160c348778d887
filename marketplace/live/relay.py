"""Tails the LiveEvent table inside an ASGI process when the channel layer is in-memory.

Started by the first websocket consumer of the process; polls every RELAY_INTERVAL seconds for
rows above the last id it sent and hands each to this process's sockets of its group directly:
the in-memory layer's cost per message grows with its number of channels, so with hundreds of
sockets a broadcast through it took longer than the poll.
"""

import asyncio
import logging
from collections import defaultdict

from channels.db import database_sync_to_async

from marketplace.live.events import event_message, group_name, layer_crosses_processes
from marketplace.models import LiveEvent

log = logging.getLogger(__name__)
RELAY_INTERVAL = 0.02
BATCH = 500
_task: asyncio.Task | None = None
# group name -> this process's consumers in it (objects with an async live_push(event))
_listeners: dict[str, set] = defaultdict(set)


@database_sync_to_async
def _last_id() -> int:
    last = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


@database_sync_to_async
def _after(last: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(id__gt=last).order_by("id")[:BATCH])


async def _push(consumers: list, event: dict):
    for consumer in consumers:
        try:
            await consumer.live_push(event)
        except Exception:  # a socket closing meanwhile: the others still get the event
            log.debug("live relay: a socket refused an event", exc_info=True)


async def _tail():
    last = await _last_id()
    while True:
        try:
            events = await _after(last)
        except Exception:  # the database may be restarting: keep tailing
            log.exception("live relay: reading events failed")
            await asyncio.sleep(1)
            continue
        for event in events:
            group = group_name(chain_id=event.chain_id, topic=event.topic)
            await _push(list(_listeners.get(group, ())), event_message(event))
            last = event.id
        if len(events) < BATCH:
            await asyncio.sleep(RELAY_INTERVAL)


def relay_listen(*, group: str, consumer):
    _listeners[group].add(consumer)
    relay_ensure_started()


def relay_forget(*, group: str, consumer):
    _listeners[group].discard(consumer)
    if not _listeners[group]:
        del _listeners[group]


def relay_ensure_started():
    global _task
    if layer_crosses_processes():
        return
    loop = asyncio.get_running_loop()
    if _task is None or _task.done() or _task.get_loop() is not loop:
        _task = loop.create_task(_tail())
