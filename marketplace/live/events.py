"""Writing live events: one row per change, in the change's transaction, sent after commit.

With Redis the channel layer crosses processes, so the writer (web server, indexer, Celery)
broadcasts itself once its transaction commits. The in-memory layer does not cross processes:
then every ASGI process tails the table instead (marketplace.live.relay).
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from marketplace.models import LiveEvent


def group_name(*, chain_id: int, topic: str) -> str:
    return f"live.{chain_id}.{topic}"


def event_message(event: LiveEvent) -> dict:
    return {
        "id": event.id,
        "chainId": event.chain_id,
        "topic": event.topic,
        "name": event.name,
        "key": event.key,
        "data": event.payload,
    }


def layer_crosses_processes() -> bool:
    return bool(settings.REDIS_URL)


def broadcast(event: LiveEvent):
    layer = get_channel_layer()
    async_to_sync(layer.group_send)(
        group_name(chain_id=event.chain_id, topic=event.topic),
        {"type": "live.event", "event": event_message(event)},
    )


def live_event_add(
    *, chain_id: int, topic: str, name: str, key: str = "", payload: dict
) -> LiveEvent:
    event = LiveEvent.objects.create(
        chain_id=chain_id, topic=topic, name=name, key=key, payload=payload
    )
    if layer_crosses_processes():
        # The row is the feed: a client that misses the broadcast (Redis restarting) catches up
        # from it, so a failed broadcast is logged and does not fail the committed change.
        transaction.on_commit(lambda: broadcast(event), robust=True)
    return event
