"""Orderbook reads under load: GET /apporders?app=… on a book of many open orders (PostgreSQL)
against the trivial GET /version of the same server, in the same run."""

import json
import subprocess
import sys
import urllib.request

from bench.book import PER_ASSET, asset_address, assets_per_kind
from bench.chains import deployed_chain, node
from bench.core import ROOT, Chart, Context, Figure, Goal, Section, repeat
from bench.databases import fresh_database
from bench.processes import daphne, peak_rss_mb, product_env
from bench.wrk import paths_script, wrk_run
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient

TITLE = "Orderbook reads under load"
ORDERS = {False: 10_000, True: 100_000}
SECONDS = {False: 5, True: 10}
CONNECTIONS = 8
QUERIED_APPS = 200  # the load goes round these apps' books
SHARE = Goal(">= 50% of /version's throughput", at_least=0.5, of="ratio")
P99 = Goal("<= 50 ms", at_most=50)
RSS = Goal("<= 250 MB", at_most=250)


def _fill(*, url: str, orders: int, domain: dict) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "bench.book_fill", str(orders), json.dumps(domain)],
        env=product_env(database_url=url), cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"filling the book failed:\n{done.stderr[-3000:]}")
    return int(done.stdout.split()[-1])


def run(ctx: Context) -> Section:
    orders = ORDERS[ctx.full]
    chain = deployed_chain(ctx=ctx)
    chain_id = chain.deployment["chain_id"]
    apps = [asset_address("apporder", n) for n in range(assets_per_kind(orders))]
    paths = [f"/apporders?chainId={chain_id}&app={app}" for app in apps[:QUERIED_APPS]]
    trivial = Figure("GET /version", "requests/s")
    book = Figure("GET /apporders?app=", "requests/s", baseline=trivial, goals=(SHARE,))
    trivial_p50, trivial_p99 = Figure("GET /version p50", "ms"), Figure("GET /version p99", "ms")
    book_p50 = Figure("GET /apporders p50", "ms", baseline=trivial_p50)
    book_p99 = Figure("GET /apporders p99", "ms", baseline=trivial_p99, goals=(P99,))
    rss = Figure("server peak RSS", "MB", goals=(RSS,))
    seconds = SECONDS[ctx.full]
    with (
        node(chain) as anvil,
        fresh_database(ctx=ctx, backend="postgres", name="reads") as url,
    ):
        domain = Reader(RpcClient(anvil.url), chain.deployment["hub"]).domain()
        ctx.log(f"filling the book with {orders:,} open orders")
        stored = _fill(url=url, orders=orders, domain=domain)
        env = product_env(database_url=url, node=anvil, deployment=chain.deployment)
        with daphne(env=env) as (server, base_url):
            with urllib.request.urlopen(base_url + paths[0], timeout=30) as answer:
                first = json.loads(answer.read())
            if first.get("count") != PER_ASSET:
                raise RuntimeError(f"unexpected book for {apps[0]}: {str(first)[:300]}")
            script = paths_script(paths=paths, folder=ctx.var)
            # Warm-up: connections, query plans, the server's first requests.
            wrk_run(url=base_url + "/version", seconds=2, connections=CONNECTIONS)
            wrk_run(url=base_url, seconds=2, connections=CONNECTIONS, script=script)

            def trivial_step(_number):
                load = wrk_run(url=base_url + "/version", seconds=seconds, connections=CONNECTIONS)
                trivial.add(load.requests_per_second, ctx=ctx)
                trivial_p50.add(load.p50_ms, ctx=ctx)
                trivial_p99.add(load.p99_ms, ctx=ctx)

            def book_step(_number):
                load = wrk_run(
                    url=base_url, seconds=seconds, connections=CONNECTIONS, script=script
                )
                book.add(load.requests_per_second, ctx=ctx)
                book_p50.add(load.p50_ms, ctx=ctx)
                book_p99.add(load.p99_ms, ctx=ctx)

            repeat(ctx, [trivial_step, book_step])
            rss.add(peak_rss_mb(server.pid), ctx=ctx)
    figures = [trivial, book, trivial_p50, book_p50, trivial_p99, book_p99, rss]
    return Section(
        title=TITLE,
        method=(
            f"PostgreSQL database poco_bench_reads with {stored:,} open orders "
            f"({', '.join(ORDER_KINDS)} alike; {PER_ASSET} per asset, as the per-signer limit "
            "allows), inserted in bulk as publication writes them (order_parse, "
            "order_columns, EIP-712 hash, real signature). One daphne process (DEBUG off); "
            f"wrk, 1 thread, {CONNECTIONS} connections, {seconds} s per run, going round "
            f"{len(paths)} apps' books (each answer: 20 orders of {PER_ASSET}, and the count), "
            "alternating with /version."
        ),
        figures=figures,
        charts=[
            Chart("reads-rate", "Requests/s", [trivial, book]),
            Chart("reads-latency", "Latency (ms)", [trivial_p50, book_p50, trivial_p99, book_p99]),
        ],
    )
