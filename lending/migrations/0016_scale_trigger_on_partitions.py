# Written by hand (topic: scale). The balanced-entry trigger told a posting from an entry by
# ``TG_TABLE_NAME = 'lending_posting'``; once the postings are monthly partitions
# (``manage.py partition_by_month``, docs/scaling.md) the trigger fires on a partition
# (``lending_posting_p202612``) and took the posting's id for an entry's. It now asks whether
# the row is a journal entry instead — the same on a plain table. PostgreSQL only.

from django.db import migrations

from lending.pgsql import PostgresOnlyRunSQL

FUNCTION = """
CREATE OR REPLACE FUNCTION lending_ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    checked_entry bigint;
    entry_xmin text;
    total numeric;
    lines integer;
BEGIN
    IF TG_TABLE_NAME <> 'lending_journalentry' THEN  -- lending_posting or one of its partitions
        checked_entry := NEW.entry_id;
        SELECT xmin::text INTO entry_xmin FROM lending_journalentry WHERE id = checked_entry;
        IF entry_xmin = (txid_current() % 4294967296)::text THEN
            RETURN NULL;  -- the entry's own check runs at this COMMIT
        END IF;
    ELSE
        checked_entry := NEW.id;
    END IF;
    SELECT COALESCE(SUM(amount), 0), COUNT(*) INTO total, lines
      FROM lending_posting WHERE entry_id = checked_entry;
    IF lines < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'ledger: journal entry % is not balanced (% postings summing to %)',
            checked_entry, lines, total USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
"""

BACKWARD = FUNCTION.replace("TG_TABLE_NAME <> 'lending_journalentry' THEN  -- lending_posting or one of its partitions",
                            "TG_TABLE_NAME = 'lending_posting' THEN")


class Migration(migrations.Migration):

    dependencies = [
        ('lending', '0015_dashboard_speed'),
    ]

    operations = [
        PostgresOnlyRunSQL(FUNCTION, BACKWARD),
    ]
