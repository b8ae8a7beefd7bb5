"""Pages of the rotating mutual credit fund (/finance/schemes/rotating/): the finance company's
funds (create one with its rules there); a firm's funds and the open funds it may join; the page
where a firm asks to join one (with its bid under the bid rule); one fund's page, seen by its
finance company and its members — the order shown in advance, the rounds and their results, each
member's turn and its share of any loss, the closing statement — where the staff admit members
(or decline their requests), fix the order, record draws, repayments and defaults and close the
fund, and a member firm changes its bid and repays its own advance. Anyone else gets 404."""

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

from . import selectors, services, services_close, services_firm
from .models import FundRound, FundStatus, InterestRule, JoinRequest, JoinStatus, OrderRule, RotatingFund
from .permissions import ACT_FOR_ROTATING_FUND, MANAGE_ROTATING_FUND


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
                   interest_rules=InterestRule.choices,
                   may_manage=MANAGE_ROTATING_FUND in self.caps, posted=kwargs.get("posted", {}))
        return ctx

    def post(self, request, *args, **kwargs):
        p = request.POST
        try:
            fund = services.fund_create(user=request.user, finance_company=self.agent, name=p.get("name", ""),
                                        rule=p.get("rule", ""), fee=p.get("fee", ""),
                                        advance_amount=p.get("advance_amount", ""), term_days=p.get("term_days", ""),
                                        rate=p.get("rate", ""), seed=p.get("seed", ""),
                                        interest_rule=p.get("interest_rule", InterestRule.FEE))
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
        ctx.update(funds=list(selectors.funds_of_firm(self.agent)),
                   open_funds=list(selectors.funds_open_to_firm(self.agent)),
                   may_act=ACT_FOR_ROTATING_FUND in self.caps)
        return ctx


