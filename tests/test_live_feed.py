"""Live events reach websockets: in-process, and across processes (indexer → web server),
with catch-up after a reconnect."""

import json
import signal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from websockets.sync.client import connect

from marketplace.asgi import application
from marketplace.chain.protocol import NO_TAG
from tests.market_client import MarketClient
from tests.processes import command_env, manage, serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=17)]


def _salt(n: int) -> str:
    return "0x" + (5000 + n).to_bytes(32, "big").hex()


def test_published_order_reaches_the_websocket_and_catch_up(client, market):
    chain_id = market.chain.domain["chainId"]
    api = MarketClient(client, chain_id)
    developer = market.developers[0]

    def publish(salt):
        order = developer.app_order(
            app=market.apps["docker"], price=1, volume=1, tag=NO_TAG, salt=_salt(salt)
        )
        return api.publish("apporder", order, developer.key).json()["published"]["orderHash"]

    async def scenario():
        socket = WebsocketCommunicator(application, f"/ws/live/{chain_id}/orders")
        assert (await socket.connect())[0]
        first = await database_sync_to_async(publish)(1)
        event = await socket.receive_json_from(timeout=5)
        assert event["name"] == "apporder_published" and event["data"]["orderHash"] == first
        await socket.disconnect()

        missed = await database_sync_to_async(publish)(2)
        again = WebsocketCommunicator(
            application, f"/ws/live/{chain_id}/orders?since={event['id']}"
        )
        assert (await again.connect())[0]
        caught_up = await again.receive_json_from(timeout=5)
        assert caught_up["data"]["orderHash"] == missed and caught_up["id"] > event["id"]
        await again.disconnect()

    async_to_sync(scenario)()


def test_indexer_events_reach_a_browser_across_processes(market):
    market.devnet.index()  # the backfill's own deal_created events are not what this test awaits
    env = command_env(market.devnet)
    server, url = serve(env=env)
    indexer = manage(["index", "--follow", "--quiet"], env=env)
    chain_id = market.chain.domain["chainId"]
    feed = url.replace("http", "ws") + f"/ws/live/{chain_id}/deals"
    try:
        with connect(feed, open_timeout=10) as socket:
            deal = market.run_deal("basic")
            event = json.loads(socket.recv(timeout=30))
            assert event["name"] == "deal_created"
            assert event["data"]["dealid"] == deal["dealid"]
        missed = market.run_deal("fast")
        with connect(f"{feed}?since={event['id']}", open_timeout=10) as socket:
            caught_up = json.loads(socket.recv(timeout=30))
            assert caught_up["data"]["dealid"] == missed["dealid"]
    finally:
        for process in (indexer, server):
            process.send_signal(signal.SIGTERM)
            process.wait(20)
