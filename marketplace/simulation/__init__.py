"""A simulated market: actors playing PoCo deals on a local chain (demo, tests, benchmarks)."""

from marketplace.simulation.market import SCENARIOS, Market

__all__ = ["SCENARIOS", "Market"]
