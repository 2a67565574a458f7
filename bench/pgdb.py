"""A PostgreSQL database per benchmark city, on the server of BENCH_PG (shared by the PostgreSQL benchmarks)."""

import os


def reachable(server: str) -> bool:
    """Whether PostgreSQL answers; if not, says so (``make bench`` on a machine without it skips, it does not
    fail)."""
    import psycopg

    try:
        psycopg.connect(f"{server}/postgres", connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        print(f"skipped: no PostgreSQL at {server} ({exc})")
        return False
    return True


def ensure_database(server: str, name: str, *, reuse: bool | None = None) -> bool:
    """Creates the database when missing; True when it was there already. Unless ``reuse`` (default: BENCH_REUSE
    is set) an existing one is dropped and created again (the benchmark builds its data afresh)."""
    import psycopg

    reuse = bool(os.environ.get("BENCH_REUSE")) if reuse is None else reuse
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and not reuse:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    return bool(exists)
