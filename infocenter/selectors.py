"""Reads of the centre. Everything a user can reach goes through ``restrict()``."""

from __future__ import annotations

from django.db.models import Count, Q

from agents.models import Agent
from agents.restrict import viewer_for

from .choices import CATEGORY_MODULE, InfoModule, PublicationStatus, Verification
from .models import AccessLog, Alert, Consent, Notification, Publication, Report, Subscription
from .rules import finance_company_members

VISIBLE = (PublicationStatus.PUBLISHED, PublicationStatus.RETRACTED)


# --- publications -----------------------------------------------------------------------------
def publications_for(user, *, module: str = "", category: str = "", subject=None, include_drafts: bool = False):
    """Current versions ``user`` may read, newest first (drafts only of the user's own agents)."""
    qs = Publication.objects.restrict(user, "view").filter(is_current=True)
    if not include_drafts:
        qs = qs.filter(status__in=VISIBLE)
    if module:
        qs = qs.filter(module=module)
    if category:
        qs = qs.filter(category=category)
    if subject is not None:
        qs = qs.filter(subject=subject)
    return qs.select_related("subject", "publisher").order_by("-published_at", "-pk")


def own_publications(user, agent):
    """Everything ``agent`` published or drafted (current versions), for its own list."""
    return (Publication.objects.restrict(user, "view").filter(publisher=agent, is_current=True)
            .select_related("subject", "publisher").order_by("status", "-published_at", "-created_at"))


def publication_history(user, publication: Publication):
    return (Publication.objects.restrict(user, "view").filter(lineage=publication.lineage)
            .select_related("author", "subject", "publisher").order_by("-version"))


def module_overview(user, *, per_module: int = 3) -> list[dict]:
    """Each module with the number of items ``user`` may read and the latest few."""
    base = publications_for(user)
    counts = dict(base.order_by().values_list("module").annotate(n=Count("pk")))
    overview = []
    for value, label in InfoModule.choices:
        overview.append({"module": value, "label": label, "count": counts.get(value, 0),
                         "latest": list(base.filter(module=value)[:per_module]) if counts.get(value) else []})
    return overview


# --- reports ----------------------------------------------------------------------------------
def reports_for(user, *, subject=None, reporter=None, status: str = ""):
    qs = Report.objects.restrict(user, "view").select_related("reporter", "subject", "decided_by_agent")
    if subject is not None:
        qs = qs.filter(subject=subject)
    if reporter is not None:
        qs = qs.filter(reporter=reporter)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def verification_queue(user):
    """Reports waiting for a decision that ``user`` may take: about members of the user's
    finance company's cluster or agents in the user's government region, not filed by them."""
    viewer = viewer_for(user)
    q = Q(pk__in=[])
    for prefix in viewer.region_prefixes:
        q |= Q(subject__region_code__startswith=prefix)
    fc_ids = viewer.ids_of("finance_company")
    if fc_ids:
        q |= Q(subject_id__in=finance_company_members(fc_ids))
    if getattr(user, "is_superuser", False):
        q = Q()
    return (reports_for(user, status=Verification.UNVERIFIED).filter(q)
            .exclude(reporter_id__in=viewer.agent_ids).exclude(subject_id__in=viewer.agent_ids))


def may_verify_any(user) -> bool:
    viewer = viewer_for(user)
    return bool(viewer.ids_of("finance_company") or viewer.ids_of("government"))


# --- consent, access log ----------------------------------------------------------------------
def consents_given(user, agent):
    return (Consent.objects.restrict(user, "view").filter(grantor=agent)
            .select_related("grantee").prefetch_related("categories").order_by("-granted_at"))


def consents_received(user, agent):
    return (Consent.objects.restrict(user, "view").filter(grantee=agent)
            .select_related("grantor").prefetch_related("categories").order_by("-granted_at"))


def access_log_for(user, agent):
    return (AccessLog.objects.restrict(user, "view").filter(subject=agent)
            .select_related("user", "viewer_agent", "publication", "consent"))


# --- subscriptions, notifications, alerts ----------------------------------------------------
def subscriptions_of(user):
    return Subscription.objects.restrict(user, "view").select_related("agent")


def notifications_of(user):
    return Notification.objects.restrict(user, "view").order_by("-created_at", "-pk")


def notification_kinds_of(user) -> list[dict]:
    """The kinds (topics) of the person's notifications with how many and how many unread, for
    the filter of the notifications page: one query."""
    from .notify_texts import topic_label

    rows = (Notification.objects.restrict(user, "view").exclude(topic="").order_by().values("topic")
            .annotate(total=Count("pk"), unread=Count("pk", filter=Q(read_at__isnull=True))))
    found = [{"topic": r["topic"], "label": topic_label(r["topic"]), "total": r["total"], "unread": r["unread"]}
             for r in rows]
    return sorted(found, key=lambda r: r["label"])


def notification_preferences_of(user) -> list[dict]:
    """Every topic with how the person hears of it (their choice or the default): one query."""
    from .models import NotificationPreference
    from .notify_texts import topics

    chosen = dict(NotificationPreference.objects.restrict(user, "view").values_list("topic", "delivery"))
    return [{"topic": t, "delivery": chosen.get(t.key, t.default), "chosen": t.key in chosen} for t in topics()]


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def alerts_for(user, *, open_only: bool = False):
    qs = Alert.objects.restrict(user, "view").select_related("subject", "report", "acknowledged_by")
    if open_only:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs


def following(user, *, module: str = "", agent=None, category: str = "") -> Subscription | None:
    if not getattr(user, "is_authenticated", False):
        return None
    qs = Subscription.objects.filter(user=user)
    if module:
        return qs.filter(target="module", module=module).first()
    if agent is not None:
        return qs.filter(target="agent", agent=agent).first()
    if category:
        return qs.filter(target="category", category=category).first()
    return None


def visible_agents(user, *, kinds=None):
    qs = Agent.objects.restrict(user, "view").filter(status="active")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    return qs.order_by("kind", "name")


def module_of(category: str) -> str:
    return CATEGORY_MODULE[category]
