"""A PostgreSQL and a Redis of the test's own, on free loopback ports, to restart at will
without disturbing the shared servers others use."""

import glob
import os
import shutil
import subprocess
import tempfile
import time

from tests.processes import free_port

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1:] or [""]


def postgres_available() -> bool:
    return bool(PG_BIN[0]) and shutil.which("runuser") is not None


class ThrowawayPostgres:
    """initdb and pg_ctl as the postgres user (PostgreSQL refuses to run as root)."""

    def __init__(self):
        self.port = free_port()
        self.root = tempfile.mkdtemp(prefix="poco-pg-", dir="/tmp")
        shutil.chown(self.root, "postgres", "postgres")
        self.data = os.path.join(self.root, "data")

    def _as_postgres(self, *args: str, timeout: float = 60):
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip

    def _pg_ctl(self, *args: str):
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._as_postgres(
            f"{PG_BIN[0]}/pg_ctl", "-D", self.data, "-o", options, "-l",
            os.path.join(self.root, "log"), "-w", *args,
        )  # fmt: skip

    def start(self) -> "ThrowawayPostgres":
        self._as_postgres(f"{PG_BIN[0]}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres")
        self._pg_ctl("start")
        return self

    def restart(self):
        self._pg_ctl("restart", "-m", "fast")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self):
        try:
            self._pg_ctl("stop", "-m", "immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


class ThrowawayRedis:
    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "ThrowawayRedis":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while (
            subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True
            ).stdout.strip()
            != b"PONG"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        return self

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(10)

    def restart(self):
        self.stop()
        self.start()
