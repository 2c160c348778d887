"""Run project commands in their own processes against the test database and a test chain."""

import os
import subprocess
import sys
from contextlib import contextmanager
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
        # Test servers as `make run` has them; the deployment tests set their own settings.
        "DEBUG": "true",
        "DATABASE_URL": database_url(),
        "CHAIN_RPC_URL": devnet.url,
        "HUB_ADDRESS": devnet.hub,
        "CHAIN_START_BLOCK": "0",
        "INDEXER_POLL_SECONDS": "0",
        # Every client of a test server calls from 127.0.0.1: the limiter's own tests set rates.
        **{
            f"RATE_LIMIT_{group}": "100000/m"
            for group in ("PUBLISH", "CHALLENGE", "SIGNIN", "PREPARE")
        },
        "LIVE_MAX_SOCKETS_PER_CLIENT": "100000",
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


def process_stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def running_stack(*, devnet, logs_dir: Path, **env_extra):
    """The web server (daphne) and a following indexer on the test database, once the server
    answers and the indexer has reached the chain's head. Yields (base URL, {name: log file})."""
    import json
    import time
    import urllib.request

    from marketplace.models import IndexerCursor

    env = command_env(devnet, **env_extra)
    port = free_port()
    logs = {name: open(logs_dir / f"{name}.log", "w+b") for name in ("server", "indexer")}  # noqa: SIM115
    processes = {}
    try:
        processes["server"] = subprocess.Popen(
            [str(Path(sys.executable).parent / "daphne"), "-b", "127.0.0.1", "-p", str(port),
             "marketplace.asgi:application"],
            cwd=ROOT, env=env, stdout=logs["server"], stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes["indexer"] = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), "index", "--follow", "--quiet"],
            cwd=ROOT, env=env, stdout=logs["indexer"], stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    logs[name].seek(0)
                    raise RuntimeError(f"the {name} exited:\n{logs[name].read().decode()}")
            try:
                with urllib.request.urlopen(f"{url}/version", timeout=5) as answer:
                    if json.loads(answer.read())["ok"]:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the web server did not answer")
            time.sleep(0.2)
        head = devnet.head()
        while not IndexerCursor.objects.filter(block_number__gte=head).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the indexer did not catch up with the chain")
            time.sleep(0.2)
        yield url, logs
    finally:
        for process in reversed(processes.values()):
            process_stop(process)
        for log in logs.values():
            log.close()


def log_tails(logs: dict) -> str:
    tails = []
    for name, log in logs.items():
        log.seek(0)
        tails.append(f"--- {name} log (tail) ---\n{log.read().decode()[-3000:]}")
    return "\n".join(tails)