class FundJoinView(ActingMixin, TemplateView):
    """An open fund's terms for a firm of its cluster that is not in it, and the firm's request
    to join (its bid under the bid rule). Anyone else, or a fund no longer open, gets 404."""

    acting_kinds = (AgentKind.ENTERPRISE,)
    template_name = "clusterfinance/schemes/rotating/join.html"

    def get_fund(self) -> RotatingFund:
        fund = selectors.funds_open_to_firm(self.agent).filter(pk=self.kwargs["pk"]).first()
        if fund is None:
            raise Http404
        return fund

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fund = self.get_fund()
        mine = fund.my_request[0] if fund.my_request else None
        ctx.update(fund=fund, request_row=mine, OrderRule=OrderRule, JoinStatus=JoinStatus,
                   may_act=ACT_FOR_ROTATING_FUND in self.caps,
                   pending=mine is not None and mine.status == JoinStatus.PENDING,
                   bid_value=kwargs.get("posted", {}).get("bid_rate")
                   or (mine.bid_rate if mine is not None and mine.bid_rate is not None else ""))
        return ctx

    def post(self, request, *args, **kwargs):
        fund = self.get_fund()
        try:
            services_firm.join_ask(user=request.user, fund=fund, firm=self.agent,
                                   bid_rate=request.POST.get("bid_rate", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(posted=request.POST), status=400)
        messages.success(request, _("Your request to join is sent; the fee is paid when the finance company admits "
                                    "your firm."))
        return redirect("clusterfinance:rotating-join", pk=fund.pk)


class FundDetailView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.ENTERPRISE)
    template_name = "clusterfinance/schemes/rotating/detail.html"

    def get_fund(self) -> RotatingFund:
        fund = get_object_or_404(RotatingFund.objects.select_related("finance_company", "close_prepared_by"),
                                 pk=self.kwargs["pk"])
        if not selectors.fund_may_see(fund, self.agent):
            raise Http404
        return fund

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fund = self.get_fund()
        page = selectors.fund_page(fund)
        staff = self.agent.pk == fund.finance_company_id and MANAGE_ROTATING_FUND in self.caps
        mine = next((r for r in page["members"] if r["member"].firm_id == self.agent.pk), None)
        firm_acts = self.agent.kind == AgentKind.ENTERPRISE and ACT_FOR_ROTATING_FUND in self.caps
        ctx.update(fund=fund, page=page, staff=staff, mine=mine, FundStatus=FundStatus, OrderRule=OrderRule,
                   today=timezone.localdate().isoformat(), firm_acts=firm_acts and mine is not None,
                   my_open_round=page["current"] if mine and page["current"]
                   and page["current"].member_id == mine["member"].pk else None)
        if staff and fund.status != FundStatus.CLOSED and page["current"] is None:
            # what the close would pay, shown to whoever prepares or approves it
            ctx["preview"], ctx["preview_interest"] = services_close.closing_statement(
                fund, [r["member"] for r in page["members"]], page["rounds"],
                {r["member"].pk: r["lost"] for r in page["members"]})
        if ctx["my_open_round"] is not None:
            ctx["my_due"] = ctx["my_open_round"].amount + ctx["my_open_round"].interest
        if staff and fund.status == FundStatus.OPEN:
            taken = [r["member"].firm_id for r in page["members"]]
            ctx["candidates"] = list(Agent.objects.filter(cluster_members_q(
                finance_company=fund.finance_company_id, kind=AgentKind.ENTERPRISE)).exclude(pk__in=taken)
                .order_by("name").only("pk", "name"))
        return ctx

    def post(self, request, *args, **kwargs):
        fund = self.get_fund()
        if self.agent.kind == AgentKind.ENTERPRISE:
            return self.firm_post(request, fund)
        if self.agent.pk != fund.finance_company_id:
            raise Http404
        p, action = request.POST, request.POST.get("action", "")
        try:
            if action in ("admit_request", "decline_request"):
                raw = str(p.get("request", "")).strip()
                join = JoinRequest.objects.select_related("firm").filter(fund=fund, pk=raw).first() \
                    if raw.isdigit() else None
                if join is None:
                    raise Http404
                if action == "admit_request":
                    if join.status != JoinStatus.PENDING:
                        raise ValidationError(_("This request is not waiting for an answer."))
                    services.member_admit(user=request.user, fund=fund, firm=join.firm, on=p.get("on", ""),
                                          bid_rate=join.bid_rate)
                    messages.success(request, _("The firm is admitted and its fee paid into the fund."))
                else:
                    services_firm.join_decline(user=request.user, fund=fund, request=join, reason=p.get("reason", ""))
                    messages.success(request, _("The request is declined."))
            elif action == "close_prepare":
                services_close.fund_close_prepare(user=request.user, fund=fund)
                messages.success(request, _("The close is prepared; another person of the staff approves it."))
            elif action == "close_withdraw":
                services_close.fund_close_withdraw(user=request.user, fund=fund)
                messages.success(request, _("The prepared close is withdrawn."))
            elif action == "close":
                services_close.fund_close(user=request.user, fund=fund, on=p.get("on", ""))
                messages.success(request, _("The fund is closed: the interest is paid out and the fees returned."))
            elif action == "admit":
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

    def firm_post(self, request, fund):
        """A member firm's own actions: change its bid, repay its advance."""
        p, action = request.POST, request.POST.get("action", "")
        try:
            if action == "bid":
                services_firm.bid_change(user=request.user, fund=fund, firm=self.agent, bid_rate=p.get("bid_rate", ""))
                messages.success(request, _("Your bid of interest is changed."))
            elif action == "repay":
                raw = str(p.get("round", "")).strip()
                rnd = FundRound.objects.filter(fund=fund, pk=raw).first() if raw.isdigit() else None
                if rnd is None:
                    raise Http404
                services_firm.member_repay(user=request.user, fund=fund, firm=self.agent, rnd=rnd,
                                           amount=p.get("amount", ""))
                messages.success(request, _("Your advance is repaid; the next member in line may draw."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        return redirect("clusterfinance:rotating-detail", pk=fund.pk)
