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
