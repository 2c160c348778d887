"""What every benchmark shares: the run's context, and figures with their baselines and goals."""

import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VAR = ROOT / "var" / "bench"
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Context:
    full: bool = False
    runs: int = 3
    postgres: str | None = None  # a server URL; the database names are the benchmarks' own
    results: Path = RESULTS
    var: Path = VAR
    started: float = field(default_factory=time.monotonic)

    def log(self, message: str):
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Goal:
    """A target on a figure's median, or (of="ratio") on its ratio to the baseline."""

    text: str
    at_least: float | None = None
    at_most: float | None = None
    of: str = "median"

    def met(self, figure: "Figure") -> bool:
        value = figure.ratio if self.of == "ratio" else figure.median
        if value is None:
            return False
        low = self.at_least is None or value >= self.at_least
        return low and (self.at_most is None or value <= self.at_most)


@dataclass
class Figure:
    label: str
    unit: str
    runs: list[float] = field(default_factory=list)
    baseline: "Figure | None" = None
    goals: tuple[Goal, ...] = ()

    @property
    def median(self) -> float | None:
        return statistics.median(self.runs) if self.runs else None

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or not self.median or not self.baseline.median:
            return None
        return self.median / self.baseline.median

    def add(self, value: float, *, ctx: Context) -> float:
        self.runs.append(value)
        ctx.log(f"{self.label}: {value:,.2f} {self.unit}")
        return value


@dataclass
class Chart:
    """Bar chart of the figures' medians (each run a dot), one unit per chart."""

    name: str
    title: str
    figures: list[Figure]


@dataclass
class Section:
    title: str
    method: str  # how it was measured, in a few lines of Markdown
    figures: list[Figure]
    charts: list[Chart] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def repeat(ctx: Context, steps: list[Callable[[int], None]]):
    """Run each step once per run, interleaved: a baseline and its subject share the noise."""
    for number in range(ctx.runs):
        ctx.log(f"run {number + 1}/{ctx.runs}")
        for step in steps:
            step(number)
