"""Ids and dates read from query strings and forms: a malformed one filters nothing instead of failing."""

import datetime as dt

ID_MAX = 2**63 - 1  # the databases' 64-bit integer keys


def id_param(value) -> int | None:
    """The id in ``value``, or None when it is not one (blank, a sign, "²", which ``isdigit`` accepts, full-width
    digits). A number past 64 bits is 0, an id no row has: passed on, SQLite raised OverflowError and PostgreSQL
    "integer out of range" (500s schemathesis found)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= ID_MAX else 0


def date_param(value) -> dt.date | None:
    """The ISO date in ``value`` ("2026-11-02"), or None when it is blank or not a date ("2026-02-30")."""
    try:
        return dt.date.fromisoformat(str(value or "").strip()) if value else None
    except ValueError:
        return None
