"""Pages of the collective bonds (/finance/schemes/bonds/): the lead finance company's issues
(create one there) and one issue's page (add firms, open, allocate, settle, mark a default, pay);
the open issues for institutions and private investors, who subscribe there. Anyone else 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.models import Agent, cluster_members_q
from agents.portal import ActingMixin

from . import selectors, services
from .models import BondIssue, BondRisk


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class IssueListView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/bonds/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(issues=list(selectors.issues_of_lead(self.agent)), risks=BondRisk.choices,
                   guarantors=list(Agent.objects.filter(kind=AgentKind.INSTITUTION).order_by("name")[:200]))
        return ctx

    def post(self, request, *args, **kwargs):
        d = request.POST
        guarantor = Agent.objects.filter(kind=AgentKind.INSTITUTION, pk=_int(d.get("guarantor"))).first()
        try:
            issue = services.issue_create(user=request.user, lead=self.agent, name=d.get("name", ""),
                                          size=d.get("size", ""), coupon_rate=d.get("coupon_rate", ""),
                                          term_months=d.get("term_months", ""),
                                          payments_per_year=d.get("payments_per_year", "1"),
                                          risk_level=d.get("risk_level", ""), issue_date=None, guarantor=guarantor,
                                          share_cap=d.get("share_cap") or None)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("The issue is created; add its member firms."))
        return redirect("clusterfinance:bond-detail", pk=issue.pk)


class IssueDetailView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/bonds/detail.html"

    def get_issue(self) -> BondIssue:
        issue = get_object_or_404(BondIssue.objects.select_related("lead", "guarantor"), pk=self.kwargs["pk"])
        if issue.lead_id != self.agent.pk:
            raise Http404
        return issue

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        issue = self.get_issue()
        ctx.update(issue=issue, **selectors.issue_page(issue),
                   firms=list(Agent.objects.filter(cluster_members_q(finance_company=self.agent),
                                                   kind=AgentKind.ENTERPRISE).order_by("name")[:500]))
        return ctx

    def post(self, request, *args, **kwargs):
        issue = self.get_issue()
        d, action, user = request.POST, request.POST.get("action"), request.user
        try:
            if action == "share":
                firm = Agent.objects.filter(pk=_int(d.get("firm")), kind=AgentKind.ENTERPRISE).first()
                if firm is None:
                    raise ValidationError(_("Choose a member firm."))
                services.share_add(user=user, issue=issue, firm=firm, amount=d.get("amount", ""))
            elif action == "open":
                services.issue_open(user=user, issue=issue)
            elif action == "allocate":
                services.issue_allocate(user=user, issue=issue)
            elif action == "settle":
                services.issue_settle(user=user, issue=issue)
            elif action == "default":
                firm = Agent.objects.filter(pk=_int(d.get("firm"))).first()
                if firm is None or _int(d.get("number")) is None:
                    raise ValidationError(_("Choose a firm and a payment."))
                services.default_mark(user=user, issue=issue, number=_int(d.get("number")), firm=firm)
            elif action == "pay":
                if _int(d.get("number")) is None:
                    raise ValidationError(_("Choose a payment."))
                services.payment_pay(user=user, issue=issue, number=_int(d.get("number")))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("Done."))
        return redirect("clusterfinance:bond-detail", pk=issue.pk)


class MarketView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.INSTITUTION, AgentKind.INVESTOR)
    template_name = "clusterfinance/schemes/bonds/market.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(issues=selectors.open_issues(self.agent))
        return ctx

    def post(self, request, *args, **kwargs):
        issue = BondIssue.objects.filter(pk=_int(request.POST.get("issue"))).first()
        try:
            if issue is None:
                raise ValidationError(_("Choose an open issue."))
            services.subscribe(user=request.user, issue=issue, subscriber=self.agent,
                               amount=request.POST.get("amount", ""))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(), status=400)
        messages.success(request, _("Your subscription is recorded."))
        return redirect("clusterfinance:bonds-market")
