"""PostgreSQL-only pieces: schema (triggers, functions) shipped by migrations, and the prepared
statements of the hot paths.

SQLite (the embedded demo) migrates without them: there the Python code does the same work."""

from __future__ import annotations

from django.db import connection, migrations


def fetch_all_prepared(sql: str, params=()) -> list[tuple]:
    """Run one statement of a hot path on PostgreSQL (the repayment's read and write, the audit
    record every repayment writes): parameters bound on the server, the statement prepared once
    per connection (psycopg's ``prepare=True``) so the server parses and plans it once instead of
    on every call (Django's own cursors bind on the client and send a new text each time), and
    the results taken in binary (parsing a dozen dates and amounts from text cost more than the
    query). Same connection and transaction as Django's. PostgreSQL only: callers keep a plain
    path for the other backends."""
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True, binary=True)
        return cursor.fetchall() if cursor.description else []


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL only, so SQLite still migrates."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
