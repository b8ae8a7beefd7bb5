"""Pages of the allocation runs (/finance/allocation/): the queue and the runs, preparing a run
or a what-if, two runs side by side, a manager's decision, execution; policy priorities."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.models import Agent, cluster_members_q
from agents.money import format_yuan

from ..pool.permissions import MANAGE_POOL
from ..pool.selectors import priorities_for
from ..pool.services import pool_policy_for
from ..pool.views import PoolMixin
from . import selectors, services
from .choices import RunStatus
from .forms import DecideForm, PriorityForm, RunForm
from .permissions import APPROVE_ALLOCATION, PREPARE_ALLOCATION


class QueueView(PoolMixin, TemplateView):
    """The queue and the runs; the form to prepare a run."""

    template_name = "clusterfinance/allocation/index.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        policy = pool_policy_for(self.cluster)
        ctx.update(queue=selectors.queue(cluster=self.cluster),
                   runs=selectors.runs_for(user=self.request.user, cluster=self.cluster)[:50],
                   form=kwargs.get("form") or RunForm(initial=RunForm.initial_from(policy=policy)))
        return ctx

    def post(self, request, *args, **kwargs):
        if PREPARE_ALLOCATION not in self.caps:
            raise Http404
        form = RunForm(request.POST)
        based_on = None
        if request.POST.get("based_on"):
            try:
                based_on = selectors.run_for(user=request.user, cluster=self.cluster, pk=int(request.POST["based_on"]))
            except (ValueError, Http404):
                form.add_error(None, _("The run to compare with does not exist."))
        if form.is_valid():
            try:
                run = services.allocation_run_prepare(user=request.user, cluster=self.cluster, based_on=based_on,
                                                      **form.as_shares())
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Run #%(n)s prepared: %(lent)s to lend. A manager must approve it.") % {
                    "n": run.pk, "lent": format_yuan(run.result.get("lent", "0"))})
                if based_on:
                    return redirect(f"{_compare_url()}?a={based_on.pk}&b={run.pk}")
                return redirect("clusterfinance:allocation-run", pk=run.pk)
        return self.render_to_response(self.get_context_data(form=form))


def _compare_url() -> str:
    from django.urls import reverse

    return reverse("clusterfinance:allocation-compare")


class RunDetailView(PoolMixin, TemplateView):
    template_name = "clusterfinance/allocation/run.html"

    def get_run(self):
        return selectors.run_for(user=self.request.user, cluster=self.cluster, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        run = kwargs.get("run") or self.get_run()
        user = self.request.user
        ctx.update(run=run, report=selectors.run_report(run),
                   can_decide=run.status == RunStatus.DRAFT and APPROVE_ALLOCATION in self.caps
                   and run.prepared_by_id != user.pk,
                   preparer_blocked=run.status == RunStatus.DRAFT and APPROVE_ALLOCATION in self.caps
                   and run.prepared_by_id == user.pk,
                   can_execute=run.status == RunStatus.APPROVED and MANAGE_POOL in self.caps,
                   decide_form=kwargs.get("decide_form") or DecideForm(),
                   what_if_form=RunForm(initial=RunForm.initial_from(run=run))
                   if PREPARE_ALLOCATION in self.caps else None,
                   errors=kwargs.get("errors"))
        return ctx

    def post(self, request, *args, **kwargs):
        run = self.get_run()
        action = request.POST.get("action")
        try:
            if action == "decide":
                form = DecideForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(run=run, decide_form=form))
                try:
                    run = services.allocation_run_decide(user=request.user, run=run,
                                                         approve=form.cleaned_data["decision"] == "approve",
                                                         reason=form.cleaned_data["reason"])
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                    return self.render_to_response(self.get_context_data(run=self.get_run(), decide_form=form))
                messages.success(request, _("Run #%(n)s: %(status)s.") % {"n": run.pk,
                                                                          "status": run.get_status_display()})
            elif action == "execute":
                run = services.allocation_run_execute(user=request.user, run=run)
                messages.success(request, _("Run #%(n)s executed: %(amount)s disbursed.") % {
                    "n": run.pk, "amount": format_yuan(run.execution.get("disbursed", "0"))})
            else:
                raise Http404
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            return self.render_to_response(self.get_context_data(run=self.get_run(), errors=text))
        return redirect("clusterfinance:allocation-run", pk=run.pk)


class CompareView(PoolMixin, TemplateView):
    """Two runs side by side: objective, lent, funded count, each application, binding constraints."""

    template_name = "clusterfinance/allocation/compare.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        try:
            a, b = int(self.request.GET.get("a", "")), int(self.request.GET.get("b", ""))
        except ValueError:
            raise Http404
        runs = [selectors.run_for(user=self.request.user, cluster=self.cluster, pk=pk) for pk in (a, b)]
        reports = [selectors.run_report(r) for r in runs]
        by_id = [{row["id"]: row for row in rep["rows"]} for rep in reports]
        ids = list(dict.fromkeys([*by_id[0], *by_id[1]]))
        ctx.update(runs=runs, reports=reports, pairs=list(zip(runs, reports, strict=True)),
                   rows=[{"id": i, "left": by_id[0].get(i), "right": by_id[1].get(i)} for i in ids],
                   changes=_changes(*runs), objective_delta=_delta(reports, "objective"),
                   lent_delta=_delta(reports, "lent"))
        return ctx


def _delta(reports, key) -> dict:
    diff = reports[1][key] - reports[0][key]
    return {"sign": "+" if diff >= 0 else "−", "abs": abs(diff), "down": diff < 0}


def _changes(a, b) -> list[dict]:
    """The parameters that differ between two runs, as (label, a's value, b's value) in words."""
    from lending.forms import percent_text

    def share(v):
        return f"{percent_text(v)}%"

    fields = (("reserve_floor", share), ("single_borrower_cap", share), ("industry_cap", share),
              ("min_grade", lambda v: v or "—"), ("lgd", share),
              ("partial_allowed", lambda v: _("yes") if v else _("no")), ("deposit_months", str))
    return [{"label": a._meta.get_field(name).verbose_name, "left": show(getattr(a, name)),
             "right": show(getattr(b, name))} for name, show in fields if getattr(a, name) != getattr(b, name)]


class PriorityView(PoolMixin, TemplateView):
    template_name = "clusterfinance/allocation/priorities.html"

    def firms(self):
        return Agent.objects.filter(cluster_members_q(cluster=self.cluster), kind=AgentKind.ENTERPRISE).order_by("name")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(priorities=priorities_for(user=self.request.user, cluster=self.cluster),
                   form=kwargs.get("form") or PriorityForm(firms=self.firms()))
        return ctx

    def post(self, request, *args, **kwargs):
        if PREPARE_ALLOCATION not in self.caps:
            raise Http404
        form = PriorityForm(request.POST, firms=self.firms())
        if form.is_valid():
            try:
                services.policy_priority_add(user=request.user, cluster=self.cluster, **form.cleaned_data)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Policy priority recorded."))
                return redirect("clusterfinance:allocation-priorities")
        return self.render_to_response(self.get_context_data(form=form))
