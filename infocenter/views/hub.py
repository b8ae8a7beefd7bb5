"""The centre's front page (/hub/): the six information modules with what the viewer may read
in each, the latest verified reports, search, and the register of participants."""

from django.views.generic import TemplateView

from agents.choices import AgentKind, AgentStatus
from agents.models import Agent

from .. import selectors
from ..choices import InfoModule, Verification


class HubView(TemplateView):
    template_name = "infocenter/hub.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        agents = Agent.objects.restrict(user).filter(status=AgentStatus.ACTIVE)
        ctx.update(
            modules=InfoModule.choices,
            overview=selectors.module_overview(user),
            reports=list(selectors.reports_for(user, status=Verification.VERIFIED)[:5])
            if user.is_authenticated else [],
            governments=agents.filter(kind=AgentKind.GOVERNMENT),
            institutions=agents.filter(kind=AgentKind.INSTITUTION).order_by("name"),
            finance_companies=agents.filter(kind=AgentKind.FINANCE_COMPANY),
            firm_count=agents.filter(kind=AgentKind.ENTERPRISE).count(),
        )
        return ctx
