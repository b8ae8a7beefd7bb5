"""The finance company's dashboard (/finance/) and the drill-down lists of its figures
(/finance/dashboard/loans/), each with its Excel export (``?export=xlsx``).

Both pages answer in a fixed number of queries whatever the number of loans: the figures are
aggregates (``selectors``), the lists one page of loans with their delinquency columns."""

from __future__ import annotations

import json

from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import cluster_of_finance_company
from infocenter.exports import Col, export_response
from lending.selectors import book_totals, with_delinquency
from lending.views.base import paginate, query_without_page

from ..guarantees.models import GuaranteeFund
from ..pool.models import PoolPolicy
from ..pool.selectors import liquidity
from . import selectors
from .export import dashboard_workbook, xlsx_download
from .forms import DashboardFilterForm, FigureForm

CLASS_COLOURS = {"normal": "#198754", "special_mention": "#e0a800", "substandard": "#fd7e14", "doubtful": "#dc3545",
                 "loss": "#343a40"}
LIST_PAGE_SIZE = 25


def _percent(value) -> str:
    return str((value * 100).quantize(value.__class__("0.01")))


class DashboardMixin(PortalMixin):
    portal_kind = AgentKind.FINANCE_COMPANY
    form_class = DashboardFilterForm

    def setup_filters(self):
        self.cluster = cluster_of_finance_company(self.agent)
        industries = selectors.industries_in_scope(cluster=self.cluster) if self.cluster else []
        self.form = self.form_class(self.request.GET or None, industries=industries)
        self.filters = self.form.filters()


class DashboardView(DashboardMixin, TemplateView):
    template_name = "clusterfinance/dashboard/home.html"

    def figures(self) -> dict:
        user, cluster = self.request.user, self.cluster
        # a GET writes nothing: the pool's policy with its defaults until the staff set one, no
        # guarantee figures until the fund exists (its pages create it)
        policy = PoolPolicy.objects.filter(cluster=cluster).first() or PoolPolicy(cluster=cluster)
        fund = GuaranteeFund.objects.filter(cluster=cluster).select_related("cluster").first()
        return {"quality": selectors.portfolio_quality(user=user, cluster=cluster, filters=self.filters),
                "policy": policy, "liquidity": liquidity(cluster=cluster, policy=policy),
                "queue": selectors.queue_figures(cluster=cluster),
                "guarantees": selectors.guarantee_figures(fund=fund) if fund else None}

    def get(self, request, *args, **kwargs):
        self.setup_filters()
        if request.GET.get("export") == "xlsx" and self.cluster:
            figures = self.figures()
            return xlsx_download(dashboard_workbook(cluster=self.cluster, filters=self.filters, **figures),
                                 "finance-dashboard")
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(cluster=self.cluster, form=self.form, filters=self.filters)
        if not self.cluster:
            return ctx
        figures = self.figures()
        quality = figures["quality"]
        ctx.update(figures, events=selectors.recent_events(user=self.request.user),
                   query=self.filters.query(), export_query=self.filters.query(export="xlsx"),
                   chart_class=json.dumps([{"name": str(r["label"]), "value": str(r["outstanding"]),
                                            "itemStyle": {"color": CLASS_COLOURS[r["value"]]}}
                                           for r in quality.total.class_rows() if r["count"]], ensure_ascii=False),
                   chart_grade=json.dumps([{"name": q.key, "value": _percent(q.par30)} for q in quality.by_grade],
                                          ensure_ascii=False),
                   chart_industry=json.dumps([{"name": q.label or q.key, "value": _percent(q.npl_ratio)}
                                              for q in quality.by_industry], ensure_ascii=False),
                   chart_pool=json.dumps(figures["liquidity"].chart()))
        return ctx


FIGURE_LABELS = {
    "outstanding": _("Active loans"), "par30": _("More than 30 days past due (PAR30)"),
    "par90": _("More than 90 days past due (PAR90)"), "npl": _("Non-performing (次级, 可疑, 损失)"),
}


def export_columns() -> list[Col]:
    return [Col(_("Contract"), "contract_no"), Col(_("Borrower"), "borrower.name"),
            Col(_("Credit code"), "borrower.credit_code"), Col(_("Industry"), "borrower.industry_code"),
            Col(_("Credit grade"), "borrower.current_grade"), Col(_("Lender"), "lender.name"),
            Col(_("Principal (yuan)"), "principal"), Col(_("Outstanding principal (yuan)"), "principal_outstanding"),
            Col(_("Annual rate"), "annual_rate"), Col(_("Disbursed on"), "disbursed_on"),
            Col(_("Maturity"), "maturity_date"), Col(_("Days past due"), "dpd"),
            Col(_("Classification (五级分类)"), lambda loan: loan.get_loan_class_display()),
            Col(_("Status"), lambda loan: loan.get_status_display())]


class FigureLoansView(DashboardMixin, TemplateView):
    """The loans behind a figure of the dashboard, under the same filters: the list's count and
    outstanding principal are the figure's."""

    template_name = "clusterfinance/dashboard/loans.html"
    form_class = FigureForm

    def loans(self):
        from django.http import Http404

        if not self.cluster:
            raise Http404
        return selectors.figure_loans(user=self.request.user, cluster=self.cluster, filters=self.filters,
                                      figure=self.form.figure_name()).select_related("borrower", "lender", "product")

    def get(self, request, *args, **kwargs):
        self.setup_filters()
        if request.GET.get("export") == "xlsx":
            loans = self.loans().order_by("-disbursed_on", "-pk")
            return export_response("xlsx", loans.iterator(chunk_size=2000), export_columns(),
                                   f"loans-{self.form.figure_name()}")
        return super().get(request, *args, **kwargs)

    def page_of(self, loans):
        """One page of the loans, ordered as the loan book, with the delinquency columns computed
        for that page's loans only (the GROUP BY over instalments never runs over the whole list)."""
        from lending.models import Loan

        page = paginate(self.request, loans.order_by("-disbursed_on", "-id"), LIST_PAGE_SIZE)
        ids = [loan.pk for loan in page.object_list]
        rows = {loan.pk: loan for loan in with_delinquency(
            Loan.objects.filter(pk__in=ids).select_related("borrower", "lender", "product"))}
        page.object_list = [rows[pk] for pk in ids]
        return page

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        loans = self.loans()
        figure = self.form.figure_name()
        if figure.startswith("class_"):
            from lending.choices import LoanClass

            label = LoanClass(figure.removeprefix("class_")).label
        else:
            label = FIGURE_LABELS[figure]
        ctx.update(cluster=self.cluster, form=self.form, filters=self.filters, figure=figure, figure_label=label,
                   totals=book_totals(loans), page=self.page_of(loans),
                   query=query_without_page(self.request),
                   export_query=self.filters.query(figure=figure, export="xlsx"),
                   back_query=self.filters.query())
        return ctx
