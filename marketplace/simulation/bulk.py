"""A fast generator of complete deals, to fill a chain for benchmarks (indexer, API, UI).

The interactive Market mines one transaction per block and waits for each receipt; anvil gets
slow per block as its chain grows, so this generator pipelines instead: automine off, every
transaction sent with explicit nonce and gas (no estimation) in JSON-RPC batches, then one
`evm_mine` per chunk of deals. dealids and taskids are computed offline, and so is the trust-3
consensus (the hub's rule replayed on the workers' scores).

Ordering: a block holds a whole deal (match, initialize, contributions, reveals, finalize), so
its transactions must run in that order. The bench anvil mines in arrival order
(`--order fifo`), but it handles the requests of one JSON-RPC batch concurrently, so arrival
order inside a batch is not kept. Hence waves: each chunk is sent as successive batches (all
matches, then all initializes, then the first contribution of every task, the second, …, then
reveals, then finalizes) and no transaction depends on another of its own wave. Planning the
next chunk overlaps with sending and mining the current one.

Start the bench node with `extra_args=["--order", "fifo", "--gas-limit", "1000000000"]`. At the
end the hub's logs are counted against the plan, so a failed transaction cannot go unnoticed.
"""

import itertools
import json
import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from eth_abi import encode
from eth_utils import function_abi_to_4byte_selector, get_abi_input_types, keccak

from marketplace.chain.orders import empty_dataset_order, order_as_tuple, order_hash
from marketplace.chain.protocol import NO_TAG, TEE_TAG, ZERO_ADDRESS
from marketplace.chain.rpc import RpcClient
from marketplace.simulation.actors import (
    RLC,
    Enclave,
    Worker,
    function_abi,
    taskid_of,
)
from marketplace.simulation.market import Market, Pool

# The mix of deals, cycled; each _deal_<kind> docstring says what it exercises.
KINDS = ("basic", "fast", "dataset", "basic", "replicated", "tee")
DEALS_PER_BLOCK = 100
# Explicit gas limits, no estimation (it would run every call once more): the most each
# function used in these deals (first storage writes cost most) plus ~40% for refunds and cold
# slots. A transaction that runs out of gas fails the final check.
GAS = {
    "matchOrders": 1_100_000,  # up to 785k (with a dataset)
    "initialize": 320_000,  # 222k
    "initializeArray": 550_000,  # 392k for two tasks
    "contribute": 600_000,  # 422k (TEE: enclave signature check)
    "contributeAndFinalize": 750_000,  # 525k
    "reveal": 140_000,  # 93k
    "finalize": 650_000,  # 454k (trust 3: rewards and seizes for 4 contributors)
}
# Waves, in sending order; the k-th contribution to a task goes in wave CONTRIBUTE + k.
MATCH, INITIALIZE, CONTRIBUTE, REVEAL, FINALIZE = 0, 1, 2, 100, 101
TRUST = 3
BULK_VOLUME = 10**12  # the shared app, dataset and workerpool orders never run out
ORDERS_MATCHED = (
    "0x" + keccak(text="OrdersMatched(bytes32,bytes32,bytes32,bytes32,bytes32,uint256)").hex()
)
TASK_FINALIZE = "0x" + keccak(text="TaskFinalize(bytes32,bytes)").hex()


@cache
def _encoder(function: str) -> tuple[bytes, list[str]]:
    entry = function_abi("IexecInterfaceToken", function)
    return function_abi_to_4byte_selector(entry), get_abi_input_types(entry)


def hub_calldata(function: str, *args) -> str:
    """Calldata of a hub function, encoded with eth_abi directly (web3 costs ~10x more)."""
    selector, types = _encoder(function)
    return "0x" + (selector + encode(types, args)).hex()


@dataclass
class Tx:
    wave: int
    sender: str
    function: str
    data: str


