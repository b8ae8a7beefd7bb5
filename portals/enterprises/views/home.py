"""The enterprise portal: the firm's desk — its grade with reasons and trend, what is due next,
what others can see and say about it, what it could get, and its register entry."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.industries import industry_name
from agents.portal import PortalMixin
from agents.selectors import clusters_of, members_of
from clusterfinance.rating.views import RatingContextMixin

from ..models import EnterpriseProfile
from ..selectors import firm_desk


class EnterprisePortalView(PortalMixin, RatingContextMixin, TemplateView):
    portal_kind = AgentKind.ENTERPRISE
    template_name = "enterprises/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        desk = firm_desk(user=self.request.user, firm=self.agent)
        ctx.update(self.rating_context(self.agent))
        ctx.update(
            desk=desk,
            loans_summary=desk.summary,
            profile=EnterpriseProfile.objects.filter(agent=self.agent).first(),
            industry=industry_name(self.agent.industry_code),
            members=members_of(self.agent),
            clusters=clusters_of(self.agent),
        )
        return ctx
