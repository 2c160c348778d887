"""Order publication: orders/s through POST /<kind>orders of the real server, against bare
signature recovery of the same orders.

The stack is the product's: anvil mining a block a second (so that the index stays current,
as on a live chain), `manage.py index --follow`, and daphne, on a fresh database. Every
publication goes through the whole path: the single-use challenge authorization, every
publication rule (owner, signature, open-order limit, consumed volume on the node, stake,
matchability for request orders) and the write with its live event. Orders and challenge
signatures are made before the clock starts: signing is the client's cost.
"""

import json
import time
import urllib.request

from eth_account import Account
from eth_utils import keccak

from bench.chains import chain_head, node
from bench.core import Chart, Context, Figure, Goal, Section, repeat
from bench.databases import backends, fresh_database
from bench.http_load import Request, send_all
from bench.processes import daphne, manage_start, peak_rss_mb, product_env, stop
from bench.signers import signer_key, signers_chain
from marketplace.chain.orders import (
    order_sign,
    order_typed_data,
    signable_hash,
    typed_data_signable,
)
from marketplace.chain.protocol import NO_TAG
from marketplace.chain.protocol import ZERO_ADDRESS as ZERO
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient

TITLE = "Order publication"
SIGNERS = {False: 200, True: 1000}
CONNECTIONS = 8
RATE = Goal(">= 300 publications/s", at_least=300)


def _order(kind: str, signer: dict, *, app: str, salt: str) -> dict:
    """A fresh order of `signer`'s kind, every field as the SDK sends it (numbers as strings)."""
    common = {"volume": "1", "tag": NO_TAG, "salt": salt}
    restrict = {"workerpoolrestrict": ZERO, "requesterrestrict": ZERO}
    if kind == "apporder":
        return {"app": signer["asset"], "appprice": "0", "datasetrestrict": ZERO,
                **restrict, **common}  # fmt: skip
    if kind == "datasetorder":
        return {"dataset": signer["asset"], "datasetprice": "0", "apprestrict": ZERO,
                **restrict, **common}  # fmt: skip
    if kind == "workerpoolorder":
        return {"workerpool": signer["asset"], "workerpoolprice": "0", "category": "0",
                "trust": "0", "apprestrict": ZERO, "datasetrestrict": ZERO,
                "requesterrestrict": ZERO, **common}  # fmt: skip
    return {"app": app, "appmaxprice": "0", "dataset": ZERO, "datasetmaxprice": "0",
            "workerpool": ZERO, "workerpoolmaxprice": "0", "requester": signer["address"],
            "category": "0", "trust": "0", "beneficiary": signer["address"], "callback": ZERO,
            "params": "", **common}  # fmt: skip


def _get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return json.loads(answer.read())


def _authorization(*, base_url: str, chain_id: int, signer: dict) -> str:
    """The header of one publication: the signer's challenge, signed."""
    typed = _get(f"{base_url}/challenge?chainId={chain_id}&address={signer['address']}")["data"]
    signable = typed_data_signable(typed=typed)
    signed = Account.sign_message(signable, signer_key(signer["index"]))
    digest = signable_hash(signable=signable)
    return f"{digest}_0x{bytes(signed.signature).hex()}_{signer['address']}"


def _publication(*, base_url, chain_id, signer, order) -> Request:
    headers = (
        ("Content-Type", "application/json"),
        ("authorization", _authorization(base_url=base_url, chain_id=chain_id, signer=signer)),
    )
    body = json.dumps({"order": order}).encode()
    return Request("POST", f"/{signer['kind']}s?chainId={chain_id}", body, headers)


def _check(answers) -> None:
    refused = [a for a in answers if a.status != 200 or not json.loads(a.body).get("ok")]
    if refused:
        raise RuntimeError(f"{len(refused)} publications refused, e.g. {refused[0].body[:300]!r}")


