"""Writes of the mutual guarantee fund and the firm-to-firm guarantees. Every movement of money
is one ledger entry through ``lending.ledger.services.money_move`` and one row here, in the same
transaction (``_move``). What each posts (F is the finance company that keeps the fund):

| movement | payer's books | payee's books |
|---|---|---|
| contribution (member firm or government → F) | placements +, cash − | F cash +, guarantee fund − |
| guarantee fee (borrower → F) | fee expense +, cash − | F cash +, guarantee fund − |
| claim paid (F → lender) | F guarantee fund +, cash − | lender cash +, recovery income − |
| recovery (defaulter → F) | guarantee claims reimbursed +, cash − | F cash +, guarantee fund − |

The fund's capital is minus F's ``guarantee_fund`` balance. The lender books the payout as
recovery income, not against the loan's receivable: a loan's own accounts move only through the
loan services (the ledger refuses per-loan accounts to any other caller), and the loan stays
owed by the borrower in the lender's book until the lender writes it off or is repaid — the
payout is then income recovered on a bad loan, exactly what ``recovery_income`` records.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.models import Agent, cluster_members_q
from agents.money import ZERO, format_yuan, parse_amount, quantize
from agents.parsing import collect, parse_date
from infocenter.services.events import event_emit
from lending.choices import PERIODS_PER_YEAR, InstalmentStatus, LoanStatus
from lending.choices import AccountPurpose as P
from lending.ledger.services import IdempotencyConflict, money_move, parse_idempotency_key
from lending.models import Instalment, Loan

from . import network, selectors
from .events import CIRCLE_FLAGGED
from .models import (
    ClaimRecovery,
    ClaimStatus,
    Contribution,
    FirmCapacity,
    FirmGuarantee,
    FundGuarantee,
    GuaranteeClaim,
    GuaranteeFund,
    GuaranteeStatus,
)
from .permissions import APPROVE_GUARANTEE_PAYOUT, MANAGE_GUARANTEES, SET_GUARANTEE_POLICY

SHARE_STEP = Decimal("0.0001")


def fund_for(cluster) -> GuaranteeFund:
    fund, _created = GuaranteeFund.objects.get_or_create(cluster=cluster)
    return fund


def _lock(fund: GuaranteeFund) -> GuaranteeFund:
    """Lock the fund's row: issues and payouts of one fund are serialised, so two guarantees
    issued at once cannot both pass the leverage cap."""
    return GuaranteeFund.objects.select_for_update().select_related("cluster__finance_company").get(pk=fund.pk)


def _move(*, key: str, on: date, amount: Decimal, payer, payer_purpose, payee, payee_purpose, reference: str,
          memo: str, user):
    entry, created = money_move(idempotency_key=f"guarantee:{key}", on=on, amount=amount, payer=payer,
                                payer_purpose=payer_purpose, payee=payee, payee_purpose=payee_purpose,
                                reference=reference, memo=memo[:200], user=user)
    return entry, created


def _parse_share(raw, *, field: str, allow_zero: bool = False) -> Decimal:
    from lending.validation import parse_rate

    value = parse_rate(raw, allow_zero=allow_zero)
    if value > 1:
        raise ValidationError({field: _("A share is at most 100%.")})
    return quantize(value, SHARE_STEP)


def _is_member(cluster, agent) -> bool:
    return Agent.objects.filter(cluster_members_q(cluster=cluster, kind="enterprise"), pk=agent.pk).exists()


# --- the fund's rules and capital ---------------------------------------------------------------

@transaction.atomic
def guarantee_fund_update(*, user, fund: GuaranteeFund, leverage_cap, fee_rate, claim_dpd,
                          circle_alert_share, coverage_cap=None) -> GuaranteeFund:
    """A manager sets the fund's leverage cap, yearly fee, claim days and circle alert share
    (and, when given, the most a guarantee may cover of its loan). Nothing changes when one of
    them is wrong; guarantees already issued keep the amount and fee they were issued with."""
    fund = _lock(fund)
    require(user, fund.cluster.finance_company, SET_GUARANTEE_POLICY)

    def cap():
        value = parse_amount(leverage_cap)
        if value > 100:
            raise ValidationError(_("A leverage above 100 times the capital is not plausible."))
        return value

    def days():
        try:
            value = int(str(claim_dpd).strip())
        except ValueError:
            raise ValidationError(_("Enter a whole number of days.")) from None
        if not 1 <= value <= 720:
            raise ValidationError(_("Between 1 and 720 days."))
        return value

    values = collect(leverage_cap=cap, fee_rate=lambda: _parse_share(fee_rate, field="fee_rate", allow_zero=True),
                     claim_dpd=days, circle_alert_share=lambda: _parse_share(circle_alert_share,
                                                                              field="circle_alert_share"),
                     **({"coverage_cap": lambda: _parse_share(coverage_cap, field="coverage_cap")}
                        if coverage_cap not in (None, "") else {}))
    for name, value in values.items():
        setattr(fund, name, value)
    fund.full_clean()
    fund.save(update_fields=list(values))
    return fund


@transaction.atomic
def guarantee_contribution_record(*, user, fund: GuaranteeFund, contributor, amount, on,
                                  idempotency_key) -> Contribution:
    """A member firm or the government puts money into the fund (its capital grows)."""
    fund = _lock(fund)
    fc = fund.cluster.finance_company
    require(user, fc, MANAGE_GUARANTEES)
    values = collect(amount=lambda: parse_amount(amount), on=lambda: parse_date(on),
                     key=lambda: parse_idempotency_key(idempotency_key))
    existing = Contribution.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        if (existing.fund_id, existing.contributor_id, existing.amount) != (fund.pk, contributor.pk,
                                                                            values["amount"]):
            raise IdempotencyConflict()
        return existing
    if not selectors.contributors(cluster=fund.cluster).filter(pk=contributor.pk).exists():
        raise ValidationError({"contributor": _("Only the cluster's member firms and the government of its region "
                                                "contribute to the fund.")})
    entry, _created = _move(key=f"contribution:{values['key']}", on=values["on"], amount=values["amount"],
                            payer=contributor, payer_purpose=P.PLACEMENTS, payee=fc, payee_purpose=P.GUARANTEE_FUND,
                            reference=f"guarantee.fund:{fund.pk}", memo=_("Contribution to the guarantee fund"),
                            user=user)
    contribution = Contribution(fund=fund, contributor=contributor, amount=values["amount"], on=values["on"],
                                entry=entry, idempotency_key=values["key"], created_by=user)
    contribution.full_clean()
    contribution.save()
    return contribution


# --- guarantees of the fund ---------------------------------------------------------------------

def guarantee_terms(*, fund: GuaranteeFund, loan: Loan, coverage: Decimal) -> tuple[Decimal, Decimal]:
    """(amount guaranteed, fee): coverage × principal, and fee_rate × amount × the loan's term
    in years (its periods over the periods in a year)."""
    amount = quantize(coverage * loan.principal)
    years = Decimal(loan.periods) / Decimal(PERIODS_PER_YEAR[loan.frequency])
    return amount, quantize(fund.fee_rate * amount * years)


@transaction.atomic
def fund_guarantee_issue(*, user, fund: GuaranteeFund, loan: Loan, coverage, idempotency_key,
                         issued_on=None) -> FundGuarantee:
    """Guarantee ``coverage`` of a member's loan from an institution; the borrower pays the fee
    into the fund. Refused, with nothing posted, when the fund's guarantees would pass its
    leverage cap."""
    fund = _lock(fund)
    fc = fund.cluster.finance_company
    require(user, fc, MANAGE_GUARANTEES)
    values = collect(coverage=lambda: _parse_share(coverage, field="coverage"),
                     on=lambda: parse_date(issued_on) if issued_on else date.today(),
                     key=lambda: parse_idempotency_key(idempotency_key))
    existing = FundGuarantee.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        if (existing.loan_id, existing.coverage) != (loan.pk, values["coverage"]):
            raise IdempotencyConflict()
        return existing
    loan = Loan.objects.select_related("lender", "borrower").get(pk=loan.pk)
    if loan.lender.kind != "institution":
        raise ValidationError({"loan": _("The fund guarantees loans from financial institutions.")})
    if not _is_member(fund.cluster, loan.borrower):
        raise ValidationError({"loan": _("The borrower is not a member of the cluster.")})
    if loan.status not in (LoanStatus.ACTIVE, LoanStatus.CONTRACTED):
        raise ValidationError({"loan": _("Only a contracted or active loan can be guaranteed.")})
    if FundGuarantee.objects.filter(loan=loan).exclude(status=GuaranteeStatus.RELEASED).exists():
        raise ValidationError({"loan": _("The fund already guarantees this loan.")})
    if values["coverage"] > fund.coverage_cap:
        raise ValidationError({"coverage": _("The fund covers at most %(cap)s of a loan's principal.") % {
            "cap": f"{(fund.coverage_cap * 100).normalize():f}%"}})
    amount, fee = guarantee_terms(fund=fund, loan=loan, coverage=values["coverage"])
    headroom = selectors.fund_headroom(fund)
    if amount > headroom:
        raise ValidationError({"coverage": _(
            "The fund can guarantee at most %(left)s more (%(cap)s times its capital of %(capital)s); "
            "this guarantee is %(amount)s.") % {"left": format_yuan(headroom), "cap": fund.leverage_cap,
                                                "capital": format_yuan(selectors.fund_capital(fund)),
                                                "amount": format_yuan(amount)}})
    entry = None
    if fee > ZERO:
        entry, _created = _move(key=f"fee:{values['key']}", on=values["on"], amount=fee, payer=loan.borrower,
                                payer_purpose=P.FEE_EXPENSE, payee=fc, payee_purpose=P.GUARANTEE_FUND,
                                reference=f"guarantee.loan:{loan.pk}",
                                memo=_("Guarantee fee, loan %(no)s") % {"no": loan.contract_no}, user=user)
    guarantee = FundGuarantee(fund=fund, loan=loan, coverage=values["coverage"], amount=amount, fee=fee,
                              issued_on=values["on"], fee_entry=entry, idempotency_key=values["key"],
                              created_by=user)
    guarantee.full_clean()
    guarantee.save()
    from infocenter.services import business_record_publish

    business_record_publish(
        link="3", kind="fund_guarantee", subject=loan.borrower, counterparty=fc, subject_role="borrower",
        counterparty_role="guarantor", amount=amount, key=f"fund_guarantee:{guarantee.pk}",
        title=_("Mutual fund guarantee of %(amount)s on loan %(no)s from %(lender)s") % {
            "amount": format_yuan(amount), "no": loan.contract_no, "lender": loan.lender.name},
        data={"loan": loan.pk, "lender": loan.lender_id, "coverage": str(values["coverage"]), "fee": str(fee)})
    return guarantee


@transaction.atomic
def fund_guarantee_release(*, user, guarantee: FundGuarantee, on=None) -> FundGuarantee:
    """The loan is repaid (or the guarantee ends): the amount no longer counts against the cap."""
    guarantee = FundGuarantee.objects.select_for_update().select_related("fund__cluster").get(pk=guarantee.pk)
    require(user, guarantee.fund.cluster.finance_company, MANAGE_GUARANTEES)
    if guarantee.status != GuaranteeStatus.ACTIVE:
        raise ValidationError(_("Only an active guarantee can be released."))
    guarantee.status = GuaranteeStatus.RELEASED
    guarantee.released_on = parse_date(on) if on else date.today()
    guarantee.save(update_fields=["status", "released_on"])
    return guarantee


# --- claims -------------------------------------------------------------------------------------

@transaction.atomic
def guarantee_claims_raise(*, on: date) -> dict:
    """The nightly run: a claim for every active guarantee whose loan is past its fund's
    ``claim_dpd`` (coverage × (outstanding principal + unpaid interest) on ``on``); guarantees of
    loans repaid and closed are released. Set-based: a fixed number of queries; running it
    twice raises nothing new (one claim per guarantee)."""
    due = list(FundGuarantee.objects.select_for_update(of=("self",))
               .filter(status=GuaranteeStatus.ACTIVE, loan__status=LoanStatus.ACTIVE,
                       loan__dpd__gte=F("fund__claim_dpd"), claim__isnull=True)
               .select_related("loan").order_by("pk"))
    interest = dict(Instalment.objects.filter(loan_id__in=[g.loan_id for g in due], due_date__lte=on)
                    .exclude(status=InstalmentStatus.SUPERSEDED).values("loan_id").order_by()
                    .annotate(unpaid=Sum(F("interest_due") - F("interest_paid"))).values_list("loan_id", "unpaid"))
    claims = []
    for g in due:
        unpaid = quantize(Decimal(interest.get(g.loan_id) or 0))
        amount = quantize(g.coverage * (g.loan.principal_outstanding + unpaid))
        claims.append(GuaranteeClaim(guarantee=g, raised_on=on, dpd=g.loan.dpd, principal=g.loan.principal_outstanding,
                                     interest=unpaid, amount=amount))
    GuaranteeClaim.objects.bulk_create(claims)
    FundGuarantee.objects.filter(pk__in=[g.pk for g in due]).update(status=GuaranteeStatus.CLAIMED)
    released = FundGuarantee.objects.filter(status=GuaranteeStatus.ACTIVE, loan__status=LoanStatus.CLOSED) \
        .update(status=GuaranteeStatus.RELEASED, released_on=on)
    return {"raised": len(claims), "released": released}


def _lock_claim(claim: GuaranteeClaim) -> GuaranteeClaim:
    return GuaranteeClaim.objects.select_for_update(of=("self",)).select_related(
        "guarantee__fund__cluster__finance_company", "guarantee__loan__lender", "guarantee__loan__borrower") \
        .get(pk=claim.pk)


@transaction.atomic
def guarantee_claim_prepare(*, user, claim: GuaranteeClaim) -> GuaranteeClaim:
    """A staff member checks the claim and puts it up for a manager's approval."""
    claim = _lock_claim(claim)
    require(user, claim.guarantee.fund.cluster.finance_company, MANAGE_GUARANTEES)
    if claim.status != ClaimStatus.RAISED:
        raise ValidationError(_("This claim is already prepared."))
    claim.status, claim.prepared_by = ClaimStatus.PREPARED, user
    claim.save(update_fields=["status", "prepared_by"])
    return claim


