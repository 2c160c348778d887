"""Template context every page gets: the signed-in wallet, the chain the site serves, and how
far behind the chain the index is."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from marketplace.models import IndexerCursor, LiveEvent
from marketplace.web.site import site_chain_id

STALE_AFTER = timedelta(seconds=30)


def _index_lag() -> dict:
    cursor = IndexerCursor.objects.filter(hub=settings.HUB_ADDRESS).first()
    if cursor is None:
        return {"stale": True, "cursor": None}
    behind = cursor.head_number - cursor.block_number > max(settings.CHAIN_CONFIRMATIONS, 0) + 5
    old = timezone.now() - cursor.updated_at > STALE_AFTER
    return {
        "stale": behind or old,
        "cursor": cursor.block_number,
        "head": cursor.head_number,
        "updated_at": cursor.updated_at,
    }


def site(request) -> dict:
    try:
        chain_id = site_chain_id()
    except Exception:  # the node is down and nothing is indexed yet: pages still render
        chain_id = None
    return {
        "wallet": request.session.get("wallet"),
        "chain_id": chain_id,
        "hub": settings.HUB_ADDRESS,
        "index_lag": _index_lag(),
        # The live feed's position when the page was rendered: its websockets start there.
        "live_since": LiveEvent.objects.order_by("-id").values_list("id", flat=True).first(),
    }
