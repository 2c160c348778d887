"""Which chain the site serves, and what of it the pages need (hub, RLC token, chain id).

Read once per process: from the indexer's cursor for the configured hub, else from the node.
"""

import logging
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from marketplace.chain.answers import MalformedAnswer
from marketplace.chain.protocol import RLC
from marketplace.chain.reader import Call
from marketplace.chain.rpc import RpcError, RpcUnavailable
from marketplace.models import IndexerCursor
from orderbook import facts

log = logging.getLogger(__name__)


@cache
def _token(hub: str) -> str:
    return facts.chain_reader().one("token")


def site_chain_id() -> int:
    chain_id = (
        IndexerCursor.objects.filter(hub=settings.HUB_ADDRESS)
        .values_list("chain_id", flat=True)
        .first()
    )
    return chain_id if chain_id is not None else facts.chain_id()


def site_hub() -> str:
    """The configured hub. A transaction prepared without one would create a contract."""
    if not settings.HUB_ADDRESS:
        raise ImproperlyConfigured("HUB_ADDRESS is not set: no transaction can be prepared")
    return settings.HUB_ADDRESS


def site_rlc() -> str:
    """The RLC token the hub escrows (read from the hub: nothing is assumed)."""
    return _token(site_hub())


def wallet_balance(address: str) -> int | None:
    """An address's RLC outside the hub, read from the node now; None when the node is away."""
    try:
        return facts.chain_reader().many([Call(site_rlc(), RLC["balanceOf"], (address,))])[0]
    except (RpcUnavailable, RpcError, MalformedAnswer) as exc:
        log.warning("wallet balance of %s unavailable: %s", address, exc)
        return None