@transaction.atomic
def guarantee_claim_approve(*, user, claim: GuaranteeClaim) -> GuaranteeClaim:
    """A manager other than the preparer approves the payout (maker-checker)."""
    claim = _lock_claim(claim)
    fc = claim.guarantee.fund.cluster.finance_company
    require(user, fc, APPROVE_GUARANTEE_PAYOUT)
    if claim.status != ClaimStatus.PREPARED:
        raise ValidationError(_("Only a prepared claim can be approved."))
    four_eyes_check(agent=fc, maker_id=claim.prepared_by_id, checker=user,
                    message=_("The person who prepared this claim cannot also approve its payout."))
    claim.status, claim.approved_by = ClaimStatus.APPROVED, user
    claim.save(update_fields=["status", "approved_by"])
    return claim


@transaction.atomic
def guarantee_claim_pay(*, user, claim: GuaranteeClaim, on, idempotency_key) -> GuaranteeClaim:
    """Pay an approved claim to the lender from the fund's capital."""
    claim = _lock_claim(claim)
    fund = _lock(claim.guarantee.fund)
    fc = fund.cluster.finance_company
    require(user, fc, MANAGE_GUARANTEES)
    values = collect(on=lambda: parse_date(on), key=lambda: parse_idempotency_key(idempotency_key))
    if claim.status == ClaimStatus.PAID:
        if claim.payout_entry and claim.payout_entry.idempotency_key == f"guarantee:payout:{values['key']}":
            return claim
        raise ValidationError(_("This claim is already paid."))
    if claim.status != ClaimStatus.APPROVED:
        raise ValidationError(_("A claim is paid only after a manager approved it."))
    capital = selectors.fund_capital(fund)
    if claim.amount > capital:
        raise ValidationError(_("The fund's capital is only %(capital)s.") % {"capital": format_yuan(capital)})
    loan = claim.guarantee.loan
    entry, _created = _move(key=f"payout:{values['key']}", on=values["on"], amount=claim.amount, payer=fc,
                            payer_purpose=P.GUARANTEE_FUND, payee=loan.lender, payee_purpose=P.RECOVERY_INCOME,
                            reference=f"guarantee.claim:{claim.pk}",
                            memo=_("Guarantee claim paid, loan %(no)s") % {"no": loan.contract_no}, user=user)
    claim.status, claim.paid_on, claim.payout_entry = ClaimStatus.PAID, values["on"], entry
    claim.save(update_fields=["status", "paid_on", "payout_entry"])
    return claim


