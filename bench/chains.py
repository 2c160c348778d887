"""Local chains for the benchmarks, built once and kept in var/bench/chains/ (keyed by content).

A chain is an anvil state file plus a JSON description (the PoCo deployment and how the chain
was made); the description is written last, so a build that died midway is built again.
States are dumped without historical states: those make a 2,000-deal chain weigh ~1 GB instead
of ~160 MB, and the indexer reads the latest state where a block's state is missing.
"""

import json
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from bench.core import Context
from marketplace.chain.anvil import Anvil
from marketplace.chain.deploy import deploy_poco
from marketplace.chain.rpc import RpcClient
from marketplace.simulation.bulk import generate_chain

# What marketplace/simulation/bulk.py needs of the node (see its docstring).
NODE_ARGS = ["--order", "fifo", "--gas-limit", "1000000000"]
# Ten deals a block: a chain of many blocks, as the indexer meets on a public chain, and
# still few enough blocks that anvil stays fast while it is built.
DEALS_PER_BLOCK = 10
# Raise when what a cached chain holds changes, so that old caches are not reused.
VERSION = 1
# anvil writes its state when it stops: a large state takes a while.
DUMP_SECONDS = 600


@dataclass
class CachedChain:
    state: Path
    info: dict

    @property
    def deployment(self) -> dict:
        return self.info["deployment"]


def cached_chain(
    *, ctx: Context, name: str, build: Callable[[Anvil], dict], base: CachedChain | None = None
) -> CachedChain:
    """The chain `name`, built by `build(node)` (which returns its description) on a node
    started from `base` (or empty) the first time."""
    folder = ctx.var / "chains"
    folder.mkdir(parents=True, exist_ok=True)
    state, described = folder / f"{name}-v{VERSION}.json", folder / f"{name}-v{VERSION}.info.json"
    if described.exists() and state.exists():
        return CachedChain(state=state, info=json.loads(described.read_text()))
    ctx.log(f"building chain {name} (cached in {folder})")
    described.unlink(missing_ok=True)
    partial = state.with_suffix(".partial")
    node = Anvil(
        load_state=base.state if base else None, dump_state=partial, extra_args=NODE_ARGS
    ).start()
    try:
        info = build(node)
    finally:
        node.stop(timeout=DUMP_SECONDS)
    partial.replace(state)
    described.write_text(json.dumps(info, indent=2))
    return CachedChain(state=state, info=info)


def deployed_chain(*, ctx: Context) -> CachedChain:
    """PoCo deployed, nothing else."""

    def build(node: Anvil) -> dict:
        w3 = Web3(Web3.HTTPProvider(node.url))
        return {"deployment": deploy_poco(w3, owner=w3.eth.accounts[0]).as_dict()}

    return cached_chain(ctx=ctx, name="deployed", build=build)


def deals_chain(*, ctx: Context, deals: int) -> CachedChain:
    """`deals` complete deals with their tasks (marketplace.simulation.bulk)."""
    base = deployed_chain(ctx=ctx)

    def build(node: Anvil) -> dict:
        figures = generate_chain(
            rpc_url=node.url,
            deployment=base.deployment,
            deals=deals,
            deals_per_block=DEALS_PER_BLOCK,
            progress=lambda done, total: ctx.log(f"  {done}/{total} deals"),
        )
        return {"deployment": base.deployment, "chain": figures}

    return cached_chain(ctx=ctx, name=f"deals-{deals}", build=build, base=base)


@contextmanager
def node(chain: CachedChain, *, extra_args: list[str] | None = None):
    """An anvil node on a free loopback port, loaded with `chain` (changes are not kept)."""
    anvil = Anvil(load_state=chain.state, extra_args=[*NODE_ARGS, *(extra_args or [])])
    anvil.start(timeout=120)
    try:
        yield anvil
    finally:
        anvil.stop()


def chain_head(anvil: Anvil) -> int:
    return int(RpcClient(anvil.url).call("eth_blockNumber"), 16)
