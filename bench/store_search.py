"""Store catalog search on PostgreSQL: the catalog selector in-process (against the catalog
without a search) and GET /store?q=… through daphne (against GET /version), over 10,000
entries, for ~50 queries: words, prefixes, two words, tags, filters, every sort."""

import http.client
import json
import re
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode, urlsplit

from bench.chains import deployed_chain, node
from bench.core import ROOT, Chart, Context, Figure, Goal, Section, repeat
from bench.databases import fresh_database
from bench.processes import daphne, product_env
from marketplace.chain.reader import Reader
from marketplace.chain.rpc import RpcClient

TITLE = "Store catalog search"
ENTRIES = 10_000  # the size, with --full too: --full gives entries more versions
VERSIONS_MAX = {False: 1, True: 4}
SELECTOR_REPEATS = 5  # each query's times per run, in-process
HTTP_REPEATS = 3  # each query's requests per run
P50 = Goal("<= 50 ms", at_most=50)

_SINGLE = [
    "image",
    "genomics",
    "weather",
    "forecast",
    "denois",
    "encrypt",
    "trading",
    "parquet",
    "secure",
    "podcast",
    "molecules",
    "satellite",
    "telemetry",
    "translation",
]
_TWO = [
    "photo night",
    "genome variants",
    "weather forecast",
    "secure enclaves",
    "video codec",
    "trading signals",
    "medical imaging",
    "docker tutorial",
    "fast lens",
    "model training",
]
_TAGS = [{"tag": t} for t in ("vision", "privacy", "ai", "gramine", "finance", "weather", "rust")]
_FILTERS = [
    {"q": "encryption", "tee": "on"},
    {"q": "image", "tee": "on"},
    {"q": "model", "tee": "on"},
    {"q": "image", "price": "free"},
    {"q": "weather", "price": "free"},
    {"q": "data", "price": "free"},
    {"q": "trading", "orders": "on"},
    {"q": "genomics", "orders": "on"},
    {"q": "audio", "orders": "on"},
    {"q": "video", "price": "paid"},
    {"q": "weather", "kind": "dataset"},
    {"q": "render", "kind": "app"},
    {"q": "training", "tag": "ml"},
]
_SORTS = [{"q": q, "sort": s} for q in ("image", "data")
          for s in ("relevance", "usage", "newest", "price")]  # fmt: skip
# Every search query matches entries (checked): an empty answer would time nothing.
SEARCHES = [{"q": q} for q in _SINGLE + _TWO] + _TAGS + _FILTERS + _SORTS
BROWSE = [{}, {"sort": "newest"}, {"sort": "price"}, {"orders": "on"}]  # no search
COUNT = re.compile(r'id="results-title">(\d+) entr')


def _store(args: list[str], *, url: str, timeout: float) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.store_fill", *args],
        env=product_env(database_url=url), cwd=ROOT, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"bench.store_fill {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[94]


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[float, int, bytes]:
    started = time.perf_counter()
    connection.request("GET", path)
    answer = connection.getresponse()
    body = answer.read()
    return (time.perf_counter() - started) * 1000, answer.status, body


