"""The live feed websocket: /ws/live/<chainId>/<topic>?since=<last id seen>.

One group per (chain, topic). A client that reconnects passes the last event id it saw and
first receives what it missed from the LiveEvent table (or a `resync` when too much was
missed), then live events; ids only go up, so it can drop anything it has already applied.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from marketplace.live.events import event_message, group_name, layer_crosses_processes
from marketplace.live.relay import relay_forget, relay_listen
from marketplace.models import LiveEvent

TOPICS = {"orders", "deals", "tasks", "accounts", "blocks"}
CATCH_UP_LIMIT = 1000


@database_sync_to_async
def _missed(chain_id: int, topic: str, since: int) -> list[dict] | None:
    rows = list(
        LiveEvent.objects.filter(chain_id=chain_id, topic=topic, id__gt=since).order_by("id")[
            : CATCH_UP_LIMIT + 1
        ]
    )
    if len(rows) > CATCH_UP_LIMIT:
        return None
    return [event_message(e) for e in rows]


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.chain_id, self.topic = int(kwargs["chain_id"]), kwargs["topic"]
        if self.topic not in TOPICS:
            await self.close(code=4404)
            return
        self.last = 0
        self.group = group_name(chain_id=self.chain_id, topic=self.topic)
        # Events pushed by the relay while the missed ones are read wait here, in order.
        self.pending: list[dict] | None = []
        if layer_crosses_processes():
            await self.channel_layer.group_add(self.group, self.channel_name)
        else:
            relay_listen(group=self.group, consumer=self)
        await self.accept()
        since = _since(self.scope.get("query_string", b""))
        if since is not None:
            missed = await _missed(self.chain_id, self.topic, since)
            if missed is None:
                await self.send_json({"name": "resync"})
            else:
                for message in missed:
                    await self._deliver(message)
        pending, self.pending = self.pending, None
        for message in pending:
            await self._deliver(message)

    async def disconnect(self, code):
        if not hasattr(self, "group"):
            return
        if layer_crosses_processes():
            await self.channel_layer.group_discard(self.group, self.channel_name)
        else:
            relay_forget(group=self.group, consumer=self)

    async def live_push(self, event: dict):
        """From this process's relay (embedded default)."""
        if self.pending is not None:
            self.pending.append(event)
        else:
            await self._deliver(event)

    async def live_event(self, message):
        await self._deliver(message["event"])

    async def _deliver(self, event: dict):
        if event["id"] <= self.last:
            return
        self.last = event["id"]
        await self.send_json(event)


def _since(query: bytes) -> int | None:
    from urllib.parse import parse_qs

    values = parse_qs(query.decode()).get("since")
    if not values or not values[0].isdigit():
        return None
    return int(values[0])
