"""The simulated market on its own fresh chain: one cycle of scenarios walks tasks through every
PoCo state and emits the events the indexer must handle; setup is idempotent; the bulk generator
produces complete deals."""

import threading
from collections import Counter

import pytest
from eth_utils import event_abi_to_log_topic, keccak
from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.artifacts import abi
from marketplace.chain.deploy import deploy_poco
from marketplace.chain.protocol import TEE_TAG, ZERO_ADDRESS, ZERO_BYTES32
from marketplace.simulation import SCENARIOS, Market
from marketplace.simulation.actors import TaskStatus
from marketplace.simulation.bulk import generate_chain

HUB_EVENTS = {
    "0x" + event_abi_to_log_topic(e).hex(): e["name"]
    for e in abi("IexecInterfaceToken")
    if e["type"] == "event"
}
PROVED, REJECTED = 2, 3  # PoCo's ContributionStatusEnum
POLICY_UPDATE = "0x" + keccak(text="PolicyUpdate(uint256,uint256,uint256,uint256)").hex()


def _deploy(anvil: Anvil) -> dict:
    w3 = Web3(Web3.HTTPProvider(anvil.url))
    return deploy_poco(w3, owner=w3.eth.accounts[0]).as_dict()


@pytest.fixture(scope="module")
def market():
    with Anvil() as anvil:
        market = Market(rpc_url=anvil.url, deployment=_deploy(anvil), seed=1)
        market.setup()
        yield market


@pytest.fixture(scope="module")
def cycle(market):
    """One run of len(SCENARIOS) deals, and the hub events it emitted, by name."""
    first = market.chain.w3.eth.block_number + 1
    deals = market.run(deals=len(SCENARIOS))
    logs = market.chain.w3.eth.get_logs(
        {"address": market.chain.hub.address, "fromBlock": first, "toBlock": "latest"}
    )
    events = Counter(HUB_EVENTS.get("0x" + log["topics"][0].hex()) for log in logs)
    return {deal["scenario"]: deal for deal in deals}, events


def _task(market: Market, taskid: str):
    return market.chain.task(bytes.fromhex(taskid[2:]))


def _contribution(market: Market, taskid: str, worker: str):
    hub = market.chain.hub
    return market.chain.view(hub, "viewContribution", bytes.fromhex(taskid[2:]), worker)


def _deal(market: Market, deal: dict):
    return market.chain.view(market.chain.hub, "viewDeal", bytes.fromhex(deal["dealid"][2:]))


def test_a_cycle_covers_every_scenario(cycle):
    deals, _events = cycle
    assert sorted(deals) == sorted(SCENARIOS)


def test_tasks_end_completed_or_claimed(market, cycle):
    deals, _events = cycle
    for scenario, deal in deals.items():
        expected = TaskStatus.FAILED if scenario == "claim" else TaskStatus.COMPLETED
        statuses = [_task(market, taskid).status for taskid in deal["taskids"]]
        assert statuses == [expected] * len(deal["taskids"]), scenario
    assert len(deals["dataset"]["taskids"]) == len(deals["claim"]["taskids"]) == 2


def test_every_protocol_event_is_emitted(cycle):
    _deals, events = cycle
    for name in (
        "OrdersMatched", "SchedulerNotice", "DealSponsored", "TaskInitialize", "TaskContribute",
        "TaskConsensus", "TaskReveal", "TaskReopen", "TaskFinalize", "TaskClaimed",
        "AccurateContribution", "FaultyContribution", "Lock", "Unlock", "Reward", "Seize",
        "ClosedAppOrder", "ClosedDatasetOrder", "ClosedWorkerpoolOrder", "ClosedRequestOrder",
        "SignedWorkerpoolOrder", "BroadcastAppOrder", "BroadcastRequestOrder", "Transfer",
    ):  # fmt: skip
        assert events[name] >= 1, name
    assert events["OrdersMatched"] == len(SCENARIOS)


def test_replicated_deal_punishes_the_faulty_worker(market, cycle):
    deals, _events = cycle
    (taskid,) = deals["replicated"]["taskids"]
    task = _task(market, taskid)
    faulty = market.pools["alpha"].faulty
    assert faulty.address in task.contributors and len(task.contributors) >= 2
    assert _contribution(market, taskid, faulty.address).resultHash != task.consensusValue
    assert _deal(market, deals["replicated"]).trust == 3


