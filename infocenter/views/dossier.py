"""The dossier of one agent, search across modules, and the information-asymmetry figures."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from agents.models import Agent

from .. import selectors, services
from ..choices import InfoModule
from ..dossier import asymmetry_for_agents, dossier_for
from ..search import search
from .base import ActingMixin, acting_agent


class DossierView(TemplateView):
    """/hub/agents/<pk>/: everything the viewer may see about one agent, across modules."""

    template_name = "infocenter/dossier.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        agent = get_object_or_404(Agent.objects.restrict(user, "view"), pk=kwargs["pk"])
        dossier = dossier_for(user, agent)
        services.access_log_record(user=user, publications=dossier.publications, page=self.request.path)
        me = acting_agent(user) if user.is_authenticated else None
        is_self = me is not None and me.pk == agent.pk
        ctx.update(
            subject=agent, dossier=dossier, me=me, is_self=is_self,
            following=selectors.following(user, agent=agent),
            figures=(asymmetry_for_agents([agent.pk], kind=agent.kind)["firms"] or [None])[0] if is_self else None,
        )
        return ctx


class SearchView(TemplateView):
    template_name = "infocenter/search.html"

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.request.htmx.target == "search-results":
            return ["infocenter/partials/search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        module = self.request.GET.get("module", "")
        if module not in InfoModule.values:
            module = ""
        ctx.update(results=search(self.request.user, self.request.GET.get("q", ""), module=module),
                   module=module, modules=InfoModule.choices)
        return ctx


class AsymmetryView(ActingMixin, TemplateView):
    """Information-asymmetry figures of the firms the viewer oversees: the finance company's
    cluster members, or the firms of the government's region."""

    template_name = "infocenter/asymmetry.html"
    acting_kinds = ("finance_company", "government")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        from ..rules import finance_company_members

        firms = Agent.objects.restrict(self.request.user, "view").filter(kind="enterprise", status="active")
        if self.agent.kind == "finance_company":
            firms = firms.filter(pk__in=finance_company_members([self.agent.pk]))
        else:
            from agents.restrict import region_prefix

            firms = firms.filter(region_code__startswith=region_prefix(self.agent.region_code))
        figures = asymmetry_for_agents(firms.values_list("pk", flat=True))
        order = self.request.GET.get("order", "coverage")
        if order == "sources":
            figures["firms"].sort(key=lambda f: (f.sources, f.name))
        elif order == "verified":
            figures["firms"].sort(key=lambda f: (f.verified_share if f.verified_share is not None else 2, f.name))
        else:
            order = "coverage"
            figures["firms"].sort(key=lambda f: (f.coverage, f.fresh_share, f.name))
        ctx.update(figures=figures, order=order)
        return ctx
