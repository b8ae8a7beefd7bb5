"""The compliance monitor (/gov/compliance/): alerts with filters, one alert with its history
and the steps (acknowledge, resolve, assign an owner), "check now", and the thresholds and caps
the government sets."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.forms import apply_errors
from agents.models import Membership

from .. import compliance
from ..capabilities_oversight import OVERSEE
from ..forms_oversight import AlertFilterForm, AlertNoteForm, AssignForm, CapsForm, ResolveForm, ThresholdsForm
from ..models_oversight import AlertStatus, ComplianceAlert, ComplianceRule
from ..services_compliance import (
    alert_acknowledge,
    alert_assign,
    alert_resolve,
    compliance_check,
    compliance_settings_set,
    private_caps_set,
)
from .oversight import GovernmentMixin

LIST_SIZE = 50


def _owners(government):
    from django.contrib.auth import get_user_model

    ids = Membership.objects.filter(agent=government, is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=ids).order_by("email")


class AlertListView(GovernmentMixin, TemplateView):
    template_name = "government/compliance/list.html"

    def get_context_data(self, **kwargs):
        from lending.views.base import paginate, query_without_page

        ctx = super().get_context_data(**kwargs)
        form = AlertFilterForm(self.request.GET or None)
        alerts = ComplianceAlert.objects.restrict(self.request.user).filter(government=self.agent) \
            .select_related("owner", "subject_agent")
        status = rule = ""
        mine = False
        if form.is_valid():
            status, rule, mine = form.cleaned_data["status"], form.cleaned_data["rule"], form.cleaned_data["mine"]
        if status == "":
            alerts = alerts.exclude(status=AlertStatus.RESOLVED)
        elif status != "all":
            alerts = alerts.filter(status=status)
        if rule:
            alerts = alerts.filter(rule=rule)
        if mine:
            alerts = alerts.filter(owner=self.request.user)
        ctx.update(form=form, page=paginate(self.request, alerts.order_by("status", "-raised_at", "-pk"), LIST_SIZE),
                   query=query_without_page(self.request), may_act=OVERSEE in self.caps,
                   rules=[(label, compliance.rules_with_data()[value]) for value, label in ComplianceRule.choices])
        return ctx


class CheckNowView(GovernmentMixin, TemplateView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        if OVERSEE not in self.caps:
            raise Http404
        result = compliance_check(government=self.agent)
        messages.success(request, _("Checked: %(raised)s raised, %(updated)s measured again, %(resolved)s back "
                                    "within limits.") % vars(result))
        return redirect("government:compliance")


class AlertDetailView(GovernmentMixin, TemplateView):
    template_name = "government/compliance/detail.html"

    def alert(self) -> ComplianceAlert:
        alert = ComplianceAlert.objects.restrict(self.request.user).filter(government=self.agent, pk=self.kwargs["pk"]) \
            .select_related("owner", "subject_agent").first()
        if alert is None:
            raise Http404
        return alert

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        alert = kwargs.get("alert") or self.alert()
        ctx.update(alert=alert, history=alert.history.select_related("actor").order_by("at", "pk"),
                   ack_form=kwargs.get("ack_form") or AlertNoteForm(),
                   resolve_form=kwargs.get("resolve_form") or ResolveForm(),
                   assign_form=kwargs.get("assign_form") or AssignForm(owners=_owners(self.agent),
                                                                       initial={"owner": alert.owner_id}),
                   may_act=OVERSEE in self.caps)
        return ctx


class _AlertStepView(AlertDetailView):
    http_method_names = ["post"]
    form_class = AlertNoteForm
    form_key = "ack_form"

    def form(self, data):
        return self.form_class(data)

    def act(self, alert, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        alert = self.alert()
        form = self.form(request.POST)
        if form.is_valid():
            try:
                self.act(alert, form)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                return redirect("government:compliance-alert", pk=alert.pk)
        return self.render_to_response(self.get_context_data(alert=alert, **{self.form_key: form}))


class AcknowledgeView(_AlertStepView):
    def act(self, alert, form):
        alert_acknowledge(alert=alert, user=self.request.user, note=form.cleaned_data["note"])
        messages.success(self.request, _("Alert acknowledged."))


class ResolveView(_AlertStepView):
    form_class = ResolveForm
    form_key = "resolve_form"

    def act(self, alert, form):
        alert_resolve(alert=alert, user=self.request.user, note=form.cleaned_data["note"])
        messages.success(self.request, _("Alert resolved."))


class AssignView(_AlertStepView):
    form_class = AssignForm
    form_key = "assign_form"

    def form(self, data):
        return AssignForm(data, owners=_owners(self.agent))

    def act(self, alert, form):
        alert_assign(alert=alert, user=self.request.user, owner=form.cleaned_data["owner"])
        messages.success(self.request, _("Owner assigned."))


class ComplianceSettingsView(GovernmentMixin, TemplateView):
    """The monitor's thresholds and the caps on borrowing from private investors."""

    template_name = "government/compliance/settings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        caps = compliance.caps_for(self.agent)
        ctx.update(
            thresholds_form=kwargs.get("thresholds_form") or ThresholdsForm(instance=compliance.settings_for(self.agent)),
            caps_form=kwargs.get("caps_form") or CapsForm(initial={"per_firm": caps.per_firm,
                                                                   "per_natural_person": caps.per_natural_person,
                                                                   "per_lender": caps.per_lender}),
            caps=caps, may_edit=OVERSEE in self.caps)
        return ctx

    def post(self, request, *args, **kwargs):
        if request.POST.get("form") == "caps":
            form = CapsForm(request.POST)
            if form.is_valid():
                try:
                    private_caps_set(government=self.agent, user=request.user, **form.cleaned_data)
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                else:
                    messages.success(request, _("The caps on private lending are saved."))
                    return redirect("government:compliance-settings")
            return self.render_to_response(self.get_context_data(caps_form=form))
        form = ThresholdsForm(request.POST, instance=compliance.settings_for(self.agent))
        if form.is_valid():
            try:
                compliance_settings_set(government=self.agent, user=request.user,
                                        **{k: form.cleaned_data[k] for k in form.Meta.fields})
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The thresholds are saved."))
                return redirect("government:compliance-settings")
        return self.render_to_response(self.get_context_data(thresholds_form=form))