def test_reopened_task_completes_with_other_workers(market, cycle):
    deals, _events = cycle
    (taskid,) = deals["reopen"]["taskids"]
    task = _task(market, taskid)
    statuses = [_contribution(market, taskid, worker).status for worker in task.contributors]
    # reopen marks the silent consensus REJECTED; fresh workers then reach a new one.
    assert REJECTED in statuses and PROVED in statuses


def test_tee_deal_carries_enclave_challenges(market, cycle):
    deals, _events = cycle
    deal = _deal(market, deals["tee"])
    assert deal.tag == bytes.fromhex(TEE_TAG[2:]) and deal.app.pointer == market.apps["tee"]
    (taskid,) = deals["tee"]["taskids"]
    for worker in _task(market, taskid).contributors:
        assert _contribution(market, taskid, worker).enclaveChallenge != ZERO_ADDRESS


def test_private_pool_deal_is_its_customer_s(market, cycle):
    deals, _events = cycle
    deal = _deal(market, deals["private"])
    pool = market.pools["private"]
    assert deal.workerpool.pointer == pool.address and deal.requester == pool.customer.address


def test_dataset_deal_and_sponsored_deal(market, cycle):
    deals, _events = cycle
    dataset_deal = _deal(market, deals["dataset"])
    assert dataset_deal.dataset.pointer == market.dataset and dataset_deal.botSize == 2
    fast = _deal(market, deals["fast"])
    assert fast.sponsor == market.sponsor.address != fast.requester


def test_policy_update_and_withdraw_happened(market, cycle):
    w3 = market.chain.w3
    beta = market.pools["beta"].address
    assert w3.eth.get_logs({"address": beta, "fromBlock": 0, "topics": [POLICY_UPDATE]})
    # A withdraw burns SRLC: the hub's ERC-20 Transfer to the zero address.
    transfer = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
    burns = w3.eth.get_logs(
        {
            "address": market.chain.hub.address,
            "fromBlock": 0,
            "topics": [transfer, None, ZERO_BYTES32],
        }
    )
    assert burns


def test_setup_twice_creates_nothing(market, cycle):
    chain = market.chain
    registries = (chain.app_registry, chain.dataset_registry, chain.workerpool_registry)
    supplies = [chain.view(registry, "totalSupply") for registry in registries]
    head = chain.w3.eth.block_number
    again = Market(rpc_url=chain.w3.provider.endpoint_uri, deployment=_deployment_of(market))
    assets = again.setup()
    assert chain.w3.eth.block_number == head, "a second setup sent transactions"
    assert [chain.view(registry, "totalSupply") for registry in registries] == supplies == [2, 1, 3]
    assert assets == market.setup()
    # The new instance plays on the same assets.
    assert again.run_deal("basic")["taskids"]


def _deployment_of(market: Market) -> dict:
    chain = market.chain
    return {
        "hub": chain.hub.address,
        "rlc": chain.rlc.address,
        "app_registry": chain.app_registry.address,
        "dataset_registry": chain.dataset_registry.address,
        "workerpool_registry": chain.workerpool_registry.address,
        "owner": market.funder,
    }


def test_run_forever_stops_on_its_event(market):
    stop = threading.Event()
    played = []
    original = market.run_deal

    def counting(scenario):
        played.append(scenario)
        if len(played) == 2:
            stop.set()
        return original(scenario)

    market.run_deal = counting
    try:
        market.run_forever(pace_seconds=0.01, stop_event=stop)
    finally:
        del market.run_deal
    assert len(played) == 2


def test_unknown_scenario_is_refused(market):
    with pytest.raises(ValueError):
        market.run_deal("heist")


def test_bulk_generator_completes_every_deal():
    with Anvil(extra_args=["--order", "fifo", "--gas-limit", "1000000000"]) as anvil:
        deployment = _deploy(anvil)
        seen = []
        figures = generate_chain(
            rpc_url=anvil.url,
            deployment=deployment,
            deals=30,
            deals_per_block=12,
            progress=lambda done, total: seen.append((done, total)),
        )
        assert figures["deals"] == 30 and figures["blocks"] == 3
        assert seen[-1] == (30, 30)
        # generate_chain checked the logs itself; the node is back to automine for others.
        assert Web3(Web3.HTTPProvider(anvil.url)).provider.make_request("anvil_getAutomine", [])[
            "result"
        ]
