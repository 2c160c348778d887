"""Test helpers: a fresh anvil loaded from a saved PoCo state, and a way to index it in-process."""

from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.rpc import RpcClient
from marketplace.indexer.runner import Indexer

HISTORY = ["--preserve-historical-states"]


@dataclass
class Devnet:
    anvil: Anvil
    deployment: dict

    @property
    def url(self) -> str:
        return self.anvil.url

    @property
    def hub(self) -> str:
        return self.deployment["hub"]

    @property
    def w3(self) -> Web3:
        return Web3(Web3.HTTPProvider(self.url))

    def rpc(self, method: str, params: list | None = None):
        return RpcClient(self.url).call(method, params or [])

    def mine(self, blocks: int = 1):
        for _ in range(blocks):
            self.rpc("evm_mine")

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def indexer(self, **kwargs) -> Indexer:
        return Indexer(rpc_url=self.url, hub=self.hub, **kwargs)

    def index(self, **kwargs) -> Indexer:
        indexer = self.indexer(**kwargs)
        indexer.run(follow=False, give_up_after=5)
        return indexer


def devnet_start(
    *, state: Path, deployment: dict, dump: Path | None = None, port: int = 0
) -> Devnet:
    anvil = Anvil(port=port, load_state=state, dump_state=dump, extra_args=HISTORY).start()
    return Devnet(anvil=anvil, deployment=deployment)
