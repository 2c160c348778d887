"""Run project commands in their own processes against the test database and a test chain."""

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database this test uses, for commands started in other processes."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    port = s.get("PORT") or 5432
    return f"postgres://{s.get('USER') or ''}@{s.get('HOST') or '127.0.0.1'}:{port}/{s['NAME']}"


def command_env(devnet, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CHAIN_RPC_URL": devnet.url,
        "HUB_ADDRESS": devnet.hub,
        "CHAIN_START_BLOCK": "0",
        "INDEXER_POLL_SECONDS": "0",
    }
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(args: list[str], *, env: dict, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,
    )


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(*, env: dict, timeout: float = 30) -> tuple[subprocess.Popen, str]:
    """The ASGI server (daphne) on a free loopback port, once it answers."""
    import tempfile
    import time
    import urllib.request

    port = free_port()
    # A file, not a pipe: a pipe nobody reads fills up with the server's log and blocks it.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (open as long as the server runs)
    process = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "daphne"), "-b", "127.0.0.1", "-p", str(port),
         "marketplace.asgi:application"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/version", timeout=1)
            return process, url
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    log.seek(0)
    raise RuntimeError(f"the server did not start: {log.read().decode()[-2000:]}")
