"""Background jobs of the orderbook (Celery); each is a thin call into a service."""

from celery import shared_task

from orderbook.auth import challenges_prune
from orderbook.revalidation import open_orders_revalidate


@shared_task(name="orderbook.revalidate_open_orders")
def revalidate_open_orders() -> int:
    """Re-check every open order against the chain; returns how many changed."""
    return open_orders_revalidate()


@shared_task(name="orderbook.prune_challenges")
def prune_challenges() -> int:
    return challenges_prune()
