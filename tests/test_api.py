"""The read API under /api/v1/, as a client sees it: rows made with the ORM, JSON asserted."""

import datetime
import itertools

import pytest
from django.core.management import call_command
from eth_utils import to_checksum_address

from marketplace.chain.protocol import ZERO_ADDRESS as ZERO
from marketplace.models import (
    Account,
    App,
    AssetTransfer,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    Task,
    Workerpool,
)
from marketplace.simulation.rows import block_row

pytestmark = pytest.mark.django_db

CHAIN = 134
OTHER_CHAIN = 65535
NRLC = 10**9
# Above 2^53: a JSON number would come back rounded in JavaScript.
BIG_STAKE = 87_000_000 * NRLC


def address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}")


def bytes32(n: int) -> str:
    return f"0x{n:064x}"


REQUESTER = to_checksum_address("0x7bd4783fdcad405a28052a0d1f11236a741da593")
BENEFICIARY = to_checksum_address("0x9a1fd8c3b5c0d8d8a7e1aa3a3a0fd5a3d6c4b201")
APP = to_checksum_address("0x63c8de22025a7a463acd6c89c50b27013ecbf6e6")
DATASET = to_checksum_address("0xb6f5b7c3bbd5c8e9d2c7f0a9a18e3f2d6f3a2c41")
WORKERPOOL = to_checksum_address("0xeb14dc854a8873e419183c81a657d025ec70276b")
OWNER = to_checksum_address("0xa1b2c3d4e5f60718293a4b5c6d7e8f9012345678")
BUYER = to_checksum_address("0x1f2e3d4c5b6a79880796a5b4c3d2e1f0a9b8c7d6")
WORKERS = [
    to_checksum_address("0x2b0c8a0a1f4c5a6b7c8d9e0f1a2b3c4d5e6f7081"),
    to_checksum_address("0x3c1d9b1b2a5d6b7c8d9e0f1a2b3c4d5e6f708192"),
]


@pytest.fixture
def blocks():
    """make(number) -> the Block of that number on CHAIN (or chain_id=...), made on first use."""
    made = {}
    start = datetime.datetime(2025, 3, 1, 12, 0, tzinfo=datetime.UTC)

    def make(number, *, chain_id=CHAIN):
        if (chain_id, number) not in made:
            at = start + datetime.timedelta(seconds=5 * number)
            made[chain_id, number] = block_row(chain_id=chain_id, number=number, timestamp=at)
            made[chain_id, number].save()
        return made[chain_id, number]

    return make


@pytest.fixture
def indexed():
    """One indexed chain, as a deployment has."""
    return IndexerCursor.objects.create(
        chain_id=CHAIN, hub=address(1), block_number=1000, block_hash=bytes32(1000)
    )


_tx = itertools.count(1)


def tx() -> str:
    return bytes32(0xA0000 + next(_tx))


def make_deal(blocks, *, number, dealid, chain_id=CHAIN, **fields):
    values = {
        "app_pointer": APP,
        "app_owner": OWNER,
        "app_price": 3 * NRLC,
        "dataset_pointer": DATASET,
        "dataset_owner": OWNER,
        "dataset_price": 2 * NRLC,
        "workerpool_pointer": WORKERPOOL,
        "workerpool_owner": OWNER,
        "workerpool_price": 10_000_000 * NRLC,
        "trust": 1,
        "category": 0,
        "tag": bytes32(1),
        "requester": REQUESTER,
        "beneficiary": BENEFICIARY,
        "callback": ZERO,
        "params": '{"iexec_args":"hello"}',
        "start_time": 1_740_830_400,
        "bot_first": 0,
        "bot_size": 2,
        "worker_stake": 3_000_000 * NRLC,
        "scheduler_reward_ratio": 5,
        "sponsor": REQUESTER,
        "app_hash": bytes32(0xA1),
        "dataset_hash": bytes32(0xD1),
        "workerpool_hash": bytes32(0xE1),
        "request_hash": bytes32(0xF1),
        "volume": 2,
        "log_index": 3,
    }
    values.update(fields)
    return Deal.objects.create(
        chain_id=chain_id,
        block=blocks(number, chain_id=chain_id),
        tx_hash=tx(),
        dealid=dealid,
        **values,
    )


