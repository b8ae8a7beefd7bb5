"""Texts of notifications and alerts, rendered in the reader's language from the stored kind
and parameters (a notification written in Chinese still reads in English after a switch), and
the **topics** a person chooses how to hear of.

A topic groups the notifications a person may want to treat alike: the publications of one
category (``publications.loan_disclosure`` — the finance company's repayment and loan records),
reports, consents. Per topic each person chooses ``Delivery``: every item, one daily digest, or
nothing (``NotificationPreference``; the default is the topic's ``default``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import event_kinds as k

TEXTS = {
    k.PUBLICATION_PUBLISHED: _("%(publisher)s published “%(title)s” (%(category)s)."),
    k.PUBLICATION_CORRECTED: _("%(publisher)s corrected “%(title)s” (version %(version)s)."),
    k.PUBLICATION_RETRACTED: _("%(publisher)s retracted “%(title)s”."),
    k.REPORT_FILED: _("%(reporter)s filed a %(type)s report about %(subject)s: “%(title)s”."),
    k.REPORT_REPLIED: _("%(subject)s replied to the report “%(title)s”."),
    k.REPORT_DECIDED: _("The report “%(title)s” about %(subject)s is now %(status)s."),
    k.CONSENT_GRANTED: _("%(grantor)s granted you access to its confidential information until %(until)s."),
    k.CONSENT_REVOKED: _("%(grantor)s revoked its consent."),
    k.CONSENT_EXPIRED: _("The consent of %(grantor)s has expired."),
    "alert.negative_verified": _("A negative report about %(subject)s was verified: “%(title)s” (%(category)s)."),
}

# ``Notification.kind`` of a daily digest (one per person, topic and day).
DIGEST = "digest"
# How many of a digest's latest items it shows.
DIGEST_ITEMS = 5


class Delivery(models.TextChoices):
    """How a person hears of one topic."""

    EACH = "each", _("Each item")
    DIGEST = "digest", _("Daily digest")
    NONE = "none", _("Nothing")


REPORTS, CONSENTS = "reports", "consents"
PUBLICATIONS = "publications."
# Topics that arrive by the hundred (a repayment record per loan and month, business records):
# a daily digest unless the person chooses otherwise.
HIGH_VOLUME = frozenset({"publications.loan_disclosure", "publications.business_record"})


@dataclass(frozen=True)
class Topic:
    key: str
    label: str
    group: str
    default: str


# Topics of notifications that other apps send (declared in their own modules, e.g. the rating's
# "rating.changed"): infocenter never names an upper app, the owner declares its topic here.
_DECLARED: dict[str, tuple] = {}


def notification_topic_declare(key: str, *, label, group, text=None, default: str = Delivery.EACH) -> str:
    """Declare the topic ``key`` (the event kind the notifications carry) with its label and
    the group of the settings page (lazy texts), its text template (params interpolated) and
    the default delivery, so each person may choose how to hear of it. Returns ``key``."""
    _DECLARED[key] = (label, group, default)
    if text is not None:
        TEXTS[key] = text
    return key


def topic_of(kind: str, params: dict) -> str:
    """The topic of a notification of ``kind`` (an event kind) with ``params``."""
    if kind.startswith("publication.") and params.get("category"):
        return f"{PUBLICATIONS}{params['category']}"
    if kind.startswith("report."):
        return REPORTS
    if kind.startswith("consent."):
        return CONSENTS
    return kind


def topics() -> list[Topic]:
    """Every topic, in the order of the settings page: publications by module, then reports and
    consents."""
    from .choices import CATEGORY_MODULE, Category, InfoModule

    found = [Topic(f"{PUBLICATIONS}{c.value}", str(c.label), str(InfoModule(CATEGORY_MODULE[c.value]).label),
                   default_delivery(f"{PUBLICATIONS}{c.value}"))
             for module in InfoModule for c in Category if CATEGORY_MODULE.get(c.value) == module.value]
    others = str(_("Reports and consents"))
    found += [Topic(REPORTS, str(_("Reports about agents")), others, Delivery.EACH),
              Topic(CONSENTS, str(_("Consents")), others, Delivery.EACH)]
    found += [Topic(key, str(label), str(group), default) for key, (label, group, default) in _DECLARED.items()]
    return found


def topic_keys() -> set[str]:
    return {t.key for t in topics()}


def default_delivery(topic: str) -> str:
    if topic in _DECLARED:
        return _DECLARED[topic][2]
    return Delivery.DIGEST if topic in HIGH_VOLUME else Delivery.EACH


def topic_label(topic: str) -> str:
    from .choices import Category

    if topic.startswith(PUBLICATIONS) and topic[len(PUBLICATIONS):] in Category.values:
        return str(Category(topic[len(PUBLICATIONS):]).label)
    if topic == REPORTS:
        return str(_("Reports about agents"))
    if topic == CONSENTS:
        return str(_("Consents"))
    if topic in _DECLARED:
        return str(_DECLARED[topic][0])
    return topic


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


def render_digest(topic: str, count: int, day) -> str:
    """"12 new items today in “Loan records disclosure”" — the line of a daily digest."""
    return ngettext("%(count)s new item on %(day)s in “%(topic)s”.",
                    "%(count)s new items on %(day)s in “%(topic)s”.", count) % {
        "count": count, "day": day.isoformat() if day else "", "topic": topic_label(topic)}


def render(kind: str, params: dict) -> str:
    template = TEXTS.get(kind)
    if template is None:
        return params.get("text") or kind
    try:
        return str(template) % _labels(params)
    except (KeyError, TypeError, ValueError):
        return params.get("title") or kind
