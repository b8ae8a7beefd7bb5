"""The enterprise portal: the firm's own register entry, its people and its cluster."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.industries import industry_name
from agents.portal import PortalMixin
from agents.selectors import clusters_of, members_of
from lending.selectors import borrower_summary

from ..models import EnterpriseProfile


class EnterprisePortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.ENTERPRISE
    template_name = "enterprises/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            profile=EnterpriseProfile.objects.filter(agent=self.agent).first(),
            industry=industry_name(self.agent.industry_code),
            members=members_of(self.agent),
            clusters=clusters_of(self.agent),
            loans_summary=borrower_summary(user=self.request.user, borrower=self.agent),
        )
        return ctx
