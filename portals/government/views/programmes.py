"""Pages of the support programmes: the government's list, creation and each programme's page
(budget, funding, applications with prepare / approve by another officer / reject, priorities);
the firm's page of open programmes with its eligibility and applications, the apply page; the
lender's risk-compensation claim page. Firms' and lenders' pages live here under /gov/programmes/
because a portal may not import another (docs/decisions.md)."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.models import Cluster
from agents.money import format_yuan
from agents.portal import ActingMixin, PortalMixin
from agents.restrict import region_prefix

from .. import selectors_programmes as selectors
from .. import services_programmes as services
from ..forms_programmes import ApplyForm, ClaimForm, FundingForm, PrioritiesForm, ProgrammeForm, ReviewForm
from ..models_programmes import SupportApplication
from ..permissions_programmes import (
    APPLY_PROGRAMME,
    APPROVE_PROGRAMME_PAYOUT,
    CLAIM_RISK_COMPENSATION,
    MANAGE_PROGRAMMES,
)


class GovernmentMixin(PortalMixin):
    portal_kind = AgentKind.GOVERNMENT
    capability = MANAGE_PROGRAMMES


class ProgrammeListView(GovernmentMixin, TemplateView):
    template_name = "government/programmes/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        programmes = selectors.programmes_of(self.agent)
        ctx.update(programmes=programmes,
                   chart=json.dumps([{"name": p.title, "value": str(p.budget.paid)} for p in programmes]))
        return ctx


def _clusters(government):
    return Cluster.objects.filter(region_code__startswith=region_prefix(government.region_code)).order_by("name")


class ProgrammeCreateView(GovernmentMixin, TemplateView):
    template_name = "government/programmes/form.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        today = timezone.localdate()
        ctx["form"] = kwargs.get("form") or ProgrammeForm(clusters=_clusters(self.agent), initial={
            "period_start": today.replace(month=1, day=1), "period_end": today.replace(month=12, day=31)})
        return ctx

    def post(self, request, *args, **kwargs):
        form = ProgrammeForm(request.POST, clusters=_clusters(self.agent))
        if form.is_valid():
            d = form.cleaned_data
            try:
                programme = services.programme_create(user=request.user, government=self.agent, **d)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Programme opened and announced in the government module."))
                return redirect("government:programme-detail", pk=programme.pk)
        return self.render_to_response(self.get_context_data(form=form))


class ProgrammeDetailView(GovernmentMixin, TemplateView):
    """One programme: rules, budget used and left, funding, applications under review, priorities.
    POST ``action``: fund, review (prepare / approve / reject one application), priorities, close."""

    template_name = "government/programmes/detail.html"

    @property
    def programme(self):
        if not hasattr(self, "_programme"):
            self._programme = selectors.own_programme(self.agent, self.kwargs["pk"])
        return self._programme

    def _priorities_form(self, data=None):
        return PrioritiesForm(data, firms=services.eligible_firms(self.programme).order_by("name"))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        programme = self.programme
        budget = services.budget_of(programme)
        ctx.update(
            programme=programme, budget=budget, applications=list(selectors.applications_of(programme)),
            fundings=list(programme.fundings.select_related("created_by").order_by("-on", "-pk")),
            funding_form=kwargs.get("funding_form") or FundingForm(initial={
                "on": timezone.localdate(), "idempotency_key": uuid.uuid4().hex}),
            priorities_form=kwargs.get("priorities_form") or self._priorities_form(),
            eligible_count=services.eligible_firms(programme).count(),
            may_approve=APPROVE_PROGRAMME_PAYOUT in self.caps, error=kwargs.get("error"),
            chart=json.dumps([{"name": _("Paid out"), "value": str(budget.paid)},
                              {"name": _("Budget left"), "value": str(budget.left)}]),
        )
        from clusterfinance.pool.models import PolicyPriority

        ctx["priorities"] = list(PolicyPriority.objects.filter(programme=f"{programme.title} · #{programme.pk}"[:200])
                                 .select_related("firm", "cluster"))
        return ctx

    def post(self, request, *args, **kwargs):
        programme, action = self.programme, request.POST.get("action", "")
        try:
            if action == "fund":
                form = FundingForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(funding_form=form))
                d = form.cleaned_data
                try:
                    funding = services.programme_fund(user=request.user, programme=programme, amount=d["amount"],
                                                      on=d["on"], idempotency_key=d["idempotency_key"])
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                    return self.render_to_response(self.get_context_data(funding_form=form))
                messages.success(request, _("Budget funded with %(amount)s.") % {
                    "amount": format_yuan(funding.amount)})
            elif action == "priorities":
                form = self._priorities_form(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(priorities_form=form))
                try:
                    rows = services.programme_priorities_mark(user=request.user, programme=programme,
                                                              firms=form.cleaned_data["firms"],
                                                              industries=form.cleaned_data["industries"])
                except (ValidationError, PermissionDenied) as exc:
                    apply_errors(form, exc)
                    return self.render_to_response(self.get_context_data(priorities_form=form))
                messages.success(request, _("%(n)s priorities written for the finance company's allocation.") % {
                    "n": len(rows)})
            elif action == "review":
                self._review(request)
            elif action == "close":
                services.programme_close(user=request.user, programme=programme)
                messages.success(request, _("Programme closed."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            return self.render_to_response(self.get_context_data(error=text), status=400)
        return redirect("government:programme-detail", pk=programme.pk)

    def _review(self, request):
        form = ReviewForm(request.POST)
        if not form.is_valid():
            raise ValidationError(_("Unknown action."))
        try:
            application = SupportApplication.objects.get(pk=int(request.POST.get("application", "")),
                                                         programme=self.programme)
        except (ValueError, SupportApplication.DoesNotExist):
            raise Http404 from None
        verb, note = form.cleaned_data["verb"], form.cleaned_data["note"]
        if verb == "prepare":
            application = services.application_prepare(user=request.user, application=application, note=note)
            messages.success(request, _("Prepared: payout of %(amount)s awaits another officer's approval.") % {
                "amount": format_yuan(application.amount)})
        elif verb == "approve":
            application = services.application_approve(user=request.user, application=application)
            messages.success(request, _("Approved and paid: %(amount)s to %(name)s.") % {
                "amount": format_yuan(application.amount), "name": application.applicant.name})
        else:
            services.application_reject(user=request.user, application=application, reason=note)
            messages.success(request, _("Application rejected."))


# --- the firm's side ------------------------------------------------------------------------------

class FirmMixin(ActingMixin):
    acting_kinds = (AgentKind.ENTERPRISE,)


class FirmProgrammesView(FirmMixin, TemplateView):
    """A firm's programmes: the open ones with why it is (not) eligible, and its applications."""

    template_name = "government/programmes/firm.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(selectors.firm_view(self.agent), may_apply=APPLY_PROGRAMME in self.caps)
        return ctx


