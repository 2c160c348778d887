"""The indexer killed, the node gone, a second indexer by mistake: nothing lost, nothing twice."""

import contextlib
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from django.db import connection
from django.test import override_settings

from marketplace.chain.protocol import CLOSE, NO_TAG
from marketplace.models import IndexerCursor
from marketplace.simulation.market import Market
from orderbook.services import order_publish
from tests.chain import devnet_start
from tests.processes import ROOT, command_env, manage, serve
from tests.snapshot import assert_equals_fresh_index

pytestmark = pytest.mark.django_db(transaction=True)


def _celery(env: dict) -> subprocess.Popen:
    """A real worker with its beat: it re-checks every open order each second."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "--beat", "--pool",
         "solo", "--loglevel", "WARNING", "--schedule", env["CELERY_SCHEDULE_FILE"]],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,  # its beat is a child process: the kill takes the group
    )  # fmt: skip


def _published_orders(devnet, market: Market, count: int) -> list[dict]:
    """App orders published through the orderbook's service, as the API would: the worker has
    open orders to re-check, and the test closes some on chain while it does."""
    chain_id = market.chain.domain["chainId"]
    developer = market.developers[0]
    orders = []
    with override_settings(CHAIN_RPC_URL=devnet.url, HUB_ADDRESS=devnet.hub):
        for n in range(count):
            order = developer.app_order(
                app=market.apps["docker"], price=n, volume=3, tag=NO_TAG,
                salt="0x" + (9000 + n).to_bytes(32, "big").hex(),
            )  # fmt: skip
            order_publish(
                chain_id=chain_id, kind="apporder", data=order, authorized=developer.address
            )
            orders.append(order)
    return orders


def _sigkill_rounds(devnet, tmp_path, *, rounds: int, seed: int):
    """The indexer and the Celery worker, each killed with SIGKILL at its own random moment of
    every round, while the market deals and orders get closed on chain."""
    rng = random.Random(seed)
    market = Market(rpc_url=devnet.url, deployment=devnet.deployment, seed=seed)
    market.setup()
    orders = _published_orders(devnet, market, 12)
    env = command_env(
        devnet,
        INDEXER_BATCH_BLOCKS=3,
        ORDERS_REVALIDATE_SECONDS=1,
        VAR_DIR=tmp_path,  # the worker's file broker and beat schedule: this test's own
        CELERY_SCHEDULE_FILE=tmp_path / "beat-schedule",
    )
    devnet.index()  # the backfill: the kills are for the follower at work near the head
    connection.close()
    stop, made = threading.Event(), []
    trader = threading.Thread(target=_trade, args=(market, stop, made))
    trader.start()
    try:
        for _ in range(rounds):
            time.sleep(
                rng.uniform(0.5, 1.5)
            )  # down for a while: the restart has blocks to catch up
            follower = manage(["index", "--follow", "--quiet"], env=env)
            worker = _celery(env)
            if orders and rng.random() < 0.7:
                market.developers[0].manage("apporder", orders.pop(), CLOSE)
            _until(lambda f=follower: _advanced(f), 60, "the follower stored nothing")
            # Both are at work by now (the worker re-checks the book every second).
            kills = [(rng.uniform(0, 1.0), follower), (rng.uniform(0, 2.0), worker)]
            started = time.monotonic()
            for at, process in sorted(kills, key=lambda k: k[0]):
                time.sleep(max(0.0, at - (time.monotonic() - started)))
                if process is worker:
                    with contextlib.suppress(ProcessLookupError):  # a group already gone
                        os.killpg(worker.pid, signal.SIGKILL)
                else:
                    process.send_signal(signal.SIGKILL)
                process.wait()
    finally:
        stop.set()
        trader.join(120)
    finisher = manage(["index", "--quiet"], env=env)
    assert finisher.wait(120) == 0, finisher.stderr.read().decode()
    assert IndexerCursor.objects.get().block_number == devnet.head()
    assert made, "the market made no deal"
    assert_equals_fresh_index(devnet)


def _advanced(follower) -> bool:
    """Whether the follower has stored a range since it started (its cursor moved)."""
    assert follower.poll() is None, follower.stderr.read().decode()[-3000:]
    cursor = IndexerCursor.objects.get()
    if not hasattr(follower, "started_at"):
        follower.started_at = cursor.block_number
    return cursor.block_number > follower.started_at


def _trade(market: Market, stop: threading.Event, made: list):
    while not stop.is_set():
        made.append(market.run(deals=1))


def test_sigkill_indexer_and_worker(market_devnet, tmp_path):
    _sigkill_rounds(market_devnet, tmp_path, rounds=5, seed=3)


@pytest.mark.slow
def test_sigkill_indexer_and_worker_twenty_times(market_devnet, tmp_path):
    _sigkill_rounds(market_devnet, tmp_path, rounds=20, seed=4)


def _says_stale(url: str, chain_id: int) -> set[bool]:
    """What the API headers and /metrics say of staleness; they must answer all the same. Read
    one after the other, the two may straddle the moment the index turns current or stale:
    the callers wait until both agree."""
    deals = requests.get(f"{url}/api/v1/deals", timeout=30)
    metrics = requests.get(f"{url}/metrics", params={"chainId": chain_id}, timeout=30)
    assert deals.status_code == metrics.status_code == 200
    assert deals.json()["count"] > 0
    return {deals.headers["X-Index-Stale"] == "true", metrics.json()["stale"]}


def _node_outage(market_state, tmp_path, *, outage: float):
    state, deployment, _deals = market_state
    saved = tmp_path / "outage.json"
    devnet = devnet_start(state=state, deployment=deployment, dump=saved)
    port = devnet.anvil.port
    chain_id = deployment["chain_id"]
    env = command_env(devnet, INDEX_STALE_SECONDS=1)
    follower = manage(["index", "--follow", "--quiet"], env=env)
    server, url = serve(env=env)
    try:
        market = Market(rpc_url=devnet.url, deployment=deployment, seed=5)
        market.setup()
        market.run(deals=1)
        _until(lambda: _says_stale(url, chain_id) == {False}, 60, "the index never became current")
        devnet.anvil.stop()  # the node goes away, writing its state
        gone = time.monotonic()
        _until(
            lambda: _says_stale(url, chain_id) == {True},
            outage + 10,
            "not stale while the node is away",
        )
        for page in ("/", "/deals/all", "/pools"):  # the pages serve what they have, and say so
            answer = requests.get(url + page, timeout=30)
            assert answer.status_code == 200, (page, answer.text[-2000:])
            assert "The data may be stale" in answer.text, page
        time.sleep(max(0.0, outage - (time.monotonic() - gone)))
        assert follower.poll() is None, "the indexer gave up while the node was away"
        devnet = devnet_start(state=saved, deployment=deployment, port=port)
        market = Market(rpc_url=devnet.url, deployment=deployment, seed=6)
        market.run(deals=1)
        head = devnet.head()
        _until(
            lambda: IndexerCursor.objects.filter(block_number__gte=head).exists(),
            90,
            "the indexer did not catch up after the node came back",
        )
        _until(lambda: _says_stale(url, chain_id) == {False}, 15, "still stale after catching up")
    finally:
        for process in (follower, server):
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        stderr = follower.stderr.read().decode()
    assert "retrying" in stderr
    assert_equals_fresh_index(devnet)
    devnet.anvil.stop()


def _until(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def test_node_stopped_and_restarted(market_state, tmp_path):
    _node_outage(market_state, tmp_path, outage=3)


@pytest.mark.slow
def test_node_stopped_for_thirty_seconds(market_state, tmp_path):
    _node_outage(market_state, tmp_path, outage=30)


def test_second_indexer_waits_for_the_first(market_devnet):
    env = command_env(market_devnet)
    first = manage(["index", "--follow", "--quiet"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not IndexerCursor.objects.filter(block_number=market_devnet.head()).exists():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.2)
        second = manage(["index", "--quiet"], env=env)
        # Its log, line by line, however long a loaded machine takes to start it: it ends
        # (no more lines) if the second indexer does not wait.
        logged = iter(second.stderr.readline, b"")
        assert any(b"waiting" in line for line in logged), "the second indexer did not wait"
        assert second.poll() is None
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(30)
    assert second.wait(60) == 0
