"""The events of the joint-liability groups (declared when ``ClusterFinanceConfig.ready()``
imports this module). Both concern every member of the group, so each member is re-scored: the
group's record feeds every member's rating. Payload: group_id, call_ids, defaulter_id, loan_id,
instalment_id, amount. A raised call notifies the called members' people."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agents.models import Membership
from infocenter.event_kinds import event_kind_declare
from infocenter.notify_texts import notification_topic_declare

CALL_RAISED = event_kind_declare("joint_liability_call.raised", owner="clusterfinance", rescores_subject=True)
CALL_PAID = event_kind_declare("joint_liability_call.paid", owner="clusterfinance", rescores_subject=True)

notification_topic_declare(
    CALL_RAISED, label=_("Calls on my firm as a jointly liable group member"), group=_("Group loans"),
    text=_("Your group “%(group)s” calls on your firm for %(amount)s yuan of %(defaulter)s's overdue instalment."))


def notify_call_raised(event) -> int:
    from infocenter.services.notifications import notifications_deliver

    p = event.payload
    told = 0
    for payer_id, amount in (p.get("shares") or {}).items():
        recipients = {m.user_id: (m.user, True) for m in Membership.objects.filter(
            agent_id=int(payer_id), is_active=True).select_related("user").order_by("user_id")}
        told += notifications_deliver(event=event, recipients=recipients, kind=CALL_RAISED,
                                      params={"group": p.get("group_name", ""), "amount": f"{Decimal(amount):,.2f}",
                                              "defaulter": p.get("defaulter_name", "")},
                                      url=reverse("clusterfinance:group-detail", args=[p["group_id"]]))
    return told


def register() -> None:
    from infocenter.services.events import register_handler

    register_handler(CALL_RAISED, notify_call_raised, name="clusterfinance.group_loans.notify_call")
