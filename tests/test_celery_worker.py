"""A real Celery worker re-checks open orders against the chain when the index cannot tell."""

import signal
import subprocess
import sys
import time

import pytest

from marketplace.chain.protocol import NO_TAG
from orderbook.models import Order
from orderbook.tasks import revalidate_open_orders
from tests.market_client import MarketClient
from tests.processes import ROOT, command_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.market(seed=19)]


def test_worker_kills_an_order_whose_stake_left(client, market):
    api = MarketClient(client, market.chain.domain["chainId"])
    pool = market.pools["beta"]
    order = pool.scheduler.workerpool_order(
        workerpool=pool.address, price=10**9, volume=3, tag=NO_TAG, category=1, trust=1,
        salt="0x" + "77" * 32,
    )  # fmt: skip
    assert api.publish("workerpoolorder", order, pool.scheduler.key).status_code == 200
    # The stake leaves while no indexer runs: only a re-check against the chain can tell.
    pool.scheduler.withdraw(pool.scheduler.stake())

    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "marketplace", "worker", "--pool", "solo"],
        cwd=ROOT,
        env=command_env(market.devnet),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        revalidate_open_orders.delay()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if Order.objects.get().status == Order.DEAD:
                break
            time.sleep(0.3)
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
    dead = Order.objects.get()
    assert dead.status == Order.DEAD, worker.stderr.read().decode()[-3000:]
    assert dead.dead_reason.startswith(f"stake too low: {pool.scheduler.address} has 0 nRLC")
