"""The guarantee fund as a sub-ledger: for each fund, the capital in the ledger (minus the
finance company's ``guarantee_fund`` balance) equals contributions + fees − claims paid +
recoveries, and each claim's ``recovered`` equals its recoveries."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from agents.money import ZERO, money_sum, quantize
from lending.choices import AccountPurpose, AlertKind
from lending.ledger.checks import LIMIT, subledger_register
from lending.ledger.models import Account

from .models import ClaimRecovery, ClaimStatus, Contribution, FundGuarantee, GuaranteeClaim, GuaranteeFund


def fund_count() -> int:
    return GuaranteeFund.objects.count()


def _by_fund(qs, fund_field: str, amount: str) -> dict[int, Decimal]:
    return {k: quantize(Decimal(v or 0)) for k, v in
            qs.values(fund_field).order_by().annotate(t=money_sum(amount)).values_list(fund_field, "t")}


def fund_mismatches() -> list[dict]:
    contributed = _by_fund(Contribution.objects.all(), "fund_id", "amount")
    fees = _by_fund(FundGuarantee.objects.exclude(fee_entry__isnull=True), "fund_id", "fee")
    paid = _by_fund(GuaranteeClaim.objects.filter(status=ClaimStatus.PAID), "guarantee__fund_id", "amount")
    recovered = _by_fund(ClaimRecovery.objects.all(), "claim__guarantee__fund_id", "amount")
    problems = []
    funds = list(GuaranteeFund.objects.select_related("cluster").order_by("pk"))
    balances = dict(Account.objects.filter(agent_id__in=[f.cluster.finance_company_id for f in funds],
                                           purpose=AccountPurpose.GUARANTEE_FUND, loan__isnull=True)
                    .values_list("agent_id", "balance"))
    for fund in funds:
        book = (contributed.get(fund.pk, ZERO) + fees.get(fund.pk, ZERO) - paid.get(fund.pk, ZERO)
                + recovered.get(fund.pk, ZERO))
        ledger = quantize(-(balances.get(fund.cluster.finance_company_id) or ZERO))
        if ledger != quantize(book):
            problems.append({"ref": f"guarantee fund #{fund.pk}",
                             "problem": f"ledger capital {ledger} ≠ contributions + fees − payouts + recoveries "
                                        f"{quantize(book)}"})
    per_claim = dict(ClaimRecovery.objects.values("claim_id").order_by().annotate(t=Sum("amount"))
                     .values_list("claim_id", "t"))
    for pk, cached in GuaranteeClaim.objects.filter(recovered__gt=0).values_list("pk", "recovered"):
        if quantize(Decimal(per_claim.get(pk) or 0)) != cached:
            problems.append({"ref": f"guarantee claim #{pk}", "problem": f"recovered {cached} ≠ its recoveries"})
    return problems[:LIMIT]


def register() -> None:
    subledger_register(name="guarantee_fund", alert_kind=AlertKind.BALANCE_MISMATCH, count=fund_count,
                       problems=fund_mismatches)
