"""Indexer backfill: events/s of `manage.py index` on a fresh database against a bare fetch.

Two chain sizes (half and full), so that the peak RSS shows whether memory grows with the chain.
"""

import re

from bench.bare_fetch import bare_backfill
from bench.chains import chain_head, deals_chain, node
from bench.core import Chart, Context, Figure, Goal, Section, repeat
from bench.databases import backends, fresh_database
from bench.processes import manage_measured, product_env

TITLE = "Indexer backfill"
SIZES = {False: (200, 400), True: (1000, 2000)}  # deals: (half, full), by ctx.full
MAX_RANGE_BLOCKS = 2000  # INDEXER_BATCH_BLOCKS, given to the indexer and the baseline alike
# The indexer's own closing progress line (marketplace/indexer/progress.py).
DONE = re.compile(r"100\.0% \| (\d+) events ([\d,]+) ev/s")
RATE = Goal("≥ 5,000 events/s", at_least=5000)
NEAR_BARE = Goal("within 2x of the bare fetch", at_least=0.5, of="ratio")
RSS = Goal("≤ 300 MB", at_most=300)
FLAT = Goal("flat: ≤ 1.2x the half chain's", at_most=1.2, of="ratio")


def _index(*, ctx: Context, anvil, chain, backend: str) -> tuple[int, float, float]:
    """(events, events/s, peak RSS MB) of one backfill on a fresh database."""
    with fresh_database(ctx=ctx, backend=backend, name="indexer") as url:
        env = product_env(
            database_url=url,
            node=anvil,
            deployment=chain.deployment,
            INDEXER_BATCH_BLOCKS=MAX_RANGE_BLOCKS,
        )
        done = manage_measured(["index"], env=env)
    found = DONE.findall(done.stderr)
    if done.returncode or not found:
        raise RuntimeError(f"manage.py index failed ({done.returncode}):\n{done.stderr[-3000:]}")
    events, rate = found[-1]
    return int(events), float(rate.replace(",", "")), done.peak_rss_mb


def _size(ctx: Context, *, deals: int, half_rss: dict[str, Figure], counts: dict) -> dict:
    """The figures of one chain size: bare, indexer per backend, RSS per backend."""
    chain = deals_chain(ctx=ctx, deals=deals)
    d = chain.deployment
    addresses = [d["hub"], d["app_registry"], d["dataset_registry"], d["workerpool_registry"]]
    bare = Figure(f"bare eth_getLogs + decode, {deals} deals", "events/s")
    indexed, rss = {}, {}
    for b in backends(ctx):
        indexed[b] = Figure(
            f"indexer ({b}), {deals} deals", "events/s", baseline=bare, goals=(RATE, NEAR_BARE)
        )
        rss[b] = Figure(
            f"indexer peak RSS ({b}), {deals} deals",
            "MB",
            baseline=half_rss.get(b),
            goals=(RSS, FLAT) if b in half_rss else (RSS,),
        )
    with node(chain) as anvil:
        head = chain_head(anvil)

        def bare_step(_number):
            events, seconds = bare_backfill(
                rpc_url=anvil.url,
                addresses=addresses,
                start=d["start_block"],
                end=head,
                max_range_blocks=MAX_RANGE_BLOCKS,
            )
            counts[f"bare, {deals} deals"] = events
            bare.add(events / seconds, ctx=ctx)

        def index_step(_number):
            for backend in backends(ctx):
                events, rate, peak = _index(ctx=ctx, anvil=anvil, chain=chain, backend=backend)
                counts[f"indexer ({backend}), {deals} deals"] = events
                indexed[backend].add(rate, ctx=ctx)
                rss[backend].add(peak, ctx=ctx)

        repeat(ctx, [bare_step, index_step])
    return {"bare": bare, "indexed": list(indexed.values()), "rss": rss}


def run(ctx: Context) -> Section:
    figures, rates, memory = [], [], []
    half_rss: dict[str, Figure] = {}
    counts = {}
    for deals in SIZES[ctx.full]:
        size = _size(ctx, deals=deals, half_rss=half_rss, counts=counts)
        figures += [size["bare"], *size["indexed"], *size["rss"].values()]
        rates += [size["bare"], *size["indexed"]]
        memory += size["rss"].values()
        half_rss = size["rss"]
    return Section(
        title=TITLE,
        method=(
            f"Chains of {' and '.join(map(str, SIZES[ctx.full]))} complete deals "
            "(marketplace/simulation/bulk.py, 10 deals a block, cached in var/bench/chains/). "
            "Baseline: the indexer's two eth_getLogs per range, over the same ranges, as raw "
            "JSON-RPC batches, data decoded with eth_abi. Subject: `manage.py index` on a fresh "
            "migrated database, in its own process (DEBUG off); events/s as the indexer's own "
            "progress line gives it, peak RSS from wait4. Bare and indexer runs alternate."
        ),
        figures=figures,
        charts=[
            Chart("indexer-rate", "Backfill rate (events/s)", rates),
            Chart("indexer-rss", "Indexer peak RSS (MB)", memory),
        ],
        notes=[f"events read: {', '.join(f'{k}: {v:,}' for k, v in counts.items())}"],
    )
