"""The event the guarantee network writes, and its handler (registered in
``ClusterFinanceConfig.ready()``): a flagged circle alerts the government of the cluster's
region (an ``infocenter.Alert``, on its console and /hub/alerts/) and notifies the finance
company's staff."""

from __future__ import annotations

from django.urls import reverse

from agents.models import Agent, Cluster, Membership
from agents.restrict import region_prefix
from infocenter.event_kinds import event_kind_declare
from infocenter.models import Alert, Event, Notification
from infocenter.permissions import government_covers

# A firm-to-firm guarantee closed a circle, or a circle passed its alert share of its members'
# equity (payload: cluster_id, guarantee_id, closes, over_capacity, members, names, exposure,
# capacity, ratio, alert_share).
CIRCLE_FLAGGED = event_kind_declare("guarantee_circle.flagged", owner="clusterfinance")
ALERT_KIND = "alert.guarantee_circle"


def circle_text(p: dict) -> str:
    """The alert's text in both languages (stored, so it reads the same after a switch)."""
    names = "、".join(p.get("names") or [])
    ratio = p.get("ratio")
    share = f"{float(ratio) * 100:.1f}%" if ratio else "—"  # display only, never money
    zh = f"担保圈预警：{names}（担保余额 ¥{p.get('exposure')}，占成员净资产 {share}）"
    en = f"Guarantee circle flagged: {', '.join(p.get('names') or [])} (exposure ¥{p.get('exposure')}, " \
         f"{share} of the members' equity)"
    if p.get("closes"):
        zh += "，新担保形成闭环"
        en += "; a new guarantee closed the circle"
    return f"{zh}。 {en}."


def on_circle_flagged(event: Event) -> None:
    p = event.payload
    cluster = Cluster.objects.select_related("finance_company").filter(pk=p.get("cluster_id")).first()
    subject = Agent.objects.filter(pk=event.subject_agent_id).first()
    if cluster is None or subject is None:
        return
    params = {"text": circle_text(p), **{k: p.get(k) for k in ("names", "exposure", "ratio", "closes")}}
    for government in Agent.objects.filter(kind="government", status="active"):
        prefix = region_prefix(government.region_code)
        if government_covers(government, subject) or (prefix and cluster.region_code.startswith(prefix)):
            Alert.objects.get_or_create(government=government, event=event, defaults={
                "subject": subject, "kind": ALERT_KIND, "params": params})
    url = reverse("clusterfinance:guarantees-network")
    users = Membership.objects.filter(agent_id=cluster.finance_company_id, is_active=True) \
        .values_list("user_id", flat=True)
    Notification.objects.bulk_create([Notification(user_id=uid, event=event, kind=event.kind, url=url, params=params)
                                      for uid in users], ignore_conflicts=True)


def register() -> None:
    from infocenter.services.events import register_handler

    register_handler(CIRCLE_FLAGGED, on_circle_flagged, name="clusterfinance.guarantees.circle_alert")
