"""The adviser's pages: a firm compares the options for its own need; the finance company's
staff advise one of its member firms chosen from a list. Nothing is written."""

from __future__ import annotations

from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.models import Agent, cluster_members_q
from agents.portal import ActingMixin

from .forms import NeedForm
from .selectors import Need, options_compare


class _AdviserView(ActingMixin, TemplateView):
    template_name = "clusterfinance/schemes/adviser/compare.html"

    def firms(self):
        return None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        firms = self.firms()
        bound = "amount" in self.request.GET
        form = NeedForm(self.request.GET if bound else None, firms=firms)
        comparison = None
        if bound and form.is_valid():
            d = form.cleaned_data
            firm = d.get("firm") or self.agent
            comparison = options_compare(user=self.request.user, firm=firm,
                                         need=Need(amount=d["amount"], months=d["months"], purpose=d["purpose"]))
            ctx["firm"] = firm
        ctx.update(form=form, comparison=comparison, staff=firms is not None)
        return ctx

    def render_to_response(self, context, **kwargs):
        form = context["form"]
        if form.is_bound and not form.is_valid():
            kwargs.setdefault("status", 400)
        return super().render_to_response(context, **kwargs)


class FirmAdviserView(_AdviserView):
    acting_kinds = (AgentKind.ENTERPRISE,)


class StaffAdviserView(_AdviserView):
    acting_kinds = (AgentKind.FINANCE_COMPANY,)

    def firms(self):
        return Agent.objects.filter(cluster_members_q(finance_company=self.agent, kind=AgentKind.ENTERPRISE),
                                    status="active").order_by("name")
