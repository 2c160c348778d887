"""Background jobs of the store (Celery); each is a thin call into a service."""

from celery import shared_task

from dappstore import services
from marketplace.web.site import site_chain_id


@shared_task(name="dappstore.recompute_stats")
def recompute_stats() -> int:
    """Usage over 30 days and cheapest open order of every entry."""
    return services.stats_recompute(chain_id=site_chain_id())


@shared_task(name="dappstore.recheck_ownership")
def recheck_ownership() -> int:
    return services.ownership_recheck(chain_id=site_chain_id())


@shared_task(name="dappstore.render_descriptions")
def render_descriptions() -> int:
    return services.descriptions_render(chain_id=site_chain_id())
