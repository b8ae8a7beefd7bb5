"""The government's oversight dashboard (/gov/): lending in its region by lender kind, industry
and grade, delinquency, the average rate against the LPR, private investment, the guarantee
funds, information coverage and twelve months of trends; each figure drills down to its loans;
Excel and PDF exports; the LPR it maintains."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.portal import PortalMixin
from lending.selectors import book_totals, with_delinquency

from .. import selectors_oversight as oversight
from ..capabilities_oversight import OVERSEE
from ..exports_oversight import dashboard_pdf, dashboard_workbook
from ..forms_oversight import LprForm
from ..models import GovernmentProfile
from ..services_compliance import lpr_record

DRILL_PAGE_SIZE = 50


class GovernmentMixin(PortalMixin):
    portal_kind = AgentKind.GOVERNMENT

    def profile(self):
        return GovernmentProfile.objects.filter(agent=self.agent).first()


def _chart(rows, value="outstanding") -> str:
    return json.dumps([{"name": str(r.label), "value": str(getattr(r, value))} for r in rows if getattr(r, value)])


class OversightDashboardView(GovernmentMixin, TemplateView):
    template_name = "government/oversight/dashboard.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        d = oversight.dashboard(self.agent)
        ctx.update(
            d=d, profile=self.profile(),
            sme_institution_share=d.sme.count_share, sme_institution_ok=d.sme.count_ok,
            chart_lender=_chart(d.by_lender), chart_industry=_chart(d.by_industry), chart_grade=_chart(d.by_grade),
            chart_trend=json.dumps([{"name": m["label"], "value": str(m["disbursed"])} for m in d.trend]),
            chart_repaid=json.dumps([{"name": m["label"], "value": str(m["repaid"])} for m in d.trend]),
        )
        return ctx


class DrillDownLoansView(GovernmentMixin, TemplateView):
    """The loans behind a figure of the dashboard (filters in the query string)."""

    template_name = "government/oversight/loans.html"

    def get_context_data(self, **kwargs):
        from lending.views.base import paginate, query_without_page

        ctx = super().get_context_data(**kwargs)
        loans, applied = oversight.drill_down_loans(user=self.request.user, government=self.agent,
                                                    params=self.request.GET)
        ctx.update(totals=book_totals(loans), applied=[(k, self.request.GET.get(k)) for k in applied],
                   page=paginate(self.request, with_delinquency(loans), DRILL_PAGE_SIZE),
                   query=query_without_page(self.request))
        return ctx


class GuaranteeOversightView(GovernmentMixin, TemplateView):
    """The region's guarantee funds (capacity, headroom) and the circles at risk."""

    template_name = "government/oversight/guarantees.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(funds=oversight.guarantee_funds(self.agent),
                   circles=oversight.circles_at_risk(user=self.request.user, government=self.agent)
                   .select_related("owner")[:200])
        return ctx


class _ExportView(GovernmentMixin, TemplateView):
    def payload(self):
        profile = self.profile()
        return (oversight.dashboard(self.agent), self.agent.region or self.agent.region_code,
                profile.authority if profile else self.agent.name)


class DashboardExcelView(_ExportView):
    def get(self, request, *args, **kwargs):
        d, region, _authority = self.payload()
        response = HttpResponse(dashboard_workbook(d, region=region),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="oversight-{d.as_of:%Y%m%d}.xlsx"'
        return response


class DashboardPdfView(_ExportView):
    def get(self, request, *args, **kwargs):
        d, region, authority = self.payload()
        response = HttpResponse(dashboard_pdf(d, region=region, authority=authority), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="oversight-{d.as_of:%Y%m%d}.pdf"'
        return response


class LprView(GovernmentMixin, TemplateView):
    """The LPR the government maintains: the value in force, the history, a form for a new value."""

    template_name = "government/oversight/lpr.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(form=kwargs.get("form") or LprForm(initial={"effective_on": timezone.localdate()}),
                   in_force=oversight.lpr_in_force(self.agent),
                   in_force_5y=oversight.lpr_in_force(self.agent, tenor="5y"),
                   history=oversight.lpr_history(user=self.request.user, government=self.agent)[:200],
                   may_edit=OVERSEE in self.caps)
        return ctx

    def post(self, request, *args, **kwargs):
        form = LprForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                lpr_record(government=self.agent, user=request.user, value=form.rate, effective_on=d["effective_on"],
                           tenor=d["tenor"], note=d["note"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The new LPR value is recorded."))
                return redirect("government:lpr")
        return self.render_to_response(self.get_context_data(form=form))
