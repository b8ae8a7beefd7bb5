"""Pages of the mutual guarantee fund (/finance/guarantees/): the fund, issuing a guarantee,
claims with their maker-checker approval and payout, contributions, and the guarantee network
with its circles, chains and stress test."""

from __future__ import annotations

import json
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.forms import apply_errors
from agents.money import format_yuan
from lending.forms import percent_text
from lending.ledger.services import IdempotencyConflict

from ..pool.views import PoolMixin
from . import selectors, services
from .forms import (
    CapacityForm,
    ClaimActionForm,
    ContributionForm,
    FirmGuaranteeForm,
    IssueForm,
    RulesForm,
    StressForm,
)
from .permissions import APPROVE_GUARANTEE_PAYOUT, MANAGE_GUARANTEES, SET_GUARANTEE_POLICY


class FundMixin(PoolMixin):
    """The finance company's staff, for the fund of the cluster it runs (404 otherwise)."""

    @property
    def fund(self):
        if not hasattr(self, "_fund"):
            self._fund = services.fund_for(self.cluster)
        return self._fund

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["fund"] = self.fund
        return ctx

    def require_manage(self):
        if MANAGE_GUARANTEES not in self.caps:
            raise Http404


def _today() -> str:
    return timezone.localdate().isoformat()


class FundView(FundMixin, TemplateView):
    template_name = "clusterfinance/guarantees/fund.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(view=selectors.fund_view(self.fund),
                   guarantees=selectors.fund_guarantees(user=self.request.user, fund=self.fund)[:200])
        return ctx


class IssueView(FundMixin, TemplateView):
    template_name = "clusterfinance/guarantees/issue.html"

    def form(self, data=None):
        return IssueForm(data, loans=selectors.guaranteeable_loans(cluster=self.cluster),
                         initial={"issued_on": _today(),
                                  "coverage": percent_text(min(self.fund.coverage_cap, Decimal("0.8")))})

    def get_context_data(self, **kwargs):
        self.require_manage()
        ctx = super().get_context_data(**kwargs)
        ctx.update(form=kwargs.get("form") or self.form(), view=selectors.fund_view(self.fund))
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = self.form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                g = services.fund_guarantee_issue(user=request.user, fund=self.fund, loan=d["loan"],
                                                  coverage=d["coverage"], issued_on=d["issued_on"],
                                                  idempotency_key=f"web-guarantee:{d['idempotency_key']}")
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This form was already used; nothing was posted. Submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Guarantee issued: %(amount)s, fee %(fee)s.") % {
                    "amount": format_yuan(g.amount), "fee": format_yuan(g.fee)})
                return redirect("clusterfinance:guarantees")
        return self.render_to_response(self.get_context_data(form=form))


class ClaimsView(FundMixin, TemplateView):
    template_name = "clusterfinance/guarantees/claims.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(claims=selectors.fund_claims(user=self.request.user, fund=self.fund)[:200],
                   today=_today(), error_form=kwargs.get("form"), new_key=ClaimActionForm().initial["idempotency_key"],
                   may_approve=APPROVE_GUARANTEE_PAYOUT in self.caps)
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = ClaimActionForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            claim = selectors.claim_for(user=request.user, fund=self.fund, pk=d["claim"])
            key = f"web-claim:{claim.pk}:{d['idempotency_key']}"
            try:
                if d["action"] == "prepare":
                    services.guarantee_claim_prepare(user=request.user, claim=claim)
                elif d["action"] == "approve":
                    services.guarantee_claim_approve(user=request.user, claim=claim)
                elif d["action"] == "pay":
                    services.guarantee_claim_pay(user=request.user, claim=claim, on=d["on"] or _today(),
                                                 idempotency_key=key)
                else:
                    services.guarantee_recovery_record(user=request.user, claim=claim, amount=d["amount"],
                                                       on=d["on"] or _today(), idempotency_key=key)
            except IdempotencyConflict:
                form.add_error(None, _("This form was already used; nothing was posted. Submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Claim updated."))
                return redirect("clusterfinance:guarantees-claims")
        return self.render_to_response(self.get_context_data(form=form))


