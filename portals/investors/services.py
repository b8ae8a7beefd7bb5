"""Writes of the investor portal. Each names what it does before it starts.

``invest`` (one transaction; any refusal raises ``ValidationError`` and nothing is written):

1. the investor may invest (``invest`` capability) and the key is new (a retry returns the first holding);
2. the opportunity is locked, still open, and the amount parses, is at least its minimum and fits what is left;
3. suitability: the assessment holds (one year) and the level covers the opportunity's risk (Cn buys ≤ Rn);
4. direct loans: the government's caps (``lending.services.private_lending``), checked again under lock;
5. the money moves on the ledger — a note through ``clusterfinance.pool.subscriptions.note_subscribe``
   (into the pool), a direct loan through ``private_loan_make`` (a real lending loan, disbursed), a
   deposit through ``money_move`` (investor placements +, institution deposits −);
6. the ``Holding`` is written with its record (note, loan or entry) and the cooling-off end;
7. the transaction is reported to the centre's business module (``business_record_publish``, keyed).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from agents.money import ZERO, parse_amount, quantize
from agents.services import agent_create
from clusterfinance.pool.permissions import MANAGE_POOL
from clusterfinance.pool.subscriptions import INVEST, note_subscribe, note_subscription_cancel
from infocenter.choices import Visibility
from infocenter.services.business import business_record_publish
from lending.choices import AccountPurpose as P
from lending.choices import Frequency, RepaymentMethod
from lending.ledger.services import money_move, parse_idempotency_key
from lending.permissions import APPLY, MANAGE_PRODUCTS
from lending.schedules import add_months, build_schedule
from lending.services.private_lending import (
    Headroom,
    private_lending_check,
    private_lending_headroom,
    private_loan_make,
)
from lending.validation import parse_choice, parse_rate

from .choices import HoldingStatus, OpportunityKind, OpportunityStatus, RiskLevel
from .models import Holding, InvestorProfile, Opportunity, SuitabilityAssessment
from .questionnaire import may_buy, score

# Cooling-off (冷静期): 24 hours for the finance company's notes (sold to the public like a private
# fund, whose rules give at least 24 h); none for direct loans (a civil loan contract takes effect on
# signature) and deposits (withdrawable under the institution's own terms).
COOLING_OFF_HOURS = {OpportunityKind.NOTE: 24, OpportunityKind.DIRECT_LOAN: 0, OpportunityKind.DEPOSIT: 0}
# the risk level of a direct loan by the borrower's grade (unrated: highest)
GRADE_RISK = {"AAA": "R2", "AA": "R2", "A": "R3", "BBB": "R3", "BB": "R4", "B": "R4"}
FIXED_RISK = {OpportunityKind.NOTE: RiskLevel.R2, OpportunityKind.DEPOSIT: RiskLevel.R1}
ISSUER = {OpportunityKind.NOTE: (AgentKind.FINANCE_COMPANY, MANAGE_POOL),
          OpportunityKind.DIRECT_LOAN: (AgentKind.ENTERPRISE, APPLY),
          OpportunityKind.DEPOSIT: (AgentKind.INSTITUTION, MANAGE_PRODUCTS)}
LINK = {OpportunityKind.NOTE: "3", OpportunityKind.DIRECT_LOAN: "b", OpportunityKind.DEPOSIT: "c"}
RECORD_KIND = {OpportunityKind.NOTE: "note", OpportunityKind.DIRECT_LOAN: "investor_loan",
               OpportunityKind.DEPOSIT: "deposit"}


def grade_risk(grade: str) -> str:
    return GRADE_RISK.get(grade or "", RiskLevel.R5)


def risk_of(opportunity: Opportunity) -> str:
    """The risk level that applies now: a direct loan's is the worse of the stated one and the
    one its firm's current grade gives (a downgrade raises it at once)."""
    if opportunity.kind != OpportunityKind.DIRECT_LOAN:
        return opportunity.risk_level
    return max(opportunity.risk_level, grade_risk(opportunity.issuer.current_grade))


# --- suitability --------------------------------------------------------------------------------

