"""wrk (Debian's package; `make bench` installs it when missing) as the HTTP load generator.

It is C and event-driven: one thread keeps the connections busy for a few % of a core, where a
Python client would compete with the server for the machine's two cores.
"""

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
RATE = re.compile(r"Requests/sec:\s+([\d.]+)")
PERCENTILE = re.compile(r"^\s+(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
ERRORS = re.compile(r"Socket errors: (.*)")


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise RuntimeError("wrk is missing: `apt-get install -y wrk` (or run `make bench`)")
    return found


def paths_script(*, paths: list[str], folder: Path) -> Path:
    """A wrk script sending GETs to `paths` in turn."""
    script = folder / "paths.lua"
    quoted = ",\n".join(f'  "{p}"' for p in paths)
    script.write_text(
        f"paths = {{\n{quoted}\n}}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        '  return wrk.format("GET", paths[(counter % #paths) + 1])\n'
        "end\n"
    )
    return script


def wrk_run(*, url: str, seconds: float, connections: int, script: Path | None = None) -> Load:
    args = [
        wrk_binary(),
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    if script:
        args += ["-s", str(script)]
    done = subprocess.run([*args, url], capture_output=True, text=True, timeout=seconds + 60)
    out = done.stdout
    if done.returncode or not RATE.search(out):
        raise RuntimeError(f"wrk failed ({done.returncode}): {out}{done.stderr}")
    for pattern, what in ((NON_2XX, "non-2xx answers"), (ERRORS, "socket errors")):
        found = pattern.search(out)
        if found:
            raise RuntimeError(f"wrk saw {what} ({found.group(1)}) on {url}:\n{out}")
    latency = {p: float(v) * UNITS[u] for p, v, u in PERCENTILE.findall(out)}
    return Load(float(RATE.search(out).group(1)), latency["50"], latency["99"])