@transaction.atomic
def guarantee_recovery_record(*, user, claim: GuaranteeClaim, amount, on, idempotency_key) -> ClaimRecovery:
    """Money the defaulter pays back into the fund against a paid claim (never more than the
    claim's unrecovered part)."""
    claim = _lock_claim(claim)
    fc = claim.guarantee.fund.cluster.finance_company
    require(user, fc, MANAGE_GUARANTEES)
    values = collect(amount=lambda: parse_amount(amount), on=lambda: parse_date(on),
                     key=lambda: parse_idempotency_key(idempotency_key))
    existing = ClaimRecovery.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        if (existing.claim_id, existing.amount) != (claim.pk, values["amount"]):
            raise IdempotencyConflict()
        return existing
    if claim.status != ClaimStatus.PAID:
        raise ValidationError(_("Recoveries are recorded against a paid claim."))
    left = claim.amount - claim.recovered
    if values["amount"] > left:
        raise ValidationError({"amount": _("Only %(left)s of this claim is still to recover.") % {
            "left": format_yuan(left)}})
    loan = claim.guarantee.loan
    entry, _created = _move(key=f"recovery:{values['key']}", on=values["on"], amount=values["amount"],
                            payer=loan.borrower, payer_purpose=P.GUARANTEE_REIMBURSED, payee=fc,
                            payee_purpose=P.GUARANTEE_FUND, reference=f"guarantee.claim:{claim.pk}",
                            memo=_("Recovery of a guarantee claim, loan %(no)s") % {"no": loan.contract_no},
                            user=user)
    recovery = ClaimRecovery(claim=claim, amount=values["amount"], on=values["on"], entry=entry,
                             idempotency_key=values["key"], created_by=user)
    recovery.full_clean()
    recovery.save()
    claim.recovered += values["amount"]
    claim.save(update_fields=["recovered"])
    return recovery


