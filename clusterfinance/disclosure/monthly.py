"""The monthly platform disclosure of a cluster's whole loan book: its figures (read by
``lending.selectors.cluster_disclosure_figures``), its summary, its publication and how its
structured data reads on the publication page."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agents.models import Cluster
from infocenter.choices import Category, Visibility
from infocenter.data_display import DataField, data_layout_register
from infocenter.services.publications import publication_create
from lending.selectors import PlatformFigures, cluster_disclosure_figures

from .working_days import month_bounds


def platform_figures(*, cluster: Cluster, period: str) -> PlatformFigures:
    """The platform figures of ``cluster`` for ``period`` (``YYYY-MM``)."""
    start, end = month_bounds(period)
    return cluster_disclosure_figures(cluster=cluster, start=start, end=end, period=period)


def _pct(value: Decimal) -> str:
    return f"{Decimal(value) * 100:.2f}%"


def _summary(f: PlatformFigures) -> str:
    return _(
        "Cumulative lending %(cum)s yuan in %(cum_n)s loans (%(month)s yuan in %(month_n)s loans this month). "
        "Outstanding %(out)s yuan in %(out_n)s loans to %(borrowers)s borrowers from %(lenders)s lenders. "
        "Top-10 borrowers hold %(top10)s of the balance, the largest single borrower %(largest)s. "
        "Related-party loans: %(rel_n)s (%(rel)s yuan). Overdue: %(od_n)s loans, %(od)s yuan "
        "(over 90 days: %(od90_n)s loans, %(od90)s yuan); overdue rate %(rate_amount)s by amount, "
        "%(rate_count)s by count. Compensation paid by guarantors: %(comp)s yuan this month."
    ) % {
        "cum": f"{f.cumulative_amount:,}", "cum_n": f.cumulative_count, "month": f"{f.month_amount:,}",
        "month_n": f.month_count, "out": f"{f.outstanding_amount:,}", "out_n": f.outstanding_count,
        "borrowers": f.borrowers, "lenders": f.lenders, "top10": _pct(f.top10_share), "largest": _pct(f.largest_share),
        "rel_n": f.related_party_count, "rel": f"{f.related_party_amount:,}", "od_n": f.overdue_count,
        "od": f"{f.overdue_amount:,}", "od90_n": f.overdue_90_count, "od90": f"{f.overdue_90_amount:,}",
        "rate_amount": _pct(f.overdue_rate_amount), "rate_count": _pct(f.overdue_rate_count),
        "comp": f"{f.guarantor_compensation_month:,}",
    }


@transaction.atomic
def monthly_disclosure_publish(*, cluster: Cluster, period: str):
    """Publish the platform disclosure of ``period`` (``YYYY-MM``) for ``cluster``: public, in the
    business module, by the finance company about itself. Idempotent (key = the period)."""
    figures = platform_figures(cluster=cluster, period=period)
    with translation.override("zh-hans"):
        title = _("Monthly platform disclosure %(period)s") % {"period": period}
        body = _summary(figures)
    return publication_create(
        subject=cluster.finance_company, publisher=cluster.finance_company, category=Category.PLATFORM_DISCLOSURE,
        title=title, body=body, data=figures.as_data(), visibility=Visibility.PUBLIC, period=period, key=period,
    )


# How the structured data of a monthly platform disclosure reads (labels in the reader's language).
PLATFORM_DISCLOSURE_LAYOUT = (
    DataField("period", gettext_lazy("Month")),
    DataField("period_end", gettext_lazy("Figures as of")),
    DataField("cumulative_amount", gettext_lazy("Cumulative lending"), "wan"),
    DataField("cumulative_count", gettext_lazy("Cumulative number of loans"), "count"),
    DataField("month_amount", gettext_lazy("Lent this month"), "wan"),
    DataField("month_count", gettext_lazy("Loans made this month"), "count"),
    DataField("outstanding_amount", gettext_lazy("Outstanding balance"), "wan"),
    DataField("outstanding_count", gettext_lazy("Loans outstanding"), "count"),
    DataField("borrowers", gettext_lazy("Borrowers with a balance"), "count"),
    DataField("lenders", gettext_lazy("Lenders with a balance"), "count"),
    DataField("top10_share", gettext_lazy("Share of the top-10 borrowers"), "percent"),
    DataField("largest_share", gettext_lazy("Share of the largest borrower"), "percent"),
    DataField("related_party_amount", gettext_lazy("Related-party loans, balance"), "wan"),
    DataField("related_party_count", gettext_lazy("Related-party loans, number"), "count"),
    DataField("overdue_amount", gettext_lazy("Overdue amount"), "wan"),
    DataField("overdue_count", gettext_lazy("Loans overdue"), "count"),
    DataField("overdue_90_amount", gettext_lazy("Overdue more than 90 days, amount"), "wan"),
    DataField("overdue_90_count", gettext_lazy("Loans overdue more than 90 days"), "count"),
    DataField("overdue_rate_amount", gettext_lazy("Overdue rate by amount"), "percent"),
    DataField("overdue_rate_count", gettext_lazy("Overdue rate by number of loans"), "percent"),
    DataField("guarantor_compensation_month", gettext_lazy("Compensation paid by guarantors this month"), "wan"),
    DataField("guarantor_compensation_cumulative", gettext_lazy("Compensation paid by guarantors, cumulative"),
              "wan"),
    DataField("top_borrowers", gettext_lazy("Top-10 borrowers"), "table", columns=(
        DataField("name", gettext_lazy("Borrower")),
        DataField("outstanding", gettext_lazy("Balance"), "wan"),
        DataField("share", gettext_lazy("Share of the balance"), "percent"),
    )),
)


def display_register() -> None:
    """Called from ``ClusterFinanceConfig.ready()``: the centre shows the monthly disclosure's
    data as labelled, formatted rows."""
    data_layout_register(Category.PLATFORM_DISCLOSURE, PLATFORM_DISCLOSURE_LAYOUT)
