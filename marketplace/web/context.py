"""Template context every page gets: the signed-in wallet, the chain the site serves, and how
far behind the chain the index is."""

from django.conf import settings

from marketplace.models import LiveEvent
from marketplace.selectors.status import index_staleness
from marketplace.web.site import site_chain_id


def site(request) -> dict:
    try:
        chain_id = site_chain_id()
    except Exception:  # the node is down and nothing is indexed yet: pages still render
        chain_id = None
    return {
        "wallet": request.session.get("wallet"),
        "chain_id": chain_id,
        "hub": settings.HUB_ADDRESS,
        "index": index_staleness(chain_id=chain_id),
        # The live feed's position when the page was rendered: its websockets start there.
        "live_since": LiveEvent.objects.order_by("-id").values_list("id", flat=True).first(),
    }
