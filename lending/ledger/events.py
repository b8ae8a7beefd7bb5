"""The ledger's fact for the centre's outbox: a reconciliation check found a wrong balance or
entry (``checks``). Declared here because the ledger imports no loan module; ``lending.events``
re-exports it, so the centre's discovery of ``lending.events`` declares it at start-up."""

from __future__ import annotations

from infocenter.event_kinds import event_kind_declare

LEDGER_ALERT_RAISED = event_kind_declare("ledger.alert_raised", owner="lending.ledger")
