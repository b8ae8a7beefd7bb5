"""The institution portal: its profile, the clusters it serves and their member firms."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import cluster_participants, clusters_of, members_of
from lending.selectors import lender_summary

from ..models import InstitutionProfile


class InstitutionPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INSTITUTION
    template_name = "institutions/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        clusters = list(clusters_of(self.agent))
        ctx.update(
            profile=InstitutionProfile.objects.filter(agent=self.agent).first(),
            members=members_of(self.agent),
            lending_summary=lender_summary(user=self.request.user, lender=self.agent),
            clusters=clusters,
            firms=cluster_participants(user=self.request.user, cluster=clusters[0], kind="enterprise")
            if clusters else [],
        )
        return ctx
