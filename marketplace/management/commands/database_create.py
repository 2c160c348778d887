from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection
from psycopg import errors, sql


class Command(BaseCommand):
    help = (
        "Create the PostgreSQL database DATABASE_URL names when it does not exist yet "
        "(SQLite creates its file by itself)."
    )

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            return
        name = connection.settings_dict["NAME"]
        # Django's own fallback for databases that do not exist yet: the maintenance database.
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return
            try:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except DatabaseError as exc:
                if isinstance(exc.__cause__, errors.DuplicateDatabase):
                    return  # another process created it meanwhile
                raise CommandError(f"cannot create the database {name!r}: {exc}") from exc
        self.stdout.write(f"created the PostgreSQL database {name}")
