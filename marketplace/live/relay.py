"""Tails the LiveEvent table inside an ASGI process when the channel layer is in-memory.

Started by the first websocket consumer of the process; polls every RELAY_INTERVAL seconds for
rows above the last id it sent and hands them to this process's channel layer.
"""

import asyncio
import logging

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from marketplace.live.events import event_message, group_name, layer_crosses_processes
from marketplace.models import LiveEvent

log = logging.getLogger(__name__)
RELAY_INTERVAL = 0.05
BATCH = 500
_task: asyncio.Task | None = None


@database_sync_to_async
def _last_id() -> int:
    last = LiveEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


@database_sync_to_async
def _after(last: int) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(id__gt=last).order_by("id")[:BATCH])


async def _tail():
    layer = get_channel_layer()
    last = await _last_id()
    while True:
        try:
            events = await _after(last)
        except Exception:  # the database may be restarting: keep tailing
            log.exception("live relay: reading events failed")
            await asyncio.sleep(1)
            continue
        for event in events:
            await layer.group_send(
                group_name(chain_id=event.chain_id, topic=event.topic),
                {"type": "live.event", "event": event_message(event)},
            )
            last = event.id
        if len(events) < BATCH:
            await asyncio.sleep(RELAY_INTERVAL)


def relay_ensure_started():
    global _task
    if layer_crosses_processes():
        return
    loop = asyncio.get_running_loop()
    if _task is None or _task.done() or _task.get_loop() is not loop:
        _task = loop.create_task(_tail())
