"""The related-party rule of the regional bank model (区域银行): lender and borrower connected
by a current shareholding, either direction, are *related parties*; a loan between them is
flagged (``Application.related_party``), kept within a share of the lender's capital and
approved only by someone not connected. Also the writes of the shareholding facts
(``Shareholding``, ``SecondedManager``); the pages that call them are
``clusterfinance.schemes.cross_shareholding``.

Configuration (settings, read at each call):

* ``RELATED_PARTY_SHAREHOLDING_THRESHOLD`` — a holding above this many per cent connects the
  two (``Decimal("0")`` by default: any current holding);
* ``RELATED_PARTY_CAPITAL_SHARE`` — the lender's related-party loans may not exceed this share of
  its capital (``Decimal("0.10")``: 10 %). The capital is the natural balance of the lender's
  ledger ``capital`` account (paid in through ``capital_contribute``); a lender without one
  has no capital and makes no related-party loan.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.money import ZERO, money_sum, quantize
from agents.parsing import parse_date

from ..choices import AccountPurpose, ApplicationStatus, LoanStatus
from ..ledger.models import Account
from ..models import Application, Loan, SecondedManager, Shareholding
from ..models.related_parties import BoardKind

DEFAULT_THRESHOLD = Decimal("0")
DEFAULT_CAPITAL_SHARE = Decimal("0.10")


def related_party_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "RELATED_PARTY_SHAREHOLDING_THRESHOLD", DEFAULT_THRESHOLD)))


def related_party_capital_share() -> Decimal:
    return Decimal(str(getattr(settings, "RELATED_PARTY_CAPITAL_SHARE", DEFAULT_CAPITAL_SHARE)))


def _pair_q(a_id: int, b_id: int, left: str, right: str) -> Q:
    return Q(**{left: a_id, right: b_id}) | Q(**{left: b_id, right: a_id})


def current_q(on: date | None = None) -> Q:
    on = on or timezone.localdate()
    return Q(since__lte=on) & (Q(ended__isnull=True) | Q(ended__gt=on))


def related_parties_connected(*, lender_id: int, borrower_id: int, on: date | None = None) -> bool:
    """Whether a current shareholding above the threshold links the two, in either direction."""
    return (Shareholding.objects.filter(_pair_q(lender_id, borrower_id, "holder_id", "held_id"), current_q(on),
                                        percentage__gt=related_party_threshold()).exists())


def connected_user_ids(*, lender_id: int, borrower_id: int, on: date | None = None) -> set[int]:
    """The *connected persons* of a loan between the two who have a platform account: the users
    of the current seconded managers between them (either way). One query."""
    return set(SecondedManager.objects.filter(_pair_q(lender_id, borrower_id, "bank_id", "firm_id"), current_q(on),
                                              user__isnull=False).values_list("user_id", flat=True))


def lender_capital(*, lender_id: int) -> Decimal:
    """The lender's capital: the credit balance of its ledger capital account (0 without one)."""
    balance = Account.objects.filter(agent_id=lender_id, purpose=AccountPurpose.CAPITAL, loan__isnull=True) \
        .values_list("balance", flat=True).first()
    return quantize(-balance) if balance is not None else ZERO


def related_party_exposure(*, lender_id: int, exclude_application_id: int | None = None) -> Decimal:
    """What the lender has committed to related parties: the outstanding principal of its active
    related-party loans, the principal of those contracted and not yet paid out, and the amount
    of those approved and not yet contracted. Three queries."""
    loans = Loan.objects.filter(lender_id=lender_id, application__related_party=True)
    active = loans.filter(status=LoanStatus.ACTIVE).aggregate(s=money_sum("principal_outstanding"))["s"]
    contracted = loans.filter(status=LoanStatus.CONTRACTED).aggregate(s=money_sum("principal"))["s"]
    approved = Application.objects.filter(lender_id=lender_id, related_party=True, status=ApplicationStatus.APPROVED)
    if exclude_application_id is not None:
        approved = approved.exclude(pk=exclude_application_id)
    pending = approved.aggregate(s=money_sum("approved_amount"))["s"]
    return quantize((active or ZERO) + (contracted or ZERO) + (pending or ZERO))