def consensus_weight(score: int) -> int:
    """The hub's contribution weight for a worker score (PoCo's score policy, k = 3)."""
    return max(score // 3, 3) - 1


class _Consensus:
    """The hub's consensus arithmetic for one task, replayed offline."""

    def __init__(self, trust: int):
        self.trust = trust
        self.total = 1
        self.groups: dict[bytes, int] = {}

    def add(self, result: bytes, weight: int) -> bool:
        """Count one contribution to `result`; True when it makes consensus."""
        group = self.groups.get(result, 0)
        delta = max(group, 1) * weight - group
        self.groups[result] = group + delta
        self.total += delta
        return self.groups[result] * self.trust > self.total * (self.trust - 1)


class _Planner:
    """Each deal's transactions, tagged with their wave, and its offline dealid/taskids."""

    def __init__(self, market: Market):
        self.market = market
        self.domain = market.chain.domain
        self.rng = random.Random(market.seed)
        self.alpha = market.pools["alpha"]
        self.beta = market.pools["beta"]
        self.salt_base = bytes(market.chain.w3.eth.get_block("latest")["hash"])
        self.salts = itertools.count()
        self.turns = itertools.count()
        # Scores as the hub has them at the start of the chunk being planned: finalizes run in
        # the chunk's last wave, after every contribution of the chunk.
        self.scores = {
            w.address: market.chain.view(market.chain.hub, "viewScore", w.address)
            for w in self.alpha.workers
        }
        self.score_changes: list[tuple[str, Callable[[int], int]]] = []
        self.standing = self._standing_orders()
        self.standing_tuples = {
            name: order_as_tuple(kind=kind, order=self.standing[name])
            for name, kind in (
                ("docker", "apporder"),
                ("tee", "apporder"),
                ("dataset", "datasetorder"),
                ("alpha", "workerpoolorder"),
                ("beta", "workerpoolorder"),
            )
        }
        self.no_dataset = order_as_tuple(kind="datasetorder", order=empty_dataset_order())

    def _salt(self) -> str:
        return "0x" + keccak(self.salt_base + next(self.salts).to_bytes(32, "big")).hex()

    def _standing_orders(self) -> dict:
        """App, dataset and workerpool orders signed once and shared by every deal. The alpha
        pool's order carries the TEE bit and trust 3, so it serves plain, TEE and replicated
        requests alike."""
        m = self.market
        docker_dev, tee_dev = m.developers
        return {
            "docker": docker_dev.app_order(
                app=m.apps["docker"], price=RLC // 100, volume=BULK_VOLUME, tag=NO_TAG,
                salt=self._salt(),
            ),
            "tee": tee_dev.app_order(
                app=m.apps["tee"], price=RLC // 50, volume=BULK_VOLUME, tag=TEE_TAG,
                salt=self._salt(),
            ),
            "dataset": m.provider.dataset_order(
                dataset=m.dataset, price=RLC // 100, volume=BULK_VOLUME, tag=NO_TAG,
                salt=self._salt(),
            ),
            "alpha": self.alpha.scheduler.workerpool_order(
                workerpool=self.alpha.address, price=RLC // 20, volume=BULK_VOLUME, tag=TEE_TAG,
                category=0, trust=TRUST, salt=self._salt(),
            ),
            "beta": self.beta.scheduler.workerpool_order(
                workerpool=self.beta.address, price=RLC // 25, volume=BULK_VOLUME, tag=NO_TAG,
                category=0, trust=1, salt=self._salt(),
            ),
        }  # fmt: skip

    def chunk(self, numbers: range) -> tuple[list[Tx], int]:
        """Transactions of deals `numbers` (kinds cycled), and how many tasks they complete."""
        txs, tasks = [], 0
        for number in numbers:
            kind = KINDS[number % len(KINDS)]
            deal_txs, deal_tasks = getattr(self, f"_deal_{kind}")(number)
            txs += deal_txs
            tasks += deal_tasks
        for address, change in self.score_changes:
            self.scores[address] = change(self.scores[address])
        self.score_changes.clear()
        return txs, tasks

    # --- deal kinds: each returns (transactions, tasks) ----------------------------------------

    def _deal_basic(self, number: int):
        """Trust 1 on the alpha pool: initialize, contribute, reveal, finalize."""
        dealid, match = self._match(number, app="docker", pool="alpha")
        taskid, init = self._initialize(self.alpha, dealid)
        return [match, init, *self._complete(self.alpha, taskid)], 1

    def _deal_tee(self, number: int):
        """The TEE app with tag 0x…01: the contribution carries an enclave challenge."""
        dealid, match = self._match(number, app="tee", pool="alpha")
        taskid, init = self._initialize(self.alpha, dealid)
        return [match, init, *self._complete(self.alpha, taskid, tee=True)], 1

    def _deal_fast(self, number: int):
        """Trust 1 on the beta pool in one contributeAndFinalize."""
        dealid, match = self._match(number, app="docker", pool="beta")
        taskid, init = self._initialize(self.beta, dealid)
        worker = self._turn(self.beta.workers)
        data = hub_calldata(
            "contributeAndFinalize",
            taskid,
            self.rng.randbytes(32),
            _results(taskid),
            b"",
            ZERO_ADDRESS,
            b"",
            self.beta.scheduler.authorize(worker, taskid),
        )
        return [match, init, Tx(CONTRIBUTE, worker.address, "contributeAndFinalize", data)], 1

    def _deal_dataset(self, number: int):
        """A dataset deal of volume 2 on the beta pool: two tasks initialized in one call."""
        dealid, match = self._match(number, app="docker", pool="beta", volume=2, dataset=True)
        data = hub_calldata("initializeArray", [dealid, dealid], [0, 1])
        txs = [match, Tx(INITIALIZE, self.beta.scheduler.address, "initializeArray", data)]
        for idx in range(2):
            txs += self._complete(self.beta, taskid_of(dealid, idx))
        return txs, 2

    def _deal_replicated(self, number: int):
        """Trust 3 on the alpha pool: the faulty worker first, then honest ones until the
        hub's consensus rule (replayed on the scores) is met; finalize rewards the honest
        (AccurateContribution, score +1) and seizes the faulty (FaultyContribution)."""
        dealid, match = self._match(number, app="docker", pool="alpha", trust=TRUST)
        taskid, init = self._initialize(self.alpha, dealid)
        digest, wrong = self.rng.randbytes(32), self.rng.randbytes(32)
        faulty = self.alpha.faulty
        # A faulty worker heavy enough to make consensus alone would win: it sits out then.
        punished = [] if _Consensus(TRUST).add(wrong, self._weight(faulty)) else [faulty]
        consensus = _Consensus(TRUST)
        for worker in punished:
            consensus.add(wrong, self._weight(worker))
        winners = self._until_consensus(consensus, digest)
        contributions = [(w, wrong) for w in punished] + [(w, digest) for w in winners]
        txs = [match, init]
        for k, (worker, result) in enumerate(contributions):
            txs.append(self._contribute(self.alpha, worker, taskid, result, wave=CONTRIBUTE + k))
        self._settle_scores(winners=winners, punished=punished)
        return [*txs, *self._reveal_finalize(self.alpha, taskid, digest, winners)], 1

    # --- pieces ----------------------------------------------------------------------------

    def _match(self, number: int, *, app: str, pool: str, volume=1, trust=1, dataset=False):
        requesters = self.market.requesters
        requester = requesters[number % len(requesters)]
        app_order, pool_order = self.standing[app], self.standing[pool]
        dataset_order = self.standing["dataset"] if dataset else empty_dataset_order()
        request = requester.request_order(
            app=app_order["app"],
            appmaxprice=app_order["appprice"],
            dataset=dataset_order["dataset"],
            datasetmaxprice=dataset_order["datasetprice"],
            workerpool=pool_order["workerpool"],
            workerpoolmaxprice=pool_order["workerpoolprice"],
            volume=volume,
            tag=TEE_TAG if app == "tee" else NO_TAG,
            category=0,
            trust=trust,
            params=json.dumps({"iexec_args": f"bulk {number}"}),
            salt=self._salt(),
        )
        data = hub_calldata(
            "matchOrders",
            self.standing_tuples[app],
            self.standing_tuples["dataset"] if dataset else self.no_dataset,
            self.standing_tuples[pool],
            order_as_tuple(kind="requestorder", order=request),
        )
        # A fresh request order has consumed nothing yet: the deal's first task index is 0.
        request_hash = order_hash(kind="requestorder", order=request, domain=self.domain)
        dealid = keccak(bytes.fromhex(request_hash[2:]) + bytes(32))
        return dealid, Tx(MATCH, requester.address, "matchOrders", data)

    def _initialize(self, pool: Pool, dealid: bytes) -> tuple[bytes, Tx]:
        data = hub_calldata("initialize", dealid, 0)
        return taskid_of(dealid, 0), Tx(INITIALIZE, pool.scheduler.address, "initialize", data)

    def _complete(self, pool: Pool, taskid: bytes, *, tee=False) -> list[Tx]:
        digest = self.rng.randbytes(32)
        worker = self._turn(pool.honest)
        contribute = self._contribute(pool, worker, taskid, digest, wave=CONTRIBUTE, tee=tee)
        return [contribute, *self._reveal_finalize(pool, taskid, digest, [worker])]

    def _contribute(
        self, pool: Pool, worker: Worker, taskid: bytes, digest: bytes, *, wave, tee=False
    ):
        enclave = Enclave(keccak(b"bulk-enclave" + taskid)) if tee else None
        challenge = enclave.address if enclave else ZERO_ADDRESS
        result_hash, result_seal = worker.result(taskid, digest)
        enclave_sign = enclave.sign_result(result_hash, result_seal) if enclave else b""
        authorization = pool.scheduler.authorize(worker, taskid, challenge)
        data = hub_calldata(
            "contribute", taskid, result_hash, result_seal, challenge, enclave_sign, authorization
        )
        return Tx(wave, worker.address, "contribute", data)

    def _reveal_finalize(self, pool: Pool, taskid: bytes, digest: bytes, winners) -> list[Tx]:
        reveal = hub_calldata("reveal", taskid, digest)
        finalize = hub_calldata("finalize", taskid, _results(taskid), b"")
        return [
            *(Tx(REVEAL, worker.address, "reveal", reveal) for worker in winners),
            Tx(FINALIZE, pool.scheduler.address, "finalize", finalize),
        ]

    def _until_consensus(self, consensus: _Consensus, digest: bytes) -> list[Worker]:
        honest = self.alpha.honest
        offset = next(self.turns)
        winners = []
        for i in range(len(honest)):
            winners.append(honest[(offset + i) % len(honest)])
            if consensus.add(digest, self._weight(winners[-1])):
                return winners
        raise RuntimeError(f"{len(honest)} honest workers cannot make consensus")

    def _settle_scores(self, *, winners: list[Worker], punished: list[Worker]):
        """What this deal's finalize will do to scores: +1 per revealed winner when more than
        one worker contributed, x 2/3 per contributor outside the consensus."""
        if len(winners) + len(punished) > 1:
            self.score_changes += [(w.address, lambda score: score + 1) for w in winners]
        self.score_changes += [(w.address, lambda score: score * 2 // 3) for w in punished]

    def _weight(self, worker: Worker) -> int:
        return consensus_weight(self.scores[worker.address])

    def _turn(self, workers: list[Worker]) -> Worker:
        return workers[next(self.turns) % len(workers)]


def _results(taskid: bytes) -> bytes:
    return json.dumps({"storage": "ipfs", "location": f"/ipfs/{taskid.hex()}"}).encode()


def _wave_of(tx: Tx) -> int:
    return tx.wave


class _Sender:
    """Sends a chunk wave by wave with explicit nonces and gas, then mines it."""

    def __init__(self, rpc: RpcClient, *, hub: str, gas_price: int):
        self.rpc = rpc
        self.hub = hub
        self.gas_price = hex(gas_price)
        self.nonces: dict[str, int] = {}
        self.txs = 0

    def _nonce(self, sender: str) -> str:
        if sender not in self.nonces:
            count = self.rpc.call("eth_getTransactionCount", [sender, "pending"])
            self.nonces[sender] = int(count, 16)
        self.nonces[sender] += 1
        return hex(self.nonces[sender] - 1)

    def send_and_mine(self, txs: list[Tx]) -> int:
        """Send `txs` wave by wave, mine them; the number of blocks it took."""
        for _wave, group in itertools.groupby(sorted(txs, key=_wave_of), key=_wave_of):
            self.rpc.batch([("eth_sendTransaction", [self._request(tx)]) for tx in group])
        self.txs += len(txs)
        return self._mine()

    def _request(self, tx: Tx) -> dict:
        return {
            "from": tx.sender,
            "to": self.hub,
            "data": tx.data,
            "gas": hex(GAS[tx.function]),
            "gasPrice": self.gas_price,
            "nonce": self._nonce(tx.sender),
        }

    def _mine(self) -> int:
        blocks = 0
        while blocks == 0 or int(self.rpc.call("txpool_status")["pending"], 16):
            if blocks == 100:
                raise RuntimeError("transactions stay pending: is there a nonce gap?")
            self.rpc.call("evm_mine")
            blocks += 1
        return blocks


def generate_chain(
    *,
    rpc_url: str,
    deployment: dict,
    deals: int,
    progress: Callable[[int, int], None] | None = None,
    deals_per_block: int = DEALS_PER_BLOCK,
) -> dict:
    """Add `deals` complete deals (KINDS cycled) to the chain as fast as the node allows.
    Returns the figures: deals, tasks, blocks, txs, seconds, deals_per_second."""
    started = time.monotonic()
    market = Market(rpc_url=rpc_url, deployment=deployment)
    market.setup()
    rpc = RpcClient(rpc_url, timeout=300)
    hub = market.chain.hub.address
    first_block = int(rpc.call("eth_blockNumber"), 16) + 1
    planner = _Planner(market)
    sender = _Sender(rpc, hub=hub, gas_price=2 * int(rpc.call("eth_gasPrice"), 16))
    automine = rpc.call("anvil_getAutomine")
    rpc.call("evm_setAutomine", [False])
    tasks = blocks = 0
    try:
        with ThreadPoolExecutor(max_workers=1) as executor:
            pending = None
            for start in range(0, deals, deals_per_block):
                # Plan this chunk while the node still executes the previous one.
                txs, chunk_tasks = planner.chunk(range(start, min(start + deals_per_block, deals)))
                tasks += chunk_tasks
                blocks += pending.result() if pending else 0
                _report(progress, start, deals)
                pending = executor.submit(sender.send_and_mine, txs)
            blocks += pending.result() if pending else 0
            _report(progress, deals, deals)
    finally:
        rpc.call("evm_setAutomine", [automine])
    last_block = int(rpc.call("eth_blockNumber"), 16)
    _verify(rpc, hub=hub, blocks=(first_block, last_block), deals=deals, tasks=tasks)
    seconds = time.monotonic() - started
    return {
        "deals": deals,
        "tasks": tasks,
        "blocks": blocks,
        "txs": sender.txs,
        "first_block": first_block,
        "last_block": last_block,
        "seconds": round(seconds, 2),
        "deals_per_second": round(deals / seconds, 1),
    }


def _report(progress, done: int, total: int):
    if progress and done:
        progress(done, total)


def _verify(rpc: RpcClient, *, hub: str, blocks: tuple[int, int], deals: int, tasks: int):
    """Every planned deal matched and every task finalized, or say which transaction failed."""
    span = {"address": hub, "fromBlock": hex(blocks[0]), "toBlock": hex(blocks[1])}
    counts = {
        "deals": len(rpc.call("eth_getLogs", [{**span, "topics": [ORDERS_MATCHED]}])),
        "tasks": len(rpc.call("eth_getLogs", [{**span, "topics": [TASK_FINALIZE]}])),
    }
    if counts != {"deals": deals, "tasks": tasks}:
        raise RuntimeError(
            f"planned {deals} deals and {tasks} tasks, the chain has {counts}; first failed "
            f"transaction: {_first_failure(rpc, blocks)} (was anvil started with --order fifo?)"
        )


def _first_failure(rpc: RpcClient, blocks: tuple[int, int]) -> str | None:
    for number in range(blocks[0], blocks[1] + 1):
        block = rpc.call("eth_getBlockByNumber", [hex(number), False])
        receipts = rpc.batch([("eth_getTransactionReceipt", [h]) for h in block["transactions"]])
        for receipt in receipts:
            if receipt["status"] != "0x1":
                return f"{receipt['transactionHash']} in block {number} from {receipt['from']}"
    return None
