"""The double-entry ledger of the platform (part of the ``lending`` app, app label ``lending``).

Every movement of money is a balanced ``JournalEntry`` of two or more ``Posting`` rows whose
amounts (debit positive, credit negative) sum to exactly zero. Entries are append-only; a
correction is a reversing entry. See ``lending.ledger.services`` for the write API and
``lending.ledger.checks`` for the reconciliation behind ``manage.py ledger_check``.
"""