def run(ctx: Context) -> Section:
    chain = deployed_chain(ctx=ctx)
    chain_id = chain.deployment["chain_id"]
    figures = {
        name: Figure(label, "ms")
        for name, label in [
            ("browse50", "catalog selector, no search, p50"),
            ("browse95", "catalog selector, no search, p95"),
            ("version50", "GET /version p50"),
            ("version95", "GET /version p95"),
        ]
    }
    figures["search50"] = Figure("catalog selector, search, p50", "ms",
                                 baseline=figures["browse50"], goals=(P50,))  # fmt: skip
    figures["search95"] = Figure(
        "catalog selector, search, p95", "ms", baseline=figures["browse95"]
    )
    figures["http50"] = Figure(
        "GET /store?q=… p50", "ms", baseline=figures["version50"], goals=(P50,)
    )
    figures["http95"] = Figure("GET /store?q=… p95", "ms", baseline=figures["version95"])
    slowest: dict[str, list[float]] = {}
    with (
        node(chain) as anvil,
        fresh_database(ctx=ctx, backend="postgres", name="store") as url,
    ):
        domain = Reader(RpcClient(anvil.url), chain.deployment["hub"]).domain()
        ctx.log(f"filling the store with {ENTRIES:,} entries")
        filled = json.loads(
            _store(
                ["fill", str(ENTRIES), str(VERSIONS_MAX[ctx.full]), json.dumps(domain)],
                url=url,
                timeout=3600,
            )
        )
        ctx.log(f"store filled: {filled}")
        queries = SEARCHES + BROWSE
        paths = ["/store?" + urlencode(params) for params in queries]
        counts: list[int] = []

        def selector_step(_number):
            timed = json.loads(
                _store(
                    ["time", str(chain_id), json.dumps(queries), str(SELECTOR_REPEATS)],
                    url=url,
                    timeout=600,
                )
            )
            empty = [paths[n] for n, row in enumerate(timed[: len(SEARCHES)]) if not row["count"]]
            if empty:
                raise RuntimeError(f"searches that found nothing: {empty}")
            counts[:] = [row["count"] for row in timed]
            search = [ms for row in timed[: len(SEARCHES)] for ms in row["ms"]]
            browse = [ms for row in timed[len(SEARCHES) :] for ms in row["ms"]]
            for name, samples in (("search", search), ("browse", browse)):
                p50, p95 = _percentiles(samples)
                figures[f"{name}50"].add(p50, ctx=ctx)
                figures[f"{name}95"].add(p95, ctx=ctx)
            for path, row in zip(paths, timed, strict=True):
                slowest.setdefault(path, []).append(statistics.median(row["ms"]))

        env = product_env(database_url=url, node=anvil, deployment=chain.deployment)
        with daphne(env=env) as (_server, base_url):
            connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=60)

            def http_step(_number):
                store, version = [], []
                for _ in range(HTTP_REPEATS):
                    for n, path in enumerate(paths[: len(SEARCHES)]):
                        # /version right before each search: both meet the same noise.
                        version.append(_get(connection, "/version")[0])
                        ms, status, body = _get(connection, path)
                        found = COUNT.search(body.decode())
                        if status != 200 or not found or int(found[1]) != counts[n]:
                            raise RuntimeError(f"{path}: {status}, {body[:300]!r}")
                        store.append(ms)
                for name, samples in (("http", store), ("version", version)):
                    p50, p95 = _percentiles(samples)
                    figures[f"{name}50"].add(p50, ctx=ctx)
                    figures[f"{name}95"].add(p95, ctx=ctx)

            # Warm-up: the server's first requests, its connection, the query plans.
            selector_step(-1)
            for figure in figures.values():
                figure.runs.clear()
            for path in paths:
                _get(connection, path)
            slowest.clear()
            repeat(ctx, [selector_step, http_step])
            connection.close()
    worst = sorted(slowest, key=lambda p: -statistics.median(slowest[p]))[:5]
    order = ["browse50", "search50", "browse95", "search95", "version50", "http50",
             "version95", "http95"]  # fmt: skip
    return Section(
        title=TITLE,
        method=(
            f"PostgreSQL database poco_bench_store: {filled['entries']:,} entries "
            f"({filled['versions']:,} on-chain apps and datasets, {filled['orders']:,} open "
            f"orders, {filled['tags']} tags), text from word lists (a summary, a Markdown "
            "description of 250 to 450 words, 1 to 5 tags) indexed by the product's own "
            "entry_text_refresh, min_price by stats_recompute, then ANALYZE. "
            f"{len(SEARCHES)} searches (single words and prefixes, two words, tags, TEE / "
            "free / paid / has-orders / kind filters, each sort); in-process, the selector "
            "as catalog_page uses it (count and first page of 24 with tags), each query "
            f"{SELECTOR_REPEATS} times per run, against {len(BROWSE)} catalog pages without "
            "search; over HTTP, one daphne (DEBUG off), one keep-alive connection, each "
            f"search {HTTP_REPEATS} times per run right after a GET /version. p50/p95 over all "
            "samples of a run."
        ),
        figures=[figures[name] for name in order],
        charts=[
            Chart(
                "search-latency", "Catalog search latency (ms)", [figures[name] for name in order]
            )
        ],
        notes=[
            "Slowest queries in-process (median ms): "
            + ", ".join(f"`{p}` {statistics.median(slowest[p]):.1f}" for p in worst)
        ],
    )
