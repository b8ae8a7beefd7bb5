"""Pages of the registry: the public landing page, registration, invitations, approvals."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from . import selectors, services
from .choices import ADMIN_ROLES, AgentKind, AgentStatus, InvitationStatus
from .forms import InvitationAcceptForm, InvitationForm, RegistrationForm, apply_errors
from .models import Agent, Invitation
from .restrict import get_restricted_or_404


class LandingView(TemplateView):
    """What the platform is, with the 4A+1C picture drawn as a diagram, and live registry counts."""

    template_name = "agents/landing.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Counts per kind are public statistics (no names), so they cover private investors too.
        counts = dict(
            Agent.objects.filter(status=AgentStatus.ACTIVE).values_list("kind").annotate(n=Count("pk")).order_by()
        )
        ctx["counts"] = {kind: counts.get(kind, 0) for kind in AgentKind.values}
        return ctx


class PortalHomeView(LoginRequiredMixin, View):
    def get(self, request):
        return redirect(selectors.portal_url_for(request.user))


class RegistrationView(FormView):
    template_name = "agents/register.html"
    form_class = RegistrationForm

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            membership = services.registration_submit(
                kind=data["kind"], name=data["name"], region_code=data["region_code"], region=data["region"],
                credit_code=data["credit_code"], email=data["email"], password=data["password1"],
                cluster=data["cluster"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        login(self.request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("registration-pending")


class RegistrationPendingView(LoginRequiredMixin, TemplateView):
    template_name = "agents/registration_pending.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["membership"] = selectors.primary_membership(self.request.user)
        return ctx


class TeamView(LoginRequiredMixin, FormView):
    """The agent's people and open invitations; managers invite colleagues here."""

    template_name = "agents/team.html"
    form_class = InvitationForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.membership = selectors.primary_membership(request.user)
            if self.membership is None or self.membership.agent.status != AgentStatus.ACTIVE:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "agent": self.membership.agent}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        agent = self.membership.agent
        ctx.update(
            agent=agent,
            members=selectors.members_of(agent),
            invitations=Invitation.objects.restrict(self.request.user).filter(agent=agent, status=InvitationStatus.OPEN),
            can_invite=self.membership.role in ADMIN_ROLES,
        )
        return ctx

    def form_valid(self, form):
        try:
            invitation = services.invitation_create(
                agent=self.membership.agent, email=form.cleaned_data["email"], role=form.cleaned_data["role"],
                invited_by=self.request.user,
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        link = self.request.build_absolute_uri(f"/invite/{invitation.token}/")
        messages.success(self.request, _("Invitation created. Send this link to %(email)s: %(link)s")
                         % {"email": invitation.email, "link": link})
        return redirect("team")


class InvitationAcceptView(FormView):
    template_name = "agents/invitation_accept.html"
    form_class = InvitationAcceptForm

    def dispatch(self, request, *args, **kwargs):
        self.invitation = Invitation.objects.select_related("agent").filter(token=kwargs["token"]).first()
        if self.invitation is None:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "invitation": self.invitation}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            membership = services.invitation_accept(
                token=self.invitation.token, password=data["password1"],
                first_name=data["first_name"], last_name=data["last_name"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        login(self.request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(selectors.portal_url_for(membership.user))


class ApprovalsView(LoginRequiredMixin, TemplateView):
    """Registrations waiting for the finance company's (or a superuser's) decision."""

    template_name = "agents/approvals.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not (
            request.user.is_superuser or selectors.agent_for_portal(request.user, AgentKind.FINANCE_COMPANY)
        ):
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "pending": selectors.pending_registrations(self.request.user)}


class ApprovalDecideView(ApprovalsView):
    http_method_names = ["post"]

    def post(self, request, pk):
        agent = get_restricted_or_404(Agent, request.user, pk=pk, status=AgentStatus.PENDING)
        approve = request.POST.get("decision") == "approve"
        try:
            services.agent_decide(agent=agent, approve=approve, decided_by=request.user)
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, (_("%(name)s approved.") if approve else _("%(name)s rejected."))
                             % {"name": agent.name})
        return redirect("approvals")


def page_not_found(request, exception):
    return render(request, "404.html", status=404)
