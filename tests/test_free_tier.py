"""A public provider's free tier (tests/free_tier.py, enforced by the FaultyNode proxy): the
client keeps within its batch and rate limits, and an index made through it equals one made
directly."""

import time

import pytest
from django.test import override_settings
from web3 import Web3

from marketplace.chain.node import NodeProvider, node_client
from marketplace.chain.rpc import RpcClient
from marketplace.indexer.runner import Indexer
from orderbook import facts
from tests.faulty_node import FaultyNode
from tests.free_tier import FreeTier
from tests.snapshot import assert_equals_fresh_index

QUIET = {"fault_rate": 0.0, "max_rps": 1000.0}


def _proxy(devnet, **tier) -> FaultyNode:
    return FaultyNode(devnet.url, hang_seconds=1, seed=3, tier=FreeTier(**tier)).start()


def _blocks(count: int) -> list[tuple[str, list]]:
    return [("eth_getBlockByNumber", [hex(n % 3), False]) for n in range(count)]


@pytest.mark.django_db(transaction=True)
def test_an_index_through_a_free_tier_equals_a_direct_one(market_devnet):
    market_devnet.rpc("anvil_mine", [hex(3000)])  # a quiet stretch: longer ranges than the cap
    node = _proxy(market_devnet, fault_rate=0.05)
    try:
        with override_settings(CHAIN_RPC_MAX_BATCH=10, CHAIN_RPC_MAX_RPS=150):
            started = time.monotonic()
            Indexer(rpc_url=node.url, hub=market_devnet.hub).run(follow=False, give_up_after=30)
            through_proxy = time.monotonic() - started
    finally:
        node.stop()
    met = node.tier.met
    # Every limit and fault of the tier was met, except those the settings keep away from.
    assert met["batch"] == met["no_address"] == 0, met
    assert all(met[limit] for limit in ("range", "count", "history", "dropped", "cut")), met
    direct = assert_equals_fresh_index(market_devnet)
    print(
        f"\nindex of {market_devnet.head()} blocks: {through_proxy:.2f}s through the free tier "
        f"(batches of 10, 150 calls/s), {direct:.2f}s directly; the tier admitted "
        f"{node.tier.calls} calls and met {met}"
    )


@pytest.mark.parametrize("refusal", ["error", "http"])
def test_a_refused_batch_is_split_and_the_size_remembered(devnet, refusal):
    node = _proxy(devnet, batch_refusal=refusal, **QUIET)
    try:
        client = RpcClient(node.url, max_batch=64)
        assert client.batch(_blocks(40)) == RpcClient(devnet.url).batch(_blocks(40))
        assert client.max_batch == 10
        refused = node.tier.met["batch"]
        client.batch(_blocks(40))
        assert node.tier.met["batch"] == refused  # nothing refused once learnt
    finally:
        node.stop()


def test_without_batching_single_calls_are_sent(devnet):
    node = _proxy(devnet, max_batch=0, **QUIET)  # batches refused outright
    try:
        client = RpcClient(node.url, max_batch=1)
        assert client.batch(_blocks(5)) == RpcClient(devnet.url).batch(_blocks(5))
        assert node.tier.met["batch"] == 0
    finally:
        node.stop()


def test_a_429_waits_its_retry_after_and_the_rate_setting_avoids_it(devnet):
    node = _proxy(devnet, max_rps=20.0, fault_rate=0.0)
    try:
        started = time.monotonic()
        assert len(RpcClient(node.url, max_batch=10).batch(_blocks(50))) == 50
        assert node.tier.met["429"] > 0
        assert time.monotonic() - started >= 1  # Retry-After: 1
        time.sleep(1)  # the tier's bucket full again
        limited = node.tier.met["429"]
        assert len(RpcClient(node.url, max_batch=10, max_rps=15).batch(_blocks(50))) == 50
        assert node.tier.met["429"] == limited
    finally:
        node.stop()


def test_every_client_of_the_site_has_the_provider_settings(settings):
    settings.CHAIN_RPC_MAX_BATCH, settings.CHAIN_RPC_MAX_RPS = 7, 3.0
    for client in (
        node_client(),
        facts.chain_reader().rpc,
        Indexer(rpc_url="http://x", hub="0x" + "1" * 40).rpc,
    ):
        assert client.max_batch == 7
        assert client._bucket is not None and client._bucket.rate == 3.0


def test_web3_reads_through_the_node_client(devnet, settings):
    """siwe's check of a contract wallet's sign-in goes through web3: NodeProvider keeps it
    within the provider's limits too."""
    settings.CHAIN_RPC_URL = devnet.url
    w3 = Web3(NodeProvider())
    assert w3.eth.chain_id == devnet.w3.eth.chain_id
    assert w3.eth.get_block("latest")["number"] == devnet.head()
    assert w3.eth.get_code(devnet.hub) == devnet.w3.eth.get_code(devnet.hub)
