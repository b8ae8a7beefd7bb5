# Written by hand on 2026-11-26: the repayment hot path in one round trip on PostgreSQL.
#
# ``lending_repayment_write(doc jsonb)`` performs every write of one repayment that
# ``lending.services.repayments`` has already computed and validated in Python (the allocation,
# the new instalment states, the journal lines, the loan's new figures, the outbox event):
#
# 1. it locks the loan and compares ``doc->>'version'`` with the current row versions (``xmin``)
#    of the loan and its open instalments; if they differ, somebody changed the loan since Python
#    read it, and it returns an empty array without writing anything (optimistic concurrency:
#    the caller reads again and recomputes);
# 2. the journal entry (ON CONFLICT on its idempotency key: then nothing is written and NULL is
#    returned), its postings, the cached balances (locked in the ledger's global order: per-loan
#    accounts first, then shared accounts by id, like ``entry_post``);
# 3. the instalments (updates first, so a superseded row leaves its period before the new
#    schedule's rows are inserted), the repayment and its allocations (to new rows by their
#    place in ``doc->'created'``), the loan, a bucket move if any, and the centre's event (its
#    payload gains the new ``repayment_id``).
#
# It returns ``ARRAY[repayment_id, entry_id]``. It holds no business rule: the keys of ``doc``
# are column names and the values are what Python computed (amounts as decimal strings, never
# floats). The deferred balance trigger of 0002/0004 still checks the entry at COMMIT. SQLite
# runs the same writes statement by statement (``lending.services.repayment_store``).

from django.db import migrations

from lending.pgsql import PostgresOnlyRunSQL

