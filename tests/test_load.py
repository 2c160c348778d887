"""Load on loopback: API requests at a steady rate across two server processes, and hundreds
of websockets held open, each of which must get a live event sent meanwhile. Zero errors;
latencies are printed, not asserted."""

import asyncio
import json
import signal
import statistics
import time

import aiohttp
import pytest
from channels.db import database_sync_to_async

from marketplace.live.events import live_event_add
from tests.processes import command_env, serve

pytestmark = pytest.mark.django_db(transaction=True)


def _paths(chain_id: int, app: str) -> list[str]:
    return [
        f"/apporders?chainId={chain_id}&app={app}",
        f"/deals?chainId={chain_id}",
        f"/metrics?chainId={chain_id}",
        f"/categories?chainId={chain_id}",
        "/api/v1/deals",
        "/api/v1/tasks?pageSize=50",
        "/api/v1/status",
    ]


async def _requests(urls: list[str], paths: list[str], *, rate: float, seconds: float):
    """Requests started at `rate` per second (at most 200 in flight), round robin over the
    servers and paths; (latencies, errors)."""
    latencies, errors = [], []
    limit = asyncio.Semaphore(200)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as session:

        async def one(url: str):
            started = time.monotonic()
            try:
                async with session.get(url) as answer:
                    await answer.read()
                    if answer.status != 200:
                        errors.append((url, answer.status))
            except (aiohttp.ClientError, TimeoutError) as exc:
                errors.append((url, repr(exc)))
            finally:
                latencies.append(time.monotonic() - started)
                limit.release()

        tasks, start = [], time.monotonic()
        for n in range(int(rate * seconds)):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            await limit.acquire()
            url = urls[n % len(urls)] + paths[n % len(paths)]
            tasks.append(asyncio.create_task(one(url)))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - start
    return latencies, errors, elapsed


async def _sockets(url: str, chain_id: int, *, count: int, opened: asyncio.Event, done):
    """`count` websockets on the deals feed; each must receive the event sent once all are
    open. Returns how many did."""
    received = 0
    # An open websocket holds its connection: aiohttp's default pool (100) would keep socket
    # 101 waiting for one of the others to close.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = [
            await session.ws_connect(
                f"{url}/ws/live/{chain_id}/deals",
                origin=url,
                timeout=aiohttp.ClientWSTimeout(ws_close=30),
            )
            for _ in range(count)
        ]
        opened.set()
        for socket in sockets:
            message = await socket.receive(timeout=120)
            if message.type == aiohttp.WSMsgType.TEXT and json.loads(message.data)["key"] == done:
                received += 1
        for socket in sockets:
            await socket.close()
    return received


async def _scenario(urls, chain_id, app, *, rate, seconds, sockets):
    opened, key = asyncio.Event(), "0x" + "ab" * 32
    feed = asyncio.create_task(_sockets(urls[0], chain_id, count=sockets, opened=opened, done=key))
    await asyncio.wait_for(opened.wait(), 120)
    load = asyncio.create_task(_requests(urls, _paths(chain_id, app), rate=rate, seconds=seconds))
    await asyncio.sleep(seconds / 2)
    await database_sync_to_async(live_event_add)(
        chain_id=chain_id, topic="deals", name="deal_created", key=key, payload={"dealid": key}
    )
    return await load, await feed


def _load(market_devnet, *, rate: float, seconds: float, sockets: int):
    market_devnet.index()
    chain_id = int(market_devnet.rpc("eth_chainId"), 16)
    app = market_devnet.deployment["hub"]
    env = command_env(market_devnet)
    servers = [serve(env=env), serve(env=env)]
    try:
        (latencies, errors, elapsed), received = asyncio.run(
            _scenario(
                [url for _, url in servers],
                chain_id,
                app,
                rate=rate,
                seconds=seconds,
                sockets=sockets,
            )
        )
    finally:
        for process, _url in servers:
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    quantiles = statistics.quantiles(latencies, n=100)
    print(
        f"\n{len(latencies)} requests in {elapsed:.1f}s ({len(latencies) / elapsed:.0f}/s, "
        f"target {rate:.0f}/s), p50 {quantiles[49] * 1000:.0f} ms, "
        f"p99 {quantiles[98] * 1000:.0f} ms; {received}/{sockets} websockets got the event"
    )
    assert not errors, errors[:10]
    assert len(latencies) == int(rate * seconds)
    assert received == sockets


def test_load_short(market_devnet):
    _load(market_devnet, rate=150, seconds=5, sockets=50)


@pytest.mark.slow
def test_load_five_hundred_per_second_and_two_hundred_websockets(market_devnet):
    _load(market_devnet, rate=500, seconds=60, sockets=200)
