"""`python -m bench.pages_fill ORDERS DEALS DOMAIN_JSON HUB`: fill the database of DATABASE_URL
with a big indexed market for the page benchmark (bench.pages), in its own process.

The book is bench.book_fill's (all four kinds); beside it, what the indexer would have stored of
a month of chain activity: blocks with increasing timestamps, the categories, the assets the
orders name (workerpools, apps, datasets, minted in the first blocks), and DEALS deals with
their tasks, contributions, the hub events the pages count, and the accounts involved. Deals go
to pools log-uniformly, so that a few pools serve most of them, as on a public chain; pool 0
serves the most. Prints one JSON line: what was stored, and the pool to measure.
"""

import json
import math
import random
import sys
from datetime import timedelta

from django.db import connection
from django.utils import timezone
from eth_account import Account as EthAccount
from eth_utils import keccak, to_checksum_address

from bench import book_fill  # sets Django up
from bench.book import asset_address, assets_per_kind, owner_key
from marketplace.chain.ids import taskid_of
from marketplace.chain.protocol import NO_TAG, TEE_TAG, ZERO_BYTES32
from marketplace.chain.protocol import ZERO_ADDRESS as ZERO
from marketplace.models import (
    Account,
    App,
    AssetTransfer,
    Block,
    Category,
    Contribution,
    Dataset,
    Deal,
    IndexerCursor,
    RawEvent,
    Task,
    Workerpool,
    WorkerpoolProfile,
)
from marketplace.simulation.rows import block_row, hex32

BATCH = 2000
SPAN = timedelta(days=30)  # the deals spread over the last month
REGISTRATION_BLOCKS = 10  # the assets are minted in the first blocks, before any deal
# iExec's categories: name and work clock time reference (s).
CATEGORIES = [("XS", 300), ("S", 1200), ("M", 3600), ("L", 10800), ("XL", 36000)]
BIG_POOLS, BIG_POOL_WORKERS, POOL_WORKERS = 3, 40, 6


def _address(text: str) -> str:
    return to_checksum_address(keccak(text.encode())[-20:])


def _owner(kind: str, number: int) -> str:
    return EthAccount.from_key(owner_key(kind, number)).address


def _blocks(chain_id: int, count: int, rng: random.Random) -> list[Block]:
    """`count` blocks ending now, spaced irregularly over SPAN."""
    gaps = [rng.uniform(0.2, 1.8) for _ in range(count)]
    scale = SPAN.total_seconds() / sum(gaps)
    at = timezone.now() - SPAN
    rows = []
    for number, gap in enumerate(gaps, start=1):
        at += timedelta(seconds=gap * scale)
        rows.append(block_row(chain_id=chain_id, number=number, timestamp=at))
    return Block.objects.bulk_create(rows, batch_size=BATCH)


def _assets(chain_id: int, blocks: list[Block], orders: int) -> dict:
    """The workerpools, apps and datasets the book's orders name, with their mints."""
    count = assets_per_kind(orders)
    made = {"workerpool": [], "app": [], "dataset": []}
    transfers = []
    for n in range(count):
        block = blocks[n % REGISTRATION_BLOCKS]
        for kind, model, order_kind in (
            ("workerpool", Workerpool, "workerpoolorder"),
            ("app", App, "apporder"),
            ("dataset", Dataset, "datasetorder"),
        ):
            address, owner = asset_address(order_kind, n), _owner(order_kind, n)
            tx = hex32(f"bench-pages-mint-{kind}-{n}")
            common = {
                "chain_id": chain_id,
                "block": block,
                "tx_hash": tx,
                "address": address,
                "owner": owner,
            }
            if kind == "workerpool":
                row = model(
                    **common,
                    description=f"Bench pool {n}",
                    worker_stake_ratio_policy=30,
                    scheduler_reward_ratio_policy=1 + n % 10,
                )
            elif kind == "app":
                row = model(
                    **common,
                    name=f"bench-app-{n}",
                    type="DOCKER",
                    multiaddr=f"docker.io/bench/app-{n}:1.0.0",
                    checksum=hex32(f"app-{n}"),
                    mrenclave="",
                )
            else:
                row = model(
                    **common,
                    name=f"bench-dataset-{n}",
                    multiaddr=f"/ipfs/bench-dataset-{n}",
                    checksum=hex32(f"ds-{n}"),
                )
            made[kind].append(row)
            transfers.append(
                AssetTransfer(
                    chain_id=chain_id,
                    block=block,
                    tx_hash=tx,
                    log_index=0,
                    kind=kind,
                    asset=address,
                    sender=ZERO,
                    receiver=owner,
                )
            )
    for kind, model in (("workerpool", Workerpool), ("app", App), ("dataset", Dataset)):
        model.objects.bulk_create(made[kind], batch_size=BATCH)
    AssetTransfer.objects.bulk_create(transfers, batch_size=BATCH)
    # A third of the pools describe themselves, so that the lists' profile lookups find some.
    WorkerpoolProfile.objects.bulk_create(
        [
            WorkerpoolProfile(
                chain_id=chain_id,
                address=p.address,
                location=f"Region {i % 7}",
                energy_source=("renewable", "mixed", "fossil")[i % 3],
                tee_hardware=("sgx", "tdx", "")[i % 3],
                gpu="",
                updated_by=p.owner,
            )
            for i, p in enumerate(made["workerpool"])
            if i % 3 == 0
        ]
    )
    return made