class ProgrammeApplyView(FirmMixin, TemplateView):
    template_name = "government/programmes/apply.html"
    capability = APPLY_PROGRAMME

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        programme = selectors.firm_programme(self.agent, self.kwargs["pk"])
        ctx.update(programme=programme, form=kwargs.get("form") or ApplyForm(),
                   problems=services.eligibility_problems(programme, self.agent))
        if programme.kind == "interest_subsidy":
            basis = services.interest_paid_basis(programme, self.agent)
        else:
            basis = services.guarantee_fee_basis(programme, self.agent)
        ctx.update(basis=basis, estimate=services.payout_of(programme, basis.amount))
        return ctx

    def post(self, request, *args, **kwargs):
        programme = selectors.firm_programme(self.agent, self.kwargs["pk"])
        form = ApplyForm(request.POST)
        if form.is_valid():
            try:
                services.programme_apply(user=request.user, programme=programme, firm=self.agent,
                                         note=form.cleaned_data["note"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Application submitted to %(gov)s.") % {"gov": programme.government.name})
                return redirect("government:programmes-firm")
        return self.render_to_response(self.get_context_data(form=form))


# --- the lender's side ----------------------------------------------------------------------------

class LenderMixin(ActingMixin):
    acting_kinds = (AgentKind.INSTITUTION, AgentKind.FINANCE_COMPANY)
    capability = CLAIM_RISK_COMPENSATION


class LenderProgrammesView(LenderMixin, TemplateView):
    """The open risk-compensation funds a lender may claim on, and its claims."""

    template_name = "government/programmes/lender.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(programmes=list(selectors.programmes_for(self.agent, lender=True)),
                   claims=list(SupportApplication.objects.filter(applicant=self.agent)
                               .select_related("programme__government", "loan", "firm").order_by("-created_at")))
        return ctx


class ProgrammeClaimView(LenderMixin, TemplateView):
    """A lender claims on a risk-compensation fund for a loan with a loss, and follows its claims."""

    template_name = "government/programmes/claim.html"

    def _form(self, programme, data=None):
        return ClaimForm(data, loans=selectors.claimable_loans(self.agent, programme))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        programme = selectors.lender_programme(self.agent, self.kwargs["pk"])
        ctx.update(programme=programme, form=kwargs.get("form") or self._form(programme),
                   claims=list(selectors.lender_claims(self.agent, programme)))
        return ctx

    def post(self, request, *args, **kwargs):
        programme = selectors.lender_programme(self.agent, self.kwargs["pk"])
        form = self._form(programme, request.POST)
        if form.is_valid():
            try:
                services.risk_compensation_claim(user=request.user, programme=programme, lender=self.agent,
                                                 loan=form.cleaned_data["loan"], note=form.cleaned_data["note"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Claim submitted to %(gov)s.") % {"gov": programme.government.name})
                return redirect("government:programme-claim", pk=programme.pk)
        return self.render_to_response(self.get_context_data(form=form))
