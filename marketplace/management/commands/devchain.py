import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from web3 import Web3

from marketplace.chain.anvil import Anvil
from marketplace.chain.deploy import deploy_poco
from marketplace.chain.devchain import devchain_read, devchain_write


class Command(BaseCommand):
    help = (
        "Run a local anvil chain with the real PoCo contracts on 127.0.0.1. The first run deploys "
        "them; later runs load the saved state (kept across restarts in var/devchain-state.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8545)
        parser.add_argument("--block-time", type=float, default=None, help="seconds per block")
        parser.add_argument("--fresh", action="store_true", help="forget the saved state")
        parser.add_argument(
            "--prepare-only",
            action="store_true",
            help="deploy if no state is saved yet, save it and exit (used by `make run`)",
        )

    def handle(self, *args, port, block_time, fresh, prepare_only, **options):
        state = Path(settings.VAR_DIR) / "devchain-state.json"
        if fresh:
            state.unlink(missing_ok=True)
        known = self._known_deployment(state)
        anvil = Anvil(
            port=port,
            load_state=state if known else None,
            dump_state=state,
            block_time=block_time,
            # The state is dumped on exit and every 5 minutes (against a hard kill). Without
            # --preserve-historical-states (the dump grew to gigabytes within an hour) and with
            # a bounded history in memory, a long demo stays small; the indexer reads recent
            # states only.
            extra_args=["--state-interval", "300", "--prune-history", "256"],
        ).start()
        try:
            if known:
                info = {**known, "rpc_url": anvil.url}
                self.stdout.write(f"local chain resumed from {state}")
            else:
                w3 = Web3(Web3.HTTPProvider(anvil.url))
                deployment = deploy_poco(w3, owner=w3.eth.accounts[0])
                info = {**deployment.as_dict(), "rpc_url": anvil.url}
                self.stdout.write(f"PoCo deployed: hub {deployment.hub}")
            devchain_write(info=info)
            self.stdout.write(f"local chain on {anvil.url} (chain id {info['chain_id']})")
            self.stdout.write(f"described in {settings.DEVCHAIN_FILE}")
            if prepare_only:
                return
            stop = threading.Event()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
            while not stop.wait(1):
                if anvil.process.poll() is not None:
                    self.stderr.write("anvil exited")
                    break
        finally:
            # SIGTERM makes anvil write its state to --dump-state before it exits.
            anvil.stop()

    def _known_deployment(self, state: Path) -> dict | None:
        if not state.exists():
            return None
        try:
            return devchain_read()
        except FileNotFoundError:
            return None
