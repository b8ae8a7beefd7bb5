"""The page where an agent's managers create and revoke API tokens (/hub/api-tokens/)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, View

from agents.models import Membership
from agents.restrict import get_restricted_or_404

from ..api.tokens import TOKEN_MANAGER_ROLES, api_token_create, api_token_revoke
from ..imports.forms import ApiTokenForm
from ..models.api import ApiToken


class ManagerMixin(LoginRequiredMixin):
    """Managers of an active agent (owner, finance-company manager, supervisor, bank manager,
    private investor)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        membership = (Membership.objects.filter(user=request.user, is_active=True, role__in=TOKEN_MANAGER_ROLES,
                                                agent__status="active")
                      .select_related("agent").order_by("created_at", "pk").first())
        if membership is None:
            raise Http404
        self.agent = membership.agent
        return super().dispatch(request, *args, **kwargs)


class ApiTokenListView(ManagerMixin, FormView):
    template_name = "infocenter/api_tokens.html"
    form_class = ApiTokenForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["agent"] = self.agent
        ctx["tokens"] = ApiToken.objects.restrict(self.request.user).filter(agent=self.agent) \
            .select_related("created_by", "revoked_by")
        ctx["new_key"] = self.request.session.pop("api_token_new_key", None)
        return ctx

    def form_valid(self, form):
        try:
            token, key = api_token_create(user=self.request.user, agent=self.agent, name=form.cleaned_data["name"])
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        # Shown once on the next page, then gone: only the hash is stored.
        self.request.session["api_token_new_key"] = key
        messages.success(self.request, _("Token “%(name)s” created. Copy the key now: it is not shown again.")
                         % {"name": token.name})
        return redirect("infocenter:api-tokens")


class ApiTokenRevokeView(ManagerMixin, View):
    def post(self, request, pk):
        token = get_restricted_or_404(ApiToken, request.user, pk=pk, agent=self.agent)
        api_token_revoke(user=request.user, token=token)
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
        return redirect("infocenter:api-tokens")
