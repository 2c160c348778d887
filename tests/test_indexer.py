"""The indexer against the real contracts: what it stores is what the chain's views say."""

import pytest

from marketplace.chain.abi_codec import checksum
from marketplace.chain.reader import Reader, asset_calls
from marketplace.chain.rpc import RpcClient
from marketplace.indexer.store import (
    account_fields,
    asset_fields,
    contribution_fields,
    deal_fields,
    task_fields,
)
from marketplace.models import (
    Account,
    App,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    RawEvent,
    Task,
    Workerpool,
)
from tests.snapshot import index_snapshot, index_wipe

pytestmark = pytest.mark.django_db(transaction=True)


def _b32(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def assert_matches_chain(devnet):
    """Every indexed entity equals the chain's own views, and nothing on chain is missing."""
    reader = Reader(RpcClient(devnet.url), devnet.hub)
    logs = RpcClient(devnet.url).call(
        "eth_getLogs", [{"fromBlock": "0x0", "toBlock": "latest", "address": devnet.hub}]
    )
    assert RawEvent.objects.filter(address=devnet.hub).count() == len(logs)

    assert Category.objects.count() == reader.one("countCategory")
    for category in Category.objects.all():
        view = reader.one("viewCategory", category.catid)
        assert (category.name, category.description, category.work_clock_time_ref) == (
            view["name"],
            view["description"],
            view["workClockTimeRef"],
        )
    for kind, model in (("app", App), ("dataset", Dataset), ("workerpool", Workerpool)):
        for asset in model.objects.all():
            calls = asset_calls(kind, asset.address)
            state = dict(zip([c.function.name for c in calls], reader.many(calls), strict=True))
            stored = {k: getattr(asset, k) for k in asset_fields(kind, state)}
            assert stored == asset_fields(kind, state)
    for deal in Deal.objects.all():
        view = reader.one("viewDeal", _b32(deal.dealid))
        assert {k: getattr(deal, k) for k in deal_fields(view)} == deal_fields(view)
        assert reader.one("viewConsumed", _b32(deal.request_hash)) >= deal.volume
    for task in Task.objects.select_related("deal"):
        view = reader.one("viewTask", _b32(task.taskid))
        assert {k: getattr(task, k) for k in task_fields(view)} == task_fields(view)
        assert view["dealid"] == task.deal.dealid
        assert sorted(c.worker for c in task.contributions.all()) == sorted(view["contributors"])
    for contribution in Contribution.objects.select_related("task"):
        view = reader.one("viewContribution", _b32(contribution.task.taskid), contribution.worker)
        stored = {k: getattr(contribution, k) for k in contribution_fields(view)}
        assert stored == contribution_fields(view)
    for account in Account.objects.all():
        view = {
            **reader.one("viewAccount", account.address),
            "score": reader.one("viewScore", account.address),
        }
        assert {k: getattr(account, k) for k in account_fields(view)} == account_fields(view)


def test_index_equals_chain_views(market_devnet):
    market_devnet.index()
    assert IndexerCursor.objects.get().block_number == market_devnet.head()
    assert_matches_chain(market_devnet)
    # Every PoCo task state the simulated market produces is there.
    assert set(Task.objects.values_list("status", flat=True)) >= {Task.COMPLETED, Task.FAILED}
    assert Contribution.objects.filter(status=Contribution.REJECTED).exists()
    assert Account.objects.exclude(score=0).exists()
    dealids = {d["dealid"] for d in market_devnet.deals}
    assert dealids <= set(Deal.objects.values_list("dealid", flat=True))


def test_index_in_small_ranges_equals_one_pass(market_devnet):
    market_devnet.index()
    one_pass = index_snapshot()
    index_wipe()
    market_devnet.index(max_batch_blocks=3)
    assert index_snapshot() == one_pass


def test_replaying_a_range_changes_nothing(market_devnet):
    market_devnet.index()
    before = index_snapshot()
    cursor = IndexerCursor.objects.get()
    middle = cursor.block_number // 2
    IndexerCursor.objects.update(block_number=middle, block_hash="")
    market_devnet.index()
    assert index_snapshot() == before


def test_state_changes_without_new_entities_are_followed(market_devnet):
    market_devnet.index()
    w3 = market_devnet.w3
    someone = Account.objects.exclude(stake=0).exclude(address=checksum(market_devnet.hub)).first()
    hub = w3.eth.contract(address=market_devnet.hub, abi=_abi("IexecInterfaceToken"))
    hub.functions.withdraw(1).transact({"from": someone.address})
    market_devnet.index()
    someone.refresh_from_db()
    assert someone.stake == reader_stake(market_devnet, someone.address)


def reader_stake(devnet, address):
    return Reader(RpcClient(devnet.url), devnet.hub).one("viewAccount", address)["stake"]


def _abi(name):
    from marketplace.chain.artifacts import abi

    return abi(name)
