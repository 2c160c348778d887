"""The live feed websocket: /ws/live/<chainId>/<topic>?since=<last id seen>.

One channel-layer group per (chain, topic). A client that reconnects passes the last event id
it saw and first receives what it missed from the LiveEvent table (or a `resync` when too much
was missed), then live events; ids only go up, so it can drop anything it has already applied.
Events the group receives while the missed ones are read wait in the socket's channel, since
the layer hands them over only once `connect` returns.

Refusals come after the handshake, as close codes a browser can read: 4404 for a chain this
site does not serve or an unknown topic, 4429 past LIVE_MAX_SOCKETS_PER_CLIENT sockets of one
client address, 1013 while the chain id cannot be known (no index yet and the node away).
"""

from collections import Counter
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from marketplace.chain.answers import MalformedAnswer
from marketplace.chain.rpc import RpcError, RpcUnavailable
from marketplace.live.events import event_message, group_name
from marketplace.models import LiveEvent
from marketplace.web.site import site_chain_id

TOPICS = {"orders", "deals", "tasks", "accounts", "blocks"}
CATCH_UP_LIMIT = 1000
CLOSE_UNKNOWN, CLOSE_TOO_MANY, CLOSE_TRY_LATER = 4404, 4429, 1013
# Open sockets per client address, in this process: a client spread over several ASGI
# processes by a load balancer may hold the cap in each.
_open_per_client: Counter[str] = Counter()


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


@database_sync_to_async
def _chain_served(chain_id: int) -> bool:
    return chain_id == site_chain_id()


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        kwargs = self.scope["url_route"]["kwargs"]
        self.chain_id, self.topic = int(kwargs["chain_id"]), kwargs["topic"]
        refusal = await self._refusal()
        if refusal:
            await self.accept()
            await self.close(code=refusal)
            return
        self.last = 0
        self.group = group_name(chain_id=self.chain_id, topic=self.topic)
        # In the group before the client sees the socket open: it misses nothing after.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        since = _since(self.scope.get("query_string", b""))
        if since is None:
            return
        missed = await _missed(self.chain_id, self.topic, since)
        if missed is None:
            await self.send_json({"name": "resync"})
            return
        for event in missed:
            await self._deliver(event)

    async def _refusal(self) -> int | None:
        """The close code refusing this socket, or None; counts it when it is let in."""
        if self.topic not in TOPICS:
            return CLOSE_UNKNOWN
        client = (self.scope.get("client") or ("",))[0]
        if _open_per_client[client] >= settings.LIVE_MAX_SOCKETS_PER_CLIENT:
            return CLOSE_TOO_MANY
        self.client = client
        _open_per_client[client] += 1
        try:
            served = await _chain_served(self.chain_id)
        except (RpcUnavailable, RpcError, MalformedAnswer):
            return CLOSE_TRY_LATER
        return None if served else CLOSE_UNKNOWN

    async def disconnect(self, code):
        if hasattr(self, "client"):
            _open_per_client[self.client] -= 1
            if not _open_per_client[self.client]:
                del _open_per_client[self.client]
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def dispatch(self, message):
        if message["type"] == "live.event":
            # Channels hops to a sync thread before every handler to close stale database
            # connections; this handler touches no database, and with hundreds of sockets on a
            # feed those hops, queued on one thread, cost more than the poll.
            await self.live_event(message)
            return
        await super().dispatch(message)

    async def live_event(self, message):
        await self._deliver(message["event"])

    async def _deliver(self, event: dict):
        if event["id"] <= self.last:
            return
        self.last = event["id"]
        await self.send_json(event)


def _since(query: bytes) -> int | None:
    values = parse_qs(query.decode()).get("since")
    if not values or not values[0].isdigit():
        return None
    return int(values[0])
