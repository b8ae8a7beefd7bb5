"""PostgreSQL-only schema pieces (triggers, functions) shipped by migrations.

SQLite (the embedded demo) migrates without them: there the Python code does the same work."""

from __future__ import annotations

from django.db import migrations


class PostgresOnlyRunSQL(migrations.RunSQL):
    """RunSQL that runs on PostgreSQL only, so SQLite still migrates."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
