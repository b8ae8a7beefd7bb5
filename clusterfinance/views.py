"""The finance company's portal: its cluster, the member firms it knows and rates, the
institutions and investors that fund it, registrations waiting for a decision."""

import json

from django.db.models import Sum
from django.views.generic import TemplateView

from agents.choices import AgentKind, SizeClass
from agents.industries import industry_name
from agents.portal import PortalMixin
from agents.selectors import (
    cluster_of_finance_company,
    cluster_participants,
    count_by,
    members_of,
    pending_registrations,
)
from lending.selectors import lender_summary


class FinancePortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.FINANCE_COMPANY
    template_name = "clusterfinance/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cluster = cluster_of_finance_company(self.agent)
        user = self.request.user
        firms = cluster_participants(user=user, cluster=cluster, kind="enterprise") if cluster else None
        ctx.update(cluster=cluster, staff=members_of(self.agent), pending_count=pending_registrations(user).count(),
                   lending_summary=lender_summary(user=user, lender=self.agent))
        if cluster:
            ctx.update(
                firms=firms,
                # for the centre's information-asymmetry card (computed per set of agent ids)
                member_ids=firms.values("pk"),
                firm_totals=firms.aggregate(employees=Sum("enterprise_profile__employees"),
                                            revenue=Sum("enterprise_profile__annual_revenue")),
                institutions=cluster_participants(user=user, cluster=cluster, kind="institution"),
                investor_count=cluster_participants(user=user, cluster=cluster, kind="investor").count(),
                chart_industry=json.dumps([
                    {"name": f"{k} {industry_name(k)}", "value": v} for k, v in count_by(firms, "industry_code")
                ]),
                chart_size=json.dumps([{"name": str(SizeClass(k).label), "value": v}
                                       for k, v in count_by(firms, "size_class") if k]),
            )
        return ctx
