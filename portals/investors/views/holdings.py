"""The portfolio, one holding (another investor's id is 404), cancellation in the cooling-off
period and the Excel statement."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin

from ..portfolio import portfolio_of, portfolio_workbook
from ..selectors import holding_of
from ..services import cooling_off_settle, holding_cancel


class PortfolioView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/portfolio.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cooling_off_settle(investor=self.agent)  # ended cooling-off periods read as plain holdings
        portfolio = portfolio_of(self.agent)
        by_firm = portfolio.by_firm
        chart = [{"name": i["agent"].name, "value": str(i["amount"])} for i in by_firm]
        ctx.update(portfolio=portfolio, by_firm=by_firm, chart=json.dumps(chart, ensure_ascii=False))
        return ctx


class PortfolioExportView(PortalMixin, View):
    portal_kind = AgentKind.INVESTOR

    def get(self, request, *args, **kwargs):
        portfolio = portfolio_of(self.agent)
        response = HttpResponse(portfolio_workbook(self.agent, portfolio),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = (f'attachment; filename="statement-{self.agent.pk}-'
                                           f'{timezone.localdate():%Y%m%d}.xlsx"')
        return response


class HoldingDetailView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/holding.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cooling_off_settle(investor=self.agent)
        holding = holding_of(self.agent, kwargs["pk"])
        row = next((r for r in portfolio_of(self.agent).rows if r.holding.pk == holding.pk), None)
        instalments = list(holding.loan.instalments.exclude(status="superseded").order_by("due_date")) \
            if holding.loan_id else []
        movements = list(holding.fund_source.movements.order_by("on", "pk")) if holding.fund_source_id else []
        ctx.update(holding=holding, row=row, instalments=instalments, movements=movements)
        return ctx


class HoldingCancelView(PortalMixin, View):
    portal_kind = AgentKind.INVESTOR

    def post(self, request, *args, **kwargs):
        holding = holding_of(self.agent, kwargs["pk"])
        try:
            holding_cancel(user=request.user, holding=holding, idempotency_key=f"cancel-{holding.pk}")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Cancelled: %(amount)s yuan are back in your account.")
                             % {"amount": f"{holding.amount:,}"})
        return redirect("investors:holding", pk=holding.pk)
