"""A running site on a test chain for browser tests: web server, indexer, stocked books, and the
simulated pools serving deals (`simulate --serve-only`) in their own process."""

import json
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass

from marketplace.simulation.actors import RLC, Chain, dev_key
from marketplace.simulation.gateway import Gateway
from marketplace.simulation.market import Market
from tests.processes import ROOT, command_env, log_tails, process_stop, running_stack

VISITOR = 45  # anvil dev account of the requester who buys in the browser


@dataclass
class LiveMarket:
    url: str
    chain_id: int
    market: Market
    chain: Chain
    logs: dict
    pools_command: list[str]
    pools_env: dict
    log_dir: object
    pools: subprocess.Popen | None = None

    def pools_start(self):
        """From now on the pools run the tasks of deals visitors make."""
        if self.pools is None:
            self.logs["pools"] = open(self.log_dir / "pools.log", "w+b")  # noqa: SIM115
            self.pools = subprocess.Popen(
                self.pools_command, cwd=ROOT, env=self.pools_env,
                stdout=self.logs["pools"], stderr=subprocess.STDOUT,
            )  # fmt: skip

    def fund(self, address: str, rlc: int):
        """Ether for gas and RLC in a wallet (from the deployer, who holds the supply)."""
        self.chain.rpc("anvil_setBalance", address, hex(10**21))
        self.chain.send(self.market.funder, self.chain.rlc, "transfer", address, rlc * RLC)

    def tails(self) -> str:
        return log_tails(self.logs)


@contextmanager
def live_market_running(*, devnet, tmp_path):
    chain_id = int(devnet.rpc("eth_chainId"), 16)
    devchain = tmp_path / "devchain.json"
    devchain.write_text(json.dumps({**devnet.deployment, "rpc_url": devnet.url}))
    with running_stack(devnet=devnet, logs_dir=tmp_path) as (url, logs):
        market = trading_market(devnet=devnet, url=url, seed=21)
        market.run(deals=4)  # sellers leave spare volume on the books
        live = LiveMarket(
            url=url,
            chain_id=chain_id,
            market=market,
            chain=market.chain,
            logs=logs,
            pools_command=[
                sys.executable,
                str(ROOT / "manage.py"),
                "simulate",
                "--serve-only",
                "--gateway",
                url,
                "--pace",
                "0.5",
            ],
            pools_env=command_env(devnet, DEVCHAIN_FILE=devchain),
            log_dir=tmp_path,
        )
        try:
            yield live
        finally:
            if live.pools is not None:
                process_stop(live.pools)


def trading_market(*, devnet, url: str, seed: int) -> Market:
    """The simulated market's actors on `devnet`, trading through the market API at `url`."""
    gateway = Gateway(url=url, chain_id=int(devnet.rpc("eth_chainId"), 16))
    market = Market(rpc_url=devnet.url, deployment=devnet.deployment, seed=seed, gateway=gateway)
    market.setup()
    return market


def visitor_key(index: int = VISITOR) -> bytes:
    return dev_key(index)
