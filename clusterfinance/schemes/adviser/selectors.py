"""The comparison behind the adviser: every option a firm might finance its need with, each
with its all-in annual cost (the effective rate of the schedule's cash flows and every fee), its
payment, what it binds, the time to money and — when the firm may not take it — why.

Reads only (a fixed number of queries whatever the number of products). The schedule is
``lending.schedules.build_schedule``; the grade gate is ``lending``'s own ``check_grade``.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import current_cluster_ids
from agents.money import ZERO, quantize
from lending.choices import MONTHS_PER_PERIOD
from lending.models import LendingHold, LendingStanding
from lending.schedules import build_schedule
from lending.selectors import products_for_borrower
from lending.services.applications import check_grade, discounted_rate
from lending.services.private_lending import investor_owed_by, is_natural_person, private_lending_caps_for
from lending.subsidies import GUARANTEE_FEE, INTEREST, SubsidyOffer, best_share, subsidy_offers_for

from ...guarantees.models import GuaranteeFund
from .rates import effective_annual_rate, schedule_cash_flows

# Typical days from the application to the money, per kind of option (settings.ADVISER_DAYS_TO_MONEY
# overrides any of them).
DAYS_TO_MONEY = {"finance_company": 3, "institution": 15, "investor": 7, "group": 5, "guarantee": 5,
                 "rotating_fund": 10, "bond": 90}

# Sibling schemes listed as "not available" until their package exists.
SCHEME_PACKAGES = {"rotating_fund": "clusterfinance.schemes.rotating_fund",
                   "bond": "clusterfinance.schemes.collective_bond"}


def days_to_money(kind: str) -> int:
    return {**DAYS_TO_MONEY, **getattr(settings, "ADVISER_DAYS_TO_MONEY", {})}[kind]


@dataclass
class Need:
    amount: Decimal
    months: int
    purpose: str = ""


@dataclass
class Option:
    kind: str
    title: str
    lender_name: str = ""
    product: object = None
    eligible: bool = False
    reasons: list[str] = field(default_factory=list)
    annual_rate: Decimal | None = None
    fees: Decimal = ZERO
    guarantee_fee: Decimal = ZERO
    ear: float | None = None
    payment: Decimal | None = None
    payment_note: str = ""
    total_cost: Decimal | None = None
    binds: str = ""
    days: int | None = None
    apply_url: str = ""
    available: bool = True
    subsidy: Decimal = ZERO  # what the government's programmes give back over the term
    subsidies: list[SubsidyOffer] = field(default_factory=list)
    ear_unsubsidised: float | None = None

    @property
    def rate_percent(self) -> str:
        return "" if self.annual_rate is None else f"{self.annual_rate * 100:.2f}"

    @property
    def upfront(self) -> Decimal:
        return self.fees + self.guarantee_fee

    @property
    def ear_percent(self) -> str:
        return "" if self.ear is None else f"{self.ear * 100:.2f}"

    @property
    def ear_unsubsidised_percent(self) -> str:
        return "" if self.ear_unsubsidised is None or not self.subsidy else f"{self.ear_unsubsidised * 100:.2f}"


def _kind_title(kind: str) -> str:
    return {"finance_company": _("Finance company loan"), "institution": _("Institution loan"),
            "investor": _("Investor loan (via the investor portal)"), "group": _("Group loan (joint liability)"),
            "rotating_fund": _("Mutual credit fund in rotation"), "bond": _("Share of a collective bond")}[kind]


def _product_option(*, product, firm, need: Need, kind: str, standing, hold, start: date,
                    offers: list[SubsidyOffer]) -> Option:
    option = Option(kind=kind, title=f"{_kind_title(kind)} · {product.name}", lender_name=product.lender.name,
                    product=product, days=days_to_money(kind))
    reasons = option.reasons
    step = MONTHS_PER_PERIOD[product.frequency]
    periods = need.months // step
    if need.months % step:
        reasons.append(_("This product is repaid quarterly; the term must be a whole number of quarters."))
    elif not product.min_periods <= periods <= product.max_periods:
        reasons.append(_("The term must lie between %(min)s and %(max)s months for this product.") % {
            "min": product.min_periods * step, "max": product.max_periods * step})
    if not product.min_amount <= need.amount <= product.max_amount:
        reasons.append(_("The amount must lie between ¥%(min)s and ¥%(max)s for this product.") % {
            "min": f"{product.min_amount:,.2f}", "max": f"{product.max_amount:,.2f}"})
    try:
        check_grade(product=product, applicant=firm, amount=need.amount)
    except ValidationError as exc:
        reasons.extend(exc.messages)
    if standing is not None and standing.is_suspended:
        reasons.append(_("%(lender)s has suspended new money to your firm.") % {"lender": product.lender.name})
    if hold is not None:
        reasons.append(_("%(lender)s holds back new money to your firm: %(reason)s") % {
            "lender": product.lender.name, "reason": hold.reason})
    option.annual_rate = discounted_rate(product=product, rate=product.default_rate, standing=standing)
    option.fees = quantize(product.fee_rate * need.amount + product.fee_flat)
    terms_fit = not need.months % step and product.min_periods <= periods <= product.max_periods \
        and product.min_amount <= need.amount <= product.max_amount
    if terms_fit:  # the cost is shown even when the grade or the lender refuses
        try:
            _cost(option, product=product, amount=need.amount, periods=periods, start=start, offers=offers)
        except ValidationError as exc:
            reasons.extend(exc.messages)
    option.eligible = not reasons
    if option.eligible:
        option.apply_url = reverse("lending:application-create", kwargs={"pk": product.pk}) + "?" + urlencode(
            {"amount": f"{need.amount:.2f}", "periods": periods, "purpose": need.purpose})
    return option


def _cost(option: Option, *, product, amount: Decimal, periods: int, start: date,
          offers: list[SubsidyOffer]) -> None:
    """The schedule, the cash flows and their effective annual rate, written on ``option``; with
    the subsidies the firm may count on (``lending.subsidies``): each instalment due in an interest
    programme's period gets the programme's share of its interest back, and a guarantee fee paid
    in a guarantee-fee programme's period its share of the fee — the best programme of each kind,
    counted in the month the firm pays (docs/decisions.md, "The adviser counts subsidies")."""
    schedule = build_schedule(principal=amount, annual_rate=option.annual_rate, periods=periods,
                              method=product.method, frequency=product.frequency, start=start,
                              instalment_multiple=product.instalment_multiple)
    upfront = option.fees + option.guarantee_fee
    used: dict[str, SubsidyOffer] = {}

    def interest_back(row) -> Decimal:
        share, offer = best_share(offers, INTEREST, row.due_date)
        if offer is None:
            return ZERO
        used.setdefault(offer.title, offer)
        return quantize(share * row.interest)

    fee_back = ZERO
    if option.guarantee_fee:
        share, offer = best_share(offers, GUARANTEE_FEE, start)
        if offer is not None:
            fee_back = quantize(share * option.guarantee_fee)
            used.setdefault(offer.title, offer)
    plain = schedule_cash_flows(schedule=schedule, upfront_costs=upfront)
    flows = schedule_cash_flows(schedule=schedule, upfront_costs=upfront - fee_back, refund=interest_back)
    option.subsidy = sum(flows, ZERO) - sum(plain, ZERO)
    option.subsidies = list(used.values())
    option.ear_unsubsidised = effective_annual_rate(plain)
    option.ear = effective_annual_rate(flows) if option.subsidy else option.ear_unsubsidised
    option.payment = schedule.first_payment
    if product.frequency != "monthly":
        option.payment_note = _("per quarter")
    elif len(schedule) == 1:
        option.payment_note = _("once, at maturity")
    elif schedule.first_payment != schedule.last_payment:
        option.payment_note = _("first instalment")
    option.total_cost = schedule.total_interest + upfront - option.subsidy


def _guaranteed(base: Option, *, fund: GuaranteeFund, product, need: Need, start: date,
                offers: list[SubsidyOffer]) -> Option:
    """The same product with the mutual fund's guarantee: its fee (coverage × amount × fee rate a
    year × the term in years, paid at the start) is part of the cost."""
    option = Option(**{**base.__dict__, "reasons": list(base.reasons)})
    option.kind = "guarantee"
    option.title = _("%(option)s, guaranteed by the mutual fund") % {"option": base.title}
    guaranteed = quantize(fund.coverage_cap * need.amount)
    years = Decimal(need.months) / Decimal(12)
    option.guarantee_fee = quantize(fund.fee_rate * guaranteed * years)
    option.days = base.days + days_to_money("guarantee")
    option.binds = _("The mutual guarantee fund guarantees ¥%(amount)s (%(coverage)s%% of the principal); the "
                     "fund recovers from your firm what it pays.") % {
        "amount": f"{guaranteed:,.2f}", "coverage": f"{fund.coverage_cap * 100:.0f}"}
    if base.ear is not None:
        step = MONTHS_PER_PERIOD[product.frequency]
        _cost(option, product=product, amount=need.amount, periods=need.months // step, start=start,
              offers=offers)
    return option


def options_compare(*, user, firm, need: Need, start: date | None = None) -> dict:
    """Every option for ``firm``'s need: the eligible ones cheapest first (by effective annual
    rate), then the others with their reasons, then the schemes not available here."""
    start = start or timezone.localdate()
    products = list(products_for_borrower(user=user, borrower=firm))
    standings = {s.lender_id: s for s in LendingStanding.objects.filter(firm=firm)}
    holds = {}
    for hold in LendingHold.objects.filter(firm=firm).order_by("since", "pk"):
        holds.setdefault(hold.lender_id, hold)
    fund = GuaranteeFund.objects.filter(cluster_id__in=current_cluster_ids(firm)).order_by("pk").first()
    group_product_ids, in_group = _group_facts(firm)
    caps = private_lending_caps_for(firm)
    investor_left = max((caps.per_natural_person if is_natural_person(firm) else caps.per_firm)
                        - investor_owed_by(firm), ZERO)
    offers = subsidy_offers_for(firm, on=start)

    options: list[Option] = []
    for product in products:
        kind = product.lender.kind if product.lender.kind in ("finance_company", "institution", "investor") \
            else "institution"
        common = {"product": product, "firm": firm, "need": need, "standing": standings.get(product.lender_id),
                  "hold": holds.get(product.lender_id), "start": start, "offers": offers}
        if product.pk in group_product_ids:
            option = _product_option(kind="group", **common)
            option.binds = _("Every other member of your group is jointly liable for your overdue instalments, "
                             "and you for theirs.")
            if not in_group:
                option.reasons.append(_("Your firm is not in a formed loan group."))
                option.eligible, option.apply_url = False, ""
            options.append(option)
            continue
        option = _product_option(kind=kind, **common)
        if kind == "investor":
            option.binds = _("Private lending caps: your firm may owe the platform's investors at most ¥%(cap)s; "
                             "¥%(left)s left.") % {"cap": f"{caps.per_firm:,.2f}", "left": f"{investor_left:,.2f}"}
            if need.amount > investor_left:
                option.reasons.append(_("The amount passes what your firm may still owe the platform's investors "
                                        "(¥%(left)s).") % {"left": f"{investor_left:,.2f}"})
                option.eligible, option.apply_url = False, ""
        else:
            option.binds = _("Your firm alone; any collateral as the lender's contract requires.")
        options.append(option)
        if fund is not None and kind == "institution":
            options.append(_guaranteed(option, fund=fund, product=product, need=need, start=start, offers=offers))

    rotating = _rotating_options(firm=firm, need=need)
    options.extend(rotating or [])
    unavailable = [Option(kind=kind, title=_kind_title(kind), available=False, days=days_to_money(kind),
                          reasons=[_("Not available on this platform yet.")])
                   for kind, module in SCHEME_PACKAGES.items() if not _package_exists(module)
                   or (kind == "rotating_fund" and rotating is None)]
    if rotating == [] and not any(o.kind == "rotating_fund" for o in unavailable):
        unavailable.append(Option(kind="rotating_fund", title=_kind_title("rotating_fund"), available=False,
                                  days=days_to_money("rotating_fund"),
                                  reasons=[_("The finance company runs no mutual credit fund now.")]))
    if _package_exists(SCHEME_PACKAGES["bond"]):
        unavailable.append(Option(kind="bond", title=_kind_title("bond"), available=False, days=days_to_money("bond"),
                                  reasons=[_("A share of a collective bond is assigned when the finance company "
                                             "assembles an issue (capped at a share of the firm's net assets); ask "
                                             "the finance company to include your firm.")]))
    if not group_product_ids and _package_exists("clusterfinance.schemes.group_loans"):
        unavailable.append(Option(kind="group", title=_kind_title("group"), available=False,
                                  days=days_to_money("group"),
                                  reasons=[_("The finance company has chosen no product for group loans.")]))
    eligible = sorted((o for o in options if o.eligible), key=lambda o: (o.ear, o.days, o.title))
    others = [o for o in options if not o.eligible]
    return {"eligible": eligible, "ineligible": others, "unavailable": unavailable,
            "guarantee_fund": fund, "need": need, "subsidy_offers": offers}


def _rotating_options(*, firm, need: Need) -> list[Option] | None:
    """One option per open or rotating mutual credit fund of the firm's finance companies: an
    advance of the fund's amount for its term, simple interest actual/365 (the fund's own
    ``interest_of``) paid with the advance, so the effective annual rate is
    ``(1 + interest / advance) ** (365 / days) - 1``. ``None`` when the scheme is not installed."""
    try:
        from ..rotating_fund.models import FundMember, FundMemberStatus, FundStatus, OrderRule, RotatingFund
        from ..rotating_fund.services import interest_of
    except ImportError:
        return None
    from agents.models import ClusterMembership, current_membership_q

    fcs = ClusterMembership.objects.filter(current_membership_q(), agent=firm).values("cluster__finance_company_id")
    funds = list(RotatingFund.objects.filter(finance_company_id__in=fcs, status__in=(FundStatus.OPEN,
                                                                                      FundStatus.ROTATING))
                 .select_related("finance_company").order_by("pk"))
    seats = {m.fund_id: m for m in FundMember.objects.filter(firm=firm, fund__in=[f.pk for f in funds])}
    options = []
    for fund in funds:
        seat = seats.get(fund.pk)
        rate = seat.bid_rate if seat is not None and fund.rule == OrderRule.BID and seat.bid_rate is not None \
            else fund.rate
        interest = interest_of(fund.advance_amount, rate, fund.term_days)
        option = Option(kind="rotating_fund", title=f"{_kind_title('rotating_fund')} · {fund.name}",
                        lender_name=fund.finance_company.name, annual_rate=rate, days=days_to_money("rotating_fund"),
                        payment=fund.advance_amount + interest, payment_note=_("once, at maturity"),
                        total_cost=interest)
        option.ear = (1.0 + float(interest / fund.advance_amount)) ** (365.0 / fund.term_days) - 1.0
        option.binds = _("Your membership fee of ¥%(fee)s covers a loss of yours first, the other members share "
                         "the rest; the advance is paid in the fund's order, when your turn comes.") % {
            "fee": f"{fund.fee:,.2f}"}
        if seat is None:
            option.reasons.append(_("Your firm is not a member of this fund; the finance company admits members "
                                    "while the fund is open."))
        elif seat.status == FundMemberStatus.DEFAULTED:
            option.reasons.append(_("Your firm lost its turn in this fund."))
        if need.amount > fund.advance_amount:
            option.reasons.append(_("The fund advances at most ¥%(amount)s a round.") % {
                "amount": f"{fund.advance_amount:,.2f}"})
        if need.months * 30 > fund.term_days + 30:
            option.reasons.append(_("The fund's advances are for %(days)s days.") % {"days": fund.term_days})
        option.eligible = not option.reasons
        options.append(option)
    return options


def _package_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _group_facts(firm) -> tuple[set[int], bool]:
    """(the products of group loans of the firm's finance companies, whether the firm is an
    accepted member of a formed group) — empty when the group scheme is not installed."""
    if not _package_exists("clusterfinance.schemes.group_loans.models"):
        return set(), False
    from agents.models import ClusterMembership, current_membership_q

    from ..group_loans.models import GroupMember, GroupPolicy, GroupStatus, MemberStatus

    fcs = ClusterMembership.objects.filter(current_membership_q(), agent=firm).values("cluster__finance_company_id")
    ids = set(GroupPolicy.objects.filter(finance_company_id__in=fcs, product__isnull=False)
              .values_list("product_id", flat=True))
    in_group = GroupMember.objects.filter(firm=firm, status=MemberStatus.ACCEPTED,
                                          group__status=GroupStatus.ACTIVE).exists()
    return ids, in_group


__all__ = ["DAYS_TO_MONEY", "Need", "Option", "days_to_money", "options_compare"]
