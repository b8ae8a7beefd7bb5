"""Consent pages: what a firm granted (and to whom), what an institution or investor received,
granting, revoking, and the firm's "who looked at my data" page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from agents.forms import apply_errors
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..constants import PAGE_SIZE
from ..forms import ConsentForm
from ..models import Consent
from .base import ActingMixin


class ConsentListView(ActingMixin, TemplateView):
    template_name = "infocenter/consents.html"
    acting_kinds = ("enterprise", "institution", "investor")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        if self.agent.kind == "enterprise":
            ctx["given"] = list(selectors.consents_given(user, self.agent))
        else:
            ctx["received"] = list(selectors.consents_received(user, self.agent))
        return ctx


class ConsentCreateView(ActingMixin, FormView):
    template_name = "infocenter/consent_form.html"
    form_class = ConsentForm
    acting_kinds = ("enterprise",)

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["grantees"] = selectors.visible_agents(self.request.user, kinds=("institution", "investor"))
        return kwargs

    def get_initial(self):
        initial = super().get_initial()
        grantee = self.request.GET.get("grantee", "")
        if grantee.isdigit():
            initial["grantee"] = int(grantee)
        return initial

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            services.consent_grant(grantor=self.agent, grantee=d["grantee"], granted_by=self.request.user,
                                   valid_from=d["valid_from"], valid_until=d["valid_until"],
                                   categories=d["categories"], purpose=d["purpose"])
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Consent granted to %(grantee)s until %(until)s.")
                         % {"grantee": d["grantee"], "until": d["valid_until"]})
        return redirect("infocenter:consents")


class ConsentRevokeView(ActingMixin, TemplateView):
    template_name = "infocenter/consent_revoke.html"
    acting_kinds = ("enterprise",)

    def get_consent(self) -> Consent:
        return get_restricted_or_404(Consent.objects.select_related("grantee"), self.request.user, "change",
                                     pk=self.kwargs["pk"], grantor=self.agent, revoked_at__isnull=True)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["consent"] = self.get_consent()
        return ctx

    def post(self, request, *args, **kwargs):
        consent = self.get_consent()
        try:
            services.consent_revoke(consent=consent, revoked_by=request.user)
            messages.success(request, _("Consent revoked: %(grantee)s no longer sees your confidential information.")
                             % {"grantee": consent.grantee})
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "; ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("infocenter:consents")


class AccessLogView(ActingMixin, TemplateView):
    """Who looked at my data: every reading of the agent's confidential information by others."""

    template_name = "infocenter/access_log.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page"] = Paginator(selectors.access_log_for(self.request.user, self.agent), PAGE_SIZE * 2) \
            .get_page(self.request.GET.get("page"))
        return ctx
