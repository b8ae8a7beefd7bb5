"""The centre's public face (/hub/): the information modules and what is public in them."""

from django.views.generic import TemplateView

from agents.choices import AgentKind, AgentStatus
from agents.models import Agent

from .choices import InfoModule


class HubView(TemplateView):
    template_name = "infocenter/hub.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        agents = Agent.objects.restrict(self.request.user).filter(status=AgentStatus.ACTIVE)
        ctx.update(
            modules=InfoModule.choices,
            governments=agents.filter(kind=AgentKind.GOVERNMENT),
            institutions=agents.filter(kind=AgentKind.INSTITUTION).order_by("name"),
            finance_companies=agents.filter(kind=AgentKind.FINANCE_COMPANY),
            firm_count=agents.filter(kind=AgentKind.ENTERPRISE).count(),
        )
        return ctx
