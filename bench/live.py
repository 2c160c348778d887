"""Live feed latency: from a new block on the chain to the websocket frame that announces it.

The product's stack on a fresh database: anvil (mining only when asked, so that every block is
one sample), `manage.py index --follow` and daphne with the product's settings (poll interval,
confirmations). A client subscribed to /ws/live/<chainId>/blocks mines one block (`evm_mine`),
notes the time just before the call, and waits for the `block_indexed` frame of the block that
became visible; the next block comes after a random pause, so that sampling does not lock onto
the indexer's poll. Baseline, for the same blocks at the same time: a client polling
eth_blockNumber directly at the indexer's interval, as the indexer does. Two configurations:
the embedded default (SQLite, no Redis: daphne's channel layer, marketplace.live.table_layer,
tails the LiveEvent table) and PostgreSQL with Redis (the indexer broadcasts after commit);
each also with 200 more pages listening on the same feed.
"""

import asyncio
import contextlib
import os
import random
import statistics
import time

import aiohttp

from bench.chains import deployed_chain, node
from bench.core import Chart, Context, Figure, Goal, Section, repeat
from bench.databases import fresh_database
from bench.processes import daphne, manage_start, product_env, stop

TITLE = "Live feed latency: new block to websocket frame"
SAMPLES = 100
WARM_UP = 5  # blocks first: the layer's tail learns where the table ends, connections are made
PAUSE = (0.1, 0.5)  # seconds between blocks, random
LISTENERS = 200
FRAME_TIMEOUT = 15.0
# A database of Redis other than 0, so that nothing of the bench mixes with a local default.
REDIS_URL = "redis://127.0.0.1:6379/9"
CONFIGS = {"embedded": ("sqlite", {}), "postgres+redis": ("postgres", {"REDIS_URL": REDIS_URL})}
P95 = Goal("<= 300 ms", at_most=300)
# The product's defaults (marketplace/settings.py), unless the environment overrides them.
DEFAULT_POLL_SECONDS, DEFAULT_CONFIRMATIONS = 0.2, 0


class _FirstSeen:
    """When each block number was first seen: a frame or a head of number n shows every block
    up to n (a batch of two blocks announces only its last one)."""

    def __init__(self):
        self.top, self.at = None, {}
        self.changed = asyncio.Event()

    def note(self, number: int):
        now = time.perf_counter()
        if self.top is None:
            self.top, self.at[number] = number, now
        for n in range(self.top + 1, number + 1):
            self.at[n] = now
        self.top = max(self.top, number)
        self.changed.set()

    async def wait(self, number: int, timeout: float = FRAME_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.top is None or self.top < number:
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"block {number} not seen in {timeout} s (last: {self.top})")
            with contextlib.suppress(TimeoutError):  # the loop says which block was missed
                await asyncio.wait_for(self.changed.wait(), remaining)


async def _rpc(session: aiohttp.ClientSession, url: str, method: str, params=()):
    body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
    async with session.post(url, json=body) as answer:
        return (await answer.json())["result"]


async def _poll(session, url: str, seen: _FirstSeen, interval: float):
    """The bare client: the head, then a pause, as the indexer's loop does."""
    while True:
        seen.note(int(await _rpc(session, url, "eth_blockNumber"), 16))
        await asyncio.sleep(interval)


async def _read(socket, seen: _FirstSeen):
    async for message in socket:
        if message.type != aiohttp.WSMsgType.TEXT:
            break
        event = message.json()
        if event.get("name") == "block_indexed":
            seen.note(event["data"]["blockNumber"])


async def _drain(socket):
    async for _message in socket:
        pass


async def _samples(*, feed_url, node_url, confirmations, poll, listeners) -> tuple[list, list]:
    """(frame latencies, poll-loop latencies) in ms, one of each per block mined."""
    frames, heads = _FirstSeen(), _FirstSeen()
    origin = feed_url.replace("ws", "http", 1).split("/ws/")[0]  # as a page of the site
    # No connection limit: the listeners' websockets hold theirs all along.
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        crowd = [await session.ws_connect(feed_url, origin=origin) for _ in range(listeners)]
        socket = await session.ws_connect(feed_url, origin=origin)
        tasks = [asyncio.create_task(_drain(s)) for s in crowd]
        tasks += [
            asyncio.create_task(_read(socket, frames)),
            asyncio.create_task(_poll(session, node_url, heads, poll)),
        ]
        try:
            mined, frame_ms, head_ms = {}, [], []
            for number in range(WARM_UP + SAMPLES):
                await asyncio.sleep(random.uniform(*PAUSE))
                head = int(await _rpc(session, node_url, "eth_blockNumber"), 16)
                started = time.perf_counter()
                await _rpc(session, node_url, "evm_mine")
                mined[head + 1] = started
                # The block that becomes visible: with N confirmations, the one N below.
                shown = head + 1 - confirmations
                await frames.wait(shown)
                await heads.wait(head + 1)
                if number >= WARM_UP:
                    frame_ms.append((frames.at[shown] - started) * 1000)
                    head_ms.append((heads.at[head + 1] - started) * 1000)
            return frame_ms, head_ms
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            for s in [*crowd, socket]:
                await s.close()


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _figures(name: str) -> dict[str, Figure]:
    bare50, bare95 = (
        Figure(f"poll loop p50 ({name})", "ms"),
        Figure(f"poll loop p95 ({name})", "ms"),
    )
    return {
        "bare50": bare50,
        "bare95": bare95,
        "feed50": Figure(f"websocket frame p50 ({name})", "ms", baseline=bare50),
        "feed95": Figure(f"websocket frame p95 ({name})", "ms", baseline=bare95, goals=(P95,)),
    }


