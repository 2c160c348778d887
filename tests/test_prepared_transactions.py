"""The transactions the pages prepare do what they say on the real contracts: deposit and
withdraw move the stake, matchOrders makes the quoted deal, claim fails timed-out tasks (never
initialized ones included), cancel closes the order."""

import json

import pytest
from django.test import Client
from eth_account import Account

from marketplace.chain.orders import order_hash
from marketplace.chain.protocol import NO_TAG
from marketplace.models import Deal, Task
from marketplace.simulation.actors import RLC, TaskStatus
from marketplace.simulation.market import XS
from orderbook.models import Order
from tests.market_client import MarketClient
from tests.sessions import signed_in_client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=5, indexed=True)]


def _prepare(client: Client, path: str, body: dict) -> dict:
    answer = client.post(path, json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    return answer.json()["tx"]


def _send(actor, tx: dict) -> dict:
    """What the wallet does with a prepared transaction."""
    chain = actor.chain
    tx_hash = chain.rpc("eth_sendTransaction", {"from": actor.address, **tx})
    return chain._receipt(tx_hash)


def test_deposit_and_withdraw(market):
    requester = market.requesters[0]
    market.chain.send(market.funder, market.chain.rlc, "transfer", requester.address, 5 * RLC)
    client = signed_in_client(requester.key)
    before = requester.stake()
    assert _send(requester, _prepare(client, "/tx/deposit", {"amount": "2.5"}))["status"] == 1
    assert requester.stake() == before + 2_500_000_000
    assert _send(requester, _prepare(client, "/tx/withdraw", {"amount": "1"}))["status"] == 1
    assert requester.stake() == before + 1_500_000_000
    bad = client.post(
        "/tx/deposit", json.dumps({"amount": "0.0000000001"}), content_type="application/json"
    )
    assert bad.status_code == 400 and "at most 9 decimals" in bad.json()["error"]


def _book(market, api, *, salt: int, category: int = XS):
    developer, pool = market.developers[0], market.pools["beta"]
    salt_hex = "0x" + salt.to_bytes(32, "big").hex()
    app = developer.app_order(
        app=market.apps["docker"], price=RLC // 10, volume=5, tag=NO_TAG, salt=salt_hex
    )
    ask = pool.scheduler.workerpool_order(
        workerpool=pool.address, price=RLC // 4, volume=5, tag=NO_TAG, category=category,
        trust=1, salt=salt_hex,
    )  # fmt: skip
    assert api.publish("apporder", app, developer.key).status_code == 200
    assert api.publish("workerpoolorder", ask, pool.scheduler.key).status_code == 200
    return app, ask


def test_quoted_deal_is_matched_then_claimed_past_its_deadline(market, client):
    api = MarketClient(client, 31337)
    _book(market, api, salt=901)
    requester = market.requesters[1]
    session = signed_in_client(requester.key)
    prepared = session.post(
        "/quote/request",
        json.dumps(
            {"app": market.apps["docker"], "dataset": "", "category": XS, "trust": 1,
             "volume": 2, "params": '{"iexec_args": "x"}', "tags": []}
        ),
        content_type="application/json",
    ).json()  # fmt: skip
    assert prepared["ok"] and prepared["volume"] == 2
    assert prepared["total"] == str(2 * (RLC // 10 + RLC // 4))
    request = prepared["order"]
    request["sign"] = (
        "0x"
        + bytes(
            Account.sign_typed_data(requester.key, full_message=prepared["typedData"]).signature
        ).hex()
    )
    published = session.post(
        "/orders/publish",
        json.dumps({"kind": "requestorder", "order": request}),
        content_type="application/json",
    )
    assert published.status_code == 200, published.content
    request_hash = published.json()["published"]["orderHash"]
    assert request_hash == order_hash(
        kind="requestorder", order=request, domain=market.chain.domain
    )

    tx = _prepare(session, "/tx/match", {**prepared["match"], "requestorder": request_hash})
    assert _send(requester, tx)["status"] == 1
    market.devnet.index()
    deal = Deal.objects.get(request_hash=request_hash)
    assert deal.app_hash == prepared["match"]["apporder"] and deal.bot_size == 2
    assert Order.objects.get(order_hash=request_hash).status == "filled"

    # Task 0 is initialized and left; task 1 never is. Past the deadline both can be claimed.
    market.pools["beta"].scheduler.initialize(bytes.fromhex(deal.dealid[2:]), 0)
    market.devnet.index()
    market.chain.advance_time_past(Task.objects.get(deal=deal).final_deadline)
    market.devnet.index()
    page = session.get(f"/deal/{deal.dealid}")
    assert page.content.count(b"TIMEOUT") >= 2 and b"data-claim" in page.content
    for body in ({"initialized": [0]}, {"uninitialized": [1]}):
        tx = _prepare(session, "/tx/claim", {"dealid": deal.dealid, **body})
        assert _send(requester, tx)["status"] == 1
    market.devnet.index()
    statuses = [market.chain.task(bytes.fromhex(t.taskid[2:])).status for t in deal.tasks.all()]
    assert statuses == [TaskStatus.FAILED, TaskStatus.FAILED]
    assert set(Task.objects.filter(deal=deal).values_list("status", flat=True)) == {Task.FAILED}


def test_cancel_closes_the_order_on_chain(market, client):
    api = MarketClient(client, 31337)
    app, _ask = _book(market, api, salt=902)
    developer = market.developers[0]
    digest = order_hash(kind="apporder", order=app, domain=market.chain.domain)
    tx = _prepare(
        signed_in_client(developer.key), "/tx/cancel", {"kind": "apporder", "orderHash": digest}
    )
    assert _send(developer, tx)["status"] == 1
    consumed = market.chain.view(market.chain.hub, "viewConsumed", bytes.fromhex(digest[2:]))
    assert consumed == app["volume"]
    market.devnet.index()
    assert Order.objects.get(order_hash=digest).status == "canceled"
