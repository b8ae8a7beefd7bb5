"""The government console: every agent in its region, the clusters there and the check that
at least half of the institutions are small or medium."""

import json

from django.views.generic import TemplateView

from agents.choices import AgentKind, AgentStatus, SizeClass
from agents.industries import industry_name
from agents.models import Agent
from agents.portal import PortalMixin
from agents.restrict import region_prefix
from clusterfinance.models import Cluster
from clusterfinance.selectors import count_by
from lending.selectors import portfolio_figures

from .models import GovernmentProfile


class GovernmentPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.GOVERNMENT
    template_name = "government/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        prefix = region_prefix(self.agent.region_code)
        in_region = Agent.objects.restrict(self.request.user).filter(
            region_code__startswith=prefix, status=AgentStatus.ACTIVE
        )
        by_kind = dict(count_by(in_region, "kind"))
        firms = in_region.filter(kind=AgentKind.ENTERPRISE)
        institutions = in_region.filter(kind=AgentKind.INSTITUTION)
        by_inst_size = dict(count_by(institutions, "size_class"))
        n_inst = sum(by_inst_size.values())
        small_medium = by_inst_size.get("small", 0) + by_inst_size.get("medium", 0)
        clusters = list(Cluster.objects.restrict(self.request.user).filter(region_code__startswith=prefix)
                        .select_related("finance_company"))
        ctx.update(
            profile=GovernmentProfile.objects.filter(agent=self.agent).first(),
            # lending (issue 3): each cluster's loan figures, read-only
            cluster_loans=[(c, portfolio_figures(cluster=c)) for c in clusters],
            kind_counts=[(AgentKind(k).label, by_kind.get(k, 0)) for k in AgentKind.values],
            clusters=clusters,
            institutions=institutions.select_related("institution_profile").order_by("size_class", "name"),
            sme_institution_share=(small_medium / n_inst) if n_inst else None,
            sme_institution_ok=n_inst and small_medium * 2 >= n_inst,
            pending=in_region.model.objects.restrict(self.request.user)
            .filter(region_code__startswith=prefix, status=AgentStatus.PENDING).count(),
            chart_size=json.dumps([{"name": str(SizeClass(k).label), "value": v}
                                   for k, v in count_by(firms, "size_class") if k]),
            chart_industry=json.dumps(
                [{"name": f"{k} {industry_name(k)}", "value": v} for k, v in count_by(firms, "industry_code")]
            ),
        )
        return ctx
