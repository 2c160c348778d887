"""Where the local chain is: the JSON file that `manage.py devchain` writes and settings read."""

import json
from pathlib import Path

from django.conf import settings


def devchain_write(*, info: dict, path: Path | None = None) -> Path:
    path = path or settings.DEVCHAIN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(info, indent=2))
    tmp.replace(path)
    return path


def devchain_read(*, path: Path | None = None) -> dict:
    path = path or settings.DEVCHAIN_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} does not exist: start the local chain with `manage.py devchain`"
        )
    return json.loads(path.read_text())
