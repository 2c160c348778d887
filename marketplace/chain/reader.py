"""Batched reads of PoCo's views (hub, registries and their entries) through JSON-RPC eth_call.

Called by the indexer (state after each batch) and later by the orderbook (stake, ownership).
Every read names the block it is made at, so results are those of the chain the caller stored.
"""

import logging
from dataclasses import dataclass

from marketplace.chain.abi_codec import Function
from marketplace.chain.answers import MalformedAnswer
from marketplace.chain.protocol import APP, DATASET, HUB, WORKERPOOL
from marketplace.chain.refusals import missing_state
from marketplace.chain.rpc import RpcClient, RpcError

log = logging.getLogger(__name__)

ASSET_GETTERS = {
    "app": (
        APP,
        ["owner", "m_appName", "m_appType", "m_appMultiaddr", "m_appChecksum", "m_appMREnclave"],
    ),
    "dataset": (DATASET, ["owner", "m_datasetName", "m_datasetMultiaddr", "m_datasetChecksum"]),
    "workerpool": (
        WORKERPOOL,
        [
            "owner",
            "m_workerpoolDescription",
            "m_workerStakeRatioPolicy",
            "m_schedulerRewardRatioPolicy",
        ],
    ),
}


@dataclass(frozen=True)
class Call:
    to: str
    function: Function
    args: tuple = ()

    def request(self, block: str | dict) -> tuple[str, list]:
        data = self.function.calldata(*self.args)
        return ("eth_call", [{"to": self.to, "data": data}, block])


class Reader:
    def __init__(self, rpc: RpcClient, hub: str):
        self.rpc = rpc
        self.hub = hub
        self._domain: dict | None = None

    def many(self, calls: list[Call], *, block: str | dict = "latest") -> list:
        """Results of `calls` in order, all read at `block` (a tag, hex number or {blockHash})."""
        if not calls:
            return []
        raw = self.rpc.batch([c.request(block) for c in calls])
        return [c.function.decode(r) for c, r in zip(calls, raw, strict=True)]

    def many_or_latest(self, calls: list[Call], *, block: str | dict) -> list:
        """Read at `block`; a node without that block's state is read at its latest block
        instead, which differs only while later blocks the caller has not reached yet touch the
        same entities. Such a node: one that is not an archive node ("missing trie node",
        "header not found"), a provider's backend behind the others, anvil loaded from a dump
        without history (an error), or anvil after some reorgs (views answering no data, as if
        no contract were there)."""
        try:
            return self.many(calls, block=block)
        except (RpcError, MalformedAnswer) as exc:
            if block == "latest":
                raise
            if isinstance(exc, RpcError) and not missing_state(exc.message):
                log.warning("state at %s: %s; reading the latest state", block, exc)
            else:
                log.info("state at %s unavailable (%s): reading the latest state", block, exc)
            return self.many(calls, block="latest")

    def one(self, function: str, *args, block: str | dict = "latest"):
        return self.many([self.hub_call(function, *args)], block=block)[0]

    def hub_call(self, function: str, *args) -> Call:
        return Call(self.hub, HUB[function], args)

    def registries(self) -> dict[str, str]:
        app, dataset, workerpool = self.many(
            [
                self.hub_call("appregistry"),
                self.hub_call("datasetregistry"),
                self.hub_call("workerpoolregistry"),
            ]
        )
        return {"app": app, "dataset": dataset, "workerpool": workerpool}

    def domain(self) -> dict:
        """The hub's EIP-712 domain; `configure` fixes it once, so it is read once."""
        if self._domain is None:
            self._domain = self.one("domain")
        return self._domain


def asset_calls(kind: str, address: str) -> list[Call]:
    contract, getters = ASSET_GETTERS[kind]
    return [Call(address, contract[name]) for name in getters]
