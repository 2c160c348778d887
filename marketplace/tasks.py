"""Background jobs of the core (Celery); each is a thin call into a service."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from marketplace.models import LiveEvent
from marketplace.web.signin import signin_prune


@shared_task(name="marketplace.prune_live_events")
def prune_live_events() -> int:
    """Live events only serve reconnecting clients: old ones go."""
    horizon = timezone.now() - timedelta(hours=settings.LIVE_EVENT_RETENTION_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=horizon).delete()
    return deleted


@shared_task(name="marketplace.prune_signin")
def prune_signin() -> int:
    return signin_prune()
