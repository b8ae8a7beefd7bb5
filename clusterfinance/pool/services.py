"""Writes of the fund pool. Every movement of money is one ledger entry through
``lending.ledger.services.money_move`` and a ``SourceMovement`` row in the same transaction;
the source's cached ``outstanding`` moves with it.

What each write posts (both sides' books; the finance company is F, the counterparty C):

| source | money in | money out |
|---|---|---|
| member deposit | C placements +, cash −; F cash +, deposits − | the reverse |
| credit line | C credit lines extended +, cash −; F cash +, credit lines drawn − | the reverse |
| note | C notes held +, cash −; F cash +, notes issued − | the reverse |
| government fund | C placements +, cash −; F cash +, government funds held − | the reverse |

Interest paid: F interest expense +, cash −; C cash +, interest income −.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from agents.money import ZERO, parse_amount
from agents.parsing import collect, parse_date
from lending.choices import AccountPurpose as P
from lending.ledger.models import Account
from lending.ledger.services import money_move, parse_idempotency_key

from .choices import MovementKind, SourceKind, SourceStatus
from .models import FundSource, PoolPolicy, SourceMovement
from .permissions import MANAGE_POOL

# (the counterparty's asset, the finance company's liability) for each kind of source
PURPOSES = {
    SourceKind.MEMBER_DEPOSIT: (P.PLACEMENTS, P.DEPOSITS),
    SourceKind.CREDIT_LINE: (P.CREDIT_LINES_EXTENDED, P.CREDIT_LINES_DRAWN),
    SourceKind.NOTE: (P.NOTES_HELD, P.NOTES_ISSUED),
    SourceKind.GOVERNMENT_FUND: (P.PLACEMENTS, P.PROGRAMME_FUNDS),
}
COUNTERPARTY_KINDS = {
    SourceKind.MEMBER_DEPOSIT: (AgentKind.ENTERPRISE,),
    SourceKind.CREDIT_LINE: (AgentKind.INSTITUTION,),
    SourceKind.NOTE: (AgentKind.INVESTOR,),
    SourceKind.GOVERNMENT_FUND: (AgentKind.GOVERNMENT,),
}


def pool_policy_for(cluster) -> PoolPolicy:
    policy, _created = PoolPolicy.objects.get_or_create(cluster=cluster)
    return policy


@transaction.atomic
def fund_source_open(*, user, cluster, kind: str, counterparty, annual_rate, opened_on=None, maturity_date=None,
                     notice_days: int = 0, limit=None, fund_purpose: str = "", reference: str = "") -> FundSource:
    """Record a new source of the pool with its terms (no money moves yet)."""
    require(user, cluster.finance_company, MANAGE_POOL)
    from lending.validation import parse_rate

    values = collect(
        annual_rate=lambda: parse_rate(annual_rate),
        opened_on=lambda: parse_date(opened_on) if opened_on else date.today(),
        maturity_date=lambda: parse_date(maturity_date) if maturity_date else None,
        limit=lambda: parse_amount(limit) if limit not in (None, "") else None,
    )
    errors = {}
    if kind not in SourceKind.values:
        errors["kind"] = _("Choose a kind of source.")
    elif counterparty.kind not in COUNTERPARTY_KINDS[kind]:
        errors["counterparty"] = _("This kind of source comes from a %(kind)s.") % {
            "kind": ", ".join(str(AgentKind(k).label) for k in COUNTERPARTY_KINDS[kind])}
    if kind in (SourceKind.CREDIT_LINE, SourceKind.NOTE) and values["limit"] is None:
        errors["limit"] = _("A credit line needs its limit and a note its size.")
    if kind in (SourceKind.CREDIT_LINE, SourceKind.NOTE) and values["maturity_date"] is None:
        errors["maturity_date"] = _("A credit line or a note needs the date it matures.")
    if values["maturity_date"] and values["maturity_date"] <= values["opened_on"]:
        errors["maturity_date"] = _("The maturity date must come after the opening date.")
    if kind == SourceKind.GOVERNMENT_FUND and not fund_purpose:
        errors["fund_purpose"] = _("Say what the government's money is for.")
    if errors:
        raise ValidationError(errors)
    source = FundSource(cluster=cluster, kind=kind, counterparty=counterparty, reference=reference[:40],
                        annual_rate=values["annual_rate"], opened_on=values["opened_on"],
                        maturity_date=values["maturity_date"], notice_days=notice_days, limit=values["limit"],
                        fund_purpose=fund_purpose if kind == SourceKind.GOVERNMENT_FUND else "",
                        created_by=user)
    source.full_clean()
    source.save()
    _business_record(source)
    return source


def _business_record(source: FundSource) -> None:
    """Report a credit line, a government fund or a member's deposit placed with the finance
    company to the centre's business module (a note's subscriptions are recorded one by one where
    the investor subscribes)."""
    if source.kind == SourceKind.NOTE:
        return
    from agents.money import format_yuan
    from infocenter.services import business_record_publish

    fc = source.cluster.finance_company
    firm_side = source.kind == SourceKind.MEMBER_DEPOSIT
    business_record_publish(
        link="3", kind=source.kind, subject=source.counterparty if firm_side else fc,
        counterparty=fc if firm_side else source.counterparty,
        subject_role="depositor" if firm_side else "finance_company",
        counterparty_role="finance_company" if firm_side else "provider",
        amount=source.limit, key=f"pool_source:{source.pk}",
        title=_("%(kind)s: %(party)s and %(fc)s%(limit)s") % {
            "kind": source.get_kind_display(), "party": source.counterparty.name, "fc": fc.name,
            "limit": f" · {format_yuan(source.limit)}" if source.limit else ""},
        data={"source": source.pk, "annual_rate": str(source.annual_rate),
              "maturity_date": source.maturity_date.isoformat() if source.maturity_date else None})


def _lock(source: FundSource) -> FundSource:
    return FundSource.objects.select_for_update().select_related("cluster__finance_company", "counterparty") \
        .get(pk=source.pk)


def _record(*, user, source: FundSource, kind: str, amount: Decimal, on: date, key: str, memo: str,
            payer, payer_purpose, payee, payee_purpose, change: Decimal) -> SourceMovement:
    """Post the entry, write the movement and move the source's outstanding by ``change`` —
    or, for a retry of the same request (same key), answer with the first movement."""
    existing = SourceMovement.objects.filter(idempotency_key=key).select_related("entry").first()
    entry, created = money_move(idempotency_key=f"pool:{key}", on=on, amount=amount, payer=payer,
                                payer_purpose=payer_purpose, payee=payee, payee_purpose=payee_purpose,
                                reference=f"pool.source:{source.pk}", memo=memo or str(source), user=user)
    if not created:
        if existing is None or existing.source_id != source.pk:
            from lending.ledger.services import IdempotencyConflict

            raise IdempotencyConflict()
        return existing
    movement = SourceMovement(source=source, kind=kind, amount=amount, on=on, entry=entry, idempotency_key=key,
                              memo=memo[:200], created_by=user)
    movement.full_clean()
    movement.save()
    if change:
        source.outstanding += change
        source.save(update_fields=["outstanding"])
    return movement


def pool_cash(cluster) -> Decimal:
    """The finance company's cash in the ledger: the money the pool has today."""
    account = Account.objects.filter(agent_id=cluster.finance_company_id, purpose=P.CASH, loan__isnull=True).first()
    return account.balance if account else ZERO