def related_party_approval_check(*, application: Application, user, amount: Decimal) -> bool:
    """The related-party rule at approval. Returns whether the loan is a related-party loan;
    refuses (nothing changed) an approver who is a connected person, or an amount that would
    take the lender's related-party loans above its limit."""
    if not related_parties_connected(lender_id=application.lender_id, borrower_id=application.applicant_id):
        return False
    if user.pk in connected_user_ids(lender_id=application.lender_id, borrower_id=application.applicant_id):
        raise PermissionDenied(_("You are connected to this borrower (a manager seconded between the two); "
                                 "a related-party loan must be approved by someone not connected."))
    capital = lender_capital(lender_id=application.lender_id)
    share = related_party_capital_share()
    limit = quantize(capital * share)
    exposure = related_party_exposure(lender_id=application.lender_id, exclude_application_id=application.pk)
    if exposure + amount > limit:
        raise ValidationError({"amount": ValidationError(
            _("This is a related-party loan (lender and borrower hold shares of each other). Related-party loans "
              "may not exceed %(share)s per cent of the lender's capital of %(capital)s yuan, that is %(limit)s "
              "yuan; %(exposure)s yuan is already lent or approved, so at most %(room)s yuan more.") % {
                "share": quantize(share * 100), "capital": capital, "limit": limit, "exposure": exposure,
                "room": max(ZERO, limit - exposure)}, code="related_party_limit")})
    return True


# --- the shareholding facts ------------------------------------------------------------------

def _parse_percentage(raw) -> Decimal:
    try:
        value = Decimal(str(raw).strip().rstrip("%"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percentage": _("Enter the share as a number of per cent, e.g. 12.5.")}) from None
    if not value.is_finite() or value <= 0 or value > 100:
        raise ValidationError({"percentage": _("The share must be above 0 and at most 100 per cent.")})
    return value.quantize(Decimal("0.0001"))


def _parse_shares(raw) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        raise ValidationError({"shares": _("Enter the number of shares as a whole number.")}) from None
    if value <= 0:
        raise ValidationError({"shares": _("The number of shares must be positive.")})
    return value


def _parse_day(raw, field: str) -> date:
    try:
        return parse_date(raw)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None


@transaction.atomic
def shareholding_record(*, user, holder, held, shares, percentage, since) -> Shareholding:
    """Record that ``holder`` holds ``shares`` shares (``percentage`` per cent) of ``held`` since
    ``since``. The caller (the pages) checks who may record; this checks the facts."""
    if holder.pk == held.pk:
        raise ValidationError({"held": _("A company cannot hold its own shares here.")})
    values = {"shares": _parse_shares(shares), "percentage": _parse_percentage(percentage),
              "since": _parse_day(since, "since")}
    if values["since"] > timezone.localdate():
        raise ValidationError({"since": _("The holding cannot start in the future.")})
    if Shareholding.objects.filter(holder=holder, held=held, ended__isnull=True).exists():
        raise ValidationError({"held": _("This holding is already recorded; end it before recording a new one.")})
    holding = Shareholding(holder=holder, held=held, recorded_by=user, **values)
    holding.full_clean()
    holding.save()
    return holding


@transaction.atomic
def shareholding_end(*, holding: Shareholding, user, on) -> Shareholding:
    """The holding was sold on ``on``."""
    holding = Shareholding.objects.select_for_update().get(pk=holding.pk)
    if holding.ended is not None:
        raise ValidationError(_("This holding has already ended."))
    day = _parse_day(on, "ended")
    if day < holding.since:
        raise ValidationError({"ended": _("A holding cannot end before it began.")})
    holding.ended = day
    holding.save(update_fields=["ended"])
    return holding


@transaction.atomic
def seconded_manager_record(*, user, bank, firm, person_name: str, board: str, since, person_user=None) \
        -> SecondedManager:
    """Record a manager ``bank`` seconds to ``firm``'s board or supervisory board."""
    name = (person_name or "").strip()
    if not name:
        raise ValidationError({"person_name": _("Give the person's name.")})
    if board not in BoardKind.values:
        raise ValidationError({"board": _("Choose the board or the supervisory board.")})
    if bank.pk == firm.pk:
        raise ValidationError({"firm": _("Choose another company than the bank.")})
    manager = SecondedManager(bank=bank, firm=firm, person_name=name[:100], board=board,
                              since=_parse_day(since, "since"), user=person_user, recorded_by=user)
    manager.full_clean()
    manager.save()
    return manager


__all__ = ["connected_user_ids", "lender_capital", "related_parties_connected", "related_party_approval_check",
           "related_party_capital_share", "related_party_exposure", "related_party_threshold",
           "seconded_manager_record", "shareholding_end", "shareholding_record"]