def make_task(blocks, *, deal, number, taskid, idx=0, status=Task.ACTIVE, **fields):
    values = {
        "timeref": 300,
        "contribution_deadline": 1_740_833_100,
        "reveal_deadline": 0,
        "final_deadline": 1_740_839_400,
        "consensus_value": bytes32(0),
        "reveal_counter": 0,
        "winner_counter": 0,
        "contributors": [],
        "result_digest": bytes32(0),
        "results": "0x",
        "results_timestamp": 0,
        "results_callback": "0x",
    }
    values.update(fields)
    return Task.objects.create(
        chain_id=deal.chain_id,
        block=blocks(number, chain_id=deal.chain_id),
        tx_hash=tx(),
        taskid=taskid,
        deal=deal,
        idx=idx,
        status=status,
        **values,
    )


def make_app(blocks, *, number, app_address, owner=OWNER, chain_id=CHAIN):
    return App.objects.create(
        chain_id=chain_id,
        block=blocks(number, chain_id=chain_id),
        tx_hash=tx(),
        address=app_address,
        owner=owner,
        name="tee-echo",
        type="DOCKER",
        multiaddr="docker.io/iexechub/echo:1.0.0",
        checksum=bytes32(0xC0FFEE),
        mrenclave='{"framework":"SCONE"}',
    )


