"""Benchmarks of PoCo Market: each figure beside a baseline measured in the same run.

`python -m bench [NAME ...] [--full] [--postgres [URL]] [--runs N]` (`make bench`) runs the named
benchmarks (all by default) and writes one report, bench/results/report.md, with its charts
(PNG) beside it; the figures are printed as they come. Every figure is the median of `--runs`
runs (3 by default); its baseline is measured in the same run, interleaved, so that the noise of
a shared machine weighs on both alike. Benchmarks never assert: the report says which goals are
met.

Adding a benchmark: write a module `bench/<name>.py` with

    TITLE = "What it measures"

    def run(ctx: bench.core.Context) -> bench.core.Section: ...

and list it in bench.registry.BENCHMARKS. `run` builds what it needs (chains, databases,
servers: bench.chains, bench.databases, bench.servers) and stops all it started, also on
failure. It returns a Section: Figures (label, unit, the value of each run, optionally the
baseline Figure and a Goal on the median or on the ratio to the baseline), tables of them, and
Charts; bench.report renders every Section the same way. Sizes come from `ctx.full` (small by
default, the issues' sizes with --full); PostgreSQL is used when `ctx.postgres` is set, always
under databases named `poco_bench_*`.
"""