def _parse(amount, on, idempotency_key):
    return collect(amount=lambda: parse_amount(amount), on=lambda: parse_date(on),
                   key=lambda: parse_idempotency_key(idempotency_key))


@transaction.atomic
def fund_money_in(*, user, source: FundSource, amount, on, idempotency_key, memo: str = "") -> SourceMovement:
    """A deposit, a drawdown on a credit line, a note subscription or government money placed."""
    source = _lock(source)
    require(user, source.cluster.finance_company, MANAGE_POOL)
    values = _parse(amount, on, idempotency_key)
    if source.status != SourceStatus.OPEN:
        raise ValidationError(_("This source is closed."))
    if values["on"] < source.opened_on or (source.maturity_date and values["on"] >= source.maturity_date):
        raise ValidationError({"on": _("Money can come in only between the opening and the maturity of the source.")})
    if source.limit is not None and source.outstanding + values["amount"] > source.limit:
        raise ValidationError({"amount": _("This would exceed the limit: %(left)s yuan are left.") % {
            "left": f"{source.limit - source.outstanding:,}"}})
    asset, liability = PURPOSES[source.kind]
    return _record(user=user, source=source, kind=MovementKind.IN, amount=values["amount"], on=values["on"],
                   key=values["key"], memo=memo, payer=source.counterparty, payer_purpose=asset,
                   payee=source.cluster.finance_company, payee_purpose=liability, change=values["amount"])


