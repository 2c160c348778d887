"""The APIs say how current their data is: X-Index-* headers, /metrics and /api/v1/status."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace.models import Deal, IndexerCursor
from marketplace.selectors import status as selectors_status

pytestmark = pytest.mark.django_db(transaction=True)


def _chain_id(devnet) -> int:
    return int(devnet.rpc("eth_chainId"), 16)


def test_nothing_indexed_is_stale(client):
    assert client.get("/api/v1/status").json()["stale"] is True
    assert client.get("/api/v1/deals?chainId=1")["X-Index-Stale"] == "true"


def test_a_current_index_then_a_silent_indexer(client, market_devnet, settings):
    settings.CHAIN_RPC_URL, settings.HUB_ADDRESS = market_devnet.url, market_devnet.hub
    market_devnet.index()
    chain_id, head = _chain_id(market_devnet), market_devnet.head()
    status = client.get("/api/v1/status").json()
    assert status["stale"] is False and status["lastBlock"] == status["head"] == head
    deals = client.get("/api/v1/deals")
    assert deals["X-Index-Stale"] == "false" and deals["X-Index-Block"] == str(head)
    book = client.get(f"/apporders?chainId={chain_id}&app=any")
    assert book.status_code == 200 and book["X-Index-Lag"] == "0"
    metrics = client.get(f"/metrics?chainId={chain_id}").json()
    assert (metrics["lastBlock"], metrics["headBlock"], metrics["stale"]) == (head, head, False)

    # The indexer stops checking the node: the same data is served, marked stale.
    settings.INDEX_STALE_SECONDS = 5
    IndexerCursor.objects.update(updated_at=timezone.now() - timedelta(seconds=60))
    selectors_status._cache.clear()
    deals = client.get("/api/v1/deals")
    assert deals.status_code == 200 and deals.json()["count"] == Deal.objects.count() > 0
    assert deals["X-Index-Stale"] == "true" and float(deals["X-Index-Age"]) >= 60
    metrics = client.get(f"/metrics?chainId={chain_id}").json()
    assert metrics["stale"] is True and metrics["age"] >= 60


def test_far_behind_the_head_is_stale(client, market_devnet, settings):
    market_devnet.index()
    settings.INDEX_STALE_BLOCKS = 3
    IndexerCursor.objects.update(head_number=market_devnet.head() + 4)
    status = client.get("/api/v1/status").json()
    assert status["lag"] == 4 and status["stale"] is True


def test_an_idle_chain_stays_fresh_while_the_indexer_polls(market_devnet):
    indexer = market_devnet.index()
    IndexerCursor.objects.update(updated_at=timezone.now() - timedelta(seconds=60))
    indexer.heartbeat_at = 0.0
    indexer.step()  # at the head, nothing to store: only the check is recorded
    assert selectors_status.index_staleness().age_seconds < 5


def test_publication_trusts_the_index_only_within_the_stricter_bound(market_devnet, settings):
    """One predicate, two bounds: a page shows an index a block behind as current, while a
    publication check asks the node until the index is at the head again."""
    from orderbook.facts import index_is_current

    market_devnet.index()
    chain = _chain_id(market_devnet)
    settings.INDEX_FRESH_SECONDS, settings.INDEX_STALE_BLOCKS = 10, 3
    selectors_status._cache.clear()
    assert index_is_current(chain=chain)

    IndexerCursor.objects.update(head_number=market_devnet.head() + 1)
    selectors_status._cache.clear()
    assert not index_is_current(chain=chain)
    assert not selectors_status.index_staleness(chain_id=chain).stale

    IndexerCursor.objects.update(
        head_number=market_devnet.head(), updated_at=timezone.now() - timedelta(seconds=20)
    )
    selectors_status._cache.clear()
    assert not index_is_current(chain=chain)
    assert not selectors_status.index_staleness(chain_id=chain).stale
