"""The SECRET_KEY of an installation that sets none: random, made once, kept in VAR_DIR.

A bare `manage.py migrate` / `runserver` works without configuration and still never signs
sessions with a key anyone knows; every process of the installation (web servers, indexer,
workers) reads the same file, so sessions and signed values hold across them and restarts.
"""

import os
import secrets
import time
from pathlib import Path

FILENAME = "secret_key"


def secret_key_default(*, var_dir: Path) -> str:
    path = var_dir / FILENAME
    try:
        # O_EXCL: of processes starting together, one writes the key and the others read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(50))
    return _read(path)


def _read(path: Path) -> str:
    key = path.read_text().strip()
    if not key:  # another process created the file and has not written it yet
        time.sleep(0.2)
        key = path.read_text().strip()
    return key