def _config(ctx: Context, *, name: str, chain, anvil, poll, confirmations) -> list[Figure]:
    backend, extra = CONFIGS[name]
    chain_id = chain.deployment["chain_id"]
    alone, crowded = _figures(name), _figures(f"{name}, {LISTENERS} listeners")
    with (
        fresh_database(ctx=ctx, backend=backend, name="live") as url,
        (ctx.var / "live-indexer.log").open("wb") as log,
    ):
        env = product_env(database_url=url, node=anvil, deployment=chain.deployment, **extra)
        indexer = manage_start(["index", "--follow", "--quiet"], env=env, log=log)
        try:
            with daphne(env=env) as (_server, base_url):
                feed_url = base_url.replace("http", "ws") + f"/ws/live/{chain_id}/blocks"

                def step(figures, listeners):
                    def measure(_number):
                        frame_ms, head_ms = asyncio.run(
                            _samples(feed_url=feed_url, node_url=anvil.url, poll=poll,
                                     confirmations=confirmations, listeners=listeners)
                        )  # fmt: skip
                        figures["bare50"].add(statistics.median(head_ms), ctx=ctx)
                        figures["feed50"].add(statistics.median(frame_ms), ctx=ctx)
                        figures["bare95"].add(_p95(head_ms), ctx=ctx)
                        figures["feed95"].add(_p95(frame_ms), ctx=ctx)

                    return measure

                repeat(ctx, [step(alone, 0), step(crowded, LISTENERS)])
        finally:
            stop(indexer)
    return [*alone.values(), *crowded.values()]


def run(ctx: Context) -> Section:
    chain = deployed_chain(ctx=ctx)
    # What the product processes will use: the settings' defaults unless the environment
    # (which product_env passes on) says otherwise.
    env = product_env(database_url="")
    poll = float(env.get("INDEXER_POLL_SECONDS") or DEFAULT_POLL_SECONDS)
    confirmations = int(env.get("CHAIN_CONFIRMATIONS") or DEFAULT_CONFIRMATIONS)
    figures = []
    with node(chain) as anvil:
        for name in CONFIGS:
            figures += _config(ctx, name=name, chain=chain, anvil=anvil, poll=poll,
                               confirmations=confirmations)  # fmt: skip
    return Section(
        title=TITLE,
        method=(
            f"anvil mining on demand (`evm_mine`), `manage.py index --follow` and one daphne "
            f"process (DEBUG off) with the product's settings: INDEXER_POLL_SECONDS {poll}, "
            f"CHAIN_CONFIRMATIONS {confirmations} (block b is shown when b+{confirmations} is "
            f"mined; latency counted from that mining), without Redis daphne's "
            "channel layer tails the table every 20 ms and hands events to its sockets. "
            f"Per run {SAMPLES} blocks "
            f"(after {WARM_UP} of warm-up), {PAUSE[0]} to {PAUSE[1]} s apart at random; each "
            "sample is the time from just before `evm_mine` to the `block_indexed` frame on "
            "/ws/live/<chainId>/blocks, and, for the same block, to a bare eth_blockNumber "
            "loop seeing it (baseline, same poll interval). Configurations: embedded (SQLite "
            f"file, no Redis), PostgreSQL + Redis ({REDIS_URL}); each also with {LISTENERS} "
            "more websockets open on the same feed."
        ),
        figures=figures,
        notes=[
            f"The {LISTENERS} listeners are read by the measuring client's own event loop, on "
            f"the same {os.cpu_count()} CPUs as anvil, the indexer and daphne: an upper bound "
            "for as many separate browsers.",
        ],
        charts=[
            Chart("live-p50", "Block to frame, p50 (ms)", [f for f in figures if "p50" in f.label]),
            Chart("live-p95", "Block to frame, p95 (ms)", [f for f in figures if "p95" in f.label]),
        ],
    )
