"""Server-side render time of the web pages on a big market (PostgreSQL): the market page (all
categories' book, depth, prices, recent deals), a busy pool's page and the pools list, against
the trivial GET /version of the same server, in the same run."""

import http.client
import json
import statistics
import subprocess
import sys
import time
from urllib.parse import urlsplit

from bench.chains import deployed_chain, node
from bench.core import ROOT, Chart, Context, Figure, Goal, Section, repeat
from bench.databases import fresh_database
from bench.processes import daphne, manage, peak_rss_mb, product_env
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient

TITLE = "Web pages on a big market"
ORDERS = {False: 10_000, True: 100_000}
DEALS = {False: 1_000, True: 10_000}
REQUESTS = 200  # sequential requests per page and run
WARM_UP = 20
FILTERED_CATEGORY = 3
P50 = Goal("<= 100 ms", at_most=100)


def _fill(*, url: str, orders: int, deals: int, domain: dict, hub: str) -> dict:
    args = [str(orders), str(deals), json.dumps(domain), hub]
    done = subprocess.run(
        [sys.executable, "-m", "bench.pages_fill", *args],
        env=product_env(database_url=url), cwd=ROOT, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"filling the market failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


class Client:
    """One kept-alive connection, as a browser reuses it: the figures are the server's time
    (and the loopback), not TCP set-up."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self, path: str) -> tuple[float, int, str]:
        """(milliseconds, status, body) of one GET."""
        started = time.perf_counter()
        self.connection.request("GET", path)
        answer = self.connection.getresponse()
        body = answer.read()
        elapsed = (time.perf_counter() - started) * 1000
        if answer.will_close:
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        return elapsed, answer.status, body.decode(errors="replace")

    def close(self):
        self.connection.close()


def _checked(client: Client, path: str, expected: list[str]) -> float:
    elapsed, status, body = client.get(path)
    missing = [text for text in expected if text not in body]
    if status != 200 or missing:
        raise RuntimeError(f"GET {path}: {status}, missing {missing}:\n{body[:1500]}")
    return elapsed


def _percentile(values: list[float], percent: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def run(ctx: Context) -> Section:
    orders, deals = ORDERS[ctx.full], DEALS[ctx.full]
    chain = deployed_chain(ctx=ctx)
    hub = chain.deployment["hub"]
    with (
        node(chain) as anvil,
        fresh_database(ctx=ctx, backend="postgres", name="pages") as url,
    ):
        domain = Reader(RpcClient(anvil.url), hub).domain()
        ctx.log(f"filling the market: {orders:,} open orders, {deals:,} deals")
        stored = _fill(url=url, orders=orders, deals=deals, domain=domain, hub=hub)
        ctx.log(f"stored: {stored}")
        pool, categories = stored["pool"], stored["categories"]
        # What each page must show: a wrong or empty page would be fast for nothing.
        pages = {
            "/version": [],
            "/": ["Compute market", "Sell side", "/pools/0x", "last price", "Recent deals"],
            f"/?category={FILTERED_CATEGORY}": [
                f"Market · {categories[FILTERED_CATEGORY]}", "/pools/0x", "last price"
            ],
            f"/pools/{pool}": [
                pool,
                f"<strong>{stored['pool_deals']}</strong>deals served",
                f"Open workerpool orders <span class=\"muted\">({stored['pool_orders']})",
                "/workers/0x",
            ],
            "/pools": ["Worker pools", "selling", "/pools/0x"],
        }  # fmt: skip
        labels = {
            "/version": "GET /version",
            "/": "GET / (market)",
            f"/?category={FILTERED_CATEGORY}": f"GET /?category={FILTERED_CATEGORY} (market)",
            f"/pools/{pool}": "GET /pools/<address> (pool)",
            "/pools": "GET /pools (list)",
        }
        p50 = {path: Figure(f"{labels[path]} p50", "ms") for path in pages}
        p95 = {path: Figure(f"{labels[path]} p95", "ms") for path in pages}
        for path in pages:
            if path != "/version":
                p50[path].baseline, p95[path].baseline = p50["/version"], p95["/version"]
        for path in ("/", f"/pools/{pool}"):
            p50[path].goals = (P50,)
        rss = Figure("server peak RSS", "MB")
        env = product_env(database_url=url, node=anvil, deployment=chain.deployment)
        # DEBUG off serves hashed static names from the manifest, as a deployment collects it.
        manage(["collectstatic", "--noinput", "-v0"], env=env)
        with daphne(env=env) as (server, base_url):
            client = Client(base_url)
            try:
                # Warm-up: the connection, templates, query plans, the first requests' caches.
                for path, expected in pages.items():
                    for _ in range(WARM_UP):
                        _checked(client, path, expected)

                def step_of(path):
                    def step(_number):
                        times = [_checked(client, path, pages[path]) for _ in range(REQUESTS)]
                        p50[path].add(_percentile(times, 50), ctx=ctx)
                        p95[path].add(_percentile(times, 95), ctx=ctx)

                    return step

                repeat(ctx, [step_of(path) for path in pages])
            finally:
                client.close()
            rss.add(peak_rss_mb(server.pid), ctx=ctx)
    figures = [*p50.values(), *p95.values(), rss]
    return Section(
        title=TITLE,
        method=(
            f"PostgreSQL database poco_bench_pages: {stored['orders']:,} open orders (the "
            "reads benchmark's book, all four kinds, real signatures) and an index of "
            f"{stored['deals']:,} deals over 30 days ({stored['blocks']:,} blocks, "
            f"{stored['tasks']:,} tasks, {stored['contributions']:,} contributions, "
            f"{stored['events']:,} hub events, {stored['accounts']:,} accounts) spread "
            f"log-uniformly over {stored['pools']} pools and 5 categories; ANALYZEd. The pool "
            f"measured serves {stored['pool_deals']:,} deals and has {stored['pool_orders']} "
            "open orders. One daphne process (DEBUG off) on the bench chain; one kept-alive "
            f"connection, {REQUESTS} sequential GETs per page and run after {WARM_UP} of "
            "warm-up, each answer checked (200 and its content); pages alternate with /version."
        ),
        figures=figures,
        charts=[
            Chart("pages-p50", "Latency p50 (ms)", list(p50.values())),
            Chart("pages-p95", "Latency p95 (ms)", list(p95.values())),
        ],
    )
