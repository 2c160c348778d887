"""The simulated market: a cast of actors playing deals on the local chain, one scenario at a time.

Each scenario signs the four orders, matches them and drives the deal's tasks to an end state, so
that a cycle through SCENARIOS walks tasks through every PoCo state and emits every event the
indexer handles. Two scenarios move the chain clock (reopen, claim); a deal's tasks are always
finished before the next one starts, so no other task is caught by a time jump.

With a gateway (the market API of a running server) the actors trade as real clients do: sellers
publish their orders, requesters pick the best ones from the books, publish request orders (and
bids under the asks, which stay open) and match, then follow the deal until it is indexed.

Nothing is stored off-chain: setup() finds the actors' apps, datasets and pools again from the
registries (their addresses are CREATE2 of owner and arguments) and only tops up what is missing.
"""

import json
import logging
import random
import threading
import time
from dataclasses import dataclass

from eth_utils import keccak

from marketplace.chain.ids import taskid_of
from marketplace.chain.orders import empty_dataset_order, order_as_tuple
from marketplace.chain.protocol import CLOSE, NO_TAG, SIGN, TEE_TAG, ZERO_ADDRESS
from marketplace.simulation.actors import (
    RLC,
    Actor,
    AppDeveloper,
    Chain,
    ChainError,
    DatasetProvider,
    Enclave,
    Requester,
    Scheduler,
    TaskStatus,
    Worker,
    match_orders,
)
from marketplace.simulation.gateway import Gateway

logger = logging.getLogger(__name__)

SCENARIOS = (
    "basic",
    "fast",
    "replicated",
    "dataset",
    "tee",
    "reopen",
    "claim",
    "private",
    "orderbook",
)

