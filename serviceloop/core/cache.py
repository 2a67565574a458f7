"""Django's database cache with counters that hold across processes.

The stock ``incr`` reads, adds and writes in two steps and resets the key's expiry to the default timeout:
two gunicorn workers counting the same shop lose filings, and an hourly window shrinks to five minutes.
Here the read and the write happen in one transaction that locks the row (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite's IMMEDIATE transactions already take the write lock), and the expiry is kept.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        table = quote(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {table} WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
            if row is None or _as_datetime(connection, row[1]) < tz_now():
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote('value')} = %s WHERE {quote('cache_key')} = %s", [encoded, key]
            )
        return value

    def decr(self, key, delta=1, version=None):
        return self.incr(key, -delta, version=version)


def _as_datetime(connection, value):
    expression = models.Expression(output_field=models.DateTimeField())
    for converter in connection.ops.get_db_converters(expression) + expression.get_db_converters(connection):
        value = converter(value, expression, connection)
    return value
