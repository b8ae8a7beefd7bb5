"""The page of the regional bank model (/finance/schemes/shareholdings/): the shareholdings both
ways, the seconded managers and the related-party loans, seen by the finance company (all) and by
an institution (those it is a party to), where their staff record them. Others get 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import ActingMixin
from lending.models.related_parties import BoardKind
from lending.services.related_parties import related_party_capital_share, related_party_threshold

from . import selectors, services
from .permissions import RECORD_SHAREHOLDING


def _error_text(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    return str(exc) or _("You may not do this.")


class ShareholdingsView(ActingMixin, TemplateView):
    acting_kinds = (AgentKind.FINANCE_COMPANY, AgentKind.INSTITUTION)
    template_name = "clusterfinance/schemes/cross_shareholding/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        parties = list(selectors.party_choices())
        ctx.update(holdings=list(selectors.shareholdings_for(self.agent)),
                   managers=list(selectors.seconded_managers_for(self.agent)),
                   related=list(selectors.related_party_applications_for(self.agent)),
                   parties=parties, banks=[p for p in parties if p.kind != AgentKind.ENTERPRISE],
                   firms=[p for p in parties if p.kind == AgentKind.ENTERPRISE], boards=BoardKind.choices,
                   may_record=RECORD_SHAREHOLDING in self.caps, threshold=related_party_threshold(),
                   capital_share=related_party_capital_share() * 100)
        return ctx

    def _agent(self, raw):
        try:
            pk = int(raw)
        except (TypeError, ValueError):
            raise ValidationError(_("Choose the companies from the list.")) from None
        agent = selectors.party_choices().filter(pk=pk).first()
        if agent is None:
            raise ValidationError(_("Choose the companies from the list."))
        return agent

    def post(self, request, *args, **kwargs):
        data, action = request.POST, request.POST.get("action")
        try:
            if action == "holding":
                services.cross_shareholding_record(
                    user=request.user, acting=self.agent, holder=self._agent(data.get("holder")),
                    held=self._agent(data.get("held")), shares=data.get("shares"),
                    percentage=data.get("percentage"), since=data.get("since"))
                messages.success(request, _("The shareholding is recorded."))
            elif action == "end":
                holding = selectors.shareholdings_for(self.agent).filter(pk=_int(data.get("holding"))).first()
                if holding is None:
                    raise ValidationError(_("Choose the companies from the list."))
                services.cross_shareholding_end(user=request.user, acting=self.agent, holding=holding,
                                                on=data.get("ended"))
                messages.success(request, _("The shareholding is ended."))
            elif action == "manager":
                services.seconded_manager_add(
                    user=request.user, acting=self.agent, bank=self._agent(data.get("bank")),
                    firm=self._agent(data.get("firm")), person_name=data.get("person_name"),
                    board=data.get("board"), since=data.get("since"))
                messages.success(request, _("The seconded manager is recorded."))
            else:
                raise ValidationError(_("Unknown action."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
            return self.render_to_response(self.get_context_data(), status=400)
        return redirect("clusterfinance:shareholdings")


def _int(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return 0
