"""Live events reach websockets: in-process, and across processes (indexer → web server),
with catch-up after a reconnect."""

import json
import signal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import override_settings
from websockets.sync.client import connect

from marketplace.asgi import application
from marketplace.chain.protocol import NO_TAG
from tests.market_client import MarketClient
from tests.processes import command_env, manage, serve

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=17)]


ORIGIN = b"http://testserver"  # a page of the site, as browsers say


def _socket(path: str, *, origin: bytes = ORIGIN, client: str = "127.0.0.1"):
    """A websocket to the application as a browser at `client` on a page of `origin` opens it."""

    async def app(scope, receive, send):
        await application({**scope, "client": (client, 50000)}, receive, send)

    return WebsocketCommunicator(app, path, headers=[(b"origin", origin)])


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
        socket = _socket(f"/ws/live/{chain_id}/orders")
        assert (await socket.connect())[0]
        first = await database_sync_to_async(publish)(1)
        event = await socket.receive_json_from(timeout=5)
        assert event["name"] == "apporder_published" and event["data"]["orderHash"] == first
        await socket.disconnect()

        missed = await database_sync_to_async(publish)(2)
        again = _socket(f"/ws/live/{chain_id}/orders?since={event['id']}")
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
        with connect(feed, open_timeout=10, origin=url) as socket:
            deal = market.run_deal("basic")
            event = json.loads(socket.recv(timeout=30))
            assert event["name"] == "deal_created"
            assert event["data"]["dealid"] == deal["dealid"]
        missed = market.run_deal("fast")
        with connect(f"{feed}?since={event['id']}", open_timeout=10, origin=url) as socket:
            caught_up = json.loads(socket.recv(timeout=30))
            assert caught_up["data"]["dealid"] == missed["dealid"]
    finally:
        for process in (indexer, server):
            process.send_signal(signal.SIGTERM)
            process.wait(20)


@pytest.fixture
def served(devnet):
    with override_settings(CHAIN_RPC_URL=devnet.url, HUB_ADDRESS=devnet.hub):
        yield int(devnet.rpc("eth_chainId"), 16)


async def _closed_with(socket) -> int:
    """The close code of a socket refused after its handshake."""
    assert (await socket.connect())[0]
    output = await socket.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    await socket.disconnect()
    return output["code"]


def test_a_page_of_another_site_cannot_open_a_socket(served):
    async def scenario():
        socket = _socket(f"/ws/live/{served}/blocks", origin=b"https://evil.example")
        assert not (await socket.connect())[0]
        socket = _socket(f"/ws/live/{served}/blocks")
        assert (await socket.connect())[0]
        assert await socket.receive_nothing()
        await socket.disconnect()

    async_to_sync(scenario)()


def test_unknown_chain_and_topic_are_refused(served):
    async def scenario():
        assert await _closed_with(_socket(f"/ws/live/{served + 1}/blocks")) == 4404
        assert await _closed_with(_socket(f"/ws/live/{served}/secrets")) == 4404

    async_to_sync(scenario)()


@override_settings(LIVE_MAX_SOCKETS_PER_CLIENT=3)
def test_sockets_per_client_are_capped(served):
    path = f"/ws/live/{served}/blocks"

    async def scenario():
        sockets = [_socket(path) for _ in range(settings.LIVE_MAX_SOCKETS_PER_CLIENT)]
        for socket in sockets:
            assert (await socket.connect())[0]
            assert await socket.receive_nothing()
        assert await _closed_with(_socket(path)) == 4429
        other = _socket(path, client="192.0.2.7")  # another client is not counted with it
        assert (await other.connect())[0] and await other.receive_nothing()
        await sockets.pop().disconnect()  # a socket closed frees its place
        again = _socket(path)
        assert (await again.connect())[0] and await again.receive_nothing()
        for socket in [*sockets, other, again]:
            await socket.disconnect()

    async_to_sync(scenario)()
