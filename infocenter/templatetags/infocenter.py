"""Template helpers of the centre: the navbar's unread counter, badges, the government's
alerts card (shown on the government console without the console importing anything)."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import PublicationStatus, ReportType, Verification, Visibility

register = template.Library()

VISIBILITY_CLASS = {
    Visibility.PUBLIC: "text-bg-success", Visibility.MEMBERS: "text-bg-info", Visibility.KINDS: "text-bg-secondary",
    Visibility.GOVERNMENT: "text-bg-dark", Visibility.CONSENT: "text-bg-warning",
}
VERIFICATION_CLASS = {
    Verification.UNVERIFIED: "text-bg-light border", Verification.VERIFIED: "text-bg-success",
    Verification.DISPUTED: "text-bg-warning", Verification.REJECTED: "text-bg-secondary",
}
TYPE_CLASS = {ReportType.POSITIVE: "text-bg-success", ReportType.NEGATIVE: "text-bg-danger",
              ReportType.NEUTRAL: "text-bg-secondary"}


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> int:
    from ..selectors import unread_count

    request = context.get("request")
    return unread_count(getattr(request, "user", None))


@register.simple_tag
def visibility_badge(publication):
    label = publication.get_visibility_display()
    if publication.visibility == Visibility.KINDS:
        from agents.choices import AgentKind

        label = f"{label}: " + ", ".join(str(AgentKind(k).label) for k in publication.audience_kinds_list)
    return format_html('<span class="badge {}" data-testid="visibility" data-visibility="{}">{}</span>',
                       VISIBILITY_CLASS.get(publication.visibility, "text-bg-light"), publication.visibility, label)


@register.simple_tag
def status_badge(publication):
    if publication.status == PublicationStatus.RETRACTED:
        return format_html('<span class="badge text-bg-danger" data-testid="retracted">{}</span>', _("Retracted"))
    if publication.status == PublicationStatus.DRAFT:
        return format_html('<span class="badge text-bg-light border">{}</span>', _("Draft"))
    if not publication.is_current:
        return format_html('<span class="badge text-bg-secondary">{}</span>', _("Superseded"))
    if publication.version > 1:
        return format_html('<span class="badge text-bg-info">{}</span>',
                           _("Corrected (v%(v)s)") % {"v": publication.version})
    return ""


@register.simple_tag
def verification_badge(report):
    return format_html('<span class="badge {}" data-testid="verification" data-status="{}">{}</span>',
                       VERIFICATION_CLASS.get(report.status, "text-bg-light"), report.status,
                       report.get_status_display())


@register.simple_tag
def type_badge(report):
    return format_html('<span class="badge {}">{}</span>', TYPE_CLASS.get(report.report_type, "text-bg-light"),
                       report.get_report_type_display())


@register.inclusion_tag("infocenter/partials/alerts_card.html", takes_context=True)
def government_alerts(context, agent, limit=5):
    """The open alerts of a government (for its console)."""
    from ..models import Alert

    alerts = list(Alert.objects.filter(government=agent, acknowledged_at__isnull=True)
                  .select_related("subject", "report").order_by("-created_at")[:limit])
    return {"alerts": alerts, "agent": agent, "request": context.get("request")}


@register.inclusion_tag("infocenter/partials/asymmetry_summary.html")
def asymmetry_summary(agents, cluster_id=None):
    """Information-asymmetry figures of a set of firms (the finance portal passes its members as
    a queryset, and its cluster so the figures come from the cache while nothing changed),
    computed in SQL so the card costs the same whatever the number of firms."""
    from ..dossier import asymmetry_card_summary, asymmetry_summary_for

    if cluster_id is None:
        return {"summary": asymmetry_summary_for(agents)}
    return {"summary": asymmetry_card_summary(agents, cluster_id=cluster_id)}
