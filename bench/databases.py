"""Fresh databases for product processes: a SQLite file in var/bench/db/, or a PostgreSQL
database named poco_bench_* on the server given (never a database anyone else uses)."""

import re
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import psycopg

from bench.core import Context
from bench.processes import manage, product_env

NAME = re.compile(r"^[a-z0-9_]+$")
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"


def backends(ctx: Context) -> list[str]:
    """SQLite always; PostgreSQL too when the run was given a server."""
    return ["sqlite", "postgres"] if ctx.postgres else ["sqlite"]


def _postgres_url(server: str, database: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", "", ""))


def _admin(server: str):
    return psycopg.connect(_postgres_url(server, "postgres"), autocommit=True)


@contextmanager
def fresh_database(*, ctx: Context, backend: str, name: str):
    """The URL of an empty, migrated database `name`, dropped afterwards."""
    if not NAME.match(name):
        raise ValueError(f"bad database name {name!r}")
    if backend == "sqlite":
        folder = ctx.var / "db"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{name}.sqlite3"
        _sqlite_remove(path)
        url = f"sqlite:///{path}"
    else:
        database = f"poco_bench_{name}"
        server = ctx.postgres or DEFAULT_POSTGRES
        with _admin(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"')
        url = _postgres_url(server, database)
    try:
        manage(["migrate", "--noinput", "-v0"], env=product_env(database_url=url))
        yield url
    finally:
        if backend == "sqlite":
            _sqlite_remove(path)
        else:
            with _admin(server) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def _sqlite_remove(path):
    for leftover in path.parent.glob(f"{path.name}*"):
        leftover.unlink()
