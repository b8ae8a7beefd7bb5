"""Loans from the platform's private investors to member firms (link b) and the government's caps
on them — a lending rule, so every path that lends as an investor is held to it.

``private_loan_make`` names everything it does before it starts:

1. parse the terms (amount, rate, periods, method, frequency, date, key) — bad input changes nothing;
2. a retry with the same key returns the first loan;
3. lock the borrower's and the lender's agent rows (two investors lending to one firm at once are
   serialised, so the caps cannot be passed by a race);
4. check the caps (``private_lending_check``): per firm, per natural-person borrower, per lender —
   a refusal names the cap and what is left, nothing is written;
5. write the ``Loan`` (no product, no application: the investor's own contract) and disburse it
   through ``loan_disburse`` (ledger entry, instalments, ``loan.disbursed`` event).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, When
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind
from agents.models import Agent
from agents.money import ZERO, parse_amount, quantize
from agents.parsing import collect, parse_date

from ..choices import Frequency, InstalmentMultiple, LoanStatus, RepaymentMethod
from ..ledger.services import parse_idempotency_key
from ..models import Loan, PrivateLendingCaps
from ..models.products import DEFAULT_PENALTY_MULTIPLIER
from ..permissions import DISBURSE
from ..validation import parse_choice, parse_periods, parse_rate
from .loans import loan_disburse

OWED = (LoanStatus.CONTRACTED, LoanStatus.ACTIVE)


def is_natural_person(borrower) -> bool:
    """An individual business (个体工商户): its unified social credit code starts with 92."""
    return (borrower.credit_code or "").startswith("92")


def private_lending_caps_for(borrower) -> PrivateLendingCaps:
    """The caps of the most specific government over the borrower's region (county, then city,
    then province); the defaults (unsaved) where no government has set any."""
    code = borrower.region_code or ""
    candidates = [c for c in (code, code[:4] + "00", code[:2] + "0000") if len(c) == 6]
    rows = {c.government.region_code: c for c in
            PrivateLendingCaps.objects.filter(government__region_code__in=candidates).select_related("government")}
    for candidate in candidates:
        if candidate in rows:
            return rows[candidate]
    return PrivateLendingCaps()


def _owed():
    return Sum(Case(When(status=LoanStatus.CONTRACTED, then=F("principal")),
                    default=F("principal_outstanding"), output_field=DecimalField(max_digits=18, decimal_places=2)))


def investor_owed_by(borrower) -> Decimal:
    """What ``borrower`` owes the platform's investors (contracted and outstanding principal)."""
    return quantize(Loan.objects.filter(borrower=borrower, lender__kind=AgentKind.INVESTOR, status__in=OWED) \
        .aggregate(v=_owed())["v"] or ZERO)


def lent_by(lender) -> Decimal:
    """What ``lender`` has outstanding with every borrower."""
    return quantize(Loan.objects.filter(lender=lender, status__in=OWED).aggregate(v=_owed())["v"] or ZERO)


@dataclass
class Headroom:
    caps: PrivateLendingCaps
    natural_person: bool
    borrower_cap: Decimal
    borrower_owed: Decimal
    lender_cap: Decimal
    lender_owed: Decimal

    @property
    def borrower_left(self) -> Decimal:
        return max(self.borrower_cap - self.borrower_owed, ZERO)

    @property
    def lender_left(self) -> Decimal:
        return max(self.lender_cap - self.lender_owed, ZERO)

    @property
    def left(self) -> Decimal:
        return min(self.borrower_left, self.lender_left)


def private_lending_headroom(*, lender, borrower) -> Headroom:
    caps = private_lending_caps_for(borrower)
    natural = is_natural_person(borrower)
    return Headroom(caps=caps, natural_person=natural,
                    borrower_cap=caps.per_natural_person if natural else caps.per_firm,
                    borrower_owed=investor_owed_by(borrower), lender_cap=caps.per_lender, lender_owed=lent_by(lender))


def private_lending_check(*, lender, borrower, amount: Decimal) -> Headroom:
    """Refuse (``ValidationError`` on ``amount``, code ``cap_natural_person``, ``cap_firm`` or
    ``cap_lender``) a loan of ``amount`` from investor ``lender`` that would pass a cap."""
    room = private_lending_headroom(lender=lender, borrower=borrower)
    if amount > room.borrower_left:
        if room.natural_person:
            message = _("A natural-person borrower may owe the platform's investors at most %(cap)s yuan; "
                        "%(owed)s yuan are owed, %(left)s yuan are left.")
            code = "cap_natural_person"
        else:
            message = _("A firm may owe the platform's investors at most %(cap)s yuan; "
                        "%(owed)s yuan are owed, %(left)s yuan are left.")
            code = "cap_firm"
        raise ValidationError({"amount": ValidationError(
            message % {"cap": f"{room.borrower_cap:,}", "owed": f"{room.borrower_owed:,}",
                       "left": f"{room.borrower_left:,}"}, code=code)})
    if amount > room.lender_left:
        raise ValidationError({"amount": ValidationError(
            _("One investor may lend at most %(cap)s yuan outstanding in total; you have %(owed)s yuan outstanding, "
              "%(left)s yuan are left.") % {"cap": f"{room.lender_cap:,}", "owed": f"{room.lender_owed:,}",
                                            "left": f"{room.lender_left:,}"}, code="cap_lender")})
    return room


@transaction.atomic
def private_loan_make(*, user, lender, borrower, amount, annual_rate, periods, method, frequency, on,
                      idempotency_key) -> Loan:
    """Lend ``amount`` from investor ``lender`` to member firm ``borrower`` (see the module docstring)."""
    require(user, lender, DISBURSE)
    values = collect(amount=lambda: parse_amount(amount), annual_rate=lambda: parse_rate(annual_rate),
                     periods=lambda: parse_periods(periods), method=lambda: parse_choice(method, RepaymentMethod),
                     frequency=lambda: parse_choice(frequency, Frequency), on=lambda: parse_date(on),
                     key=lambda: parse_idempotency_key(idempotency_key))
    if lender.kind != AgentKind.INVESTOR:
        raise ValidationError(_("Only a private investor lends directly to a firm."), code="not_investor")
    if borrower.kind != AgentKind.ENTERPRISE or borrower.status != "active":
        raise ValidationError(_("Only an active member firm borrows from investors."), code="not_firm")
    existing = Loan.objects.filter(lender=lender, disbursement_key=values["key"]).first()
    if existing is not None:
        return existing
    list(Agent.objects.select_for_update().filter(pk__in=sorted([lender.pk, borrower.pk])).values_list("pk"))
    private_lending_check(lender=lender, borrower=borrower, amount=values["amount"])
    sequence = Loan.objects.filter(lender=lender).count() + 1
    loan = Loan(contract_no=f"MJ{lender.pk:04d}-{timezone.localdate():%Y%m%d}-{borrower.pk:05d}-{sequence:03d}",
                lender=lender, borrower=borrower, principal=values["amount"], annual_rate=values["annual_rate"],
                penalty_rate=(values["annual_rate"] * DEFAULT_PENALTY_MULTIPLIER).quantize(Decimal("0.00000001")),
                periods=values["periods"], method=values["method"], frequency=values["frequency"],
                instalment_multiple=InstalmentMultiple.FEN, approved_by=user)
    loan.full_clean()
    loan.save()
    return loan_disburse(loan=loan, user=user, disbursed_on=values["on"], idempotency_key=values["key"])


__all__ = ["Headroom", "investor_owed_by", "is_natural_person", "lent_by", "private_lending_caps_for",
           "private_lending_check", "private_lending_headroom", "private_loan_make"]
