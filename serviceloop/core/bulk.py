"""Inserting many model instances at once, several times cheaper than ``bulk_create``.

``bulk_create`` sends every value of every row through the field's whole conversion chain and builds the text
of a multi-row VALUES list for each batch: for the city's 15,020 shops × 32 columns that was about half of the
customer import's CPU. Here the statement is built once and sent with ``executemany`` (one prepared statement on
SQLite; psycopg pipelines it on PostgreSQL). Only the fields whose database value differs from the Python one
(decimals, dates, datetimes, JSON…) go through ``get_db_prep_save``, and only the fields that override
``pre_save`` (``auto_now``, ``auto_now_add``) call it.

The instances must hold values of their fields' Python types (what a form's or a parser's cleaning gives);
``insert_instances`` does not read their primary keys back, ``insert_instance`` does (one row, RETURNING).
A busy single-row insert gains too: ``Model.save()`` compiles its INSERT anew each time, twice the cost of
sending the kept statement (the QR filing's five rows, issue 14).
"""

import itertools
from operator import attrgetter

from django.db import connections, models, router

# Fields whose Python value is what the database driver takes (ForeignKeys to such keys too).
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)


def insert_instances(model, instances, *, batch_size: int = 2000) -> int:
    """Insert ``instances`` of ``model`` (an iterable, consumed in batches); returns how many were inserted."""
    connection = connections[router.db_for_write(model)]
    statement = _statement(model, connection)
    inserted = 0
    instances = iter(instances)
    with connection.cursor() as cursor:
        while batch := list(itertools.islice(instances, batch_size)):
            cursor.executemany(statement.sql, [statement.values(obj, connection) for obj in batch])
            inserted += len(batch)
    return inserted


def insert_instance(instance) -> None:
    """Insert one instance as ``save()`` would for a new row, and set its primary key (auto_now fields set too).
    Unlike ``save()`` it sends no model signals: the project keeps no domain logic in them (DESIGN.md)."""
    model = type(instance)
    alias = router.db_for_write(model, instance=instance)
    connection = connections[alias]
    statement = _statement(model, connection)
    returning, params = connection.ops.return_insert_columns([model._meta.pk])
    with connection.cursor() as cursor:
        cursor.execute(f"{statement.sql} {returning}", statement.values(instance, connection) + tuple(params))
        instance.pk = cursor.fetchone()[0]
    instance._state.adding, instance._state.db = False, alias


class _Statement:
    """A model's INSERT of every column but the automatic key, and how to read an instance's values for it."""

    def __init__(self, model, ops):
        fields = [f for f in model._meta.concrete_fields if f is not model._meta.auto_field]
        plain = [f for f in fields if _as_is(f)]
        self.prepared = [f for f in fields if not _as_is(f)]
        names = ", ".join(ops.quote_name(f.column) for f in plain + self.prepared)
        marks = ", ".join(["%s"] * len(fields))
        self.sql = f"INSERT INTO {ops.quote_name(model._meta.db_table)} ({names}) VALUES ({marks})"
        self.plain_values = _tuple_getter([f.attname for f in plain])
        self.pre_save = [type(f).pre_save is not models.Field.pre_save for f in self.prepared]  # auto_now…

    def values(self, obj, connection) -> tuple:
        # As save() and bulk_create do: a foreign key set to an object saved since takes that object's key.
        obj._prepare_related_fields_for_save(operation_name="insert")
        return self.plain_values(obj) + tuple(
            f.get_db_prep_save(f.pre_save(obj, True) if pre else getattr(obj, f.attname), connection)
            for f, pre in zip(self.prepared, self.pre_save, strict=True)
        )


_statements: dict[tuple, _Statement] = {}  # per model and database vendor (quoting): built once per process


def _statement(model, connection) -> _Statement:
    key = (model, connection.vendor)
    if key not in _statements:
        _statements[key] = _Statement(model, connection.ops)
    return _statements[key]


def _tuple_getter(attnames: list[str]):
    """A function of an instance returning these attributes as a tuple (attrgetter's loop runs in C)."""
    if len(attnames) > 1:
        return attrgetter(*attnames)
    if attnames:
        get = attrgetter(attnames[0])
        return lambda obj: (get(obj),)
    return lambda obj: ()


def _as_is(f) -> bool:
    """The field's Python value is what the database driver takes (a ForeignKey: its target key's)."""
    base = f.target_field if f.is_relation else f
    return isinstance(base, _AS_IS) and type(f).pre_save is models.Field.pre_save
