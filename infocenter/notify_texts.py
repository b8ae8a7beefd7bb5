"""Texts of notifications and alerts, rendered in the reader's language from the stored kind
and parameters (a notification written in Chinese still reads in English after a switch)."""

from django.utils.translation import gettext_lazy as _

TEXTS = {
    "publication.published": _("%(publisher)s published “%(title)s” (%(category)s)."),
    "publication.corrected": _("%(publisher)s corrected “%(title)s” (version %(version)s)."),
    "publication.retracted": _("%(publisher)s retracted “%(title)s”."),
    "report.filed": _("%(reporter)s filed a %(type)s report about %(subject)s: “%(title)s”."),
    "report.replied": _("%(subject)s replied to the report “%(title)s”."),
    "report.decided": _("The report “%(title)s” about %(subject)s is now %(status)s."),
    "consent.granted": _("%(grantor)s granted you access to its confidential information until %(until)s."),
    "consent.revoked": _("%(grantor)s revoked its consent."),
    "consent.expired": _("The consent of %(grantor)s has expired."),
    "alert.negative_verified": _("A negative report about %(subject)s was verified: “%(title)s” (%(category)s)."),
}


def _labels(params: dict) -> dict:
    """Stored choice values (category, type, status) become labels in the reader's language."""
    from .choices import Category, ReportCategory, ReportType, Verification

    out = dict(params)
    category = params.get("category")
    if category in Category.values:
        out["category"] = Category(category).label
    elif category in ReportCategory.values:
        out["category"] = ReportCategory(category).label
    if params.get("type") in ReportType.values:
        out["type"] = str(ReportType(params["type"]).label).lower()
    if params.get("status") in Verification.values:
        out["status"] = str(Verification(params["status"]).label).lower()
    return out


def render(kind: str, params: dict) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return params.get("text") or kind
    try:
        return str(template) % _labels(params)
    except (KeyError, TypeError, ValueError):
        return params.get("title") or kind
