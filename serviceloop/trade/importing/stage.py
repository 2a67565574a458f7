"""A temporary staging table per import: parsed rows go there in chunks, checks and writes are SQL over it.

Temporary tables belong to the connection (and, here, to the import's transaction), so two imports on two
connections never see each other's rows. On PostgreSQL rows are sent with COPY, on SQLite with executemany.
"""

from django.db import connection

CHUNK = 5000


class Stage:
    def __init__(self, name: str, columns: list[tuple[str, str]]):
        self.name = name
        self.columns = [c for c, _ in columns]
        self._ddl = ", ".join(f"{c} {t}" for c, t in columns)
        self._buffer: list[tuple] = []
        self.count = 0

    def create(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {self.name} ({self._ddl})")

    def add(self, row: tuple) -> None:
        self._buffer.append(row)
        if len(self._buffer) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self._buffer:
            return
        insert_rows(self.name, self.columns, self._buffer)
        self.count += len(self._buffer)
        self._buffer = []

    def index(self, *columns: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE INDEX {self.name}_{'_'.join(columns)} ON {self.name} ({', '.join(columns)})"
            )

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.name}")


def insert_rows(table: str, columns: list[str], rows: list[tuple]) -> None:
    """Appends rows of text/number values (dates as ISO text, decimals as text) to a table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
