# Written by hand (topic: scale). Every night the delinquency run rewrites each overdue
# instalment (penalty_accrued, penalty_through) and each delinquent loan (dpd). None of those
# columns is indexed, so PostgreSQL can keep the new row version on the same page without an
# entry in any index (a HOT update) — when the page has room. Pages filled to 100 % (the
# default) have none, so each update inserted into all six indexes of a 10,000,000-row table:
# at 1,000,000 loans 1.3 % of the night's instalment updates were HOT. Leaving a fifth of each
# page free made 30 % of them HOT and the night 1.6× faster (benchmarks/nightly_storage.py,
# benchmarks/README.md). Existing pages keep their density until rewritten (VACUUM FULL or
# pg_repack at a quiet hour, docs/deploy.md); new and moved rows get the room. PostgreSQL only.

from django.db import migrations

from lending.pgsql import PostgresOnlyRunSQL

TABLES = ("lending_instalment", "lending_loan")
FILLFACTOR = 80


class Migration(migrations.Migration):

    dependencies = [
        ('lending', '0016_scale_trigger_on_partitions'),
    ]

    operations = [
        PostgresOnlyRunSQL([f"ALTER TABLE {table} SET (fillfactor = {FILLFACTOR})" for table in TABLES],
                           [f"ALTER TABLE {table} RESET (fillfactor)" for table in TABLES]),
    ]