def _event(chain_id, block, tx, log_index, name, ref="", account="", amount=None) -> RawEvent:
    return RawEvent(
        chain_id=chain_id,
        block=block,
        tx_hash=tx,
        log_index=log_index,
        name=name,
        address=ZERO,
        topics=[hex32(name)],
        data="0x",
        ref=ref,
        account=account,
        amount=amount,
    )


def _deals(chain_id: int, blocks: list[Block], made: dict, deals: int, rng: random.Random):
    pools, apps = made["workerpool"], made["app"]
    datasets = made["dataset"]
    requesters = [_owner("requestorder", n) for n in range(len(pools))]
    workers = {
        p.address: [
            _address(f"bench-pages-worker-{i}-{k}")
            for k in range(BIG_POOL_WORKERS if i < BIG_POOLS else POOL_WORKERS)
        ]
        for i, p in enumerate(pools)
    }
    deal_blocks = blocks[REGISTRATION_BLOCKS:]
    last = len(deal_blocks) - 1
    rows, plans = [], []
    for n in range(deals):
        block = deal_blocks[n * len(deal_blocks) // deals]
        start = int(block.timestamp.timestamp())
        # Log-uniform: pool 0 serves the most deals, the tail a few each.
        pool = pools[min(len(pools) - 1, int(len(pools) ** rng.random()) - 1)]
        catid = rng.randrange(len(CATEGORIES))
        app = apps[n % min(50, len(apps))]  # the apps the request orders ask for
        dataset = datasets[n % len(datasets)] if n % 4 == 0 else None
        requester = requesters[rng.randrange(len(requesters))]
        # Prices drift over the month and vary between deals, within the book's price range.
        price = max(1, int(500 + 300 * math.sin(n / 300) + rng.gauss(0, 60)))
        volume = 1 + rng.randrange(3)
        dealid = hex32(f"bench-pages-deal-{n}")
        rows.append(
            Deal(
                chain_id=chain_id,
                block=block,
                tx_hash=hex32(f"bench-pages-match-{n}"),
                dealid=dealid,
                app_pointer=app.address,
                app_owner=app.owner,
                app_price=rng.randrange(50),
                dataset_pointer=dataset.address if dataset else ZERO,
                dataset_owner=dataset.owner if dataset else ZERO,
                dataset_price=rng.randrange(20) if dataset else 0,
                workerpool_pointer=pool.address,
                workerpool_owner=pool.owner,
                workerpool_price=price,
                trust=1,
                category=catid,
                tag=TEE_TAG if n % 5 == 0 else NO_TAG,
                requester=requester,
                beneficiary=requester,
                callback=ZERO,
                params=json.dumps({"iexec_args": f"bench {n}"}),
                start_time=start,
                bot_first=0,
                bot_size=volume,
                worker_stake=price * 30 // 100,
                scheduler_reward_ratio=5,
                sponsor=requester,
                app_hash=hex32(f"bench-pages-ao-{n}"),
                dataset_hash=hex32(f"bench-pages-do-{n}") if dataset else ZERO_BYTES32,
                workerpool_hash=hex32(f"bench-pages-wo-{n}"),
                request_hash=hex32(f"bench-pages-ro-{n}"),
                volume=volume,
                log_index=n % 10,
            )
        )
        # Tasks run a few blocks after their deal; the newest deals still run.
        done_at = deal_blocks[min(last, n * len(deal_blocks) // deals + 1 + rng.randrange(20))]
        plans.append((done_at, workers[pool.address], CATEGORIES[catid][1], n >= deals * 0.99))
    Deal.objects.bulk_create(rows, batch_size=BATCH)
    return rows, plans


def _tasks(chain_id: int, deals: list[Deal], plans: list, rng: random.Random) -> dict:
    tasks, contributions, events, seen = [], [], [], {}
    for deal, (done_at, workers, ref, recent) in zip(deals, plans, strict=True):
        pool = deal.workerpool_pointer
        events.append(
            _event(chain_id, deal.block, deal.tx_hash, 0, "SchedulerNotice", deal.dealid, pool)
        )
        events.append(_event(chain_id, deal.block, deal.tx_hash, 1, "OrdersMatched", deal.dealid))
        for idx in range(deal.bot_size):
            taskid = "0x" + taskid_of(bytes.fromhex(deal.dealid[2:]), idx).hex()
            roll = rng.random()
            if recent:
                status = Task.ACTIVE
            elif roll < 0.88:
                status = Task.COMPLETED
            elif roll < 0.95:
                status = Task.FAILED
            else:
                status = Task.ACTIVE  # unfinished past its final deadline: timed out
            chosen = rng.sample(workers, 1 + rng.randrange(3))
            tx = hex32(f"bench-pages-task-{taskid}")
            final_tx = hex32(f"bench-pages-final-{taskid}")
            results = (
                "0x"
                + json.dumps({"storage": "ipfs", "location": f"/ipfs/{taskid[2:48]}"})
                .encode()
                .hex()
            )
            task = Task(
                chain_id=chain_id,
                block=deal.block,
                tx_hash=tx,
                taskid=taskid,
                deal=deal,
                idx=idx,
                status=status,
                timeref=ref,
                contribution_deadline=deal.start_time + 7 * ref,
                reveal_deadline=deal.start_time + 8 * ref if status != Task.ACTIVE else 0,
                final_deadline=deal.start_time + 10 * ref,
                consensus_value=hex32(f"consensus-{taskid}"),
                reveal_counter=len(chosen),
                winner_counter=len(chosen),
                contributors=chosen,
                result_digest=hex32(f"digest-{taskid}"),
                results=results if status == Task.COMPLETED else "0x",
                results_timestamp=int(done_at.timestamp.timestamp())
                if status == Task.COMPLETED
                else 0,
                results_callback="0x",
            )
            tasks.append(task)
            events.append(_event(chain_id, deal.block, tx, 0, "TaskInitialize", taskid, pool))
            for k, worker in enumerate(chosen):
                faulty = status == Task.COMPLETED and rng.random() < 0.05
                cstatus = (
                    Contribution.CONTRIBUTED
                    if status == Task.ACTIVE
                    else Contribution.REJECTED
                    if faulty
                    else Contribution.PROVED
                )
                contributions.append(
                    (
                        task,
                        Contribution(
                            chain_id=chain_id,
                            block=done_at,
                            tx_hash=hex32(f"c-{taskid}-{worker}"),
                            worker=worker,
                            status=cstatus,
                            result_hash=hex32(f"rh-{taskid}-{worker}"),
                            result_seal=hex32(f"rs-{taskid}-{worker}"),
                            enclave_challenge=ZERO,
                            weight=1,
                        ),
                    )
                )
                events.append(
                    _event(
                        chain_id,
                        done_at,
                        hex32(f"c-{taskid}-{worker}"),
                        0,
                        "TaskContribute",
                        taskid,
                        worker,
                    )
                )
                if status == Task.COMPLETED:
                    verdict = "FaultyContribution" if faulty else "AccurateContribution"
                    money = "Seize" if faulty else "Reward"
                    events.append(
                        _event(chain_id, done_at, final_tx, 3 * k + 1, verdict, taskid, worker)
                    )
                    events.append(
                        _event(
                            chain_id,
                            done_at,
                            final_tx,
                            3 * k + 2,
                            money,
                            taskid,
                            worker,
                            deal.workerpool_price // len(chosen),
                        )
                    )
                seen[worker] = done_at
            if status in (Task.COMPLETED, Task.FAILED):
                name = "TaskFinalize" if status == Task.COMPLETED else "TaskClaimed"
                events.append(_event(chain_id, done_at, final_tx, 0, name, taskid, pool))
    Task.objects.bulk_create(tasks, batch_size=BATCH)
    for task, contribution in contributions:
        contribution.task = task
    Contribution.objects.bulk_create([c for _, c in contributions], batch_size=BATCH)
    RawEvent.objects.bulk_create(events, batch_size=BATCH)
    return {
        "tasks": tasks,
        "contributions": len(contributions),
        "events": len(events),
        "workers": seen,
    }


def _accounts(chain_id: int, first: Block, deals: list[Deal], workers: dict, rng) -> int:
    """Workers (with scores), requesters and pool owners, as escrow and scoring touched them."""
    rows = {
        w: Account(
            chain_id=chain_id,
            block=at,
            tx_hash=hex32(f"acct-{w}"),
            address=w,
            stake=rng.randrange(10**9, 10**11),
            locked=rng.randrange(10**8),
            score=rng.randrange(200),
        )
        for w, at in workers.items()
    }
    for deal in deals:
        for address in (deal.requester, deal.workerpool_owner):
            rows.setdefault(
                address,
                Account(
                    chain_id=chain_id,
                    block=first,
                    tx_hash=hex32(f"acct-{address}"),
                    address=address,
                    stake=10**12,
                    locked=10**9,
                    score=0,
                ),
            )
    Account.objects.bulk_create(list(rows.values()), batch_size=BATCH)
    return len(rows)


def main(orders: int, deals: int, domain: dict, hub: str):
    rng = random.Random(7)  # the same market every run
    chain_id = int(domain["chainId"])
    with open("/dev/null", "w") as quiet:  # book_fill prints its count: keep stdout ours
        stdout, sys.stdout = sys.stdout, quiet
        try:
            book_fill.main(orders, domain)
        finally:
            sys.stdout = stdout
    blocks = _blocks(chain_id, REGISTRATION_BLOCKS + deals, rng)
    Category.objects.bulk_create(
        [
            Category(
                chain_id=chain_id,
                block=blocks[0],
                tx_hash=hex32(f"bench-pages-cat-{i}"),
                catid=i,
                name=name,
                description=json.dumps({"name": name}),
                work_clock_time_ref=ref,
            )
            for i, (name, ref) in enumerate(CATEGORIES)
        ]
    )
    made = _assets(chain_id, blocks, orders)
    deal_rows, plans = _deals(chain_id, blocks, made, deals, rng)
    tasks = _tasks(chain_id, deal_rows, plans, rng)
    accounts = _accounts(chain_id, blocks[0], deal_rows, tasks["workers"], rng)
    head = blocks[-1]
    IndexerCursor.objects.create(
        chain_id=chain_id,
        hub=hub,
        block_number=head.number,
        block_hash=head.hash,
        head_number=head.number,
    )
    # A live database's autovacuum would have analyzed these tables and set their visibility
    # maps (which index-only scans need): measure that steady state.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    pool = made["workerpool"][0]
    print(
        json.dumps(
            {
                "orders": book_fill.Order.objects.count(),
                "deals": len(deal_rows),
                "tasks": len(tasks["tasks"]),
                "contributions": tasks["contributions"],
                "events": tasks["events"],
                "accounts": accounts,
                "blocks": len(blocks),
                "pools": len(made["workerpool"]),
                "pool": pool.address,
                "pool_deals": Deal.objects.filter(workerpool_pointer=pool.address).count(),
                "pool_orders": book_fill.Order.objects.filter(
                    kind="workerpoolorder", workerpool=pool.address, status="open"
                ).count(),
                "categories": [name for name, _ in CATEGORIES],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3]), sys.argv[4])