# --- firm-to-firm guarantees --------------------------------------------------------------------

@transaction.atomic
def firm_capacity_set(*, user, fund: GuaranteeFund, firm, capacity, reason: str = "") -> FirmCapacity | None:
    """The finance company's figure for a firm's capacity (empty: back to its statements' equity)."""
    fund = _lock(fund)
    require(user, fund.cluster.finance_company, MANAGE_GUARANTEES)
    if capacity in (None, ""):
        FirmCapacity.objects.filter(fund=fund, firm=firm).delete()
        return None
    value = collect(capacity=lambda: parse_amount(capacity, allow_zero=True))["capacity"]
    row, _created = FirmCapacity.objects.update_or_create(fund=fund, firm=firm, defaults={
        "capacity": value, "reason": reason[:200], "created_by": user})
    return row


@transaction.atomic
def firm_guarantee_record(*, user, cluster, guarantor, borrower, amount, loan=None) -> FirmGuarantee:
    """Record that ``guarantor`` guarantees ``borrower``'s borrowing for ``amount``. When it
    closes a circle, or a circle it belongs to now passes its alert share of its members'
    equity, the finance company and the government are alerted (``guarantee_circle.flagged``)."""
    fund = _lock(fund_for(cluster))
    fc = cluster.finance_company
    require(user, fc, MANAGE_GUARANTEES)
    value = collect(amount=lambda: parse_amount(amount))["amount"]
    errors = {}
    if guarantor.pk == borrower.pk:
        errors["borrower"] = _("A firm cannot guarantee itself.")
    for name, firm in (("guarantor", guarantor), ("borrower", borrower)):
        if name not in errors and not _is_member(cluster, firm):
            errors[name] = _("%(firm)s is not a member of the cluster.") % {"firm": firm.name}
    if loan is not None and loan.borrower_id != borrower.pk:
        errors["loan"] = _("The loan is not the borrower's.")
    if errors:
        raise ValidationError(errors)
    before = network.build_graph(selectors.active_edges(cluster=cluster))
    closes = network.closes_circle(before, str(guarantor.pk), str(borrower.pk))
    guarantee = FirmGuarantee(cluster=cluster, guarantor=guarantor, borrower=borrower, amount=value, loan=loan,
                              created_by=user)
    guarantee.full_clean()
    guarantee.save()
    _flag_circle(fund=fund, guarantee=guarantee, closes=closes, user=user)
    return guarantee