FORWARD = """
CREATE OR REPLACE FUNCTION lending_repayment_write(doc jsonb) RETURNS bigint[] LANGUAGE plpgsql AS $$
DECLARE
    e jsonb := doc->'entry';
    new_entry bigint;
    new_repayment bigint;
    p record;
    acc bigint;
    account_ids bigint[] := '{}';
    amounts numeric[] := '{}';
    shared boolean[] := '{}';
    a record;
    i record;
    the_loan bigint := (doc->'loan'->>'id')::bigint;
    current_version text;
    new_instalments bigint[];
BEGIN
    PERFORM 1 FROM lending_loan WHERE id = the_loan FOR UPDATE;
    -- a new statement, so a new snapshot: it sees what a transaction we waited for committed
    SELECT (SELECT xmin::text FROM lending_loan WHERE id = the_loan) || ';'
           || coalesce(string_agg(s.id::text || ':' || s.xmin::text, ',' ORDER BY s.id), '')
      INTO current_version
      FROM lending_instalment s WHERE s.loan_id = the_loan AND s.status NOT IN ('superseded', 'paid');
    IF current_version IS DISTINCT FROM doc->>'version' THEN
        RETURN '{}';  -- stale: read again
    END IF;

    INSERT INTO lending_journalentry (idempotency_key, fingerprint, kind, effective_date, memo, loan_id,
                                      reverses_id, created_by_id, created_at)
    SELECT x.idempotency_key, x.fingerprint, x.kind, x.effective_date, x.memo, x.loan_id, NULL, x.created_by_id,
           x.created_at
      FROM jsonb_populate_record(NULL::lending_journalentry, e) AS x
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO new_entry;
    IF new_entry IS NULL THEN
        RETURN NULL;  -- the key is taken: the caller answers with the first request's result
    END IF;

    -- the accounts of the lines (opened at disbursement; opened here if missing, in the order given)
    FOR p IN SELECT * FROM jsonb_to_recordset(doc->'postings')
               AS x(agent_id bigint, purpose text, loan_id bigint, currency text, type text, amount numeric)
    LOOP
        IF p.loan_id IS NULL THEN
            SELECT id INTO acc FROM lending_account
             WHERE agent_id = p.agent_id AND purpose = p.purpose AND currency = p.currency AND loan_id IS NULL;
        ELSE
            SELECT id INTO acc FROM lending_account
             WHERE agent_id = p.agent_id AND purpose = p.purpose AND loan_id = p.loan_id;
        END IF;
        IF acc IS NULL THEN
            INSERT INTO lending_account (agent_id, purpose, loan_id, currency, type, balance, created_at)
            VALUES (p.agent_id, p.purpose, p.loan_id, p.currency, p.type, 0, now())
            ON CONFLICT DO NOTHING RETURNING id INTO acc;
            IF acc IS NULL THEN  -- a concurrent transaction opened it first
                SELECT id INTO acc FROM lending_account
                 WHERE agent_id = p.agent_id AND purpose = p.purpose AND currency = p.currency
                   AND loan_id IS NOT DISTINCT FROM p.loan_id;
            END IF;
        END IF;
        account_ids := account_ids || acc;
        amounts := amounts || p.amount;
        shared := shared || (p.loan_id IS NULL);
    END LOOP;

    INSERT INTO lending_posting (entry_id, account_id, amount)
    SELECT new_entry, u.id, u.amount FROM unnest(account_ids, amounts) AS u(id, amount);

    FOR a IN SELECT u.id, sum(u.amount) AS net FROM unnest(account_ids, amounts, shared) AS u(id, amount, shared)
              GROUP BY u.id, u.shared HAVING sum(u.amount) <> 0 ORDER BY u.shared, u.id
    LOOP
        UPDATE lending_account SET balance = balance + a.net WHERE id = a.id;
    END LOOP;

    -- row by row through the primary key (a join on the document would be planned as a scan of
    -- every instalment: the server cannot know the document holds one or two rows)
    FOR i IN SELECT * FROM jsonb_populate_recordset(NULL::lending_instalment, doc->'instalments') LOOP
        UPDATE lending_instalment
           SET principal_paid = i.principal_paid, interest_paid = i.interest_paid, penalty_paid = i.penalty_paid,
               penalty_accrued = i.penalty_accrued, penalty_through = i.penalty_through, status = i.status,
               paid_on = i.paid_on
         WHERE id = i.id;
    END LOOP;

    INSERT INTO lending_repayment (loan_id, idempotency_key, fingerprint, amount, paid_on, kind, channel,
                                   penalty_amount, interest_amount, principal_amount, prepaid_principal, entry_id,
                                   recorded_by_id, created_at)
    SELECT x.loan_id, x.idempotency_key, x.fingerprint, x.amount, x.paid_on, x.kind, x.channel, x.penalty_amount,
           x.interest_amount, x.principal_amount, x.prepaid_principal, new_entry, x.recorded_by_id, x.created_at
      FROM jsonb_populate_record(NULL::lending_repayment, doc->'repayment') AS x
    RETURNING id INTO new_repayment;

    WITH added AS (
        INSERT INTO lending_instalment (loan_id, period, period_start, due_date, accrual_periods, principal_due,
                                        interest_due, principal_paid, interest_paid, penalty_paid, penalty_accrued,
                                        penalty_through, status, paid_on, schedule_version)
        SELECT x.loan_id, x.period, x.period_start, x.due_date, x.accrual_periods, x.principal_due, x.interest_due,
               x.principal_paid, x.interest_paid, x.penalty_paid, x.penalty_accrued, x.penalty_through, x.status,
               x.paid_on, x.schedule_version
          FROM jsonb_populate_recordset(NULL::lending_instalment, doc->'created') WITH ORDINALITY AS x
         ORDER BY x.ordinality
        RETURNING id
    )
    SELECT array_agg(id ORDER BY id) INTO new_instalments FROM added;

    INSERT INTO lending_repaymentallocation (repayment_id, instalment_id, penalty, interest, principal)
    SELECT new_repayment, coalesce(x.instalment_id, new_instalments[x.new_index + 1]), x.penalty, x.interest,
           x.principal
      FROM jsonb_to_recordset(doc->'allocations')
        AS x(instalment_id bigint, new_index integer, penalty numeric, interest numeric, principal numeric);

    INSERT INTO lending_bucketmove (loan_id, moved_on, dpd, from_bucket, to_bucket, from_class, to_class, created_at)
    SELECT x.loan_id, x.moved_on, x.dpd, x.from_bucket, x.to_bucket, x.from_class, x.to_class, x.created_at
      FROM jsonb_populate_recordset(NULL::lending_bucketmove, doc->'moves') AS x;

    UPDATE lending_loan l
       SET principal_outstanding = x.principal_outstanding, status = x.status, closed_on = x.closed_on,
           dpd = x.dpd, bucket = x.bucket, loan_class = x.loan_class, delinquency_as_of = x.delinquency_as_of
      FROM jsonb_populate_record(NULL::lending_loan, doc->'loan') AS x
     WHERE l.id = x.id;

    INSERT INTO infocenter_event (kind, payload, created_at, dispatched_at, lease_until, attempts, last_error,
                                  actor_id, actor_agent_id, subject_agent_id)
    SELECT x.kind, x.payload || jsonb_build_object('repayment_id', new_repayment), x.created_at, NULL, NULL, 0, '',
           x.actor_id, x.actor_agent_id, x.subject_agent_id
      FROM jsonb_populate_record(NULL::infocenter_event, doc->'event') AS x;

    RETURN ARRAY[new_repayment, new_entry];
END
$$;
"""

BACKWARD = "DROP FUNCTION IF EXISTS lending_repayment_write(jsonb);"


class Migration(migrations.Migration):

    dependencies = [
        ('lending', '0004_ledger_trigger_once_per_entry'),
        ('infocenter', '0003_core_publications_reports_consent_events'),
    ]

    operations = [
        PostgresOnlyRunSQL(FORWARD, BACKWARD),
    ]