def get_json(client, url, *, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


# --- Categories ------------------------------------------------------------------------------


def test_categories_list_by_catid_and_detail(client, blocks, indexed):
    for catid, ref in [(2, 3600), (0, 300), (1, 1200)]:
        Category.objects.create(
            chain_id=CHAIN,
            block=blocks(10),
            tx_hash=bytes32(0xCA7 + catid),
            catid=catid,
            name=f"S{catid}",
            description='{"name":"XS"}',
            work_clock_time_ref=ref,
        )

    page = get_json(client, "/api/v1/categories")

    assert [c["catid"] for c in page["results"]] == [0, 1, 2]
    assert get_json(client, "/api/v1/categories/1") == {
        "catid": 1,
        "name": "S1",
        "description": '{"name":"XS"}',
        "workClockTimeRef": 1200,
        "blockNumber": 10,
        "transactionHash": bytes32(0xCA8),
    }


@pytest.mark.parametrize("catid", ["7", "abc", "-1", "99999999999999999999999"])
def test_category_unknown_or_malformed_is_json_404(client, indexed, catid):
    body = get_json(client, f"/api/v1/categories/{catid}", expect=404)

    assert catid in body["detail"]


# --- Assets ----------------------------------------------------------------------------------


def test_app_detail_by_any_case_with_transfers(client, blocks, indexed):
    make_app(blocks, number=20, app_address=APP)
    for log_index, (number, sender, receiver) in enumerate([(20, ZERO, OWNER), (25, OWNER, BUYER)]):
        AssetTransfer.objects.create(
            chain_id=CHAIN,
            block=blocks(number),
            tx_hash=bytes32(0x7000 + number),
            log_index=log_index,
            kind=AssetTransfer.APP,
            asset=APP,
            sender=sender,
            receiver=receiver,
        )
    # Same address in another registry: not a transfer of this app.
    AssetTransfer.objects.create(
        chain_id=CHAIN,
        block=blocks(26),
        tx_hash=bytes32(0x7026),
        log_index=0,
        kind=AssetTransfer.DATASET,
        asset=APP,
        sender=ZERO,
        receiver=OWNER,
    )

    for spelling in (APP.lower(), APP.upper().replace("0X", "0x"), APP):
        body = get_json(client, f"/api/v1/apps/{spelling}")
        assert body["address"] == APP

    assert body == {
        "address": APP,
        "owner": OWNER,
        "appName": "tee-echo",
        "appType": "DOCKER",
        "appMultiaddr": "docker.io/iexechub/echo:1.0.0",
        "appChecksum": bytes32(0xC0FFEE),
        "appMREnclave": '{"framework":"SCONE"}',
        "blockNumber": 20,
        "transactionHash": body["transactionHash"],
        "blockTimestamp": "2025-03-01T12:01:40Z",
        "transfers": [
            {"from": ZERO, "to": OWNER, "blockNumber": 20, "transactionHash": bytes32(0x7014)},
            {"from": OWNER, "to": BUYER, "blockNumber": 25, "transactionHash": bytes32(0x7019)},
        ],
    }


def test_apps_list_has_no_transfers_and_filters_by_owner(client, blocks, indexed):
    make_app(blocks, number=20, app_address=APP)
    make_app(blocks, number=21, app_address=address(0xA2), owner=BUYER)

    everything = get_json(client, "/api/v1/apps")
    mine = get_json(client, "/api/v1/apps", owner=BUYER.lower())

    assert [a["address"] for a in everything["results"]] == [address(0xA2), APP]
    assert "transfers" not in everything["results"][0]
    assert [a["address"] for a in mine["results"]] == [address(0xA2)]


@pytest.mark.parametrize("resource", ["apps", "datasets", "workerpools", "accounts"])
@pytest.mark.parametrize("bad", ["0x1234", "hello", ("0x" + "g" * 40)])
def test_malformed_address_is_json_404_saying_so(client, indexed, resource, bad):
    body = get_json(client, f"/api/v1/{resource}/{bad}", expect=404)

    assert "is not a valid ethereum address" in body["detail"]


@pytest.mark.parametrize("resource", ["apps", "datasets", "workerpools", "accounts"])
def test_unknown_address_is_json_404(client, indexed, resource):
    body = get_json(client, f"/api/v1/{resource}/{APP.lower()}", expect=404)

    assert body == {"detail": f"No {resource[:-1]} {APP} on chain {CHAIN}."}


def test_dataset_and_workerpool_fields(client, blocks, indexed):
    Dataset.objects.create(
        chain_id=CHAIN,
        block=blocks(30),
        tx_hash=bytes32(0xDA7A),
        address=DATASET,
        owner=OWNER,
        name="mnist",
        multiaddr="/ipfs/QmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ",
        checksum=bytes32(0xD5),
    )
    Workerpool.objects.create(
        chain_id=CHAIN,
        block=blocks(31),
        tx_hash=bytes32(0x9001),
        address=WORKERPOOL,
        owner=OWNER,
        description="prod-v8-bellecour",
        worker_stake_ratio_policy=35,
        scheduler_reward_ratio_policy=1,
    )

    dataset = get_json(client, f"/api/v1/datasets/{DATASET.lower()}")
    pools = get_json(client, "/api/v1/workerpools", owner=OWNER.upper().replace("0X", "0x"))

    assert dataset == {
        "address": DATASET,
        "owner": OWNER,
        "datasetName": "mnist",
        "datasetMultiaddr": "/ipfs/QmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ",
        "datasetChecksum": bytes32(0xD5),
        "blockNumber": 30,
        "transactionHash": bytes32(0xDA7A),
        "blockTimestamp": "2025-03-01T12:02:30Z",
        "transfers": [],
    }
    assert pools["results"] == [
        {
            "address": WORKERPOOL,
            "owner": OWNER,
            "workerpoolDescription": "prod-v8-bellecour",
            "workerStakeRatioPolicy": 35,
            "schedulerRewardRatioPolicy": 1,
            "blockNumber": 31,
            "transactionHash": bytes32(0x9001),
            "blockTimestamp": "2025-03-01T12:02:35Z",
        }
    ]


# --- Deals -----------------------------------------------------------------------------------


def test_deal_detail_fields_with_amounts_as_strings_and_tasks(client, blocks, indexed):
    dealid = "0x" + "ab" * 32
    deal = make_deal(blocks, number=40, dealid=dealid, workerpool_price=BIG_STAKE, trust=2**255)
    make_task(blocks, deal=deal, number=42, taskid=bytes32(0x7A51), idx=1, status=Task.COMPLETED)
    make_task(blocks, deal=deal, number=41, taskid=bytes32(0x7A50), idx=0)

    body = get_json(client, f"/api/v1/deals/{dealid.upper().replace('0X', '0x')}")

    assert body == {
        "dealid": dealid,
        "app": {"pointer": APP, "owner": OWNER, "price": "3000000000"},
        "dataset": {"pointer": DATASET, "owner": OWNER, "price": "2000000000"},
        "workerpool": {"pointer": WORKERPOOL, "owner": OWNER, "price": "87000000000000000"},
        "trust": str(2**255),
        "category": 0,
        "tag": bytes32(1),
        "requester": REQUESTER,
        "beneficiary": BENEFICIARY,
        "callback": ZERO,
        "params": '{"iexec_args":"hello"}',
        "startTime": 1_740_830_400,
        "botFirst": 0,
        "botSize": 2,
        "workerStake": "3000000000000000",
        "schedulerRewardRatio": 5,
        "sponsor": REQUESTER,
        "appHash": bytes32(0xA1),
        "datasetHash": bytes32(0xD1),
        "workerpoolHash": bytes32(0xE1),
        "requestHash": bytes32(0xF1),
        "volume": 2,
        "blockNumber": 40,
        "blockTimestamp": "2025-03-01T12:03:20Z",
        "transactionHash": deal.tx_hash,
        "tasks": [
            {"taskid": bytes32(0x7A50), "idx": 0, "status": "ACTIVE"},
            {"taskid": bytes32(0x7A51), "idx": 1, "status": "COMPLETED"},
        ],
    }


@pytest.mark.parametrize(
    ("dealid", "message"),
    [(bytes32(0xDEAD), "No deal"), ("0x1234", "must be a bytes32"), ("nope", "must be a bytes32")],
)
def test_deal_unknown_or_malformed_is_json_404(client, indexed, dealid, message):
    body = get_json(client, f"/api/v1/deals/{dealid}", expect=404)

    assert message in body["detail"]


def test_deals_list_newest_first_without_tasks(client, blocks, indexed):
    make_deal(blocks, number=50, dealid=bytes32(0xC))
    make_deal(blocks, number=52, dealid=bytes32(0xA))
    make_deal(blocks, number=50, dealid=bytes32(0xB))

    page = get_json(client, "/api/v1/deals")

    assert [(d["blockNumber"], d["dealid"]) for d in page["results"]] == [
        (52, bytes32(0xA)),
        (50, bytes32(0xB)),
        (50, bytes32(0xC)),
    ]
    assert "tasks" not in page["results"][0]


@pytest.mark.parametrize(
    ("param", "field", "value"),
    [
        ("requester", "requester", BUYER),
        ("beneficiary", "beneficiary", BUYER),
        ("app", "app_pointer", BUYER),
        ("dataset", "dataset_pointer", BUYER),
        ("workerpool", "workerpool_pointer", BUYER),
        ("category", "category", 3),
    ],
)
def test_deals_list_filters(client, blocks, indexed, param, field, value):
    make_deal(blocks, number=60, dealid=bytes32(0x60))
    make_deal(blocks, number=61, dealid=bytes32(0x61), **{field: value})
    query = value.lower() if isinstance(value, str) else value

    page = get_json(client, "/api/v1/deals", **{param: query})

    assert [d["dealid"] for d in page["results"]] == [bytes32(0x61)]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("requester", "0xnothex"),
        ("workerpool", APP[:-1]),
        ("category", "first"),
        ("category", "-2"),
        ("chainId", "mainnet"),
    ],
)
def test_deals_list_bad_filter_is_400_naming_it(client, indexed, param, value):
    body = get_json(client, "/api/v1/deals", expect=400, **{param: value})

    assert list(body) == [param]


