"""The benchmarks `python -m bench` knows, by the name used on its command line."""

import importlib
from types import ModuleType

# name -> module; each module has TITLE and run(ctx) -> Section (see bench/__init__.py).
BENCHMARKS = {
    "indexer": "bench.indexer",
    "publish": "bench.publish",
    "reads": "bench.reads",
    "pages": "bench.pages",
    "live": "bench.live",
    "search": "bench.store_search",
}


def benchmark_load(name: str) -> ModuleType:
    return importlib.import_module(BENCHMARKS[name])
