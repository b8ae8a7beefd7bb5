"""Reads of the rotating fund: the funds a finance company keeps or a firm belongs to, a fund's
capital and outstanding advances from the ledger, and one fund's page (order, rounds, losses) in
a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count

from agents.money import ZERO, money_sum, quantize
from lending.choices import AccountPurpose as P
from lending.ledger.models import Posting

from .models import FundMember, LossShare, RotatingFund, RoundStatus


def funds_of_finance_company(fc):
    return RotatingFund.objects.filter(finance_company=fc).annotate(
        n_members=Count("members", distinct=True)).order_by("-created_at", "-pk")


def funds_of_firm(firm):
    return RotatingFund.objects.filter(members__firm=firm).select_related("finance_company").annotate(
        n_members=Count("members", distinct=True)).order_by("-created_at", "-pk")


def fund_may_see(fund: RotatingFund, agent) -> bool:
    return fund.finance_company_id == agent.pk or FundMember.objects.filter(fund=fund, firm=agent).exists()


def _balance(fund, purpose) -> Decimal:
    return quantize(Posting.objects.filter(account__agent_id=fund.finance_company_id, account__purpose=purpose,
                                           entry__reference=f"rotating_fund:{fund.pk}").aggregate(
        s=money_sum("amount"))["s"])


def fund_capital(fund) -> Decimal:
    """The fund's capital: fees and interest received less losses (minus F's deposits balance over
    the fund's entries)."""
    return -_balance(fund, P.DEPOSITS)


def fund_outstanding(fund) -> Decimal:
    """The advances out and not yet repaid or written off (F's placements over the fund's entries)."""
    return _balance(fund, P.PLACEMENTS)


def fund_page(fund: RotatingFund) -> dict:
    members = list(fund.members.select_related("firm").order_by("position", "pk"))
    rounds = list(fund.rounds.select_related("member__firm").order_by("number"))
    shares = list(LossShare.objects.filter(round__fund=fund).values_list("member_id", "amount"))
    lost: dict[int, Decimal] = {}
    for member_id, amount in shares:
        lost[member_id] = lost.get(member_id, ZERO) + amount
    by_member = {r.member_id: r for r in rounds}
    rows = [{"member": m, "round": by_member.get(m.pk), "lost": lost.get(m.pk, ZERO)} for m in members]
    drawn = set(by_member)
    upcoming = [m for m in members if m.pk not in drawn and m.status == "active" and m.position]
    current = next((r for r in rounds if r.status == RoundStatus.DRAWN), None)
    return {"members": rows, "rounds": rounds, "upcoming": upcoming, "current": current,
            "next": upcoming[0] if upcoming and current is None else None,
            "capital": fund_capital(fund), "outstanding": fund_outstanding(fund)}