def test_blank_filter_is_no_filter(client, blocks, indexed):
    # As in HTML forms, which send every field of a filter form, filled in or not.
    make_deal(blocks, number=5, dealid=bytes32(0xB1))

    assert get_json(client, "/api/v1/deals", app="", requester="")["count"] == 1


# --- Tasks -----------------------------------------------------------------------------------


def test_task_detail_with_contributions(client, blocks, indexed):
    deal = make_deal(blocks, number=70, dealid=bytes32(0xD70))
    taskid = "0x" + "cd" * 32
    task = make_task(
        blocks,
        deal=deal,
        number=71,
        taskid=taskid,
        idx=1,
        status=Task.REVEALING,
        consensus_value=bytes32(0x5EA1),
        reveal_counter=1,
        winner_counter=2,
        contributors=WORKERS,
        reveal_deadline=1_740_834_000,
    )
    for worker, status, number in [(WORKERS[1], Contribution.PROVED, 73), (WORKERS[0], 1, 72)]:
        Contribution.objects.create(
            chain_id=CHAIN,
            block=blocks(number),
            tx_hash=tx(),
            task=task,
            worker=worker,
            status=status,
            result_hash=bytes32(0x4E5),
            result_seal=bytes32(number),
            enclave_challenge=ZERO,
            weight=3,
        )

    body = get_json(client, f"/api/v1/tasks/{taskid.upper().replace('0X', '0x')}")

    assert body == {
        "taskid": taskid,
        "status": "REVEALING",
        "dealid": bytes32(0xD70),
        "idx": 1,
        "timeref": 300,
        "contributionDeadline": 1_740_833_100,
        "revealDeadline": 1_740_834_000,
        "finalDeadline": 1_740_839_400,
        "consensusValue": bytes32(0x5EA1),
        "revealCounter": 1,
        "winnerCounter": 2,
        "contributors": WORKERS,
        "resultDigest": bytes32(0),
        "results": "0x",
        "resultsTimestamp": 0,
        "resultsCallback": "0x",
        "blockNumber": 71,
        "transactionHash": task.tx_hash,
        "contributions": [
            {
                "worker": WORKERS[0],
                "status": "CONTRIBUTED",
                "resultHash": bytes32(0x4E5),
                "resultSeal": bytes32(72),
                "enclaveChallenge": ZERO,
                "weight": 3,
            },
            {
                "worker": WORKERS[1],
                "status": "PROVED",
                "resultHash": bytes32(0x4E5),
                "resultSeal": bytes32(73),
                "enclaveChallenge": ZERO,
                "weight": 3,
            },
        ],
    }