class ContributionsView(FundMixin, TemplateView):
    template_name = "clusterfinance/guarantees/contributions.html"

    def form(self, data=None):
        return ContributionForm(data, contributors=selectors.contributors(cluster=self.cluster),
                                initial={"on": _today()})

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(contributions=selectors.fund_contributions(user=self.request.user, fund=self.fund)[:200],
                   form=kwargs.get("form") or self.form(), capital=selectors.fund_capital(self.fund))
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = self.form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.guarantee_contribution_record(
                    user=request.user, fund=self.fund, contributor=d["contributor"], amount=d["amount"], on=d["on"],
                    idempotency_key=f"web-contribution:{d['idempotency_key']}")
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This form was already used; nothing was posted. Submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Contribution recorded."))
                return redirect("clusterfinance:guarantees-contributions")
        return self.render_to_response(self.get_context_data(form=form))


class NetworkView(FundMixin, TemplateView):
    template_name = "clusterfinance/guarantees/network.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        view = selectors.network_view(fund=self.fund)
        firms = selectors.network_firms(cluster=self.cluster)
        stress_form = StressForm(self.request.GET or None, firms=firms)
        stress = None
        if stress_form.is_bound and stress_form.is_valid():
            stress = view.stress([stress_form.cleaned_data["firm"].pk])
        ctx.update(network=view, circles=view.circle_rows(), chains=view.chain_rows(), stress=stress,
                   stress_form=stress_form, chart=json.dumps(view.chart()),
                   form=kwargs.get("form") or FirmGuaranteeForm(firms=selectors.members(cluster=self.cluster)),
                   firm_guarantees=selectors.firm_guarantees(user=self.request.user, cluster=self.cluster)
                   .filter(active=True)[:200])
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = FirmGuaranteeForm(request.POST, firms=selectors.members(cluster=self.cluster))
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.firm_guarantee_record(user=request.user, cluster=self.cluster, guarantor=d["guarantor"],
                                               borrower=d["borrower"], amount=d["amount"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Firm-to-firm guarantee recorded."))
                return redirect("clusterfinance:guarantees-network")
        return self.render_to_response(self.get_context_data(form=form))


class RulesView(FundMixin, TemplateView):
    """The fund's rules: shown to the finance company's staff, changed by a manager (the same
    rule as the pool's policy: one manager decides, no second approval)."""

    template_name = "clusterfinance/guarantees/rules.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        may_set = SET_GUARANTEE_POLICY in self.caps
        ctx.update(view=selectors.fund_view(self.fund), may_set=may_set, fee_goal=selectors.POLICY_FEE_GOAL,
                   form=(kwargs.get("form") or RulesForm(fund=self.fund)) if may_set else None)
        return ctx

    def post(self, request, *args, **kwargs):
        if SET_GUARANTEE_POLICY not in self.caps:
            raise Http404
        form = RulesForm(request.POST)
        if form.is_valid():
            try:
                services.guarantee_fund_update(user=request.user, fund=self.fund, **form.as_service())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The guarantee fund's rules are saved."))
                return redirect("clusterfinance:guarantees-rules")
        return self.render_to_response(self.get_context_data(form=form))


class CapacitiesView(FundMixin, TemplateView):
    """Each member firm's capacity for the contagion test: the equity of its latest statement,
    or the figure the finance company sets instead (with its reason)."""

    template_name = "clusterfinance/guarantees/capacities.html"

    def form(self, data=None, **kwargs):
        return CapacityForm(data, firms=selectors.members(cluster=self.cluster), **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(rows=selectors.capacity_rows(fund=self.fund),
                   form=(kwargs.get("form") or self.form()) if MANAGE_GUARANTEES in self.caps else None)
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = self.form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = services.firm_capacity_set(user=request.user, fund=self.fund, firm=d["firm"],
                                                 capacity=d["capacity"].strip(), reason=d["reason"].strip())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Capacity of %(firm)s set to %(amount)s.") % {
                    "firm": d["firm"].name, "amount": format_yuan(row.capacity)} if row is not None else
                    _("%(firm)s is back to the equity of its statements.") % {"firm": d["firm"].name})
                return redirect("clusterfinance:guarantees-capacities")
        return self.render_to_response(self.get_context_data(form=form))
