"""Pages of the rewards and penalties (/finance/sanctions/): the rewards and penalties applied
(with filters), the rules with their parameters and the change waiting for approval, and one
rule with its history. The finance company's staff only (404 for anyone else)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.forms import apply_errors

from ..pool.views import PoolMixin
from . import selectors, services
from .forms import FilterForm, RuleForm
from .models import Effect, RuleKind
from .permissions import APPROVE_SANCTION_RULE, MANAGE_SANCTION_RULES
from .rules import PARAMS, rule_params_text


class SanctionsMixin(PoolMixin):
    """The finance company's staff, for the cluster it runs."""

    def require_manage(self):
        if MANAGE_SANCTION_RULES not in self.caps:
            raise Http404


class AppliedListView(SanctionsMixin, TemplateView):
    template_name = "clusterfinance/sanctions/applied.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        fc = self.cluster.finance_company
        rules = list(selectors.rules_for(user=self.request.user, fc=fc))
        form = FilterForm(self.request.GET or None, rules=rules)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.applications_for(user=self.request.user, fc=fc,
                                        **{k: filters.get(k) or ("" if k not in ("since", "until") else None)
                                           for k in selectors.FILTERS})
        params = self.request.GET.copy()
        params.pop("page", None)
        summary = selectors.summary_of(fc=fc)
        ctx.update(form=form, page=Paginator(qs, selectors.PAGE_SIZE).get_page(self.request.GET.get("page")),
                   query=params.urlencode(), rules=rules,
                   summary=[{"effect": e, "label": e.label, "total": summary.get(e, {}).get("total", 0),
                             "open": summary.get(e, {}).get("open", 0)} for e in Effect])
        return ctx


def _rule_rows(rules):
    return [{"rule": r, "text": rule_params_text(r.kind, r.params) if r.version else "",
             "pending_text": rule_params_text(r.kind, r.pending["params"]) if r.pending else ""} for r in rules]


class RulesView(SanctionsMixin, TemplateView):
    template_name = "clusterfinance/sanctions/rules.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rules = selectors.rules_for(user=self.request.user, fc=self.cluster.finance_company)
        ctx.update(rows=_rule_rows(rules), form=kwargs.get("form") or RuleForm(),
                   params_by_kind={k: [p.name for p in PARAMS[k]] for k in RuleKind.values})
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        form = RuleForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                rule = services.sanction_rule_propose(user=request.user, fc=self.cluster.finance_company,
                                                      kind=d["kind"], name=d["name"], params=form.params(),
                                                      is_active=d["is_active"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Rule “%(name)s” waits for a manager's approval.") % {"name": rule.name}
                                 if rule.pending else _("Rule “%(name)s” is in force.") % {"name": rule.name})
                return redirect("clusterfinance:sanctions-rule", pk=rule.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RuleDetailView(SanctionsMixin, TemplateView):
    template_name = "clusterfinance/sanctions/rule.html"

    @property
    def rule(self):
        if not hasattr(self, "_rule"):
            self._rule = selectors.rule_for(user=self.request.user, fc=self.cluster.finance_company,
                                            pk=self.kwargs["pk"])
        return self._rule

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rule = self.rule
        ctx.update(rule=rule, row=_rule_rows([rule])[0], versions=[{"version": v, "text": rule_params_text(rule.kind, v.params)}
                             for v in selectors.rule_versions(rule)],
                   form=kwargs.get("form") or RuleForm(rule=rule), error=kwargs.get("error"),
                   may_approve=(APPROVE_SANCTION_RULE in self.caps and rule.pending
                                and rule.pending_by_id != self.request.user.pk))
        return ctx

    def post(self, request, *args, **kwargs):
        self.require_manage()
        rule, action = self.rule, request.POST.get("action", "change")
        form = None
        try:
            if action == "approve":
                services.sanction_rule_approve(user=request.user, rule=rule)
                messages.success(request, _("The change is approved and in force."))
            elif action == "withdraw":
                services.sanction_rule_withdraw(user=request.user, rule=rule)
                messages.success(request, _("The change is withdrawn."))
            else:
                form = RuleForm(request.POST, rule=rule)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                d = form.cleaned_data
                rule = services.sanction_rule_propose(user=request.user, fc=self.cluster.finance_company, rule=rule,
                                                      name=d["name"], params=form.params(), is_active=d["is_active"])
                messages.success(request, _("The change waits for a manager's approval.") if rule.pending
                                 else _("The change is in force."))
        except (ValidationError, PermissionDenied) as exc:
            if form is None:
                return self.render_to_response(self.get_context_data(error=" ".join(
                    exc.messages if isinstance(exc, ValidationError) else [str(exc)])))
            apply_errors(form, exc)
            return self.render_to_response(self.get_context_data(form=form))
        return redirect("clusterfinance:sanctions-rule", pk=rule.pk)