def test_tasks_list_filters_by_deal_and_status(client, blocks, indexed):
    first = make_deal(blocks, number=80, dealid=bytes32(0xD80))
    second = make_deal(blocks, number=81, dealid=bytes32(0xD81))
    make_task(blocks, deal=first, number=82, taskid=bytes32(0x820), status=Task.COMPLETED)
    make_task(blocks, deal=first, number=83, taskid=bytes32(0x830), idx=1, status=Task.FAILED)
    make_task(blocks, deal=second, number=84, taskid=bytes32(0x840), status=Task.COMPLETED)

    def taskids(**params):
        return [t["taskid"] for t in get_json(client, "/api/v1/tasks", **params)["results"]]

    assert taskids() == [bytes32(0x840), bytes32(0x830), bytes32(0x820)]
    assert taskids(dealid=bytes32(0xD80).upper().replace("0X", "0x")) == [
        bytes32(0x830),
        bytes32(0x820),
    ]
    assert taskids(status="COMPLETED") == [bytes32(0x840), bytes32(0x820)]
    assert taskids(dealid=bytes32(0xD80), status="COMPLETED") == [bytes32(0x820)]


@pytest.mark.parametrize(("param", "value"), [("status", "DONE"), ("dealid", "0xabc")])
def test_tasks_list_bad_filter_is_400_naming_it(client, indexed, param, value):
    body = get_json(client, "/api/v1/tasks", expect=400, **{param: value})

    assert list(body) == [param]


