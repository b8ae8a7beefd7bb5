"""Small raw-SQL helpers for the hot paths of lending (repayments, postings).

The ORM compiles every query in Python; on the repayment path that cost more than the database
work itself, so the statements there are written once here and run through Django's cursor
(same connection, same transaction, both vendors). Model instances are still built through
``Model.objects.raw`` / ``from_db`` so the business code works on normal models.
"""

from __future__ import annotations

from functools import lru_cache

from django.db import connection
from django.db.models import signals
from django.db.models.base import ModelState

from agents import dbsql


def adapt(value):
    """Adapt dates for the backend (SQLite wants ISO text; PostgreSQL takes ``date``)."""
    from datetime import date, datetime

    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value


def fetch_one(sql: str, params=()) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(p) for p in params])
        return cursor.fetchone()


def fetch_all(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(p) for p in params])
        return cursor.fetchall()


def fetch_all_prepared(sql: str, params=()) -> list[tuple]:
    """``fetch_all`` for the few statements run on every repayment: on PostgreSQL prepared once
    per connection, results in binary (``agents.dbsql.fetch_all_prepared``); other backends use
    ``fetch_all``."""
    if connection.vendor != "postgresql":
        return fetch_all(sql, params)
    return dbsql.fetch_all_prepared(sql, params)


def execute(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [adapt(p) for p in params])
        return cursor.rowcount


@lru_cache(maxsize=32)
def columns_of(model) -> tuple[str, ...]:
    """The model's concrete columns in field order (what ``Model.from_db`` expects)."""
    return tuple(f.column for f in model._meta.concrete_fields)


def select_list(model, alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c for c in columns_of(model))


def fetch_models(model, sql: str, params=()) -> list:
    """Instances of ``model`` from ``sql``, which must select exactly ``select_list(model)``.
    On PostgreSQL psycopg already returns Python values, so rows go straight into the instances
    (``from_rows``, the fast path); other backends need Django's converters, which
    ``Model.objects.raw`` applies."""
    if connection.vendor != "postgresql":
        return list(model.objects.raw(sql, [adapt(p) for p in params]))
    return from_rows(model, fetch_all(sql, params))


@lru_cache(maxsize=32)
def _attnames(model) -> tuple[str, ...]:
    return tuple(f.attname for f in model._meta.concrete_fields)


def from_rows(model, rows) -> list:
    """Instances of ``model`` from rows of Python values in ``columns_of(model)`` order, as
    ``Model.from_db`` makes them but without running ``Model.__init__`` per row (on the
    repayment path that cost more than the query: a dozen instalments per repayment). Models
    with ``pre_init``/``post_init`` receivers go through ``from_db``, which sends them."""
    names = _attnames(model)
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return [model.from_db(connection.alias, names, row) for row in rows]
    alias, made = connection.alias, []
    for row in rows:
        obj = model.__new__(model)
        obj.__dict__.update(zip(names, row, strict=True))
        obj._state = ModelState()
        obj._state.adding, obj._state.db = False, alias
        made.append(obj)
    return made


def for_update() -> str:
    return " FOR UPDATE" if connection.features.has_select_for_update else ""


@lru_cache(maxsize=64)
def _update_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"UPDATE {table} SET {', '.join(f'{c} = %s' for c in columns)} WHERE id = %s"  # noqa: S608


def update_row(model, pk: int, **values) -> int:
    """``UPDATE <table> SET … WHERE id = pk`` with the given column values."""
    columns = tuple(values)
    return execute(_update_sql(model._meta.db_table, columns), [*values.values(), pk])


@lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    row = f"({', '.join(['%s'] * len(columns))})"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)} RETURNING id"  # noqa: S608


def insert_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> list[int]:
    """Insert ``rows`` (tuples in ``columns`` order) in one statement; their new ids."""
    if not rows:
        return []
    return [r[0] for r in fetch_all(_insert_sql(model._meta.db_table, columns, len(rows)),
                                    [v for row in rows for v in row])]