@transaction.atomic
def suitability_assess(*, user, investor, answers: dict, on=None) -> SuitabilityAssessment:
    """Score the questionnaire and set the investor's level for a year. An unanswered question
    is refused by name; nothing is written."""
    require(user, investor, INVEST)
    try:
        scored = score({k: str(v) for k, v in (answers or {}).items()})
    except ValueError as exc:
        raise ValidationError({str(exc): _("Choose one answer to this question.")}, code="unanswered") from exc
    on = on or timezone.localdate()
    assessment = SuitabilityAssessment.objects.create(investor=investor, answers=scored.answers, total=scored.total,
                                                      level=scored.level, assessed_on=on, created_by=user)
    profile = InvestorProfile.objects.filter(agent=investor).first()
    if profile is None:
        profile = InvestorProfile(agent=investor, investor_type="individual")
    profile.suitability, profile.assessed_on = scored.level, on
    profile.full_clean()
    profile.save()
    return assessment


# --- opportunities ------------------------------------------------------------------------------

@transaction.atomic
def opportunity_open(*, user, kind: str, issuer, title: str, risk_disclosure: str, annual_rate, term_months,
                     size=None, min_amount="1000", method: str = "", purpose: str = "", cluster=None) -> Opportunity:
    """The issuer opens an opportunity to investors: the finance company a note (its staff), a
    member firm a need for a direct loan (its owner or finance officer), an institution a deposit
    (its manager). The risk level follows the kind (notes R2, deposits R1) or the firm's grade."""
    if kind not in OpportunityKind.values:
        raise ValidationError({"kind": _("Choose a kind of opportunity.")})
    issuer_kind, capability = ISSUER[kind]
    if issuer.kind != issuer_kind:
        raise ValidationError({"issuer": _("This kind of opportunity comes from a %(kind)s.")
                               % {"kind": AgentKind(issuer_kind).label}})
    require(user, issuer, capability)
    from agents.parsing import collect

    values = collect(annual_rate=lambda: parse_rate(annual_rate),
                     size=lambda: parse_amount(size) if size not in (None, "") else None,
                     min_amount=lambda: parse_amount(min_amount),
                     method=lambda: parse_choice(method, RepaymentMethod) if kind == OpportunityKind.DIRECT_LOAN
                     else "")
    if kind == OpportunityKind.NOTE and cluster is None:
        raise ValidationError({"cluster": _("A note belongs to a cluster's pool.")})
    if kind != OpportunityKind.DEPOSIT and values["size"] is None:
        raise ValidationError({"size": _("Say how much is sought.")})
    risk = grade_risk(issuer.current_grade) if kind == OpportunityKind.DIRECT_LOAN else FIXED_RISK[kind]
    opportunity = Opportunity(kind=kind, issuer=issuer, cluster=cluster, title=(title or "").strip(),
                              purpose=(purpose or "").strip(), risk_disclosure=(risk_disclosure or "").strip(),
                              annual_rate=values["annual_rate"], term_months=term_months, method=values["method"],
                              size=values["size"], min_amount=values["min_amount"], risk_level=risk,
                              cooling_off_hours=COOLING_OFF_HOURS[kind], created_by=user)
    opportunity.full_clean()
    opportunity.save()
    return opportunity


def raised_of(opportunity: Opportunity) -> Decimal:
    from django.db.models import Sum

    return opportunity.holdings.exclude(status=HoldingStatus.CANCELLED).aggregate(v=Sum("amount"))["v"] or ZERO


# --- investing ------------------------------------------------------------------------------------

@dataclass
class Quote:
    """What the confirmation page shows, computed by the same code that invests."""

    opportunity: Opportunity
    amount: Decimal
    risk_level: str
    level: str
    maturity_date: datetime.date
    expected_interest: Decimal
    schedule: list
    left: Decimal | None
    headroom: Headroom | None
    cooling_off_hours: int


def expected_flows(opportunity: Opportunity, amount: Decimal, start: datetime.date) -> list[tuple[datetime.date, Decimal, Decimal]]:
    """The contractual flows back to the investor: (date, principal, interest)."""
    if opportunity.kind == OpportunityKind.DIRECT_LOAN:
        schedule = build_schedule(principal=amount, annual_rate=opportunity.annual_rate,
                                  periods=opportunity.term_months, method=opportunity.method, start=start,
                                  frequency=Frequency.MONTHLY)
        return [(row.due_date, row.principal, row.interest) for row in schedule]
    interest = quantize(amount * opportunity.annual_rate * opportunity.term_months / 12)
    return [(add_months(start, opportunity.term_months), amount, interest)]


