"""A progress line for backfills: position, percentage and rate, redrawn in place on a terminal."""

import sys
import time

from marketplace.indexer.runner import Progress


class ProgressPrinter:
    def __init__(self, stream=None, *, every: float = 0.25):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.every = every if self.tty else 5.0
        self.last = 0.0

    def __call__(self, p: Progress):
        now = time.monotonic()
        done = p.cursor >= p.target
        if now - self.last < self.every and not done:
            return
        self.last = now
        span = max(1, p.target - p.first)
        percent = 100.0 * min(1.0, (p.cursor - p.first) / span)
        rate = p.events / p.elapsed if p.elapsed > 0 else 0.0
        width = 30
        filled = int(width * percent / 100)
        line = (
            f"[{'#' * filled}{'.' * (width - filled)}] block {p.cursor}/{p.target} "
            f"{percent:5.1f}% | {p.events} events {rate:,.0f} ev/s | "
            f"{p.blocks / p.elapsed if p.elapsed else 0:,.0f} blocks/s"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
