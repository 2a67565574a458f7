"""A PostgreSQL database per benchmark city, on the server of BENCH_PG (shared by the PostgreSQL benchmarks)."""

import os


def ensure_database(server: str, name: str) -> bool:
    """Creates the database when missing; True when it was there already. Without BENCH_REUSE an existing one is
    dropped and created again (the benchmark builds its city afresh)."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not os.environ.get("BENCH_REUSE"):
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return bool(exists)
