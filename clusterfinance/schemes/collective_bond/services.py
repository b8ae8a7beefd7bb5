"""Writes of the collective bonds (docs/schemes.md, "Collective bond").

* ``issue_create``: the lead (a finance company) names the issue: size, coupon, term, payments a
  year, risk level, guarantor (an institution, or the lead itself), the share cap.
* ``share_add``: a member firm of the lead's cluster takes a share; refused when the share is
  above ``share_cap`` × the net assets (assets − liabilities) of its latest statement, or when
  the shares would exceed the size. Nothing is written on a refusal.
* ``issue_open``: once the shares add up to the size, the payment schedule is fixed and the
  issue is disclosed (one business record per firm); institutions and investors subscribe
  (``subscribe``: suitability through ``suitability.investor_level``).
* ``issue_allocate``: pro rata to the subscriptions when over-subscribed, to the fen, the
  fen left over one each to the largest remainders (earliest subscription first on a tie);
  an under-subscribed issue is refused (nothing issued).
* ``issue_settle``: one ledger entry: every holder's cash to the firms by their shares
  (holder: placements +, cash −; firm: cash +, notes issued −).
* ``payment_pay``: one ledger entry per scheduled payment: each firm pays its own coupon (its
  share × rate ÷ payments a year, to the fen) and, with the last, its principal; a firm marked
  defaulted (``default_mark``) is paid for by the guarantor, which holds a recovery claim
  (guarantor: placements +) recovered by ``claim_recover``. The total is paid out to the holders
  pro rata to their allocations, to the fen: what comes in goes out, no cent lost or created.
* Maker-checker: the settlement is prepared (``issue_settle_prepare``) by one of the lead's
  people and ``issue_settle`` is its approval by a manager of the lead who did not prepare it;
  likewise each payment (``payment_prepare``, then ``payment_pay``). ``preparation_withdraw``
  sends a preparation back; marking a default on a prepared payment sends it back too (the
  approver must approve what was prepared).
* ``claim_recover``: the lead records an amount the defaulting firm paid back to the guarantor
  (one ``BondRecovery`` and one ledger entry each), never more than is outstanding; each recovery
  is disclosed beside the default (``collective_bond_recovery``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.choices import AgentKind
from agents.models import Agent, cluster_members_q
from agents.money import ZERO, format_yuan, money_sum, parse_amount, quantize
from infocenter.choices import RecordKind, Visibility
from infocenter.models import FirmRecord
from infocenter.services.business import business_record_publish
from lending.choices import AccountPurpose as P
from lending.ledger.services import Leg, money_move, transfer_post
from lending.schedules import add_months

from . import suitability
from .models import (
    BondDefault,
    BondIssue,
    BondPayment,
    BondRecovery,
    BondRisk,
    BondShare,
    BondSubscription,
    IssueStatus,
)
from .permissions import APPROVE_BOND, LEAD_BOND, SUBSCRIBE_BOND

DEFAULT_SHARE_CAP = Decimal("0.4000")
SUBSCRIBER_KINDS = (AgentKind.INSTITUTION, AgentKind.INVESTOR)


def pro_rata(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` split in proportion to ``weights``, to the fen; the fen left over go one each to
    the largest remainders (the earlier weight on a tie), so the parts sum to ``total`` exactly."""
    fen = int((quantize(total) * 100).to_integral_value())
    w = [int((quantize(x) * 100).to_integral_value()) for x in weights]
    whole = sum(w)
    if whole <= 0 or fen <= 0:
        return [ZERO for _ in weights]
    base = [fen * x // whole for x in w]
    rest = fen - sum(base)
    order = sorted(range(len(w)), key=lambda i: (-(fen * w[i] % whole), i))
    for i in order[:rest]:
        base[i] += 1
    return [Decimal(b) / 100 for b in base]


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}, code="invalid") from None
    if not d.is_finite():
        raise ValidationError({field: message}, code="invalid")
    return d


def _lock(issue: BondIssue) -> BondIssue:
    return BondIssue.objects.select_for_update(of=("self",)).select_related("lead", "guarantor").get(pk=issue.pk)