def invest_quote(*, investor, opportunity: Opportunity, amount, on=None) -> Quote:
    """Every check of ``invest`` but the money: raises the refusal ``invest`` would raise."""
    on = on or timezone.localdate()
    from agents.parsing import collect

    value = collect(amount=lambda: parse_amount(amount))["amount"]
    if opportunity.status != OpportunityStatus.OPEN:
        raise ValidationError(_("This opportunity is closed."), code="closed")
    if value < opportunity.min_amount:
        raise ValidationError({"amount": ValidationError(_("The minimum investment is %(min)s yuan.")
                                                         % {"min": f"{opportunity.min_amount:,}"}, code="minimum")})
    left = None
    if opportunity.size is not None:
        left = opportunity.size - raised_of(opportunity)
        if value > left:
            raise ValidationError({"amount": ValidationError(_("Only %(left)s yuan are still sought.")
                                                             % {"left": f"{max(left, ZERO):,}"}, code="size")})
    profile = InvestorProfile.objects.filter(agent=investor).first()
    if profile is None or not profile.is_current(on):
        raise ValidationError(_("Your suitability assessment is missing or older than a year: take the questionnaire "
                                "again before investing."), code="suitability_expired")
    risk = risk_of(opportunity)
    if not may_buy(profile.suitability, risk):
        raise ValidationError(_("This product is %(risk)s, above your suitability level %(level)s (you may buy up to "
                                "R%(n)s). Nothing was invested.") % {"risk": risk, "level": profile.suitability,
                                                                     "n": profile.suitability[1:]},
                              code="above_level")
    headroom = None
    if opportunity.kind == OpportunityKind.DIRECT_LOAN:
        headroom = private_lending_check(lender=investor, borrower=opportunity.issuer, amount=value)
    flows = expected_flows(opportunity, value, on)
    return Quote(opportunity=opportunity, amount=value, risk_level=risk, level=profile.suitability,
                 maturity_date=flows[-1][0], expected_interest=sum((f[2] for f in flows), ZERO), schedule=flows,
                 left=left, headroom=headroom, cooling_off_hours=opportunity.cooling_off_hours)


def caps_left(*, investor, opportunity: Opportunity) -> Headroom | None:
    if opportunity.kind != OpportunityKind.DIRECT_LOAN:
        return None
    return private_lending_headroom(lender=investor, borrower=opportunity.issuer)


