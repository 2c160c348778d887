"""Orders followed on chain: fills, cancels, transfers, stake drops, presigns, reorgs."""

import pytest
from django.db import connection

from marketplace.chain.protocol import CLOSE, NO_TAG, SIGN
from marketplace.chain.rpc import RpcClient
from marketplace.models import LiveEvent
from marketplace.simulation.actors import match_orders
from orderbook.models import Order
from tests.market_client import MarketClient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # Headroom: blocks above the loaded state for reorgs to undo (see test_reorgs).
    pytest.mark.market(seed=13, indexed=True, headroom=25),
]


@pytest.fixture
def api(client, market):
    return MarketClient(client, market.chain.domain["chainId"])


def _salt(n: int) -> str:
    return "0x" + (1000 + n).to_bytes(32, "big").hex()


def _publish_deal_orders(api, market, *, salt: int, app_volume=3, pool_volume=4):
    developer = market.developers[0]
    pool = market.pools["alpha"]
    buyer = market.requesters[0]
    orders = {
        "apporder": developer.app_order(
            app=market.apps["docker"], price=2, volume=app_volume, tag=NO_TAG, salt=_salt(salt)
        ),
        "workerpoolorder": pool.scheduler.workerpool_order(
            workerpool=pool.address,
            price=10**9,
            volume=pool_volume,
            tag=NO_TAG,
            category=0,
            trust=1,
            salt=_salt(salt),
        ),
    }
    for kind, signer in (("apporder", developer), ("workerpoolorder", pool.scheduler)):
        assert api.publish(kind, orders[kind], signer.key).status_code == 200
    orders["requestorder"] = buyer.request_order(
        app=market.apps["docker"], appmaxprice=2, workerpoolmaxprice=10**9, volume=1, tag=NO_TAG,
        category=0, trust=1, params="{}", salt=_salt(salt),
    )  # fmt: skip
    published = api.publish("requestorder", orders["requestorder"], buyer.key)
    assert published.status_code == 200, published.content
    hashes = {
        kind: Order.objects.get(kind=kind, order__salt=_salt(salt)).order_hash
        for kind in ("apporder", "workerpoolorder", "requestorder")
    }
    return orders, hashes


def _match(market, orders):
    from marketplace.chain.orders import empty_dataset_order

    book = {**orders, "datasetorder": empty_dataset_order()}
    return match_orders(market.requesters[0], book)


def _reorg_from(devnet, block_number: int):
    """Replace every block from `block_number` to the head with empty ones. (A send may mine
    one more block after its transaction's, so a fixed depth would not always reach it.)"""
    devnet.rpc("anvil_reorg", [devnet.head() - block_number + 1, []])


def _state(order_hash):
    order = Order.objects.get(order_hash=order_hash)
    return order.status, order.remaining


def test_match_fills_and_decrements(api, market):
    orders, hashes = _publish_deal_orders(api, market, salt=1)
    dealid = _match(market, orders)
    market.devnet.index()
    assert _state(hashes["apporder"]) == ("open", 2)
    assert _state(hashes["workerpoolorder"]) == ("open", 3)
    assert _state(hashes["requestorder"]) == ("filled", 0)
    names = set(LiveEvent.objects.values_list("name", flat=True))
    assert {
        "apporder_updated",
        "workerpoolorder_updated",
        "requestorder_unpublished",
        "deal_created",
    } <= names
    deals = api.get("/deals", requester=market.requesters[0].address).json()
    assert "0x" + dealid.hex() in [d["dealid"] for d in deals["deals"]]
    by_hash = api.get("/deals", apporderHash=hashes["apporder"]).json()
    assert by_hash["count"] == 1 and by_hash["deals"][0]["appHash"] == hashes["apporder"]
    # The filled request order leaves the book but can still be looked up.
    assert api.get("/requestorders", app=market.apps["docker"]).json()["count"] == 0
    assert api.get(f"/requestorders/{hashes['requestorder']}").json()["status"] == "filled"


def test_cancel_on_chain_and_dependent_requests(api, market):
    orders, hashes = _publish_deal_orders(api, market, salt=2)
    market.developers[0].manage("apporder", orders["apporder"], CLOSE)
    market.devnet.index()
    assert _state(hashes["apporder"]) == ("canceled", 0)
    # The request order had only that app order to match: it dies, and says why.
    request = Order.objects.get(order_hash=hashes["requestorder"])
    assert request.status == "dead"
    assert request.dead_reason == f"No apporder published for app {market.apps['docker']}"