def _flag_circle(*, fund: GuaranteeFund, guarantee: FirmGuarantee, closes: bool, user) -> None:
    view = selectors.network_view(fund=fund)
    pair = {str(guarantee.guarantor_id), str(guarantee.borrower_id)}
    for circle in view.circles:
        if not pair <= set(circle.members):
            continue
        over = circle.exposure_ratio is not None and circle.exposure_ratio > fund.circle_alert_share
        if not (closes or over):
            return
        event_emit(kind=CIRCLE_FLAGGED, subject_agent=guarantee.borrower, actor=user,
                   actor_agent=fund.cluster.finance_company, agent_ids=[int(m) for m in circle.members], payload={
                       "cluster_id": fund.cluster_id, "guarantee_id": guarantee.pk, "closes": closes,
                       "over_capacity": over, "members": [int(m) for m in circle.members],
                       "names": [view.names.get(m, m) for m in circle.members], "exposure": str(circle.exposure),
                       "capacity": str(circle.capacity) if circle.capacity is not None else None,
                       "ratio": str(circle.exposure_ratio) if circle.exposure_ratio is not None else None,
                       "alert_share": str(fund.circle_alert_share)})
        return


@transaction.atomic
def firm_guarantee_end(*, user, guarantee: FirmGuarantee) -> FirmGuarantee:
    """The guarantee has ended (the loan is repaid or the guarantor released)."""
    guarantee = FirmGuarantee.objects.select_for_update().select_related("cluster__finance_company") \
        .get(pk=guarantee.pk)
    require(user, guarantee.cluster.finance_company, MANAGE_GUARANTEES)
    if not guarantee.active:
        raise ValidationError(_("This guarantee has already ended."))
    guarantee.active = False
    guarantee.save(update_fields=["active"])
    return guarantee

