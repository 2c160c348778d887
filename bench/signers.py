"""Many publishers for the publication benchmark, each with what its orders need on chain.

Signer i publishes orders of kind ORDER_KINDS[i % 4]: app, dataset and workerpool signers own one
asset each (registered by the funder on their behalf, as `createApp(owner, …)` allows); request
signers need none. Prices are 0, so no stake is needed, and request orders ask for the
standing app order that signer 0 publishes once. Keys are derived from an index: development
keys for a local chain, never holding anything.
"""

from functools import cache

from eth_account import Account
from eth_utils import keccak

from bench.chains import CachedChain, cached_chain, deployed_chain
from bench.core import Context
from marketplace.chain.protocol import ORDER_KINDS
from marketplace.simulation.actors import Chain

ASSETS = {
    "apporder": ("app_registry", "predictApp", "createApp"),
    "datasetorder": ("dataset_registry", "predictDataset", "createDataset"),
    "workerpoolorder": ("workerpool_registry", "predictWorkerpool", "createWorkerpool"),
}
REGISTRY_ABIS = {
    "app_registry": "AppRegistry",
    "dataset_registry": "DatasetRegistry",
    "workerpool_registry": "WorkerpoolRegistry",
}
IMAGE = b"docker.io/iexechub/python-hello-world:8.0.0"


@cache
def signer_key(index: int) -> bytes:
    return keccak(b"poco-market-bench-signer" + index.to_bytes(8, "big"))


@cache
def signer_address(index: int) -> str:
    return Account.from_key(signer_key(index)).address


def _asset_args(kind: str, owner: str, index: int) -> tuple:
    name = f"bench-{kind}-{index}"
    if kind == "apporder":
        return (owner, name, "DOCKER", IMAGE, keccak(IMAGE), b"")
    if kind == "datasetorder":
        return (owner, name, b"/ipfs/bench-" + str(index).encode(), keccak(name.encode()))
    return (owner, name)


def signers_chain(*, ctx: Context, count: int) -> CachedChain:
    """PoCo with `count` signers' assets registered. Its info lists the signers."""
    base = deployed_chain(ctx=ctx)

    def build(node) -> dict:
        chain = Chain(rpc_url=node.url, deployment=base.deployment)
        funder = base.deployment["owner"]
        signers = []
        for index in range(count):
            kind = ORDER_KINDS[index % len(ORDER_KINDS)]
            owner = signer_address(index)
            asset = None
            if kind in ASSETS:
                field, predict, create = ASSETS[kind]
                registry = chain.contract(REGISTRY_ABIS[field], base.deployment[field])
                args = _asset_args(kind, owner, index)
                asset = chain.view(registry, predict, *args)
                chain.send(funder, registry, create, *args)
            signers.append({"index": index, "kind": kind, "address": owner, "asset": asset})
            if index % 100 == 99:
                ctx.log(f"  {index + 1}/{count} signers")
        return {"deployment": base.deployment, "signers": signers}

    return cached_chain(ctx=ctx, name=f"signers-{count}", build=build, base=base)
