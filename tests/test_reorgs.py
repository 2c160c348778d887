"""Reorgs made with anvil_reorg and anvil_rollback: afterwards the index equals a fresh one."""

import random
import threading

import pytest
from django.db import connection

from marketplace.chain.abi_codec import functions
from marketplace.chain.artifacts import abi
from marketplace.models import Deal, IndexerCursor, RawEvent
from marketplace.simulation.market import Market
from tests.snapshot import index_snapshot, index_wipe

pytestmark = pytest.mark.django_db(transaction=True)
RLC = functions(abi("RLC"))


def _market(devnet) -> Market:
    # anvil 1.7.1 loses its whole state when a reorg or rollback reaches below the block it was
    # loaded at: blocks mined after the load keep every fork the tests make above it.
    devnet.mine(25)
    market = Market(rpc_url=devnet.url, deployment=devnet.deployment, seed=7)
    market.setup()
    return market


def _fork_txs(devnet, count: int) -> list:
    """Transactions for the new fork: RLC transfers, so the fork is not merely empty blocks."""
    accounts = devnet.w3.eth.accounts
    return [
        [
            {
                "from": accounts[0],
                "to": devnet.deployment["rlc"],
                "data": RLC["transfer"].calldata(accounts[15], 10**9 + i),
            },
            0,
        ]
        for i in range(count)
    ]


def _assert_equals_fresh_index(devnet):
    survivor = index_snapshot()
    index_wipe()
    devnet.index()
    assert index_snapshot() == survivor


@pytest.mark.parametrize("depth", [1, 4, 20])
def test_reorg_undoes_the_fork_and_equals_a_fresh_index(market_devnet, depth):
    market = _market(market_devnet)
    market_devnet.index()
    market.run(deals=2)
    market_devnet.index()
    head = market_devnet.head()
    deals_before = Deal.objects.count()
    hash_before = IndexerCursor.objects.get().block_hash

    market_devnet.rpc("anvil_reorg", [depth, _fork_txs(market_devnet, 2)])
    market_devnet.index()

    cursor = IndexerCursor.objects.get()
    assert cursor.block_number == market_devnet.head() == head
    assert cursor.block_hash != hash_before
    assert not RawEvent.objects.filter(
        block__number__gt=head - depth, name="OrdersMatched"
    ).exists()
    assert Deal.objects.count() <= deals_before
    _assert_equals_fresh_index(market_devnet)


def test_rollback_shortening_the_chain(market_devnet):
    market = _market(market_devnet)
    market_devnet.index()
    market.run(deals=1)
    market_devnet.index()
    events_before = RawEvent.objects.count()
    market_devnet.rpc("anvil_rollback", [5])
    market_devnet.index()
    assert IndexerCursor.objects.get().block_number == market_devnet.head()
    assert RawEvent.objects.count() < events_before
    _assert_equals_fresh_index(market_devnet)


def _follow(indexer, stop):
    try:
        indexer.run(follow=True, poll_seconds=0.05, stop=stop)
    finally:
        connection.close()


def _reorgs_while_following(devnet, *, rounds: int, seed: int):
    rng = random.Random(seed)
    market = _market(devnet)
    stop = threading.Event()
    indexer = devnet.indexer(max_batch_blocks=4)
    follower = threading.Thread(target=_follow, args=(indexer, stop))
    follower.start()
    try:
        for _ in range(rounds):
            market.run(deals=1)
            stop.wait(rng.uniform(0, 0.3))
            depth = rng.randint(1, 20)
            devnet.rpc("anvil_reorg", [depth, _fork_txs(devnet, rng.randint(0, 3))])
            stop.wait(rng.uniform(0, 0.3))
            if rng.random() < 0.3:
                devnet.rpc("anvil_rollback", [rng.randint(1, 5)])
    finally:
        stop.set()
        follower.join(60)
    devnet.index()
    assert IndexerCursor.objects.get().block_number == devnet.head()
    _assert_equals_fresh_index(devnet)


def test_random_reorgs_while_following(market_devnet):
    _reorgs_while_following(market_devnet, rounds=4, seed=1)


@pytest.mark.slow
def test_many_random_reorgs_while_following(market_devnet):
    _reorgs_while_following(market_devnet, rounds=25, seed=2)
