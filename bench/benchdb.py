"""Create a benchmark's PostgreSQL database when it is missing, so `make bench` runs on a
fresh machine. Each bench script calls this before Django opens its database."""

from urllib.parse import urlsplit, urlunsplit

import psycopg2
from psycopg2 import sql


def ensure_database(url: str) -> bool:
    """Create the database named in `url` on its server if it does not exist.

    Connects to the server's `postgres` maintenance database with the same user,
    password, host and port. Returns True if it created the database.
    """
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        raise SystemExit(f"no database name in {url}")
    admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
    admin.autocommit = True  # CREATE DATABASE cannot run inside a transaction
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is not None:
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
            return True
    finally:
        admin.close()
