"""The institution portal: its profile, loan book, products, applications with the firms' ratings,
the credit lines it extends, the guarantees on its loans, its reports and business records, the
clusters it serves and their member firms."""

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import clusters_of, members_of
from agents.tables import firm_table
from clusterfinance.dashboard.summaries import public_register_count
from lending.selectors import lender_summary

from ..forms import FirmSearchForm
from ..selectors import institution_desk, institution_profile, register_firms


class InstitutionPortalView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INSTITUTION
    template_name = "institutions/portal.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        clusters = list(clusters_of(self.agent))
        ctx.update(
            profile=institution_profile(self.agent),
            members=members_of(self.agent),
            lending_summary=lender_summary(user=self.request.user, lender=self.agent),
            clusters=clusters,
            desk=institution_desk(user=self.request.user, institution=self.agent),
        )
        if clusters:
            # the register of the first cluster served, a page at a time (bad search: shown, not applied)
            search = FirmSearchForm(self.request.GET)
            q = search.cleaned_data["q"] if search.is_valid() else ""
            firms = register_firms(user=self.request.user, cluster=clusters[0], q=q)
            ctx.update(firm_search=search,
                       firm_table=firm_table(firms, cluster=clusters[0], request=self.request, public=True,
                                                  count=public_register_count(clusters[0], q)))
        return ctx
