"""Reads of the rotating fund: the funds a finance company keeps or a firm belongs to, the open
funds a firm may ask to join, a fund's capital and outstanding advances from the ledger, and one
fund's page (order, rounds, losses, requests to join, the closing statement) in a fixed number of
queries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count

from agents.choices import AgentKind
from agents.models import Cluster, current_cluster_ids
from agents.money import ZERO, money_sum, quantize
from lending.choices import AccountPurpose as P
from lending.ledger.models import Posting

from .models import FundMember, FundStatus, JoinRequest, JoinStatus, LossShare, RotatingFund, RoundStatus


def funds_of_finance_company(fc):
    return RotatingFund.objects.filter(finance_company=fc).annotate(
        n_members=Count("members", distinct=True)).order_by("-created_at", "-pk")


def funds_of_firm(firm):
    return RotatingFund.objects.filter(members__firm=firm).select_related("finance_company").annotate(
        n_members=Count("members", distinct=True)).order_by("-created_at", "-pk")


def funds_open_to_firm(firm):
    """Open funds of the finance companies of the firm's clusters that the firm is not in, each
    with the firm's own request (``my_request``: a list of zero or one)."""
    from django.db.models import Prefetch

    if firm.kind != AgentKind.ENTERPRISE:
        return RotatingFund.objects.none()
    fcs = Cluster.objects.filter(pk__in=current_cluster_ids(firm)).values("finance_company_id")
    return RotatingFund.objects.filter(status=FundStatus.OPEN, finance_company_id__in=fcs).exclude(
        members__firm=firm).select_related("finance_company").annotate(
        n_members=Count("members", distinct=True)).prefetch_related(
        Prefetch("join_requests", queryset=JoinRequest.objects.filter(firm=firm), to_attr="my_request")
    ).order_by("-created_at", "-pk")


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
    requests = list(JoinRequest.objects.filter(fund=fund).select_related("firm").order_by("asked_at", "pk"))
    drawn = set(by_member)
    upcoming = [m for m in members if m.pk not in drawn and m.status == "active" and m.position]
    current = next((r for r in rounds if r.status == RoundStatus.DRAWN), None)
    statement = None
    if fund.status == FundStatus.CLOSED:
        statement = [{"member": m, "borne": m.fee_paid - (m.fee_returned or ZERO), "returned": m.fee_returned or ZERO,
                      "interest": m.interest_share or ZERO,
                      "total": (m.fee_returned or ZERO) + (m.interest_share or ZERO)} for m in members]
    return {"members": rows, "rounds": rounds, "upcoming": upcoming, "current": current,
            "next": upcoming[0] if upcoming and current is None else None,
            "capital": fund_capital(fund), "outstanding": fund_outstanding(fund),
            "requests": [r for r in requests if r.status == JoinStatus.PENDING], "all_requests": requests,
            "statement": statement,
            "statement_total": sum((r["total"] for r in statement), ZERO) if statement else ZERO,
            "interest_received": sum((r.interest for r in rounds if r.status == RoundStatus.REPAID), ZERO)}
