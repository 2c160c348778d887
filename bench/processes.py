"""Project processes started by the benchmarks (manage.py commands, daphne), and their memory.

Each process is stopped by its own pid, also when a benchmark fails. Peak RSS is the kernel's
own count: VmHWM of a running process, ru_maxrss of one that exited (os.wait4 on its pid, so
no other child's peak mixes in).
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass

from bench.core import ROOT, VAR

DAPHNE = ROOT / ".venv" / "bin" / "daphne"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def product_env(*, database_url: str, node=None, deployment: dict | None = None, **extra) -> dict:
    """The environment of a product process: production mode, its own database, the bench
    chain (`node`, an Anvil, with the PoCo `deployment` on it), and var/bench/run for the files
    it keeps (locks, broker folders)."""
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-not-a-secret",
        "DATABASE_URL": database_url,
        "VAR_DIR": str(VAR / "run"),
        "LOG_LEVEL": "WARNING",
        # Production mode, but plain HTTP on loopback: no TLS proxy in front to redirect to.
        "SECURE_SSL_REDIRECT": "false",
        # The load comes from one address, standing for many clients: limits out of the way.
        **{f"RATE_LIMIT_{group}": "1000000/m" for group in ("PUBLISH", "CHALLENGE", "SIGNIN")},
        "LIVE_MAX_SOCKETS_PER_CLIENT": "1000000",
    }
    env.pop("REDIS_URL", None)
    if node is not None:
        env.update(
            CHAIN_RPC_URL=node.url,
            HUB_ADDRESS=deployment["hub"],
            CHAIN_START_BLOCK=str(deployment["start_block"]),
        )
    env.update({key: str(value) for key, value in extra.items()})
    return env


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


def stop(process: subprocess.Popen, *, timeout: float = 15):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float


def manage_measured(args: list[str], *, env: dict, timeout: float = 1800) -> Finished:
    """Run `manage.py ARGS` to its end; its output and its own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "manage.py"), *args],
            env=env, cwd=ROOT, stdout=out, stderr=err,
        )  # fmt: skip
        try:
            _pid, status, usage = _wait4(process, timeout=timeout)
        except BaseException:
            process.kill()
            process.wait()
            raise
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            returncode=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            peak_rss_mb=usage.ru_maxrss / 1024,
        )


def _wait4(process: subprocess.Popen, *, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError(f"{process.args} still runs after {timeout} s")
        time.sleep(0.05)


def manage(args: list[str], *, env: dict, timeout: float = 600):
    """Run `manage.py ARGS` to its end; raise with its output if it fails."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def manage_start(args: list[str], *, env: dict, log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


@contextmanager
def daphne(*, env: dict, timeout: float = 60):
    """The project's ASGI server on a free loopback port: yields (process, base URL)."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(DAPHNE), "-b", "127.0.0.1", "-p", str(port), "marketplace.asgi:application"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_answer(process, f"{url}/version", timeout=timeout, log=log)
            yield process, url
        finally:
            stop(process)


def _wait_answer(process: subprocess.Popen, url: str, *, timeout: float, log):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    log.seek(0)
    raise RuntimeError(f"the server did not answer {url}:\n{log.read().decode()[-3000:]}")