def _wait_indexed(*, base_url: str, chain_id: int, block: int, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while _get(f"{base_url}/metrics?chainId={chain_id}")["lastBlock"] < block:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the indexer did not reach block {block}")
        time.sleep(0.5)


class _Orders:
    """Each run's fresh orders, signed; the same orders for the baseline and the server."""

    def __init__(self, *, signers: list[dict], domain: dict, app: str, backend: str):
        self.signers, self.domain, self.app, self.backend = signers, domain, app, backend

    def signed(self, number: int) -> list[dict]:
        orders = []
        for signer in self.signers:
            seed = f"{self.backend}-{number}-{signer['index']}".encode()
            order = _order(signer["kind"], signer, app=self.app, salt="0x" + keccak(seed).hex())
            sign = order_sign(kind=signer["kind"], order=order, domain=self.domain,
                              private_key=signer_key(signer["index"]))  # fmt: skip
            orders.append({**order, "sign": sign})
        return orders


def _backend(ctx: Context, *, backend: str, chain, anvil) -> list[Figure]:
    deployment = chain.deployment
    chain_id = deployment["chain_id"]
    signers = chain.info["signers"]
    domain = Reader(RpcClient(anvil.url), deployment["hub"]).domain()
    orders = _Orders(signers=signers, domain=domain, app=signers[0]["asset"], backend=backend)
    bare = Figure(f"eth_account recover, same signatures ({backend} run)", "recoveries/s")
    published = Figure(f"publications via POST ({backend})", "publications/s", baseline=bare,
                       goals=(RATE,))  # fmt: skip
    rss = Figure(f"server peak RSS ({backend})", "MB")
    with (
        fresh_database(ctx=ctx, backend=backend, name="publish") as url,
        (ctx.var / "publish-indexer.log").open("wb") as log,
    ):
        env = product_env(database_url=url, node=anvil, deployment=deployment)
        indexer = manage_start(["index", "--follow", "--quiet"], env=env, log=log)
        try:
            with daphne(env=env) as (server, base_url):
                _wait_indexed(base_url=base_url, chain_id=chain_id, block=chain_head(anvil))
                standing = _order("apporder", signers[0], app="", salt=NO_TAG)
                standing = {**standing, "volume": "1000000"}
                standing["sign"] = order_sign(kind="apporder", order=standing, domain=domain,
                                              private_key=signer_key(0))  # fmt: skip
                setup = _publication(base_url=base_url, chain_id=chain_id,
                                     signer=signers[0], order=standing)  # fmt: skip
                _check(send_all(base_url=base_url, requests=[setup], connections=1)[1])
                batches = {}

                def baseline(number):
                    batches[number] = orders.signed(number)
                    signables = [
                        (typed_data_signable(typed=order_typed_data(
                            kind=s["kind"], order=o, domain=domain)), o["sign"])
                        for s, o in zip(signers, batches[number], strict=True)
                    ]  # fmt: skip
                    started = time.perf_counter()
                    for signable, sign in signables:
                        Account.recover_message(signable, signature=sign)
                    bare.add(len(signables) / (time.perf_counter() - started), ctx=ctx)

                def publish(number):
                    requests = [
                        _publication(base_url=base_url, chain_id=chain_id, signer=s, order=o)
                        for s, o in zip(signers, batches.pop(number), strict=True)
                    ]
                    seconds, answers = send_all(
                        base_url=base_url, requests=requests, connections=CONNECTIONS
                    )
                    _check(answers)
                    published.add(len(requests) / seconds, ctx=ctx)

                repeat(ctx, [baseline, publish])
                rss.add(peak_rss_mb(server.pid), ctx=ctx)
        finally:
            stop(indexer)
    return [bare, published, rss]


def run(ctx: Context) -> Section:
    count = SIGNERS[ctx.full]
    chain = signers_chain(ctx=ctx, count=count)
    figures = []
    with node(chain) as anvil:
        RpcClient(anvil.url).call("evm_setIntervalMining", [1])
        for backend in backends(ctx):
            figures += _backend(ctx, backend=backend, chain=chain, anvil=anvil)
    return Section(
        title=TITLE,
        method=(
            f"{count} signers (a quarter each of app, dataset, workerpool and request orders; "
            "each owns its asset on chain), one fresh order each per run, so the limit of 50 "
            "open orders per signer (ORDERBOOK_MAX_OPEN_PER_SIGNER) stays as configured. "
            f"Orders and challenge signatures made before timing; {CONNECTIONS} connections "
            "POST them to daphne (DEBUG off) while `manage.py index --follow` follows a chain "
            "mining a block a second. Baseline: eth_account (coincurve) recovery of the same "
            "orders' EIP-712 signatures, one thread, same run."
        ),
        figures=figures,
        charts=[
            Chart(
                "publish-rate",
                "Publications/s",
                [f for f in figures if f.label.startswith("publications")],
            )
        ],
    )
