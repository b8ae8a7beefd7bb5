"""Pages of the rotating mutual credit fund (/finance/schemes/rotating/): the finance company's
funds (create one with its rule there); a firm's funds; one fund's page, seen by its finance
company and its members — the order shown in advance, the rounds and their results, each
member's turn and its share of any loss — where the staff admit members, fix the order and record
draws, repayments and defaults. Anyone else gets 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.models import Agent, cluster_members_q
from agents.portal import ActingMixin

from . import selectors, services
from .models import FundRound, FundStatus, OrderRule, RotatingFund
from .permissions import MANAGE_ROTATING_FUND


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


class FundListView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/rotating/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(funds=list(selectors.funds_of_finance_company(self.agent)), rules=OrderRule.choices,
                   may_manage=MANAGE_ROTATING_FUND in self.caps, posted=kwargs.get("posted", {}))
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            fund = services.fund_create(user=request.user, finance_company=self.agent, name=p.get("name", ""),
                                        rule=p.get("rule", ""), fee=p.get("fee", ""),
                                        advance_amount=p.get("advance_amount", ""), term_days=p.get("term_days", ""),
                                        rate=p.get("rate", ""), seed=p.get("seed", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(posted=p), status=400)
        messages.success(request, _("The fund is open; admit its members."))
        return redirect("clusterfinance:rotating-detail", pk=fund.pk)


class MyFundsView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.ENTERPRISE,)
    template_name = "clusterfinance/schemes/rotating/mine.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["funds"] = list(selectors.funds_of_firm(self.agent))
        return ctx


class FundDetailView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.ENTERPRISE)
    template_name = "clusterfinance/schemes/rotating/detail.html"

    def get_fund(self) -> RotatingFund:
        fund = get_object_or_404(RotatingFund.objects.select_related("finance_company"), pk=self.kwargs["pk"])
        if not selectors.fund_may_see(fund, self.agent):
            raise Http404
        return fund

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fund = self.get_fund()
        page = selectors.fund_page(fund)
        staff = self.agent.pk == fund.finance_company_id and MANAGE_ROTATING_FUND in self.caps
        mine = next((r for r in page["members"] if r["member"].firm_id == self.agent.pk), None)
        ctx.update(fund=fund, page=page, staff=staff, mine=mine, FundStatus=FundStatus, OrderRule=OrderRule,
                   today=timezone.localdate().isoformat())
        if staff and fund.status == FundStatus.OPEN:
            taken = [r["member"].firm_id for r in page["members"]]
            ctx["candidates"] = list(Agent.objects.filter(cluster_members_q(
                finance_company=fund.finance_company_id, kind=AgentKind.ENTERPRISE)).exclude(pk__in=taken)
                .order_by("name").only("pk", "name"))
        return ctx

    def post(self, request, *args, **kwargs):
        fund = self.get_fund()
        if self.agent.pk != fund.finance_company_id:
            raise Http404
        p, action = request.POST, request.POST.get("action", "")
        try:
            if action == "admit":
                raw = str(p.get("firm", "")).strip()
                firm = Agent.objects.filter(pk=raw).first() if raw.isdigit() else None
                if firm is None:
                    raise ValidationError(_("Choose a member firm to admit."))
                services.member_admit(user=request.user, fund=fund, firm=firm, on=p.get("on", ""),
                                      bid_rate=p.get("bid_rate", ""))
                messages.success(request, _("The firm is admitted and its fee paid into the fund."))
            elif action == "order":
                services.order_fix(user=request.user, fund=fund)
                messages.success(request, _("The order is fixed and shown to the members."))
            elif action == "draw":
                services.round_draw(user=request.user, fund=fund, on=p.get("on", ""))
                messages.success(request, _("The advance is paid to the member whose turn it is."))
            elif action in ("repay", "default"):
                raw = str(p.get("round", "")).strip()
                rnd = FundRound.objects.filter(fund=fund, pk=raw).first() if raw.isdigit() else None
                if rnd is None:
                    raise Http404
                if action == "repay":
                    services.round_repay(user=request.user, fund=fund, rnd=rnd, on=p.get("on", ""))
                    messages.success(request, _("The repayment is recorded."))
                else:
                    services.round_default(user=request.user, fund=fund, rnd=rnd, on=p.get("on", ""))
                    messages.success(request, _("The default is recorded: the member's fee covers the loss first, "
                                                "the rest is shared among the others."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        return redirect("clusterfinance:rotating-detail", pk=fund.pk)
