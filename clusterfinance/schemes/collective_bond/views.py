"""Pages of the collective bonds (/finance/schemes/bonds/): the lead finance company's issues
(create one there) and one issue's page (add firms, open, allocate, prepare and approve the
settlement and each payment — maker-checker —, mark a default); one default's page, where the
lead records what the firm paid back to the guarantor; the open issues for institutions and
private investors, who subscribe there. Anyone else 404."""

from __future__ import annotations

from datetime import date

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
from .models import BondIssue, BondRisk
from .permissions import APPROVE_BOND, LEAD_BOND


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


def _issue_of(agent, pk) -> BondIssue:
    """The lead's own issue, or 404 (another finance company's issue leaks nothing)."""
    issue = get_object_or_404(BondIssue.objects.select_related("lead", "guarantor", "settle_prepared_by",
                                                               "settle_approved_by"), pk=pk)
    if issue.lead_id != agent.pk:
        raise Http404
    return issue


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
        return _issue_of(self.agent, self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        issue = self.get_issue()
        page = selectors.issue_page(issue)
        # the one payment that may be prepared or approved next (earlier ones first)
        next_payment = next((p for p in page["payments"] if p.paid_on is None), None)
        ctx.update(issue=issue, **page, next_payment=next_payment, may_approve=APPROVE_BOND in self.caps,
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
            elif action == "prepare_settle":
                services.issue_settle_prepare(user=user, issue=issue)
            elif action == "settle":
                services.issue_settle(user=user, issue=issue)
            elif action == "withdraw":
                number = _int(d.get("number")) if d.get("number") else None
                services.preparation_withdraw(user=user, issue=issue, number=number)
            elif action == "default":
                firm = Agent.objects.filter(pk=_int(d.get("firm"))).first()
                if firm is None or _int(d.get("number")) is None:
                    raise ValidationError(_("Choose a firm and a payment."))
                services.default_mark(user=user, issue=issue, number=_int(d.get("number")), firm=firm)
            elif action in ("prepare_pay", "pay"):
                if _int(d.get("number")) is None:
                    raise ValidationError(_("Choose a payment."))
                service = services.payment_prepare if action == "prepare_pay" else services.payment_pay
                service(user=user, issue=issue, number=_int(d.get("number")))
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


class RecoveryView(ActingMixin, TemplateView):
    """One default covered by the guarantor: the claim (covered, recovered, outstanding), the
    recoveries recorded so far, and the form where the lead records an amount the firm paid
    back (``services.claim_recover``: the lead's people, for the guarantor)."""

    acting_kinds = (AgentKind.FINANCE_COMPANY,)
    template_name = "clusterfinance/schemes/bonds/recover.html"

    def get_default(self):
        issue = _issue_of(self.agent, self.kwargs["pk"])
        default = selectors.default_of_issue(issue, self.kwargs["default_pk"])
        if default is None:
            raise Http404
        return issue, default

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        issue, default = self.get_default()
        ctx.update(issue=issue, default=default, recoveries=selectors.recoveries_of(default),
                   may_record=LEAD_BOND in self.caps, today=timezone.localdate())
        ctx.setdefault("form", {})
        return ctx

    def post(self, request, *args, **kwargs):
        issue, default = self.get_default()
        d = request.POST
        try:
            on = None
            if d.get("received_on"):
                try:
                    on = date.fromisoformat(d["received_on"].strip())
                except ValueError:
                    raise ValidationError(_("The date of the recovery is a date such as 2026-03-31.")) from None
            services.claim_recover(user=request.user, default=default, amount=d.get("amount", ""), on=on,
                                   seen_recovered=d.get("seen_recovered") or None)
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(form={"amount": d.get("amount", ""),
                                                                       "received_on": d.get("received_on", "")}),
                                           status=400)
        messages.success(request, _("The recovery is recorded."))
        return redirect("clusterfinance:bond-recover", pk=issue.pk, default_pk=default.pk)
