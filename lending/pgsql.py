"""PostgreSQL-only schema pieces (triggers, functions) shipped by the migrations of ``lending``.

SQLite (the embedded demo) migrates without them: there the Python services do the same work."""

from __future__ import annotations

from agents.dbsql import PostgresOnlyRunSQL  # noqa: F401 - the migrations of lending import it from here
