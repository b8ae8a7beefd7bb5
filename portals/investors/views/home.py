"""The investor portal: the suitability profile and the cluster's public register."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import cluster_participants, clusters_of

from ..models import InvestorProfile


class InvestorPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        clusters = list(clusters_of(self.agent))
        ctx.update(
            profile=InvestorProfile.objects.filter(agent=self.agent).first(),
            clusters=clusters,
            firms=cluster_participants(user=self.request.user, cluster=clusters[0], kind="enterprise")
            if clusters else [],
        )
        return ctx
