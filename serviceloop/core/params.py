"""Ids read from query strings and forms."""

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
