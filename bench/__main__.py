"""`python -m bench [NAME ...] [--full] [--postgres [URL]] [--runs N]`: see bench/__init__.py."""

import argparse
import os
import sys

from bench.core import Context
from bench.databases import DEFAULT_POSTGRES
from bench.registry import BENCHMARKS, benchmark_load
from bench.report import report_write


def _postgres_default() -> str | None:
    """A PostgreSQL DATABASE_URL in the environment names the server to use (not the database:
    the benchmarks create their own)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://", "pgsql://")) else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"any of {', '.join(BENCHMARKS)} (default: all)"
    )
    parser.add_argument("--full", action="store_true", help="the sizes the issues name")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        default=_postgres_default(),
        metavar="URL",
        help="also measure on this PostgreSQL server (default when given: %(const)s)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    ctx = Context(full=args.full, runs=max(1, args.runs), postgres=args.postgres)
    sections = []
    for name in args.names or list(BENCHMARKS):
        module = benchmark_load(name)
        ctx.log(f"== {module.TITLE}")
        sections.append(module.run(ctx))
        report_write(ctx=ctx, sections=sections)
    path = report_write(ctx=ctx, sections=sections)
    print(path.read_text())
    ctx.log(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
