"""The investor portal's home: the suitability level, the portfolio at a glance and the register."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import clusters_of
from agents.tables import firm_table
from clusterfinance.dashboard.summaries import public_register_count

from ..forms import FirmSearchForm
from ..portfolio import portfolio_of
from ..selectors import investor_profile, register_firms


class InvestorPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        clusters = list(clusters_of(self.agent))
        ctx.update(profile=investor_profile(self.agent), clusters=clusters, portfolio=portfolio_of(self.agent))
        if clusters:
            # the register of the first cluster, a page at a time (bad search: shown, not applied)
            search = FirmSearchForm(self.request.GET)
            q = search.cleaned_data["q"] if search.is_valid() else ""
            firms = register_firms(user=self.request.user, cluster=clusters[0], q=q)
            ctx.update(firm_search=search,
                       firm_table=firm_table(firms, cluster=clusters[0], request=self.request, public=True,
                                                  count=public_register_count(clusters[0], q)))
        return ctx
