"""The government console: every agent in its region, the clusters there and the check that
at least half of the institutions are small or medium."""

import json

from django.views.generic import TemplateView

from agents.choices import AgentKind, SizeClass
from agents.industries import industry_name
from agents.portal import PortalMixin
from agents.selectors import count_by
from lending.selectors import portfolio_figures

from .. import selectors
from ..models import GovernmentProfile


class GovernmentPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.GOVERNMENT
    template_name = "government/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        in_region = selectors.region_agents(user=user, government=self.agent)
        by_kind = dict(count_by(in_region, "kind"))
        firms = selectors.firms_in(in_region)
        institutions = selectors.institutions_in(in_region)
        mix = selectors.institution_size_mix(institutions)
        clusters = selectors.region_clusters(user=user, government=self.agent)
        ctx.update(
            profile=GovernmentProfile.objects.filter(agent=self.agent).first(),
            # each cluster's loan figures, read-only
            cluster_loans=[(c, portfolio_figures(cluster=c)) for c in clusters],
            kind_counts=[(AgentKind(k).label, by_kind.get(k, 0)) for k in AgentKind.values],
            clusters=clusters,
            institutions=institutions.select_related("institution_profile").order_by("size_class", "name"),
            sme_institution_share=mix["share"],
            sme_institution_ok=mix["ok"],
            pending=selectors.region_pending_count(user=user, government=self.agent),
            chart_size=json.dumps([{"name": str(SizeClass(k).label), "value": v}
                                   for k, v in count_by(firms, "size_class") if k]),
            chart_industry=json.dumps(
                [{"name": f"{k} {industry_name(k)}", "value": v} for k, v in count_by(firms, "industry_code")]
            ),
        )
        return ctx
