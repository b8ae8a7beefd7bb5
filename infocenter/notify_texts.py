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


def render(kind: str, params: dict) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return params.get("text") or kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return params.get("title") or kind
