"""One writer per database: a second indexer started by mistake waits for the first to stop.

PostgreSQL: a session advisory lock on a connection of its own. SQLite: an flock on a file next
to the database. Both are released by the operating system or the server when the holder dies.
"""

import fcntl
import logging
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


@contextmanager
def indexer_lock(*, chain_id: int):
    if connection.vendor == "postgresql":
        with _pg_lock(chain_id):
            yield
    else:
        name = str(connection.settings_dict["NAME"])
        # An in-memory database has no file to sit beside: its lock lives in var/.
        base = Path(settings.VAR_DIR) / "memorydb" if "memory" in name else Path(name)
        with _file_lock(Path(f"{base}.indexer-{chain_id}.lock")):
            yield


@contextmanager
def _pg_lock(chain_id: int):
    key = zlib.crc32(f"poco-market-indexer:{chain_id}".encode())
    conn = connection.get_new_connection(connection.get_connection_params())
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cur.fetchone()[0]:
                log.warning("another indexer is running on this database: waiting for it to stop")
                cur.execute("SELECT pg_advisory_lock(%s)", [key])
        yield
    finally:
        conn.close()


@contextmanager
def _file_lock(path: Path):
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another indexer is running on this database: waiting for it to stop")
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
