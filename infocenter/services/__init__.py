"""Writes of the centre (DESIGN.md §4.1). The public service API other apps call:

- ``publication_create``, ``publication_correct``, ``publication_retract``, ``publication_publish``
- ``business_record_publish`` (a transaction between two agents, into the business module)
- ``report_file``, ``report_reply``, ``report_decide``
- ``consent_grant``, ``consent_revoke``, ``consents_expire``, ``access_log_record``
- ``event_emit`` (``event_row`` for hot paths writing the row themselves), ``register_handler``, ``events_dispatch``
  (event kinds: ``infocenter.event_kinds``)
- ``subscription_create``, ``subscription_delete``, ``notification_mark_read``, …
"""

from .business import business_record_publish  # noqa: F401
from .consent import access_log_record, consent_grant, consent_revoke, consents_expire  # noqa: F401
from .events import (  # noqa: F401
    RESCORE_REQUESTED,
    event_deliver,
    event_emit,
    event_insert,
    event_row,
    events_claim,
    events_deliver,
    events_dispatch,
    events_insert_coalesced,
    handlers_for,
    register_handler,
)
from .notifications import (  # noqa: F401
    alert_acknowledge,
    notification_digests_email,
    notification_mark_read,
    notification_preferences_set,
    notifications_deliver,
    notifications_mark_all_read,
    subscription_create,
    subscription_delete,
)
from .publications import (  # noqa: F401
    publication_correct,
    publication_create,
    publication_publish,
    publication_retract,
    publication_update_draft,
)
from .reports import report_decide, report_file, report_reply  # noqa: F401