# anvil dev account index of each role; #0 deployed PoCo and holds the RLC supply.
SPONSOR = 0
APP_DEVELOPERS = (1, 2)
DATASET_PROVIDER = 3
REQUESTERS = (7, 8)
POOLS = {
    # name: (scheduler, workers, customer: index into REQUESTERS allowed alone, or None)
    "alpha": (4, (9, 10, 11, 12, 13), None),
    "beta": (5, (14, 15, 16), None),
    "private": (6, (17, 18, 19), 1),
}
STAKE_FLOOR = 10_000 * RLC  # below it, setup() tops an actor's stake up
STAKE_TOPUP = 50_000 * RLC
XS = 0  # category with the shortest deadlines: reopen and claim wait for them
CATEGORIES = 5
BETA_POLICY = {"worker_stake_ratio": 35, "scheduler_reward": 5}
DOCKER_IMAGE = b"docker.io/iexechub/python-hello-world:8.0.0"
TEE_IMAGE = b"docker.io/iexechub/python-hello-world:8.0.0-sconify-5.9.1-production"
# What an SDK-deployed SCONE app carries as mrenclave (any non-empty bytes make a TEE app).
MRENCLAVE = json.dumps(
    {
        "framework": "SCONE",
        "version": "v5.9",
        "entrypoint": "python3 /app/app.py",
        "heapSize": 1073741824,
        "fingerprint": keccak(TEE_IMAGE).hex(),
    }
).encode()
MAX_CONSECUTIVE_FAILURES = 3
APP_PRICES = (0, RLC // 10, RLC // 2)
BID_CHANCE = 0.5  # with a gateway: after a deal, how often a requester also posts a low bid
BOOK_KEEP = 12  # open orders an actor keeps per kind on the books (the API allows 50)


@dataclass
class Pool:
    name: str
    scheduler: Scheduler
    workers: list[Worker]
    customer: Requester | None
    address: str = ZERO_ADDRESS

    @property
    def faulty(self) -> Worker:
        """The worker that returns wrong results when a scenario wants one."""
        return self.workers[-1]

    @property
    def honest(self) -> list[Worker]:
        return self.workers[:-1]


class Market:
    def __init__(
        self, *, rpc_url: str, deployment: dict, seed: int = 0, gateway: Gateway | None = None
    ):
        self.chain = Chain(rpc_url=rpc_url, deployment=deployment)
        self.gateway = gateway
        self.funder = deployment["owner"]
        self.seed = seed
        self.rng = random.Random(seed)
        self.sponsor = Actor(self.chain, SPONSOR)
        self.developers = [AppDeveloper(self.chain, i) for i in APP_DEVELOPERS]
        self.provider = DatasetProvider(self.chain, DATASET_PROVIDER)
        self.requesters = [Requester(self.chain, i) for i in REQUESTERS]
        self.pools = {
            name: Pool(
                name=name,
                scheduler=Scheduler(self.chain, scheduler),
                workers=[Worker(self.chain, i) for i in workers],
                customer=None if customer is None else self.requesters[customer],
            )
            for name, (scheduler, workers, customer) in POOLS.items()
        }
        self.apps: dict[str, str] = {}
        self.dataset = ZERO_ADDRESS
        self._salt_base = b""
        self._salts = 0
        self._next = 0

    # --- setup -------------------------------------------------------------------------------

    def actors(self) -> list[Actor]:
        pools = self.pools.values()
        return [
            self.sponsor,
            *self.developers,
            self.provider,
            *self.requesters,
            *(pool.scheduler for pool in pools),
            *(worker for pool in pools for worker in pool.workers),
        ]

    def setup(self) -> dict:
        """Fund and stake every actor, register the assets. Safe to repeat: it only adds what
        the chain does not have yet."""
        self.chain.enable_sender(self.funder)
        for actor in self.actors():
            self.chain.enable_sender(actor.address)
        self.top_up()
        docker_dev, tee_dev = self.developers
        self.apps["docker"] = docker_dev.ensure_app(
            name="poco-market-hello", multiaddr=DOCKER_IMAGE, checksum=keccak(DOCKER_IMAGE),
            mrenclave=b"",
        )  # fmt: skip
        self.apps["tee"] = tee_dev.ensure_app(
            name="poco-market-hello-tee", multiaddr=TEE_IMAGE, checksum=keccak(TEE_IMAGE),
            mrenclave=MRENCLAVE,
        )  # fmt: skip
        self.dataset = self.provider.ensure_dataset(
            name="poco-market-dataset",
            multiaddr=b"/ipfs/QmW2WQi7j6c7UgJTarActp7tDNikE4B2qXtFCfLPdsgaTQ",
            checksum=keccak(b"poco-market-dataset"),
        )
        for pool in self.pools.values():
            pool.address = pool.scheduler.ensure_workerpool(description=f"poco-market {pool.name}")
        beta = self.pools["beta"]
        beta.scheduler.ensure_policy(workerpool=beta.address, **BETA_POLICY)
        # Salts depend on the chain head so that a re-run never re-signs a consumed order.
        self._salt_base = bytes(self.chain.w3.eth.get_block("latest")["hash"])
        return {
            "apps": dict(self.apps),
            "dataset": self.dataset,
            "workerpools": {name: pool.address for name, pool in self.pools.items()},
        }

    def top_up(self):
        """Give every actor whose stake ran low (requesters pay, faulty workers get seized) a
        fresh deposit, from RLC the funder transfers when the actor's wallet lacks it."""
        for actor in self.actors():
            if actor.stake() < STAKE_FLOOR:
                self._fund(actor)

    def _fund(self, actor: Actor):
        wallet = self.chain.view(self.chain.rlc, "balanceOf", actor.address)
        if wallet < STAKE_TOPUP:
            self.chain.send(
                self.funder, self.chain.rlc, "transfer", actor.address, STAKE_TOPUP - wallet
            )
        actor.deposit(STAKE_TOPUP)

    # --- running -----------------------------------------------------------------------------

    def run_deal(self, scenario: str) -> dict:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; expected one of {SCENARIOS}")
        if not self.apps:
            self.setup()
        dealid, taskids = getattr(self, f"_scenario_{scenario}")()
        if self.gateway is not None:
            # Scenarios close orders on chain too: read books that know about it.
            self.gateway.index_wait(block=self.chain.w3.eth.block_number)
            if self.rng.random() < BID_CHANCE:
                self.bid()
            self.bids_take()
            self.deals_serve()
        return {
            "scenario": scenario,
            "dealid": "0x" + dealid.hex(),
            "taskids": ["0x" + taskid.hex() for taskid in taskids],
        }

    def _next_scenario(self) -> str:
        scenario = SCENARIOS[self._next % len(SCENARIOS)]
        self._next += 1
        return scenario

    def run(self, *, deals: int) -> list[dict]:
        """`deals` deals, cycling through SCENARIOS: any len(SCENARIOS) of them cover all."""
        return [self.run_deal(self._next_scenario()) for _ in range(deals)]

    def run_forever(self, *, pace_seconds: float, stop_event: threading.Event | None = None):
        """One deal every `pace_seconds` until `stop_event` is set. A failing deal is logged and
        skipped; several in a row mean the chain is gone or changed, and end the loop."""
        stop_event = stop_event or threading.Event()
        if not self.apps:
            self.setup()
        failures = 0
        while not stop_event.is_set():
            started = time.monotonic()
            scenario = self._next_scenario()
            try:
                if scenario == SCENARIOS[0]:
                    self.top_up()  # once a cycle: a long demo must not run out of stake
                result = self.run_deal(scenario)
            except Exception:
                failures += 1
                logger.exception("simulated %s deal failed", scenario)
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    raise
            else:
                failures = 0
                logger.info("%s deal %s", scenario, result["dealid"])
            stop_event.wait(max(0.0, pace_seconds - (time.monotonic() - started)))

    def serve_forever(self, *, pace_seconds: float, stop_event: threading.Event):
        """Only the pools' side: run the tasks of deals others make, every `pace_seconds`."""
        if self.gateway is None:
            raise ValueError("serving deals needs a gateway to watch the deals of the pools")
        if not self.apps:
            self.setup()
        while not stop_event.wait(pace_seconds):
            try:
                for taskid in self.deals_serve():
                    logger.info("served task %s", taskid)
            except Exception:  # the next round retries; a deal made meanwhile is not lost
                logger.exception("serving deals failed")

    # --- scenarios: each returns (dealid, taskids) ------------------------------------------

    def _scenario_basic(self):
        """Trust 1: initialize, contribute (consensus), reveal, finalize."""
        pool, requester = self.pools["alpha"], self.requesters[0]
        orders = self._orders(pool=pool, requester=requester, category=self._category())
        dealid = self._match(requester, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        self._complete(pool, taskid, workers=self._shuffled(pool.honest))
        return dealid, [taskid]

    def _scenario_fast(self):
        """Trust 1 in one transaction (contributeAndFinalize); the deal is paid by a sponsor."""
        pool, requester = self.pools["beta"], self.requesters[0]
        orders = self._orders(pool=pool, requester=requester, category=self._category())
        dealid = self._match(self.sponsor, orders, sponsored=True)
        taskid = pool.scheduler.initialize(dealid, 0)
        worker = self.rng.choice(pool.workers)
        worker.contribute_and_finalize(
            taskid=taskid,
            digest=self._digest(),
            results=self._results(taskid),
            authorization=pool.scheduler.authorize(worker, taskid),
        )
        return dealid, [taskid]

    def _scenario_replicated(self):
        """Trust 3: a faulty worker contributes first, honest ones reach consensus and reveal;
        finalize rewards them (AccurateContribution) and seizes the faulty stake."""
        pool, requester = self.pools["alpha"], self.requesters[0]
        orders = self._orders(pool=pool, requester=requester, trust=3, category=self._category())
        dealid = self._match(requester, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        self._contribute(pool, pool.faulty, taskid, self._digest())
        self._complete(pool, taskid, workers=self._shuffled(pool.honest))
        return dealid, [taskid]

    def _scenario_dataset(self):
        """A dataset deal of volume 2: two tasks, initialized together, both completed."""
        pool, requester = self.pools["beta"], self.requesters[0]
        orders = self._orders(
            pool=pool, requester=requester, volume=2, dataset=True, category=self._category()
        )
        dealid = self._match(requester, orders)
        taskids = pool.scheduler.initialize_all(dealid, 2)
        for taskid in taskids:
            self._complete(pool, taskid, workers=self._shuffled(pool.workers))
        return dealid, taskids

    def _scenario_tee(self):
        """A TEE-tagged deal on the TEE app: every contribution carries an enclave challenge
        and the enclave's signature of the result."""
        pool, requester = self.pools["alpha"], self.requesters[0]
        orders = self._orders(
            pool=pool, requester=requester, app="tee", tag=TEE_TAG, category=self._category()
        )
        dealid = self._match(requester, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        self._complete(pool, taskid, workers=self._shuffled(pool.honest), tee=True)
        return dealid, [taskid]

    def _scenario_reopen(self):
        """Trust 3: consensus, nobody reveals, the reveal deadline passes, the scheduler
        reopens; other workers then reach a new consensus and the task completes."""
        pool, requester = self.pools["alpha"], self.requesters[1]
        orders = self._orders(pool=pool, requester=requester, trust=3, category=XS)
        dealid = self._match(requester, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        workers = self._shuffled(pool.honest)
        silent = self._reach_consensus(pool, taskid, self._digest(), workers)
        self.chain.advance_time_past(self.chain.task(taskid).revealDeadline)
        pool.scheduler.reopen(taskid)
        self._complete(pool, taskid, workers=[w for w in workers if w not in silent])
        return dealid, [taskid]

    def _scenario_claim(self):
        """Volume 2, neither task finishes: one stays ACTIVE, one is REVEALING without reveal.
        Past the final deadline anyone claims them (FAILED, the requester is refunded) and the
        requester withdraws part of the refund."""
        pool, requester = self.pools["beta"], self.requesters[1]
        orders = self._orders(pool=pool, requester=requester, volume=2, category=XS)
        dealid = self._match(requester, orders)
        taskids = pool.scheduler.initialize_all(dealid, 2)
        self._contribute(pool, self.rng.choice(pool.workers), taskids[0], self._digest())
        deadline = max(self.chain.task(taskid).finalDeadline for taskid in taskids)
        self.chain.advance_time_past(deadline)
        for taskid in taskids:
            self.sponsor.send(self.chain.hub, "claim", taskid)
        requester.withdraw(self.rng.randint(1, 10) * RLC)
        return dealid, taskids

    def _scenario_private(self):
        """A deal on the private pool, whose orders only its one customer can match."""
        pool = self.pools["private"]
        orders = self._orders(pool=pool, requester=pool.customer, category=self._category())
        dealid = self._match(pool.customer, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        self._complete(pool, taskid, workers=self._shuffled(pool.workers))
        return dealid, [taskid]

    def _scenario_orderbook(self):
        """Order management on chain: the app and request orders are broadcast, the workerpool
        order is presigned (matched without signature); after the deal the leftover app and
        workerpool orders are closed, and so are a dataset and a request order never used."""
        pool, requester = self.pools["alpha"], self.requesters[0]
        developer, hub = self.developers[0], self.chain.hub
        orders = self._orders(pool=pool, requester=requester, presigned=True, spare=5)
        developer.send(hub, "broadcastAppOrder", _tuple("apporder", orders))
        pool.scheduler.manage("workerpoolorder", orders["workerpoolorder"], SIGN)
        requester.send(hub, "broadcastRequestOrder", _tuple("requestorder", orders))
        dealid = self._match(requester, orders)
        taskid = pool.scheduler.initialize(dealid, 0)
        self._complete(pool, taskid, workers=self._shuffled(pool.honest))
        developer.manage("apporder", orders["apporder"], CLOSE)
        pool.scheduler.manage("workerpoolorder", orders["workerpoolorder"], CLOSE)
        unused = self._orders(pool=pool, requester=requester, dataset=True)
        self.provider.manage("datasetorder", unused["datasetorder"], CLOSE)
        requester.manage("requestorder", unused["requestorder"], CLOSE)
        return dealid, [taskid]

    # --- orders ------------------------------------------------------------------------------

    def _orders(
        self,
        *,
        pool: Pool,
        requester: Requester,
        volume: int = 1,
        trust: int = 1,
        category: int = XS,
        app: str = "docker",
        tag: str = NO_TAG,
        dataset: bool = False,
        presigned: bool = False,
        spare: int = 0,
    ) -> dict:
        """The four orders of one deal of `volume` tasks; the app and workerpool orders offer
        `spare` more than the deal takes (left open, as on a real orderbook).

        With a gateway, the sellers publish their orders and the requester picks the best ones
        from the books (which may be older offers), then publishes its request order."""
        developer = self.developers[0 if app == "docker" else 1]
        app_price = self.rng.choice(APP_PRICES)
        pool_price = self.rng.randint(1, 8) * RLC // 4
        data_price = RLC // 5
        through_book = self.gateway is not None and not presigned
        if through_book:
            spare = max(spare, self.rng.randint(1, 4))
        orders = {
            "apporder": developer.app_order(
                app=self.apps[app], price=app_price, volume=volume + spare, tag=tag,
                salt=self._salt(),
            ),
            "datasetorder": empty_dataset_order(),
            "workerpoolorder": pool.scheduler.workerpool_order(
                workerpool=pool.address, price=pool_price, volume=volume + spare, tag=tag,
                category=category, trust=trust, salt=self._salt(), signed=not presigned,
                requesterrestrict=pool.customer.address if pool.customer else ZERO_ADDRESS,
            ),
        }  # fmt: skip
        if dataset:
            orders["datasetorder"] = self.provider.dataset_order(
                dataset=self.dataset, price=data_price, volume=volume, tag=NO_TAG, salt=self._salt()
            )
        if through_book:
            self._offer(developer, "apporder", orders["apporder"])
            self._offer(pool.scheduler, "workerpoolorder", orders["workerpoolorder"])
            if dataset:
                self._offer(self.provider, "datasetorder", orders["datasetorder"])
            orders = self._best_offers(
                pool=pool, requester=requester, app=self.apps[app], dataset=dataset,
                volume=volume, trust=trust, category=category, tag=tag,
            )  # fmt: skip
            app_price = orders["apporder"]["appprice"]
            pool_price = orders["workerpoolorder"]["workerpoolprice"]
            data_price = orders["datasetorder"]["datasetprice"]
        orders["requestorder"] = requester.request_order(
            app=self.apps[app],
            appmaxprice=app_price,
            dataset=self.dataset if dataset else ZERO_ADDRESS,
            datasetmaxprice=data_price if dataset else 0,
            workerpoolmaxprice=pool_price + self.rng.randint(0, 2) * RLC // 4,
            volume=volume,
            tag=tag,
            category=category,
            trust=trust,
            params=json.dumps({"iexec_args": f"--size {self.rng.randint(1, 99)}"}),
            salt=self._salt(),
        )
        if through_book:
            self._offer(requester, "requestorder", orders["requestorder"])
        return orders

    # --- the books, through the market API -----------------------------------------------------

    @property
    def _api(self) -> Gateway:
        """The market API, on the paths that only run with one (trading through the book)."""
        if self.gateway is None:
            raise ValueError("trading through the book needs a gateway")
        return self.gateway

    def _offer(self, actor: Actor, kind: str, order: dict):
        """Publish an order, first withdrawing the actor's oldest ones beyond BOOK_KEEP, as a
        seller tidying its offers would (the API caps open orders per signer)."""
        mine = self._api.own_orders(kind=kind, signer=actor.address)
        mine.sort(key=lambda o: o["publicationTimestamp"])
        for old in mine[: max(0, len(mine) - BOOK_KEEP + 1)]:
            self._api.unpublish(kind=kind, order_hash=old["orderHash"], key=actor.key)
        self._api.publish(kind=kind, order=order, key=actor.key)

    def _best_offers(
        self,
        *,
        pool: Pool,
        requester: Requester,
        app: str,
        dataset: bool,
        volume: int,
        trust: int,
        category: int,
        tag: str,
    ) -> dict:
        """The cheapest app, dataset and workerpool orders this request can be matched with."""
        common = {"requester": requester.address, "minVolume": volume}
        if int(tag, 16):
            common["minTag"] = tag
        found = {
            "apporder": self._best("apporder", app=app, workerpool=pool.address, **common),
            "workerpoolorder": self._best(
                "workerpoolorder",
                workerpool=pool.address,
                category=category,
                minTrust=trust,
                app=app,
                **({"dataset": self.dataset} if dataset else {}),
                **common,
            ),
            "datasetorder": empty_dataset_order(),
        }
        if dataset:
            found["datasetorder"] = self._best(
                "datasetorder", dataset=self.dataset, app=app, workerpool=pool.address, **common
            )
        return found

    def _best(self, kind: str, **filters) -> dict:
        book = self._api.book(kind=kind, **filters)
        if not book:
            raise RuntimeError(f"the {kind} book is empty for {filters}")
        return book[0]["order"]

    def _match(self, sender: Actor, orders: dict, *, sponsored: bool = False) -> bytes:
        """matchOrders; with a gateway, then wait until the server has indexed the deal, as a
        client following its purchase: the next deal reads books that account for this one."""
        dealid = match_orders(sender, orders, sponsored=sponsored)
        if self.gateway is not None:
            self.gateway.deal_wait(dealid="0x" + dealid.hex())
        return dealid

    def bid(self):
        """A request order priced under the category's cheapest ask, left open: the buy side
        of the book."""
        requester = self.rng.choice(self.requesters)
        app = self._api.book(kind="apporder", app=self.apps["docker"])
        if not app:
            return
        category = self._category()
        asks = self._api.book(kind="workerpoolorder", category=category)
        floor = asks[0]["order"]["workerpoolprice"] if asks else RLC // 4
        order = requester.request_order(
            app=self.apps["docker"],
            # Room above the best app price, so the bid outlives the app order it first saw.
            appmaxprice=max(APP_PRICES[-1], app[0]["order"]["appprice"]),
            workerpoolmaxprice=floor * self.rng.randint(2, 8) // 10,
            volume=self.rng.randint(1, 5),
            tag=NO_TAG,
            category=category,
            trust=1,
            params=json.dumps({"iexec_args": f"--size {self.rng.randint(1, 99)}"}),
            salt=self._salt(),
        )
        self._offer(requester, "requestorder", order)

    def bids_take(self, *, at_most: int = 10) -> list[bytes]:
        """Schedulers match every bid that a public ask now covers (as iExec schedulers watch
        the request book) and run its tasks; the book is left uncrossed. The dealids."""
        dealids = []
        for _ in range(at_most):
            taken = self._bid_take()
            if taken is None:
                break
            dealids.append(taken)
        return dealids

    def deals_serve(self) -> list[str]:
        """Pools run the tasks of deals others made on them (in the pages, with the SDK), as
        schedulers watching their pool do; the taskids run. Tasks past their deadline stay."""
        served = []
        for pool in self.pools.values():
            for deal in self._api.deals(workerpool=pool.address):
                dealid = bytes.fromhex(deal["dealid"][2:])
                tee = int(deal["tag"], 16) & 1 == 1
                for idx in range(deal["botFirst"], deal["botFirst"] + deal["botSize"]):
                    taskid = taskid_of(dealid, idx)
                    if self.chain.task(taskid).status != TaskStatus.UNSET:
                        continue
                    try:
                        pool.scheduler.initialize(dealid, idx)
                    except ChainError as exc:  # past its deadline: only a claim is left
                        logger.info("task 0x%s not served: %s", taskid.hex(), exc)
                        continue
                    self._complete(pool, taskid, workers=self._shuffled(pool.honest), tee=tee)
                    served.append("0x" + taskid.hex())
        return served

    def _bid_take(self) -> bytes | None:
        pools = {pool.address: pool for pool in self.pools.values()}
        for bid in self._api.book(kind="requestorder"):
            request = bid["order"]
            filters = {"requester": request["requester"], "minVolume": 1}
            asks = self._api.book(
                kind="workerpoolorder",
                category=request["category"],
                minTrust=request["trust"],
                app=request["app"],
                **filters,
            )
            if not asks or asks[0]["order"]["workerpoolprice"] > request["workerpoolmaxprice"]:
                continue
            ask = asks[0]["order"]
            apps = self._api.book(
                kind="apporder", app=request["app"], workerpool=ask["workerpool"], **filters
            )
            if not apps or apps[0]["order"]["appprice"] > request["appmaxprice"]:
                continue
            pool = pools[ask["workerpool"]]
            orders = {
                "apporder": apps[0]["order"],
                "datasetorder": empty_dataset_order(),
                "workerpoolorder": ask,
                "requestorder": request,
            }
            dealid = self._match(pool.scheduler, orders)
            deal = self.chain.view(self.chain.hub, "viewDeal", dealid)
            taskids = pool.scheduler.initialize_all(dealid, deal.botSize, first=deal.botFirst)
            for taskid in taskids:
                self._complete(pool, taskid, workers=self._shuffled(pool.honest))
            return dealid
        return None

    def _salt(self) -> str:
        self._salts += 1
        seed = self.seed.to_bytes(32, "big", signed=True)
        return "0x" + keccak(self._salt_base + seed + self._salts.to_bytes(32, "big")).hex()

    def _category(self) -> int:
        return self.rng.randrange(CATEGORIES)

    # --- task work ---------------------------------------------------------------------------

    def _complete(self, pool: Pool, taskid: bytes, *, workers: list[Worker], tee: bool = False):
        """Contributions until consensus, reveals by the winners, finalize by the scheduler."""
        digest = self._digest()
        winners = self._reach_consensus(pool, taskid, digest, workers, tee=tee)
        for worker in winners:
            worker.reveal(taskid, digest)
        pool.scheduler.finalize(taskid, self._results(taskid))

    def _reach_consensus(
        self, pool: Pool, taskid: bytes, digest: bytes, workers: list[Worker], *, tee=False
    ) -> list[Worker]:
        """Agreeing contributions one by one until the hub sees consensus. How many it takes
        depends on trust and on the workers' scores, so the chain is asked after each one."""
        contributors = []
        for worker in workers:
            self._contribute(pool, worker, taskid, digest, tee=tee)
            contributors.append(worker)
            if self.chain.task(taskid).status == TaskStatus.REVEALING:
                return contributors
        raise RuntimeError(f"task 0x{taskid.hex()} got no consensus from {len(workers)} workers")

    def _contribute(self, pool: Pool, worker: Worker, taskid: bytes, digest: bytes, tee=False):
        enclave = self._enclave(taskid, worker) if tee else None
        challenge = enclave.address if enclave else ZERO_ADDRESS
        worker.contribute(
            taskid=taskid,
            digest=digest,
            authorization=pool.scheduler.authorize(worker, taskid, challenge),
            enclave=enclave,
        )

    def _enclave(self, taskid: bytes, worker: Worker) -> Enclave:
        """A fresh enclave key per task and worker, reproducible from the seed."""
        seed = self.seed.to_bytes(32, "big", signed=True)
        return Enclave(keccak(b"enclave" + seed + taskid + bytes.fromhex(worker.address[2:])))

    def _digest(self) -> bytes:
        return self.rng.randbytes(32)

    def _results(self, taskid: bytes) -> bytes:
        return json.dumps({"storage": "ipfs", "location": f"/ipfs/{taskid.hex()}"}).encode()

    def _shuffled(self, workers: list[Worker]) -> list[Worker]:
        return self.rng.sample(workers, len(workers))


def _tuple(kind: str, orders: dict) -> tuple:
    return order_as_tuple(kind=kind, order=orders[kind])