@transaction.atomic
def fund_money_out(*, user, source: FundSource, amount, on, idempotency_key, requested_on=None,
                   memo: str = "") -> SourceMovement:
    """A withdrawal of a deposit (after its notice period), a repayment of a credit line, a
    note's principal paid back, government money returned. Never more than is outstanding,
    never more cash than the pool has."""
    source = _lock(source)
    require(user, source.cluster.finance_company, MANAGE_POOL)
    values = _parse(amount, on, idempotency_key)
    requested = parse_date(requested_on) if requested_on else values["on"]
    if values["amount"] > source.outstanding:
        raise ValidationError({"amount": _("Only %(left)s yuan are outstanding on this source.") % {
            "left": f"{source.outstanding:,}"}})
    if source.notice_days and (values["on"] - requested).days < source.notice_days:
        raise ValidationError({"on": _("This deposit needs %(days)s days' notice: the earliest date is %(date)s.") % {
            "days": source.notice_days, "date": requested.fromordinal(requested.toordinal() + source.notice_days)}})
    cash = pool_cash(source.cluster)
    if values["amount"] > cash:
        raise ValidationError({"amount": _("The pool has only %(cash)s yuan in cash.") % {"cash": f"{cash:,}"}})
    asset, liability = PURPOSES[source.kind]
    return _record(user=user, source=source, kind=MovementKind.OUT, amount=values["amount"], on=values["on"],
                   key=values["key"], memo=memo, payer=source.cluster.finance_company, payer_purpose=liability,
                   payee=source.counterparty, payee_purpose=asset, change=-values["amount"])


@transaction.atomic
def fund_interest_pay(*, user, source: FundSource, amount, on, idempotency_key, memo: str = "") -> SourceMovement:
    """Interest the pool pays on a source (its outstanding is unchanged)."""
    source = _lock(source)
    require(user, source.cluster.finance_company, MANAGE_POOL)
    values = _parse(amount, on, idempotency_key)
    cash = pool_cash(source.cluster)
    if values["amount"] > cash:
        raise ValidationError({"amount": _("The pool has only %(cash)s yuan in cash.") % {"cash": f"{cash:,}"}})
    return _record(user=user, source=source, kind=MovementKind.INTEREST, amount=values["amount"], on=values["on"],
                   key=values["key"], memo=memo, payer=source.cluster.finance_company,
                   payer_purpose=P.INTEREST_EXPENSE, payee=source.counterparty, payee_purpose=P.INTEREST_INCOME,
                   change=ZERO)


@transaction.atomic
def pool_policy_update(*, user, cluster, reserve_floor, concentration_warning) -> PoolPolicy:
    """A manager sets the pool's reserve floor and concentration warning (shares, 0–1)."""
    from lending.validation import parse_rate

    from .permissions import SET_POOL_POLICY

    require(user, cluster.finance_company, SET_POOL_POLICY)
    values = collect(reserve_floor=lambda: parse_rate(reserve_floor),
                     concentration_warning=lambda: parse_rate(concentration_warning))
    policy = PoolPolicy.objects.select_for_update().get(pk=pool_policy_for(cluster).pk)
    policy.reserve_floor = values["reserve_floor"]
    policy.concentration_warning = values["concentration_warning"]
    policy.full_clean()
    policy.save(update_fields=["reserve_floor", "concentration_warning"])
    return policy