def test_unknown_task_is_json_404(client, indexed):
    body = get_json(client, f"/api/v1/tasks/{bytes32(0x1)}", expect=404)

    assert body == {"detail": f"No task {bytes32(0x1)} on chain {CHAIN}."}


# --- Accounts --------------------------------------------------------------------------------


def test_accounts_amounts_are_exact_strings(client, blocks, indexed):
    Account.objects.create(
        chain_id=CHAIN,
        block=blocks(90),
        tx_hash=tx(),
        address=WORKERS[0],
        stake=BIG_STAKE + 1,
        locked=35 * NRLC,
        score=12,
    )
    Account.objects.create(
        chain_id=CHAIN, block=blocks(91), tx_hash=tx(), address=REQUESTER, stake=0, locked=0
    )

    page = get_json(client, "/api/v1/accounts")
    detail = get_json(client, f"/api/v1/accounts/{WORKERS[0].lower()}")

    assert [a["address"] for a in page["results"]] == [REQUESTER, WORKERS[0]]
    assert detail == {
        "address": WORKERS[0],
        "stake": "87000000000000001",
        "locked": "35000000000",
        "score": 12,
    }


# --- Chains ----------------------------------------------------------------------------------


def test_chain_id_param_reads_another_chain(client, blocks, indexed):
    make_deal(blocks, number=5, dealid=bytes32(0xC1))
    make_deal(blocks, number=5, dealid=bytes32(0xC2), chain_id=OTHER_CHAIN)

    default = get_json(client, "/api/v1/deals")
    other = get_json(client, "/api/v1/deals", chainId=OTHER_CHAIN)

    assert [d["dealid"] for d in default["results"]] == [bytes32(0xC1)]
    assert [d["dealid"] for d in other["results"]] == [bytes32(0xC2)]
    get_json(client, f"/api/v1/deals/{bytes32(0xC2)}", expect=404)
    get_json(client, f"/api/v1/deals/{bytes32(0xC2)}", chainId=OTHER_CHAIN)


def test_several_indexed_chains_require_chain_id(client, blocks, indexed):
    IndexerCursor.objects.create(chain_id=OTHER_CHAIN, hub=address(2), block_number=1)
    make_deal(blocks, number=5, dealid=bytes32(0xC2), chain_id=OTHER_CHAIN)

    body = get_json(client, "/api/v1/deals", expect=400)
    detail = get_json(client, f"/api/v1/deals/{bytes32(0xC2)}", expect=400)
    chosen = get_json(client, "/api/v1/deals", chainId=OTHER_CHAIN)

    assert (
        body
        == detail
        == {"chainId": [f"Several chains are indexed ({CHAIN}, {OTHER_CHAIN}); pick one."]}
    )
    assert chosen["count"] == 1


def test_nothing_indexed_is_503_unless_chain_id_given(client):
    body = get_json(client, "/api/v1/categories", expect=503)

    assert "Nothing is indexed yet" in body["detail"]
    assert get_json(client, "/api/v1/categories", chainId=CHAIN)["count"] == 0


# --- Pagination and queries ------------------------------------------------------------------


def test_pagination(client, blocks, indexed):
    for n in range(5):
        make_deal(blocks, number=100 + n, dealid=bytes32(0x100 + n))

    first = get_json(client, "/api/v1/deals", pageSize=2)
    last = get_json(client, "/api/v1/deals", pageSize=2, page=3)

    assert first["count"] == 5
    assert first["previous"] is None
    assert first["next"].endswith("/api/v1/deals?page=2&pageSize=2")
    assert [d["blockNumber"] for d in first["results"]] == [104, 103]
    assert last["next"] is None
    assert last["previous"].endswith("/api/v1/deals?page=2&pageSize=2")
    assert [d["blockNumber"] for d in last["results"]] == [100]


