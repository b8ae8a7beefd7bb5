"""Browse (notes, firms' loan needs, deposits, public disclosures and ratings), one opportunity with
its risk disclosure and the firm's public dossier, and the confirmation page that invests."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.choices import AgentKind
from agents.portal import PortalMixin
from agents.selectors import clusters_of

from ..choices import OpportunityKind
from ..questionnaire import RISK_EXPLANATIONS, may_buy
from ..selectors import (
    firm_publications,
    investor_profile,
    open_opportunities,
    opportunity_for,
    public_disclosures,
    rated_firms,
)
from ..services import caps_left, invest, invest_quote, raised_of, risk_of


def _level(profile):
    return profile.suitability if profile and profile.is_current() else ""


class OpportunityListView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/opportunities.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        profile = investor_profile(self.agent)
        level = _level(profile)
        groups = {k: [] for k in OpportunityKind.values}
        from django.db.models import Q, Sum

        offers = list(open_opportunities(self.request.user).annotate(
            raised=Sum("holdings__amount", filter=~Q(holdings__status="cancelled"))))
        for o in offers:
            o.risk_now = risk_of(o)
            o.allowed = may_buy(level, o.risk_now)
            groups[o.kind].append(o)
        clusters = list(clusters_of(self.agent))
        ctx.update(profile=profile, level=level,
                   groups=[(k, OpportunityKind(k).label, groups[k]) for k in OpportunityKind.values],
                   disclosures=public_disclosures(self.request.user),
                   ratings=rated_firms(user=self.request.user, cluster=clusters[0]) if clusters else [])
        return ctx


class OpportunityDetailView(PortalMixin, TemplateView):
    portal_kind = AgentKind.INVESTOR
    template_name = "investors/opportunity.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opportunity = opportunity_for(self.request.user, kwargs["pk"])
        profile = investor_profile(self.agent)
        risk = risk_of(opportunity)
        ctx.update(opportunity=opportunity, profile=profile, risk=risk, risk_text=RISK_EXPLANATIONS[risk],
                   allowed=may_buy(_level(profile), risk), raised=raised_of(opportunity),
                   headroom=caps_left(investor=self.agent, opportunity=opportunity),
                   publications=firm_publications(self.request.user, opportunity.issuer)
                   if opportunity.kind == OpportunityKind.DIRECT_LOAN else [])
        return ctx


class OpportunityConfirmView(PortalMixin, TemplateView):
    """GET ``?amount=``: the quote (risk, term, expected return, caps left, cooling-off) or the
    refusal; POST: invest with the key the page carried (a double submit is one investment)."""

    portal_kind = AgentKind.INVESTOR
    template_name = "investors/confirm.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        opportunity = opportunity_for(self.request.user, kwargs["pk"])
        amount = kwargs.get("amount", self.request.GET.get("amount", ""))
        quote, refusal = None, kwargs.get("refusal")
        if refusal is None:
            try:
                quote = invest_quote(investor=self.agent, opportunity=opportunity, amount=amount)
            except ValidationError as exc:
                refusal = exc.messages
        risk = risk_of(opportunity)
        ctx.update(opportunity=opportunity, amount=amount, quote=quote, refusal=refusal, risk=risk,
                   risk_text=RISK_EXPLANATIONS[risk], key=uuid.uuid4().hex,
                   expired=refusal is not None and not (investor_profile(self.agent)
                                                        and investor_profile(self.agent).is_current()),
                   headroom=quote.headroom if quote else caps_left(investor=self.agent, opportunity=opportunity))
        return ctx

    def post(self, request, *args, **kwargs):
        opportunity = opportunity_for(request.user, kwargs["pk"])
        amount = request.POST.get("amount", "")
        if request.POST.get("accept") != "yes":
            return self.render_to_response(self.get_context_data(
                amount=amount, refusal=[_("Confirm that you have read the risk disclosure.")], **kwargs), status=400)
        try:
            holding = invest(user=request.user, investor=self.agent, opportunity=opportunity, amount=amount,
                             idempotency_key=request.POST.get("key", ""))
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(amount=amount, refusal=exc.messages, **kwargs),
                                           status=400)
        messages.success(request, _("Invested %(amount)s yuan in %(title)s.")
                         % {"amount": f"{holding.amount:,}", "title": opportunity.title})
        return redirect("investors:holding", pk=holding.pk)
