"""The finance company's portal: its cluster, the member firms it knows and rates, the
institutions and investors that fund it, registrations waiting for a decision.

Everything on the home is a count, an aggregate or one page of members, so the page costs
the same for 40 members or 10,000."""

import json

from django.db.models import Count, Sum
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
from agents.tables import firm_search, firm_table
from lending.selectors import lender_summary

from .forms import MemberSearchForm


class FinancePortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.FINANCE_COMPANY
    template_name = "clusterfinance/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        cluster = cluster_of_finance_company(self.agent)
        user = self.request.user
        ctx.update(cluster=cluster, staff=members_of(self.agent), pending_count=pending_registrations(user).count(),
                   lending_summary=lender_summary(user=user, lender=self.agent))
        if cluster:
            firms = cluster_participants(user=user, cluster=cluster, kind="enterprise")
            search = MemberSearchForm(self.request.GET)
            q = search.cleaned_data["q"] if search.is_valid() else ""  # a bad search is shown, not applied
            totals = firms.order_by().aggregate(count=Count("pk"), employees=Sum("enterprise_profile__employees"),
                                                revenue=Sum("enterprise_profile__annual_revenue"))
            ctx.update(
                # the centre's information-asymmetry card takes the members as a subquery
                firms=firms,
                firm_totals=totals,
                firm_search=search,
                # unsearched, the table holds every member: the totals already counted them
                firm_table=firm_table(firm_search(firms, q), cluster=cluster, request=self.request, public=False,
                                      count=None if q else totals["count"]),
                institutions=cluster_participants(user=user, cluster=cluster, kind="institution"),
                investor_count=cluster_participants(user=user, cluster=cluster, kind="investor").count(),
                chart_industry=json.dumps([
                    {"name": f"{k} {industry_name(k)}", "value": v} for k, v in count_by(firms, "industry_code")
                ]),
                chart_size=json.dumps([{"name": str(SizeClass(k).label), "value": v}
                                       for k, v in count_by(firms, "size_class") if k]),
            )
        return ctx
