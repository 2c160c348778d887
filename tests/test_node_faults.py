"""The node answering errors and garbage (a proxy the test controls): the indexer waits and
resumes with no gap and no duplicate, and the APIs keep serving, saying their data is stale."""

import random
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests

from marketplace.models import IndexerCursor
from marketplace.simulation.market import Market
from tests.faulty_node import FAULTS, FaultyNode
from tests.processes import ROOT, command_env, manage, serve
from tests.snapshot import assert_equals_fresh_index

pytestmark = pytest.mark.django_db(transaction=True)


def _trade(market: Market, stop: threading.Event, made: list):
    while not stop.is_set():
        made.append(market.run(deals=1))
        stop.wait(0.2)


def _stale(url: str) -> bool:
    answer = requests.get(f"{url}/api/v1/deals", timeout=30)
    assert answer.status_code == 200 and answer.json()["count"] > 0  # still serving
    return answer.headers["X-Index-Stale"] == "true"


def _until(predicate, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.2)


def _alive(process) -> bool:
    assert process.poll() is None, process.stderr.read().decode()[-3000:]
    return True


def _caught_up(devnet) -> bool:
    head = devnet.rpc("eth_getBlockByNumber", ["latest", False])["hash"]
    return IndexerCursor.objects.filter(block_hash=head).exists()


def _faults(devnet, *, rounds: int, seed: int):
    """Each round: two faults in a row, until the APIs say stale; then the node heals, and the
    indexer resumes and the APIs say fresh again."""
    rng = random.Random(seed)
    node = FaultyNode(devnet.url, hang_seconds=3, seed=seed).start()
    market = Market(rpc_url=devnet.url, deployment=devnet.deployment, seed=seed)
    market.setup()
    env = command_env(
        devnet, CHAIN_RPC_URL=node.url, CHAIN_RPC_TIMEOUT=1, INDEX_STALE_SECONDS=2,
        INDEXER_BATCH_BLOCKS=5,
    )  # fmt: skip
    follower = manage(["index", "--follow", "--quiet"], env=env)
    server, url = serve(env=env)
    stop, made = threading.Event(), []
    trader = threading.Thread(target=_trade, args=(market, stop, made))
    trader.start()
    try:
        _until(lambda: _caught_up(devnet) and not _stale(url), 60, "never caught up")
        for n in range(rounds):
            # Two faults in a row, each until the indexer has met it and a while longer.
            for fault in (FAULTS[2 * n % len(FAULTS)], FAULTS[(2 * n + 1) % len(FAULTS)]):
                served = node.served[fault]
                node.mode = fault
                _until(lambda f=fault, s=served: node.served[f] > s, 60, f"{fault} never met")
                time.sleep(rng.uniform(0, 1.5))
            # The fault lasts: the API serves what it has and says it is stale.
            _until(lambda: _stale(url), 15, f"not stale while the node answers {node.mode}")
            node.mode = "pass"
            _until(
                lambda: _alive(follower) and _caught_up(devnet) and not _stale(url),
                90,
                "did not recover",
            )
    finally:
        node.mode = "pass"
        stop.set()
        trader.join(120)
    try:
        _until(lambda: _caught_up(devnet), 90, "the indexer did not resume")
        _until(lambda: not _stale(url), 15, "still stale once the node recovered")
    finally:
        for process in (follower, server):
            process.send_signal(signal.SIGTERM)
            process.wait(30)
        node.stop()
    assert made, "the market made no deal"
    assert all(node.served[f] for f in FAULTS), node.served
    assert "retrying" in follower.stderr.read().decode()
    assert_equals_fresh_index(devnet)


def test_node_answering_errors_and_garbage(market_devnet):
    _faults(market_devnet, rounds=len(FAULTS) // 2, seed=31)


@pytest.mark.slow
def test_node_misbehaving_for_long(market_devnet):
    _faults(market_devnet, rounds=3 * len(FAULTS), seed=32)


# `manage.py index --follow` with one more hook, whose write has a bug.
BUGGY_INDEX = """
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
django.setup()
from django.conf import settings
from django.core.management import execute_from_command_line

from marketplace.indexer.hooks import Hook


def _bug(context, prepared):
    raise TypeError("a bug in a hook")


hook_bug = Hook(write=_bug)
settings.INDEXER_HOOKS = [*settings.INDEXER_HOOKS, "__main__.hook_bug"]
execute_from_command_line(["manage.py", "index", "--follow", "--quiet"])
"""


def test_a_bug_stops_the_indexer_loudly_and_garbage_is_retried(devnet):
    buggy = subprocess.run(
        [sys.executable, "-c", BUGGY_INDEX],
        env=command_env(devnet),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert buggy.returncode != 0
    assert "Traceback" in buggy.stderr and "TypeError: a bug in a hook" in buggy.stderr
    assert "retrying" not in buggy.stderr
    assert not IndexerCursor.objects.exists()  # the batch went with it

    node = FaultyNode(devnet.url, hang_seconds=1, seed=7).start()
    follower = manage(
        ["index", "--follow", "--quiet"], env=command_env(devnet, CHAIN_RPC_URL=node.url)
    )
    try:
        _until(lambda: _alive(follower) and _caught_up(devnet), 60, "never caught up")
        node.mode = "garbage"
        _until(lambda: node.served["garbage"] >= 4, 60, "garbage never met")
        node.mode = "pass"
        devnet.rpc("evm_mine")
        _until(lambda: _alive(follower) and _caught_up(devnet), 60, "did not recover")
    finally:
        node.mode = "pass"
        follower.send_signal(signal.SIGTERM)
        follower.wait(30)
        node.stop()
    assert "malformed answer" in follower.stderr.read().decode()
