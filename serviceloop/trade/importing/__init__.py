"""Trade import (R25): products, orders, deliveries and settlements from files, the drop folder or the API.

    batch = import_trade_file(file=path, kind="orders", actor=user, now=now, dry_run=True)
    batch = import_trade_rows(rows=[{...}, ...], kind="deliveries", actor=user, now=now)

Both return the ``ImportBatch`` record: status (checked / refused / committed), counts (rows, created,
replaced = corrected, unchanged, cancelled), the first bad rows (line, column, value, Chinese reason) and
the total. Decisions:

* **Streamed.** Files are read row by row from disk (``customers.importing.reader.stream_sheet``); parsed
  order lines go to a temporary staging table in chunks, and the checks and the write are SQL over it, so
  memory does not grow with the file (only with the number of shops and products, through two lookup dicts).
* **All or nothing.** Any bad row and nothing is written; every bad row is reported (the first
  ``TRADE_ERROR_LIMIT`` with line, column letter and header, value and reason; all counted). Unknown shops and
  products are errors, listed with their counts — never silently dropped.
* **Idempotent by the source's keys.** Orders, deliveries and settlements by order number, products by code.
  Unchanged rows are not written, so importing the same file again changes nothing (and is faster: no
  inserts, no index maintenance). Changed orders become a new revision (a correction), the earlier stays.
* **Batches roll back as a whole** (``services.batch_rollback``).
* **Columns** are found by the built-in names in ``columns`` plus the editable ColumnAlias table; coded
  values (channel, outcome …) by built-in names plus the ValueAlias table.
"""


def import_trade_file(**kwargs):
    """See ``engine.import_trade_file`` (loaded on first use: the engine pulls in openpyxl)."""
    from .engine import import_trade_file as run

    return run(**kwargs)


def import_trade_rows(**kwargs):
    """See ``engine.import_trade_rows``."""
    from .engine import import_trade_rows as run

    return run(**kwargs)


__all__ = ["import_trade_file", "import_trade_rows"]
