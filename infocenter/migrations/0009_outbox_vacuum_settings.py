# Written by hand (topic: the loop at speed). The outbox is a queue: every event is inserted,
# claimed (lease, attempts) and marked delivered, so each one leaves two dead row versions behind,
# and the partial index of pending events (event_pending_idx) keeps entries for rows long
# delivered until VACUUM removes them. PostgreSQL's default trigger for autovacuum is a fifth of
# the table dead, which on a table of millions of delivered events comes once in hours; meanwhile
# the dispatcher's claim walks ever more dead entries (benchmarks/loop_latency.py measured the
# pending index grow from 104 kB to 2.9 MB in ten minutes without vacuum). These settings let
# autovacuum visit the table after a fixed number of changes whatever its size, and without the
# cost-based pauses (docs/deploy.md). They do nothing where autovacuum is off server-wide.
# PostgreSQL only; monthly partitions created by `partition_by_month` carry the same settings.

from django.db import migrations

from agents.dbsql import PostgresOnlyRunSQL

SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0",
    "autovacuum_vacuum_threshold": "5000",
    "autovacuum_vacuum_insert_scale_factor": "0",
    "autovacuum_vacuum_insert_threshold": "20000",
    "autovacuum_analyze_scale_factor": "0",
    "autovacuum_analyze_threshold": "20000",
    "autovacuum_vacuum_cost_delay": "0",
}


class Migration(migrations.Migration):

    dependencies = [
        ('infocenter', '0008_stored_summaries'),
    ]

    operations = [
        PostgresOnlyRunSQL(
            # a table already converted to monthly partitions takes them on each partition instead
            "DO $$ BEGIN IF (SELECT relkind FROM pg_class WHERE oid = 'infocenter_event'::regclass) = 'r' THEN "
            "ALTER TABLE infocenter_event SET ("
            + ", ".join(f"{k} = {v}" for k, v in SETTINGS.items()) + "); END IF; END $$",
            "DO $$ BEGIN IF (SELECT relkind FROM pg_class WHERE oid = 'infocenter_event'::regclass) = 'r' THEN "
            "ALTER TABLE infocenter_event RESET (" + ", ".join(SETTINGS) + "); END IF; END $$"),
    ]
