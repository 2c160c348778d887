"""The indexer killed, the node gone, a second indexer by mistake: nothing lost, nothing twice."""

import random
import signal
import time

import pytest
from django.db import connection

from marketplace.models import IndexerCursor
from marketplace.simulation.market import Market
from tests.chain import devnet_start
from tests.processes import command_env, manage
from tests.snapshot import index_snapshot, index_wipe

pytestmark = pytest.mark.django_db(transaction=True)


def _assert_equals_fresh_index(devnet):
    connection.close()
    survivor = index_snapshot()
    index_wipe()
    devnet.index()
    assert index_snapshot() == survivor


def _sigkill_rounds(devnet, *, rounds: int, seed: int):
    rng = random.Random(seed)
    market = Market(rpc_url=devnet.url, deployment=devnet.deployment, seed=seed)
    market.setup()
    env = command_env(devnet, INDEXER_BATCH_BLOCKS=3)
    for _ in range(rounds):
        follower = manage(["index", "--follow", "--quiet"], env=env)
        market.run(deals=1)
        time.sleep(rng.uniform(0.05, 0.6))
        follower.send_signal(signal.SIGKILL)
        follower.wait()
    finisher = manage(["index", "--quiet"], env=env)
    assert finisher.wait(120) == 0, finisher.stderr.read().decode()
    assert IndexerCursor.objects.get().block_number == devnet.head()
    _assert_equals_fresh_index(devnet)


def test_sigkill_mid_batch(market_devnet):
    _sigkill_rounds(market_devnet, rounds=3, seed=3)


@pytest.mark.slow
def test_sigkill_twenty_times(market_devnet):
    _sigkill_rounds(market_devnet, rounds=20, seed=4)


def _node_outage(market_state, tmp_path, *, outage: float):
    state, deployment, _deals = market_state
    saved = tmp_path / "outage.json"
    devnet = devnet_start(state=state, deployment=deployment, dump=saved)
    port = devnet.anvil.port
    follower = manage(["index", "--follow", "--quiet"], env=command_env(devnet))
    try:
        market = Market(rpc_url=devnet.url, deployment=deployment, seed=5)
        market.setup()
        market.run(deals=1)
        devnet.anvil.stop()  # the node goes away, writing its state
        time.sleep(outage)
        assert follower.poll() is None, "the indexer gave up while the node was away"
        devnet = devnet_start(state=saved, deployment=deployment, port=port)
        market = Market(rpc_url=devnet.url, deployment=deployment, seed=6)
        market.run(deals=1)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            cursor = IndexerCursor.objects.filter(block_number__gte=devnet.head()).first()
            if cursor:
                break
            time.sleep(0.5)
        assert cursor, "the indexer did not catch up after the node came back"
    finally:
        follower.send_signal(signal.SIGTERM)
        follower.wait(30)
        stderr = follower.stderr.read().decode()
    assert "retrying" in stderr
    _assert_equals_fresh_index(devnet)
    devnet.anvil.stop()


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
        time.sleep(3)
        assert second.poll() is None, "the second indexer did not wait"
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(30)
    assert second.wait(60) == 0
    assert "waiting" in second.stderr.read().decode()