@pytest.mark.parametrize("size", ["0", "-1", "many", "1001"])
def test_bad_page_size_is_400(client, indexed, size):
    body = get_json(client, "/api/v1/deals", expect=400, pageSize=size)

    assert list(body) == ["pageSize"]


def test_page_past_the_end_is_json_404(client, indexed):
    assert "detail" in get_json(client, "/api/v1/deals", expect=404, page=2)


def _fill(blocks, *, count):
    for n in range(count):
        deal = make_deal(blocks, number=200 + n, dealid=bytes32(0x200 + n))
        task = make_task(blocks, deal=deal, number=200 + n, taskid=bytes32(0x7200 + n))
        Contribution.objects.create(
            chain_id=CHAIN,
            block=blocks(200 + n),
            tx_hash=tx(),
            task=task,
            worker=WORKERS[0],
            status=Contribution.CONTRIBUTED,
            result_hash=bytes32(1),
            result_seal=bytes32(2),
            enclave_challenge=ZERO,
            weight=1,
        )
        make_app(blocks, number=200 + n, app_address=address(0x200 + n))
        Account.objects.create(
            chain_id=CHAIN, block=blocks(200 + n), tx_hash=tx(), address=address(0x900 + n)
        )


@pytest.mark.parametrize("resource", ["deals", "tasks", "apps", "accounts"])
def test_list_queries_do_not_grow_with_the_page(
    client, blocks, indexed, django_assert_max_num_queries, resource
):
    _fill(blocks, count=12)

    # Cursor, count, page, the tasks' contributions, and the cursor again for X-Index-* headers.
    with django_assert_max_num_queries(5):
        page = get_json(client, f"/api/v1/{resource}", pageSize=10)

    assert len(page["results"]) == 10


def test_detail_queries_are_few(client, blocks, indexed, django_assert_max_num_queries):
    _fill(blocks, count=3)

    # Each may also read the cursor for its X-Index-* headers.
    with django_assert_max_num_queries(4):
        get_json(client, f"/api/v1/deals/{bytes32(0x200)}")
    with django_assert_max_num_queries(4):
        get_json(client, f"/api/v1/tasks/{bytes32(0x7200)}")
    with django_assert_max_num_queries(4):
        get_json(client, f"/api/v1/apps/{address(0x200)}")


# --- Routes and schema -----------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/deals/", f"/api/v1/deals/{bytes32(1)}/"])
def test_trailing_slash_is_not_routed(client, indexed, url):
    assert client.get(url).status_code == 404


def test_openapi_schema_documents_the_read_api(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert {
        "/api/v1/categories",
        "/api/v1/categories/{catid}",
        "/api/v1/apps",
        "/api/v1/apps/{address}",
        "/api/v1/datasets",
        "/api/v1/datasets/{address}",
        "/api/v1/workerpools",
        "/api/v1/workerpools/{address}",
        "/api/v1/deals",
        "/api/v1/deals/{dealid}",
        "/api/v1/tasks",
        "/api/v1/tasks/{taskid}",
        "/api/v1/accounts",
        "/api/v1/accounts/{address}",
    } <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert components["Account"]["properties"]["stake"]["type"] == "string"
    assert components["DealResource"]["properties"]["price"]["type"] == "string"
    assert components["TaskStatus"]["enum"] == Task.STATUSES
    deal_filters = {p["name"] for p in schema["paths"]["/api/v1/deals"]["get"]["parameters"]}
    assert {"requester", "beneficiary", "app", "dataset", "workerpool", "category"} <= deal_filters


def test_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))


def test_api_docs_page(client):
    assert client.get("/api/docs/").status_code == 200
