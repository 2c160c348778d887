"""The simulated market trading through a running server's market API, as real clients do."""

import pytest

from marketplace.models import Deal
from marketplace.simulation import SCENARIOS
from marketplace.simulation import market as market_module
from orderbook.models import Order
from tests.live_market import trading_market
from tests.processes import running_stack

pytestmark = pytest.mark.django_db(transaction=True)
KEEP = 3


@pytest.fixture
def trading(market_devnet, tmp_path, monkeypatch):
    """A market playing through the API, with actors keeping KEEP orders a kind."""
    monkeypatch.setattr(market_module, "BOOK_KEEP", KEEP)
    with running_stack(devnet=market_devnet, logs_dir=tmp_path) as (url, _logs):
        market = trading_market(devnet=market_devnet, url=url, seed=7)
        yield market, market.gateway


def test_deals_are_matched_from_orders_published_through_the_api(trading):
    market, _gateway = trading
    for scenario in SCENARIOS:
        result = market.run_deal(scenario)
        deal = Deal.objects.get(dealid=result["dealid"])
        hashes = [deal.app_hash, deal.workerpool_hash, deal.request_hash]
        if result["scenario"] == "dataset":
            hashes.append(deal.dataset_hash)
        orders = {o.order_hash: o for o in Order.objects.filter(order_hash__in=hashes)}
        assert set(orders) == set(hashes), result["scenario"]
        expected_source = "api" if result["scenario"] != "orderbook" else None
        if expected_source:
            assert {o.source for o in orders.values()} == {"api"}, result["scenario"]
        request = orders[deal.request_hash]
        assert (request.status, request.remaining) == ("filled", 0), result["scenario"]


def test_the_books_stay_alive_and_tidy(trading):
    market, gateway = trading
    market.run(deals=len(SCENARIOS) + 3)
    asks = gateway.book(kind="workerpoolorder", app="any", dataset="any", requester="any")
    assert asks, "sellers leave spare volume on the book"
    for ask in asks:
        consumed = market.chain.view(
            market.chain.hub, "viewConsumed", bytes.fromhex(ask["orderHash"][2:])
        )
        assert ask["remaining"] == ask["order"]["volume"] - consumed
    bids = gateway.book(kind="requestorder")
    assert bids, "requesters post bids under the asks"
    for bid in bids:
        public_asks = gateway.book(kind="workerpoolorder", category=bid["order"]["category"])
        if public_asks:
            assert bid["order"]["workerpoolmaxprice"] < public_asks[0]["order"]["workerpoolprice"]
    # Nobody keeps more than KEEP open orders of a kind: the oldest were withdrawn.
    for actor in market.actors():
        for kind in ("apporder", "datasetorder", "workerpoolorder", "requestorder"):
            assert len(gateway.own_orders(kind=kind, signer=actor.address)) <= KEEP
    assert Order.objects.filter(source="api").count() > KEEP * 3
