"""Reads of the enterprise portal: the firm's desk — what is due, what others see and say about
it, what it could get and what it should add. A fixed number of queries whatever the number of
loans, reports, consents or products (each list is one query, cut to a page)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Min, Q

from agents.choices import grade_at_least
from infocenter.choices import Category, Verification, Visibility
from infocenter.dossier import dossier_for
from infocenter.selectors import access_log_for, consents_given, own_publications, publications_for, reports_for
from lending.choices import InstalmentStatus, LoanStatus
from lending.selectors import applications_for_applicant, borrower_summary, loans_for_borrower, products_for_borrower

LIST = 8  # rows per desk card; each card links to its full page


@dataclass
class ProductReach:
    product: object
    eligible: bool
    reason: str = ""


@dataclass
class FirmDesk:
    summary: object
    loans: list = field(default_factory=list)              # active loans, each with .next_due_on
    applications: list = field(default_factory=list)
    reports_awaiting_reply: list = field(default_factory=list)
    reports_total: int = 0
    audience: list = field(default_factory=list)           # [(visibility label, count)]
    consents: list = field(default_factory=list)
    looked: list = field(default_factory=list)             # the latest access-log rows
    missing: list = field(default_factory=list)            # categories to add
    stale: list = field(default_factory=list)              # categories to refresh
    completeness: float | None = None
    products: list = field(default_factory=list)           # [ProductReach]
    business: list = field(default_factory=list)           # business-module records about the firm


def firm_desk(*, user, firm) -> FirmDesk:
    from django.utils.translation import gettext as _

    desk = FirmDesk(summary=borrower_summary(user=user, borrower=firm))
    desk.loans = list(
        loans_for_borrower(user=user, borrower=firm, status=LoanStatus.ACTIVE).select_related("lender")
        .annotate(next_due_on=Min("instalments__due_date",
                                  filter=Q(instalments__status__in=(InstalmentStatus.PENDING, InstalmentStatus.OVERDUE))))
        .order_by("next_due_on")[:LIST])
    desk.applications = list(applications_for_applicant(user=user, applicant=firm)
                             .select_related("product", "product__lender")[:LIST])
    reports = reports_for(user, subject=firm)
    desk.reports_awaiting_reply = list(reports.filter(reply="").exclude(status=Verification.REJECTED)[:LIST])
    desk.reports_total = reports.count()
    by_visibility = Counter(own_publications(user, firm).filter(is_current=True).values_list("visibility", flat=True))
    desk.audience = [(label, by_visibility.get(value, 0)) for value, label in Visibility.choices]
    desk.consents = list(consents_given(user, firm).filter(revoked_at__isnull=True)[:LIST])
    desk.looked = list(access_log_for(user, firm).order_by("-at")[:LIST])
    dossier = dossier_for(user, firm, limit=200)
    desk.missing, desk.stale, desk.completeness = dossier.missing, dossier.stale, dossier.completeness
    grade = firm.current_grade or ""
    for product in products_for_borrower(user=user, borrower=firm)[:LIST * 2]:
        if product.min_grade and not grade_at_least(grade, product.min_grade):
            reason = (_("needs grade %(min)s or better; yours is %(grade)s") % {"min": product.min_grade, "grade": grade}
                      if grade else _("needs grade %(min)s or better; you are not rated yet") % {"min": product.min_grade})
            desk.products.append(ProductReach(product, False, reason))
        else:
            desk.products.append(ProductReach(product, True))
    desk.business = list(publications_for(user, subject=firm, category=Category.BUSINESS_RECORD)
                         .select_related("publisher")[:LIST])
    return desk