def _status(issue: BondIssue, *allowed: str) -> None:
    if issue.status not in allowed:
        raise ValidationError(_("This cannot be done while the issue is “%(status)s”.")
                              % {"status": issue.get_status_display()}, code="status")


def _lead_acts(user, issue: BondIssue) -> None:
    require(user, issue.lead, LEAD_BOND)


@transaction.atomic
def issue_create(*, user, lead, name: str, size, coupon_rate, term_months, payments_per_year=1,
                 risk_level: str = BondRisk.R3, issue_date=None, guarantor=None, share_cap=None) -> BondIssue:
    require(user, lead, LEAD_BOND)
    if lead.kind != AgentKind.FINANCE_COMPANY:
        raise PermissionDenied(_("Only a finance company may lead a collective bond issue."))
    name = (name or "").strip()[:120]
    if not name:
        raise ValidationError({"name": _("Give the issue a name.")}, code="required")
    size = parse_amount(size)
    rate = _decimal(coupon_rate, "coupon_rate", _("The coupon rate is a number such as 0.055."))
    if not ZERO < rate < 1:
        raise ValidationError({"coupon_rate": _("The coupon rate is a share of one a year, between 0 and 1 "
                                                "(0.055 for 5.5 per cent).")}, code="range")
    try:
        term, ppy = int(term_months), int(payments_per_year)
    except (TypeError, ValueError):
        raise ValidationError({"term_months": _("The term is a whole number of months.")}, code="invalid") from None
    if ppy not in (1, 2, 4, 12):
        raise ValidationError({"payments_per_year": _("Coupons are paid 1, 2, 4 or 12 times a year.")}, code="ppy")
    if term <= 0 or term > 360 or term % (12 // ppy):
        raise ValidationError({"term_months": _("The term must be a whole number of coupon periods.")}, code="term")
    if risk_level not in BondRisk.values:
        raise ValidationError({"risk_level": _("The risk level is one of R1 to R5.")}, code="risk")
    cap = DEFAULT_SHARE_CAP if share_cap in (None, "") else _decimal(
        share_cap, "share_cap", _("The share cap is a number such as 0.40."))
    if not ZERO < cap <= 1:
        raise ValidationError({"share_cap": _("The share cap is a share of net assets between 0 and 1.")},
                              code="range")
    if guarantor is not None and (guarantor.kind not in (AgentKind.INSTITUTION, AgentKind.FINANCE_COMPANY)):
        raise ValidationError({"guarantor": _("The guarantor is a financial institution or the finance "
                                              "company.")}, code="guarantor")
    if guarantor is not None and guarantor.pk == lead.pk:
        guarantor = None
    return BondIssue.objects.create(lead=lead, guarantor=guarantor, name=name, size=size, coupon_rate=rate,
                                    term_months=term, payments_per_year=ppy, risk_level=risk_level,
                                    share_cap=cap, issue_date=issue_date or timezone.localdate(), created_by=user)


def firm_net_assets(firm_ids) -> dict[int, tuple[Decimal, date]]:
    """Each firm's net assets (assets − liabilities) and period end from its latest statement
    that gives both; firms without one are left out. One query."""
    latest = FirmRecord.objects.filter(agent_id=OuterRef("pk"), kind=RecordKind.STATEMENT,
                                       total_assets__isnull=False, total_liabilities__isnull=False) \
        .order_by("-period_end", "-pk")
    rows = Agent.objects.filter(pk__in=list(firm_ids)).annotate(
        assets=Subquery(latest.values("total_assets")[:1]),
        liabilities=Subquery(latest.values("total_liabilities")[:1]),
        period=Subquery(latest.values("period_end")[:1])).values_list("pk", "assets", "liabilities", "period")
    return {pk: (quantize(a - li), p) for pk, a, li, p in rows if a is not None and li is not None}


@transaction.atomic
def share_add(*, user, issue: BondIssue, firm, amount) -> BondShare:
    """``firm`` takes ``amount`` of the issue, within its cap (see the module docstring)."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.DRAFT)
    amount = parse_amount(amount)
    if firm.kind != AgentKind.ENTERPRISE or not Agent.objects.filter(
            cluster_members_q(finance_company=issue.lead), pk=firm.pk).exists():
        raise ValidationError({"firm": _("Only member firms of the finance company's cluster join its issue.")},
                              code="not_member")
    if BondShare.objects.filter(issue=issue, firm=firm).exists():
        raise ValidationError({"firm": _("%(firm)s already has a share of this issue.") % {"firm": firm.name}},
                              code="duplicate")
    net = firm_net_assets([firm.pk]).get(firm.pk)
    if net is None:
        raise ValidationError({"amount": _("%(firm)s has no financial statement with its assets and liabilities; "
                                           "its share cannot be checked.") % {"firm": firm.name}}, code="no_statement")
    net_assets, period = net
    cap = quantize(max(ZERO, net_assets) * issue.share_cap)
    if amount > cap:
        raise ValidationError({"amount": _(
            "%(firm)s may take at most %(cap)s: %(pct)s per cent of its net assets of %(net)s "
            "(statement of %(period)s); %(amount)s asked.") % {
                "firm": firm.name, "cap": format_yuan(cap), "pct": quantize(issue.share_cap * 100),
                "net": format_yuan(net_assets), "period": period.isoformat(), "amount": format_yuan(amount)}},
            code="share_cap")
    taken = quantize(BondShare.objects.filter(issue=issue).aggregate(t=money_sum("amount"))["t"])
    if taken + amount > issue.size:
        raise ValidationError({"amount": _("The shares would exceed the issue's size: %(left)s is left.")
                               % {"left": format_yuan(issue.size - taken)}}, code="over_size")
    return BondShare.objects.create(issue=issue, firm=firm, amount=amount, net_assets=net_assets,
                                    statement_period=period)


def _schedule(issue: BondIssue, shares: list[BondShare]) -> list[BondPayment]:
    n = issue.term_months * issue.payments_per_year // 12
    step = 12 // issue.payments_per_year
    coupon = sum((firm_coupon(issue, s.amount) for s in shares), ZERO)
    return [BondPayment(issue=issue, number=k, due_date=add_months(issue.issue_date, step * k), coupon=coupon,
                        principal=issue.size if k == n else ZERO) for k in range(1, n + 1)]


def firm_coupon(issue: BondIssue, share_amount: Decimal) -> Decimal:
    """A firm's coupon for one period: its share × the rate ÷ payments a year, to the fen."""
    return quantize(share_amount * issue.coupon_rate / issue.payments_per_year)


@transaction.atomic
def issue_open(*, user, issue: BondIssue) -> BondIssue:
    """Fix the schedule and open the subscription; the shares must add up to the size."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.DRAFT)
    shares = list(BondShare.objects.filter(issue=issue).select_related("firm").order_by("pk"))
    taken = sum((s.amount for s in shares), ZERO)
    if not shares or taken != issue.size:
        raise ValidationError(_("The firms' shares add up to %(taken)s; they must make the issue's size of "
                                "%(size)s before it opens.") % {"taken": format_yuan(taken),
                                                                      "size": format_yuan(issue.size)}, code="size")
    BondPayment.objects.bulk_create(_schedule(issue, shares))
    issue.status = IssueStatus.OPEN
    issue.save(update_fields=["status"])
    names = [s.firm.name for s in shares]
    for s in shares:
        business_record_publish(
            link="3", kind="collective_bond_issue", subject=s.firm, counterparty=issue.lead,
            title=_("Share of the collective bond “%(issue)s”") % {"issue": issue.name}, amount=s.amount,
            data={"issue_id": issue.pk, "issue": issue.name, "size": str(issue.size),
                  "coupon_rate": str(issue.coupon_rate), "term_months": issue.term_months,
                  "risk_level": issue.risk_level, "guarantor_id": issue.guarantor_id_or_lead, "firms": names},
            key=f"bond_issue:{issue.pk}:{s.firm_id}", counterparty_role="lead", visibility=Visibility.PUBLIC)
    return issue


@transaction.atomic
def subscribe(*, user, issue: BondIssue, subscriber, amount) -> BondSubscription:
    """``subscriber`` (an institution or a private investor) subscribes ``amount``; subscribing
    again replaces its amount while the issue is open."""
    issue = _lock(issue)
    require(user, subscriber, SUBSCRIBE_BOND)
    if subscriber.kind not in SUBSCRIBER_KINDS:
        raise PermissionDenied(_("Only institutions and private investors subscribe to a bond."))
    _status(issue, IssueStatus.OPEN)
    amount = parse_amount(amount)
    if amount > issue.size:
        raise ValidationError({"amount": _("You may subscribe at most the issue's size, %(size)s.")
                               % {"size": format_yuan(issue.size)}}, code="over_size")
    level = ""
    if subscriber.kind == AgentKind.INVESTOR:
        checked, level = suitability.investor_level(subscriber)
        if checked and not level:
            raise ValidationError(_("Complete the suitability questionnaire before you subscribe."),
                                  code="no_level")
        if checked and not suitability.level_allows(level, issue.risk_level):
            raise ValidationError(_("This issue's risk level %(risk)s is above your suitability %(level)s; you "
                                    "may not subscribe.") % {"risk": issue.risk_level, "level": level},
                                  code="suitability")
    sub, _created = BondSubscription.objects.update_or_create(
        issue=issue, subscriber=subscriber,
        defaults={"requested": amount, "investor_level": level, "created_by": user})
    return sub


@transaction.atomic
def issue_allocate(*, user, issue: BondIssue) -> list[BondSubscription]:
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.OPEN)
    subs = list(BondSubscription.objects.filter(issue=issue).order_by("created_at", "pk"))
    total = sum((s.requested for s in subs), ZERO)
    if total < issue.size:
        raise ValidationError(_("Only %(total)s of %(size)s is subscribed; an under-subscribed issue is "
                                "not allocated.") % {"total": format_yuan(total), "size": format_yuan(issue.size)},
                              code="undersubscribed")
    parts = pro_rata(issue.size, [s.requested for s in subs])
    for s, part in zip(subs, parts, strict=True):
        s.allocated = part
    BondSubscription.objects.bulk_update(subs, ["allocated"])
    issue.status = IssueStatus.ALLOCATED
    issue.save(update_fields=["status"])
    return subs


def _post(key: str, on, legs: dict[tuple[int, str], Decimal], *, user, memo: str):
    clean = [Leg(agent, purpose, amount) for (agent, purpose), amount in sorted(legs.items()) if amount != ZERO]
    return transfer_post(idempotency_key=key, effective_date=on, legs=clean, reference=key, memo=memo[:200],
                         user=user)


def _approver_acts(user, issue: BondIssue, maker_id, what: str) -> None:
    """The checker's gate: a manager of the lead, not the person who prepared ``what``."""
    require(user, issue.lead, APPROVE_BOND)
    if maker_id is None:
        raise ValidationError(_("%(what)s is not prepared yet: one of the finance company's people prepares it, "
                                "another approves it.") % {"what": what}, code="not_prepared")
    four_eyes_check(agent=issue.lead, maker_id=maker_id, checker=user,
                    message=_("You prepared this yourself; another manager of the finance company must approve "
                              "it (maker-checker)."))


@transaction.atomic
def issue_settle_prepare(*, user, issue: BondIssue) -> BondIssue:
    """The maker step of the settlement: one of the lead's people checks the allocation and
    asks for the settlement; a manager who is someone else approves it (``issue_settle``)."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.ALLOCATED)
    if issue.settle_prepared_by_id is not None:
        raise ValidationError(_("The settlement is already prepared and waits for its approval."), code="prepared")
    issue.settle_prepared_by, issue.settle_prepared_at = user, timezone.now()
    issue.save(update_fields=["settle_prepared_by", "settle_prepared_at"])
    return issue


@transaction.atomic
def issue_settle(*, user, issue: BondIssue, on=None) -> BondIssue:
    """The checker step: a manager of the lead other than the preparer approves the prepared
    settlement, which then moves the holders' money to the firms by their shares in one ledger
    entry; each subscription disclosed (private investors' to the government only,
    institutions' to members)."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.ALLOCATED)
    _approver_acts(user, issue, issue.settle_prepared_by_id, _("The settlement"))
    on = on or issue.issue_date
    subs = [s for s in BondSubscription.objects.filter(issue=issue).select_related("subscriber").order_by("pk")
            if s.allocated]
    shares = list(BondShare.objects.filter(issue=issue).order_by("pk"))
    legs: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    for s in subs:
        legs[(s.subscriber_id, P.CASH)] -= s.allocated
        legs[(s.subscriber_id, P.PLACEMENTS)] += s.allocated
    for sh in shares:
        legs[(sh.firm_id, P.CASH)] += sh.amount
        legs[(sh.firm_id, P.NOTES_ISSUED)] -= sh.amount
    _post(f"bond_settle:{issue.pk}", on, legs, user=user, memo=f"collective bond settled: {issue.name}")
    issue.status, issue.settled_on = IssueStatus.SETTLED, on
    issue.settle_approved_by, issue.settle_approved_at = user, timezone.now()
    issue.save(update_fields=["status", "settled_on", "settle_approved_by", "settle_approved_at"])
    for s in subs:
        private = s.subscriber.kind == AgentKind.INVESTOR
        business_record_publish(
            link="3", kind="collective_bond_subscription", subject=s.subscriber, counterparty=issue.lead,
            title=_("Subscribed to the collective bond “%(issue)s”") % {"issue": issue.name}, amount=s.allocated,
            data={"issue_id": issue.pk, "issue": issue.name, "requested": str(s.requested)},
            key=f"bond_subscription:{s.pk}", subject_role="holder", counterparty_role="lead",
            visibility=Visibility.GOVERNMENT if private else Visibility.MEMBERS)
    return issue


@transaction.atomic
def default_mark(*, user, issue: BondIssue, number: int, firm) -> BondDefault:
    """Record that ``firm`` cannot pay its part of payment ``number``: the guarantor will pay it."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.SETTLED)
    payment = BondPayment.objects.filter(issue=issue, number=number).first()
    if payment is None or payment.paid_on is not None:
        raise ValidationError(_("This payment is not open."), code="payment")
    if not BondShare.objects.filter(issue=issue, firm=firm).exists():
        raise ValidationError({"firm": _("This firm has no share of the issue.")}, code="no_share")
    d, created = BondDefault.objects.get_or_create(payment=payment, firm=firm,
                                                   defaults={"guarantor_id": issue.guarantor_id_or_lead,
                                                             "marked_by": user})
    if created and payment.prepared_by_id is not None:  # the approver must see what is approved
        _unprepare(payment)
    return d


def _unprepare(payment: BondPayment) -> None:
    payment.prepared_by, payment.prepared_at = None, None
    payment.save(update_fields=["prepared_by", "prepared_at"])


def _open_payment(issue: BondIssue, number) -> BondPayment:
    payments = list(BondPayment.objects.filter(issue=issue).order_by("number"))
    payment = next((p for p in payments if p.number == number), None)
    if payment is None or payment.paid_on is not None:
        raise ValidationError(_("This payment is not open."), code="payment")
    if any(p.paid_on is None for p in payments if p.number < number):
        raise ValidationError(_("Pay the earlier payments first."), code="order")
    return payment


@transaction.atomic
def payment_prepare(*, user, issue: BondIssue, number: int) -> BondPayment:
    """The maker step of payment ``number``: one of the lead's people asks for it (the defaults
    marked on it are part of what is prepared); a manager who is someone else approves it."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.SETTLED)
    payment = _open_payment(issue, number)
    if payment.prepared_by_id is not None:
        raise ValidationError(_("Payment %(n)s is already prepared and waits for its approval.") % {"n": number},
                              code="prepared")
    payment.prepared_by, payment.prepared_at = user, timezone.now()
    payment.save(update_fields=["prepared_by", "prepared_at"])
    return payment


@transaction.atomic
def preparation_withdraw(*, user, issue: BondIssue, number: int | None = None) -> BondIssue:
    """Send back the prepared settlement (``number`` None) or payment ``number`` without
    approving it; any of the lead's people may (the preparer to correct it, a manager to refuse
    it). Nothing is posted."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    if number is None:
        _status(issue, IssueStatus.ALLOCATED)
        if issue.settle_prepared_by_id is None:
            raise ValidationError(_("The settlement is not prepared."), code="not_prepared")
        issue.settle_prepared_by, issue.settle_prepared_at = None, None
        issue.save(update_fields=["settle_prepared_by", "settle_prepared_at"])
        return issue
    _status(issue, IssueStatus.SETTLED)
    payment = BondPayment.objects.filter(issue=issue, number=number, paid_on__isnull=True).first()
    if payment is None or payment.prepared_by_id is None:
        raise ValidationError(_("This payment is not prepared."), code="not_prepared")
    _unprepare(payment)
    return issue


def firm_parts(issue: BondIssue, payment: BondPayment, shares: list[BondShare]) -> list[tuple[BondShare, Decimal,
                                                                                               Decimal]]:
    """``(share, coupon, principal)`` each firm owes for ``payment``."""
    last = payment.principal > ZERO
    return [(s, firm_coupon(issue, s.amount), s.amount if last else ZERO) for s in shares]


@transaction.atomic
def payment_pay(*, user, issue: BondIssue, number: int, on=None) -> BondPayment:
    """The checker step of payment ``number``: a manager of the lead other than the preparer
    approves it; then it is collected from the firms (the guarantor for a defaulted firm) and
    paid out to the holders pro rata, in one balanced ledger entry (see the module docstring)."""
    issue = _lock(issue)
    _lead_acts(user, issue)
    _status(issue, IssueStatus.SETTLED)
    payment = _open_payment(issue, number)
    _approver_acts(user, issue, payment.prepared_by_id, _("Payment %(n)s") % {"n": number})
    on = on or payment.due_date
    shares = list(BondShare.objects.filter(issue=issue).select_related("firm").order_by("pk"))
    holders = list(BondSubscription.objects.filter(issue=issue, allocated__gt=0).order_by("pk"))
    defaults = {d.firm_id: d for d in BondDefault.objects.filter(payment=payment)}
    legs: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    coupon_in = principal_in = ZERO
    for s, coupon, principal in firm_parts(issue, payment, shares):
        part = coupon + principal
        coupon_in += coupon
        principal_in += principal
        legs[(s.firm_id, P.INTEREST_EXPENSE)] += coupon
        legs[(s.firm_id, P.NOTES_ISSUED)] += principal
        d = defaults.get(s.firm_id)
        if d is None:
            legs[(s.firm_id, P.CASH)] -= part
        else:  # the guarantor pays for the firm; the firm owes it the amount (deposits −)
            legs[(d.guarantor_id, P.CASH)] -= part
            legs[(d.guarantor_id, P.PLACEMENTS)] += part
            legs[(s.firm_id, P.DEPOSITS)] -= part
            d.amount = part
    weights = [h.allocated for h in holders]
    for h, c, p in zip(holders, pro_rata(coupon_in, weights), pro_rata(principal_in, weights), strict=True):
        legs[(h.subscriber_id, P.CASH)] += c + p
        legs[(h.subscriber_id, P.INTEREST_INCOME)] -= c
        legs[(h.subscriber_id, P.PLACEMENTS)] -= p
    _post(f"bond_payment:{payment.pk}", on, legs, user=user, memo=f"collective bond {issue.name} payment {number}")
    payment.paid_on, payment.approved_by, payment.approved_at = on, user, timezone.now()
    payment.save(update_fields=["paid_on", "approved_by", "approved_at"])
    BondDefault.objects.bulk_update(list(defaults.values()), ["amount"])
    if payment.principal > ZERO:
        issue.status = IssueStatus.REDEEMED
        issue.save(update_fields=["status"])
    for s, coupon, principal in firm_parts(issue, payment, shares):
        d = defaults.get(s.firm_id)
        business_record_publish(
            link="3", kind="collective_bond_payment", subject=s.firm, counterparty=issue.lead,
            title=_("Payment %(n)s of the collective bond “%(issue)s”") % {"n": number, "issue": issue.name},
            amount=coupon + principal,
            data={"issue_id": issue.pk, "payment": number, "coupon": str(coupon), "principal": str(principal),
                  "paid_by_guarantor": d is not None},
            key=f"bond_payment:{payment.pk}:{s.firm_id}", counterparty_role="lead", visibility=Visibility.MEMBERS)
        if d is not None:
            business_record_publish(
                link="3", kind="collective_bond_default", subject=s.firm, counterparty=d.guarantor,
                title=_("Defaulted on payment %(n)s of the collective bond “%(issue)s”; paid by the guarantor")
                % {"n": number, "issue": issue.name}, amount=d.amount,
                data={"issue_id": issue.pk, "payment": number, "default_id": d.pk},
                key=f"bond_default:{d.pk}", counterparty_role="guarantor", visibility=Visibility.MEMBERS)
    return payment


@transaction.atomic
def claim_recover(*, user, default: BondDefault, amount, on=None, seen_recovered=None) -> BondDefault:
    """Record that the defaulting firm paid ``amount`` back to the guarantor on ``on`` (today
    by default): the lead's people record it for the guarantor. One ``BondRecovery``, one ledger
    entry (firm deposits → guarantor placements) and one disclosure beside the default; refused
    with nothing written when the amount is not a positive amount of fen or is more than is
    outstanding. ``seen_recovered`` (what the page showed as recovered) refuses a second,
    accidental submission of the same form."""
    d = BondDefault.objects.select_for_update(of=("self",)).select_related("payment__issue__lead", "firm", "guarantor") \
        .get(pk=default.pk)
    issue = d.payment.issue
    _lead_acts(user, issue)
    if d.payment.paid_on is None or d.amount <= ZERO:
        raise ValidationError(_("The guarantor has not paid for this firm yet: there is nothing to recover."),
                              code="not_covered")
    if seen_recovered is not None and quantize(_decimal(seen_recovered, "amount", _("Reload the page."))) \
            != d.recovered:
        raise ValidationError(_("The claim changed since the page was opened (%(recovered)s is now recovered); "
                                "check the outstanding amount and try again.")
                              % {"recovered": format_yuan(d.recovered)}, code="stale")
    try:
        amount = parse_amount(amount)
    except ValidationError as exc:
        raise ValidationError({"amount": exc.messages}, code="invalid") from None
    left = d.outstanding
    if amount > left:
        raise ValidationError({"amount": _("Only %(left)s is left to recover.") % {"left": format_yuan(left)}},
                              code="over")
    today, paid = timezone.localdate(), d.payment.paid_on
    on = on or today
    # a payment may be booked on its (later) due date; only then may a recovery be dated after today
    if on > max(today, paid):
        raise ValidationError({"received_on": _("A recovery cannot be dated in the future.")}, code="future")
    if on < paid <= today:
        raise ValidationError({"received_on": _("A recovery cannot be dated before the guarantor paid for the firm "
                                                "(%(paid)s).") % {"paid": d.payment.paid_on.isoformat()}},
                              code="before")
    key = f"bond_recovery:{d.pk}:{d.recovered}"
    money_move(idempotency_key=key, on=on, amount=amount, payer=d.firm,
               payer_purpose=P.DEPOSITS, payee=d.guarantor, payee_purpose=P.PLACEMENTS, reference=key, user=user,
               memo=f"bond recovery from {d.firm.name}"[:200])
    d.recovered += amount
    d.save(update_fields=["recovered"])
    recovery = BondRecovery(default=d, amount=amount, received_on=on, outstanding_after=d.outstanding,
                            entry_key=key, recorded_by=user)
    recovery.full_clean()
    recovery.save()
    business_record_publish(
        link="3", kind="collective_bond_recovery", subject=d.firm, counterparty=d.guarantor,
        title=_("Repaid the guarantor for the default on payment %(n)s of the collective bond “%(issue)s”")
        % {"n": d.payment.number, "issue": issue.name}, amount=amount,
        data={"issue_id": issue.pk, "payment": d.payment.number, "default_id": d.pk, "recovery_id": recovery.pk,
              "covered": str(d.amount), "recovered": str(d.recovered), "outstanding": str(d.outstanding),
              "received_on": on.isoformat()},
        key=f"bond_recovery:{recovery.pk}", counterparty_role="guarantor", visibility=Visibility.MEMBERS)
    return d