@transaction.atomic
def invest(*, user, investor, opportunity: Opportunity, amount, idempotency_key, on=None) -> Holding:
    """Put ``amount`` of ``investor``'s money into ``opportunity`` (see the module docstring)."""
    require(user, investor, INVEST)
    from agents.parsing import collect

    key = collect(idempotency_key=lambda: parse_idempotency_key(idempotency_key))["idempotency_key"]
    existing = Holding.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.investor_id != investor.pk:
            raise ValidationError(_("This request was already used."), code="key_reused")
        return existing
    on = on or timezone.localdate()
    opportunity = Opportunity.objects.select_for_update(of=("self",)).select_related("issuer", "cluster__finance_company") \
        .get(pk=opportunity.pk)
    quote = invest_quote(investor=investor, opportunity=opportunity, amount=amount, on=on)
    holding = Holding(investor=investor, opportunity=opportunity, amount=quote.amount, risk_level=quote.risk_level,
                      investor_level=quote.level, invested_on=on, maturity_date=quote.maturity_date,
                      idempotency_key=key, created_by=user, status=HoldingStatus.ACTIVE)
    if opportunity.cooling_off_hours:
        # counted from the moment of investing (an investment recorded for an earlier day: from that day)
        now = timezone.now()
        start = now if on >= timezone.localdate() else now - datetime.timedelta(days=(timezone.localdate() - on).days)
        holding.cooling_off_until = start + datetime.timedelta(hours=opportunity.cooling_off_hours)
        if holding.cooling_off_until > now:
            holding.status = HoldingStatus.COOLING_OFF
    if opportunity.kind == OpportunityKind.NOTE:
        movement = note_subscribe(user=user, cluster=opportunity.cluster, investor=investor, amount=quote.amount,
                                  annual_rate=opportunity.annual_rate, maturity_date=quote.maturity_date, on=on,
                                  idempotency_key=f"investor-note:{key}", reference=f"PJ-{opportunity.pk}")
        holding.fund_source, holding.entry = movement.source, movement.entry
        counterparty = opportunity.cluster.finance_company
    elif opportunity.kind == OpportunityKind.DIRECT_LOAN:
        loan = private_loan_make(user=user, lender=investor, borrower=opportunity.issuer, amount=quote.amount,
                                 annual_rate=opportunity.annual_rate, periods=opportunity.term_months,
                                 method=opportunity.method, frequency=Frequency.MONTHLY, on=on,
                                 idempotency_key=f"investor-loan:{key}")
        holding.loan = loan
        counterparty = opportunity.issuer
    else:
        entry, _created = money_move(idempotency_key=f"investor-deposit:{key}", on=on, amount=quote.amount,
                                     payer=investor, payer_purpose=P.PLACEMENTS, payee=opportunity.issuer,
                                     payee_purpose=P.DEPOSITS, reference=f"investors.opportunity:{opportunity.pk}",
                                     memo=opportunity.title[:100], user=user)
        holding.entry = entry
        counterparty = opportunity.issuer
    holding.full_clean()
    holding.save()
    business_record_publish(
        link=LINK[opportunity.kind], kind=RECORD_KIND[opportunity.kind], subject=counterparty, counterparty=investor,
        subject_role="borrower" if opportunity.kind == OpportunityKind.DIRECT_LOAN else "issuer",
        counterparty_role="investor", title=f"{opportunity.get_kind_display()} · {opportunity.title}",
        amount=quote.amount, key=f"investor-holding:{holding.pk}", visibility=Visibility.GOVERNMENT,
        data={"holding": holding.pk, "opportunity": opportunity.pk, "risk_level": quote.risk_level,
              "investor_level": quote.level, "annual_rate": str(opportunity.annual_rate),
              "term_months": opportunity.term_months, "maturity_date": quote.maturity_date.isoformat(),
              "loan": holding.loan_id, "fund_source": holding.fund_source_id})
    return holding


@transaction.atomic
def holding_cancel(*, user, holding: Holding, idempotency_key) -> Holding:
    """Cancel within the cooling-off period: the whole amount goes back through the ledger."""
    holding = Holding.objects.select_for_update(of=("self",)).select_related("opportunity", "fund_source").get(pk=holding.pk)
    require(user, holding.investor, INVEST)
    if holding.status == HoldingStatus.CANCELLED:
        return holding
    if not holding.may_cancel:
        raise ValidationError(_("The cooling-off period of this investment is over; it can no longer be cancelled."),
                              code="cooling_off_over")
    note_subscription_cancel(user=user, source=holding.fund_source, on=timezone.localdate(),
                             idempotency_key=f"investor-note-cancel:{holding.pk}")
    holding.status, holding.cancelled_at = HoldingStatus.CANCELLED, timezone.now()
    holding.save(update_fields=["status", "cancelled_at"])
    return holding


def cooling_off_settle(*, investor=None, now=None) -> int:
    """Holdings (of ``investor``, or all) whose cooling-off period has ended become plain
    holdings — one UPDATE, run when the investor's pages are read."""
    qs = Holding.objects.filter(status=HoldingStatus.COOLING_OFF, cooling_off_until__lte=now or timezone.now())
    return (qs.filter(investor=investor) if investor is not None else qs).update(status=HoldingStatus.ACTIVE)


@transaction.atomic
def investor_register(*, name: str, region_code: str, region: str, investor_type: str, suitability: str,
                      assessed_on, credit_code: str = "", occupation: str = "") -> InvestorProfile:
    agent = agent_create(kind=AgentKind.INVESTOR, name=name, credit_code=credit_code, region_code=region_code,
                         region=region)
    profile = InvestorProfile(agent=agent, investor_type=investor_type, suitability=suitability,
                              assessed_on=assessed_on, occupation=occupation)
    profile.full_clean()
    profile.save()
    return profile


__all__ = ["holding_cancel", "invest", "invest_quote", "opportunity_open", "suitability_assess"]
