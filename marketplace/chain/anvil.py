"""Starts and stops a local anvil node (the binary comes from the npm package @foundry-rs/anvil).

Called by `manage.py devchain`, the test fixtures and the benchmarks. Always binds 127.0.0.1.
"""

import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from marketplace.chain.artifacts import NODE_MODULES

ANVIL_BIN = NODE_MODULES / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
# anvil's well-known development mnemonic: its keys hold nothing outside a local chain.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
LISTENING = re.compile(rb"Listening on 127\.0\.0\.1:(\d+)")


class Anvil:
    def __init__(
        self,
        *,
        port: int = 0,
        load_state: Path | None = None,
        dump_state: Path | None = None,
        accounts: int = 20,
        block_time: float | None = None,
        extra_args: list[str] | None = None,
    ):
        self.port = port
        self.load_state = load_state
        self.dump_state = dump_state
        self.accounts = accounts
        self.block_time = block_time
        self.extra_args = extra_args or []
        self.process: subprocess.Popen | None = None
        self.home: str | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        if not ANVIL_BIN.exists():
            raise FileNotFoundError(f"{ANVIL_BIN} is missing: run `npm ci --ignore-scripts`")
        cmd = [
            str(ANVIL_BIN),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--accounts", str(self.accounts),
            "--mnemonic", DEV_MNEMONIC,
            "--balance", "1000000",
        ]  # fmt: skip
        if self.load_state:
            cmd += ["--load-state", str(self.load_state)]
        if self.dump_state:
            cmd += ["--dump-state", str(self.dump_state)]
        if self.block_time:
            cmd += ["--block-time", str(self.block_time)]
        return cmd + self.extra_args

    def start(self, *, timeout: float = 30) -> "Anvil":
        # anvil keeps block states in files under ~/.foundry/anvil/tmp and leaves them there
        # (hundreds of MB a node) when it is killed: each node gets a HOME removed on stop.
        self.home = home = tempfile.mkdtemp(prefix="anvil-home-")
        self.process = process = subprocess.Popen(
            self.command(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, "HOME": home},
        )
        deadline = time.monotonic() + timeout
        assert process.stdout is not None  # stdout=PIPE
        fd = process.stdout.fileno()
        seen = b""
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.2)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                seen += chunk
                match = LISTENING.search(seen)
                if match:
                    self.port = int(match.group(1))
                    self._drain()
                    return self
            elif self.process.poll() is not None:
                break
        self.stop()
        raise RuntimeError(f"anvil did not start: {seen.decode(errors='replace')[-2000:]}")

    def _drain(self):
        # anvil logs every request; a full pipe would block it, so its output goes nowhere.
        fd = self.process.stdout.fileno()

        def pump():
            while True:
                try:
                    ready, _, _ = select.select([fd], [], [], 1)
                    if ready and not os.read(fd, 65536):
                        return
                except (OSError, ValueError):
                    return
                if self.process is None or self.process.poll() is not None:
                    return

        threading.Thread(target=pump, daemon=True).start()

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 10):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.home:
            shutil.rmtree(self.home, ignore_errors=True)
            self.home = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
