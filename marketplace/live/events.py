"""Writing live events: one row per change, in the change's transaction, sent after commit.

The row is the feed: a client that reconnects catches up from the table. With Redis the writer
(web server, indexer, Celery) group_sends the event after commit and the channel layer carries
it to every process. The embedded default's layer (marketplace.live.table_layer) delivers every
committed row itself, in each ASGI process: a group_send would have nothing to add, and its hop
through an event loop, paid by the indexer after each batch, measurably delayed the next one.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from marketplace.models import LiveEvent

GROUP_PREFIX = "live."


def group_name(*, chain_id: int, topic: str) -> str:
    return f"{GROUP_PREFIX}{chain_id}.{topic}"


def group_is_live(group: str) -> bool:
    return group.startswith(GROUP_PREFIX)


def event_message(event: LiveEvent) -> dict:
    return {
        "id": event.id,
        "chainId": event.chain_id,
        "topic": event.topic,
        "name": event.name,
        "key": event.key,
        "data": event.payload,
    }


def live_message(event: LiveEvent) -> dict:
    """The channel-layer message of an event, handled by LiveConsumer.live_event."""
    return {"type": "live.event", "event": event_message(event)}


def broadcast(event: LiveEvent):
    async_to_sync(get_channel_layer().group_send)(
        group_name(chain_id=event.chain_id, topic=event.topic), live_message(event)
    )


def live_event_add(
    *, chain_id: int, topic: str, name: str, key: str = "", payload: dict
) -> LiveEvent:
    event = LiveEvent.objects.create(
        chain_id=chain_id, topic=topic, name=name, key=key, payload=payload
    )
    if not getattr(get_channel_layer(), "tails_live_events", False):
        # A client that misses the broadcast (Redis restarting) catches up from the row, so a
        # failed broadcast is logged and does not fail the committed change.
        transaction.on_commit(lambda: broadcast(event), robust=True)
    return event
