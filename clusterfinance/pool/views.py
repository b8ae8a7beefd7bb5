"""Pages of the fund pool (/finance/pool/): the liquidity view, the sources with their
movements, opening a source, recording money in / out / interest, the pool policy."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.money import format_yuan
from agents.portal import PortalMixin
from agents.selectors import cluster_of_finance_company
from lending.forms import percent_text
from lending.ledger.services import IdempotencyConflict

from . import selectors, services
from .forms import MovementForm, PolicyForm, SourceOpenForm
from .permissions import MANAGE_POOL, SET_POOL_POLICY


class PoolMixin(PortalMixin):
    """The finance company's staff, for the cluster it runs (404 when it runs none)."""

    portal_kind = AgentKind.FINANCE_COMPANY

    @property
    def cluster(self):
        if not hasattr(self, "_cluster"):
            self._cluster = cluster_of_finance_company(self.agent)
            if self._cluster is None:
                raise Http404
        return self._cluster

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["cluster"] = self.cluster
        return ctx


class LiquidityView(PoolMixin, TemplateView):
    template_name = "clusterfinance/pool/liquidity.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        policy = services.pool_policy_for(self.cluster)
        view = selectors.liquidity(cluster=self.cluster, policy=policy)
        ctx.update(policy=policy, liquidity=view, chart=json.dumps(view.chart()))
        return ctx


class SourceListView(PoolMixin, TemplateView):
    template_name = "clusterfinance/pool/sources.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(sources=selectors.sources_for(user=self.request.user, cluster=self.cluster),
                   form=kwargs.get("form") or self.open_form())
        return ctx

    def open_form(self, data=None):
        return SourceOpenForm(data, participants=selectors.counterparties(cluster=self.cluster))

    def post(self, request, *args, **kwargs):
        if MANAGE_POOL not in self.caps:
            raise Http404
        form = self.open_form(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                source = services.fund_source_open(
                    user=request.user, cluster=self.cluster, kind=d["kind"], counterparty=d["counterparty"],
                    annual_rate=d["annual_rate"], opened_on=d["opened_on"] or None,
                    maturity_date=d["maturity_date"] or None, notice_days=d["notice_days"] or 0,
                    limit=d["limit"] or None, fund_purpose=d["fund_purpose"], reference=d["reference"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Source opened: %(source)s.") % {"source": source})
                return redirect("clusterfinance:pool-source", pk=source.pk)
        return self.render_to_response(self.get_context_data(form=form))


class SourceDetailView(PoolMixin, TemplateView):
    template_name = "clusterfinance/pool/source_detail.html"

    def get_source(self):
        return selectors.source_for(user=self.request.user, cluster=self.cluster, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        source = self.get_source()
        form = kwargs.get("form") or (MovementForm(initial={"on": timezone.localdate().isoformat()})
                                      if MANAGE_POOL in self.caps else None)
        ctx.update(source=source, movements=selectors.source_movements(source=source), form=form)
        return ctx

    def post(self, request, *args, **kwargs):
        if MANAGE_POOL not in self.caps:
            raise Http404
        source = self.get_source()
        form = MovementForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            key = f"web-pool:{source.pk}:{d['idempotency_key']}"
            common = {"user": request.user, "source": source, "amount": d["amount"], "on": d["on"],
                      "idempotency_key": key, "memo": d["memo"]}
            try:
                if d["action"] == "in":
                    movement = services.fund_money_in(**common)
                elif d["action"] == "out":
                    movement = services.fund_money_out(**common, requested_on=d["requested_on"] or None)
                else:
                    movement = services.fund_interest_pay(**common)
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This form was already used; nothing was posted. Submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("%(kind)s recorded: %(amount)s on %(date)s.") % {
                    "kind": movement.get_kind_display(), "amount": format_yuan(movement.amount),
                    "date": movement.on.isoformat()})
                return redirect("clusterfinance:pool-source", pk=source.pk)
        return self.render_to_response(self.get_context_data(form=form))


class PolicyView(PoolMixin, TemplateView):
    template_name = "clusterfinance/pool/policy.html"

    def get_context_data(self, **kwargs):
        if SET_POOL_POLICY not in self.caps:
            raise Http404
        ctx = super().get_context_data(**kwargs)
        policy = services.pool_policy_for(self.cluster)
        ctx.update(policy=policy, form=kwargs.get("form") or PolicyForm(initial={
            "reserve_floor": percent_text(policy.reserve_floor),
            "concentration_warning": percent_text(policy.concentration_warning)}))
        return ctx

    def post(self, request, *args, **kwargs):
        if SET_POOL_POLICY not in self.caps:
            raise Http404
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                services.pool_policy_update(user=request.user, cluster=self.cluster, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The pool's policy is saved."))
                return redirect("clusterfinance:pool")
        return self.render_to_response(self.get_context_data(form=form))