def test_transfer_kills_the_previous_owners_orders(api, market):
    _orders, hashes = _publish_deal_orders(api, market, salt=3)
    developer = market.developers[0]
    registry = market.chain.app_registry
    developer.send(
        registry,
        "transferFrom",
        developer.address,
        market.requesters[1].address,
        int(market.apps["docker"], 16),
    )
    market.devnet.index()
    order = Order.objects.get(order_hash=hashes["apporder"])
    assert order.status == "dead"
    assert (
        order.dead_reason
        == f"owner changed: {market.apps['docker']} now belongs to {market.requesters[1].address}"
    )


def test_stake_drop_kills_uncovered_orders(api, market):
    _orders, hashes = _publish_deal_orders(api, market, salt=4)
    scheduler = market.pools["alpha"].scheduler
    scheduler.withdraw(scheduler.stake())
    market.devnet.index()
    status, _ = _state(hashes["workerpoolorder"])
    assert status == "dead"
    assert Order.objects.get(order_hash=hashes["workerpoolorder"]).dead_reason.startswith(
        "stake too low"
    )


def test_reorg_undoing_a_match_brings_orders_back(api, market):
    orders, hashes = _publish_deal_orders(api, market, salt=5)
    matched_at = market.devnet.head()
    _match(market, orders)
    market.devnet.index()
    assert _state(hashes["requestorder"]) == ("filled", 0)
    _reorg_from(market.devnet, matched_at + 1)
    market.devnet.index()
    assert _state(hashes["requestorder"]) == ("open", 1)
    assert _state(hashes["apporder"]) == ("open", 3)
    assert _state(hashes["workerpoolorder"]) == ("open", 4)


def test_reorg_undoing_a_cancel_brings_the_order_back(api, market):
    orders, hashes = _publish_deal_orders(api, market, salt=6)
    receipt = market.pools["alpha"].scheduler.manage(
        "workerpoolorder", orders["workerpoolorder"], CLOSE
    )
    market.devnet.index()
    assert _state(hashes["workerpoolorder"]) == ("canceled", 0)
    _reorg_from(market.devnet, int(receipt["blockNumber"], 16))
    market.devnet.index()
    assert _state(hashes["workerpoolorder"]) == ("open", 4)


def test_presigned_and_broadcast_orders_enter_the_book(api, market):
    developer = market.developers[0]
    presigned = developer.app_order(
        app=market.apps["docker"], price=9, volume=2, tag=NO_TAG, salt=_salt(7)
    )
    developer.manage("apporder", presigned, SIGN)
    broadcast = developer.app_order(
        app=market.apps["docker"], price=8, volume=2, tag=NO_TAG, salt=_salt(8)
    )
    from marketplace.chain.orders import order_as_tuple

    developer.send(
        market.chain.hub, "broadcastAppOrder", order_as_tuple(kind="apporder", order=broadcast)
    )
    market.devnet.index()
    entered = {o.source: o for o in Order.objects.filter(kind="apporder")}
    assert entered["presigned"].order["salt"] == _salt(7) and entered["presigned"].status == "open"
    assert entered["broadcast"].order["sign"] == broadcast["sign"]
    assert api.get("/apporders", app=market.apps["docker"]).json()["count"] == 2


def test_the_indexer_reads_the_node_outside_its_write_transactions(api, market, monkeypatch):
    """A round trip to the node inside a write transaction would hold SQLite's write lock."""
    orders, hashes = _publish_deal_orders(api, market, salt=9)
    matched_at = market.devnet.head()
    _match(market, orders)
    presigned = market.developers[0].app_order(
        app=market.apps["docker"], price=9, volume=2, tag=NO_TAG, salt=_salt(10)
    )
    market.developers[0].manage("apporder", presigned, SIGN)
    in_transaction = []
    post = RpcClient._post

    def watched(self, payload, *, calls):
        in_transaction.append(connection.in_atomic_block)
        return post(self, payload, calls=calls)

    monkeypatch.setattr(RpcClient, "_post", watched)
    market.devnet.index()  # a fill and a presign: consumed volumes and the presign's calldata
    assert _state(hashes["requestorder"]) == ("filled", 0)
    _reorg_from(market.devnet, matched_at + 1)
    market.devnet.index()  # a rollback: the survivors' state and the orders it brings back
    assert _state(hashes["requestorder"]) == ("open", 1)
    assert in_transaction and not any(in_transaction)
