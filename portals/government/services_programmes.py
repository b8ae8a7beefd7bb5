"""Writes of the support programmes (link a). Every movement of money is one ledger entry and one
row here, in the same transaction; G is the government, F the firm, L the lender:

| movement | G's books | other side's books |
|---|---|---|
| budget funded | subsidy expense +, programme funds − (no cash moves yet) | — |
| subsidy paid (G → F) | programme funds +, cash − | F cash +, subsidy income − |
| risk compensation paid (G → L) | programme funds +, cash − | L cash +, recovery income − |

A programme's budget left is what was funded less what was paid; minus G's ``programme_funds``
balance is the sum over its programmes (``reconcile_programmes``). The payout is posted when a
second officer approves what the first prepared (maker-checker), and refused with nothing posted
when it is more than the budget left.

What each kind pays (``share`` × basis, rounded half up to the fen):

* interest subsidy — the interest the firm actually paid (``Repayment.interest_amount``, not
  penalty interest) on its loans with a payment date in the programme's period;
* guarantee-fee subsidy — the guarantee fees the firm paid the cluster's guarantee fund on
  guarantees issued in the period;
* risk compensation — the lender's loss on one loan to an eligible firm, disbursed in the period:
  the principal written off, or the principal outstanding of a loan 90 or more days past due.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import four_eyes_check, require
from agents.choices import AgentKind, AgentStatus, SizeClass, grade_at_least
from agents.models import Agent, cluster_members_q
from agents.money import ZERO, format_yuan, parse_amount, quantize
from agents.parsing import collect, parse_date
from agents.restrict import region_prefix
from infocenter.choices import Category, Visibility
from infocenter.services.business import business_record_publish
from infocenter.services.publications import publication_create
from lending.choices import AccountPurpose as P
from lending.choices import LoanStatus
from lending.ledger.services import Leg, money_move, parse_idempotency_key, transfer_post
from lending.models import Loan, Repayment

from .models_programmes import (
    ProgrammeFunding,
    ProgrammeKind,
    ProgrammeStatus,
    SupportApplication,
    SupportApplicationStatus,
    SupportProgramme,
)
from .permissions_programmes import (
    APPLY_PROGRAMME,
    APPROVE_PROGRAMME_PAYOUT,
    CLAIM_RISK_COMPENSATION,
    MANAGE_PROGRAMMES,
)

NPL_DPD = 90  # a loan this many days past due counts as a loss for risk compensation
SHARE_STEP = Decimal("0.0001")
S = SupportApplicationStatus


# --- budget -------------------------------------------------------------------------------------

@dataclass
class Budget:
    funded: Decimal = ZERO
    paid: Decimal = ZERO
    prepared: Decimal = ZERO  # prepared, awaiting approval (not yet committed)

    @property
    def left(self) -> Decimal:
        return self.funded - self.paid

    @property
    def used_share(self):
        return (self.paid / self.funded) if self.funded else None


def budgets_of(programme_ids) -> dict[int, Budget]:
    """``{programme id: Budget}`` in two queries whatever the number of programmes."""
    ids = list(programme_ids)
    result = {pk: Budget() for pk in ids}
    for pk, total in (ProgrammeFunding.objects.filter(programme_id__in=ids).values("programme_id").order_by()
                      .annotate(t=Sum("amount")).values_list("programme_id", "t")):
        result[pk].funded = quantize(Decimal(total or 0))
    for pk, status, total in (SupportApplication.objects.filter(programme_id__in=ids, status__in=(S.PAID, S.PREPARED))
                              .values("programme_id", "status").order_by().annotate(t=Sum("amount"))
                              .values_list("programme_id", "status", "t")):
        setattr(result[pk], "paid" if status == S.PAID else "prepared", quantize(Decimal(total or 0)))
    return result


def budget_of(programme: SupportProgramme) -> Budget:
    return budgets_of([programme.pk])[programme.pk]


# --- programmes ---------------------------------------------------------------------------------

def _share(raw) -> Decimal:
    from lending.validation import parse_rate

    value = parse_rate(raw, allow_zero=False)
    if value > 1:
        raise ValidationError(_("A share is at most 100%."))
    if value != quantize(value, SHARE_STEP):
        raise ValidationError(_("A share has at most four decimals (0.0001 = 0.01 %)."))
    return value


def _codes(raw: str) -> str:
    codes = [c.strip().upper() for c in str(raw or "").replace("，", ",").split(",") if c.strip()]
    for code in codes:
        if not (code[0].isalpha() and code[1:].isdigit() and len(code) <= 5):
            raise ValidationError(_("“%(code)s” is not a GB/T 4754 industry code such as C33.") % {"code": code})
    return ", ".join(codes)


def _sizes(raw) -> str:
    values = raw if isinstance(raw, list | tuple) else str(raw or "").split(",")
    sizes = [str(s).strip().lower() for s in values if str(s).strip()]
    for size in sizes:
        if size not in SizeClass.values:
            raise ValidationError(_("“%(size)s” is not a size class.") % {"size": size})
    return ",".join(sizes)


def _grade(raw) -> str:
    from agents.choices import Grade

    value = str(raw or "").strip().upper()
    if value and value not in Grade.values:
        raise ValidationError(_("“%(grade)s” is not a credit grade.") % {"grade": value})
    return value


def _weight(raw):
    if raw in (None, ""):
        return None
    from lending.validation import parse_rate

    value = parse_rate(raw)
    if value > 1:
        raise ValidationError(_("A weight lies between 0 and 1 (0.01 = one point a year)."))
    return quantize(value, Decimal("0.000001"))


@transaction.atomic
def programme_create(*, user, government: Agent, kind: str, title: str, share, period_start, period_end,
                     description: str = "", industries: str = "", size_classes="", min_grade: str = "",
                     cluster=None, priority_weight=None) -> SupportProgramme:
    """A government opens a programme, announced in the government module of the centre."""
    require(user, government, MANAGE_PROGRAMMES)

    def text():
        value = (title or "").strip()
        if not value:
            raise ValidationError(_("Give the programme a title."))
        return value[:200]

    def kind_value():
        if kind not in ProgrammeKind.values:
            raise ValidationError(_("Choose a kind of programme."))
        return kind

    values = collect(kind=kind_value, title=text, share=lambda: _share(share),
                     period_start=lambda: parse_date(period_start), period_end=lambda: parse_date(period_end),
                     industries=lambda: _codes(industries), size_classes=lambda: _sizes(size_classes),
                     min_grade=lambda: _grade(min_grade), priority_weight=lambda: _weight(priority_weight))
    if values["period_end"] < values["period_start"]:
        raise ValidationError({"period_end": _("The period ends after it starts.")})
    if cluster is not None and not cluster.region_code.startswith(region_prefix(government.region_code)):
        raise ValidationError({"cluster": _("The cluster is outside the government's region.")})
    programme = SupportProgramme(government=government, description=description or "", cluster=cluster,
                                 created_by=user, **values)
    programme.full_clean()
    programme.save()
    publication_create(
        subject=government, publisher=government, category=Category.SUPPORT_PROGRAMME, title=programme.title,
        body=programme.description, visibility=Visibility.PUBLIC, key=f"programme:{programme.pk}", author=user,
        data={"programme_id": programme.pk, "kind": programme.kind, "share": str(programme.share),
              "period_start": programme.period_start.isoformat(), "period_end": programme.period_end.isoformat(),
              "industries": programme.industries, "size_classes": programme.size_classes,
              "min_grade": programme.min_grade})
    return programme


def _lock(programme: SupportProgramme) -> SupportProgramme:
    """Lock the programme's row: approvals of one programme are serialised, so two payouts at once
    cannot both pass the budget."""
    return (SupportProgramme.objects.select_for_update(of=("self",)).select_related("government", "cluster")
            .get(pk=programme.pk))


@transaction.atomic
def programme_fund(*, user, programme: SupportProgramme, amount, on, idempotency_key) -> ProgrammeFunding:
    """The government puts money into the programme's budget (ledger: subsidy expense against
    programme funds on the government's books)."""
    programme = _lock(programme)
    gov = programme.government
    require(user, gov, MANAGE_PROGRAMMES)
    values = collect(amount=lambda: parse_amount(amount), on=lambda: parse_date(on),
                     key=lambda: parse_idempotency_key(idempotency_key))
    existing = ProgrammeFunding.objects.filter(idempotency_key=values["key"]).first()
    if existing is not None:
        if (existing.programme_id, existing.amount) != (programme.pk, values["amount"]):
            from lending.ledger.services import IdempotencyConflict

            raise IdempotencyConflict()
        return existing
    entry, _created = transfer_post(
        idempotency_key=f"programme:fund:{values['key']}", effective_date=values["on"],
        legs=[Leg(gov.pk, P.SUBSIDY_EXPENSE, values["amount"]), Leg(gov.pk, P.PROGRAMME_FUNDS, -values["amount"])],
        reference=f"programme:{programme.pk}", memo=_("Budget of %(title)s") % {"title": programme.title}, user=user)
    funding = ProgrammeFunding(programme=programme, amount=values["amount"], on=values["on"], entry=entry,
                               idempotency_key=values["key"], created_by=user)
    funding.full_clean()
    funding.save()
    return funding


@transaction.atomic
def programme_close(*, user, programme: SupportProgramme) -> SupportProgramme:
    programme = _lock(programme)
    require(user, programme.government, MANAGE_PROGRAMMES)
    programme.status = ProgrammeStatus.CLOSED
    programme.save(update_fields=["status"])
    return programme


# --- eligibility --------------------------------------------------------------------------------

def eligibility_problems(programme: SupportProgramme, firm: Agent, *, member_of=None) -> list[str]:
    """Why ``firm`` is not eligible (an empty list: it is). ``member_of``: the ids of the clusters
    the firm is a member of, when the caller already read them (pages checking many programmes)."""
    problems = []
    if firm.kind != AgentKind.ENTERPRISE or firm.status != AgentStatus.ACTIVE:
        return [_("Only active member firms are eligible.")]
    if not (firm.region_code or "").startswith(region_prefix(programme.government.region_code)):
        problems.append(_("The firm is outside the region of %(gov)s.") % {"gov": programme.government.name})
    industries = programme.industry_list
    if industries and not any((firm.industry_code or "").upper().startswith(c) for c in industries):
        problems.append(_("The programme is for the industries %(codes)s; the firm's is %(code)s.") % {
            "codes": programme.industries, "code": firm.industry_code or "—"})
    sizes = programme.size_list
    if sizes and firm.size_class not in sizes:
        problems.append(_("The programme is for %(sizes)s firms; the firm is %(size)s.") % {
            "sizes": ", ".join(str(SizeClass(s).label) for s in sizes),
            "size": SizeClass(firm.size_class).label if firm.size_class in SizeClass.values else "—"})
    if programme.min_grade and not grade_at_least(firm.current_grade, programme.min_grade):
        problems.append(_("The programme asks for a credit grade of %(min)s or better; the firm's is %(grade)s.") % {
            "min": programme.min_grade, "grade": firm.current_grade or _("not rated")})
    if programme.cluster_id and not (
            programme.cluster_id in member_of if member_of is not None else
            Agent.objects.filter(cluster_members_q(cluster=programme.cluster_id), pk=firm.pk).exists()):
        problems.append(_("The programme is for members of the cluster %(cluster)s.") % {
            "cluster": programme.cluster.name})
    return problems


def eligible_firms(programme: SupportProgramme):
    """The firms of the government's region that meet the programme's rules (a queryset)."""
    from django.db.models import Q

    from agents.choices import GRADE_ORDER

    qs = Agent.objects.filter(kind=AgentKind.ENTERPRISE, status=AgentStatus.ACTIVE,
                              region_code__startswith=region_prefix(programme.government.region_code))
    if programme.industry_list:
        q = Q()
        for code in programme.industry_list:
            q |= Q(industry_code__istartswith=code)
        qs = qs.filter(q)
    if programme.size_list:
        qs = qs.filter(size_class__in=programme.size_list)
    if programme.min_grade:
        qs = qs.filter(current_grade__in=GRADE_ORDER[:GRADE_ORDER.index(programme.min_grade) + 1])
    if programme.cluster_id:
        qs = qs.filter(cluster_members_q(cluster=programme.cluster_id))
    return qs


# --- the basis of a payout ----------------------------------------------------------------------

@dataclass
class Basis:
    amount: Decimal
    detail: dict = field(default_factory=dict)


def interest_paid_basis(programme: SupportProgramme, firm: Agent) -> Basis:
    """The interest ``firm`` actually paid on its loans with payment dates in the period."""
    rows = list(Repayment.objects.filter(loan__borrower=firm, paid_on__gte=programme.period_start,
                                         paid_on__lte=programme.period_end)
                .values("loan_id", "loan__contract_no", "loan__lender__name").order_by("loan_id")
                .annotate(interest=Sum("interest_amount")))
    loans = [{"loan": r["loan_id"], "contract_no": r["loan__contract_no"], "lender": r["loan__lender__name"],
              "interest_paid": str(quantize(Decimal(r["interest"] or 0)))} for r in rows]
    total = quantize(sum((Decimal(r["interest"] or 0) for r in rows), ZERO))
    return Basis(total, {"loans": loans, "what": "interest_paid"})


def guarantee_fee_basis(programme: SupportProgramme, firm: Agent) -> Basis:
    from clusterfinance.guarantees.models import FundGuarantee

    rows = list(FundGuarantee.objects.filter(loan__borrower=firm, issued_on__gte=programme.period_start,
                                             issued_on__lte=programme.period_end, fee_entry__isnull=False)
                .values("pk", "loan__contract_no", "fee").order_by("pk"))
    total = quantize(sum((r["fee"] for r in rows), ZERO))
    return Basis(total, {"guarantees": [{"guarantee": r["pk"], "contract_no": r["loan__contract_no"],
                                         "fee": str(r["fee"])} for r in rows], "what": "guarantee_fees"})


def loss_basis(programme: SupportProgramme, loan: Loan) -> Basis:
    if loan.status == LoanStatus.WRITTEN_OFF:
        loss, how = loan.written_off_amount, "written_off"
    elif loan.status == LoanStatus.ACTIVE and loan.dpd >= NPL_DPD:
        loss, how = loan.principal_outstanding, "past_due"
    else:
        loss, how = ZERO, "none"
    return Basis(quantize(loss), {"loan": loan.pk, "contract_no": loan.contract_no, "how": how, "dpd": loan.dpd,
                                  "what": "loss"})


def basis_for(application: SupportApplication) -> Basis:
    programme = application.programme
    if programme.kind == ProgrammeKind.INTEREST_SUBSIDY:
        return interest_paid_basis(programme, application.firm)
    if programme.kind == ProgrammeKind.GUARANTEE_FEE_SUBSIDY:
        return guarantee_fee_basis(programme, application.firm)
    return loss_basis(programme, application.loan)


def payout_of(programme: SupportProgramme, basis: Decimal) -> Decimal:
    return quantize(programme.share * basis)


# --- applications and claims --------------------------------------------------------------------

def _open(programme: SupportProgramme) -> None:
    if programme.status != ProgrammeStatus.OPEN:
        raise ValidationError(_("This programme is closed."))


@transaction.atomic
def programme_apply(*, user, programme: SupportProgramme, firm: Agent, note: str = "") -> SupportApplication:
    """A firm applies for a subsidy (interest or guarantee fee). Refused when it is not eligible
    or already has an application that is not rejected."""
    require(user, firm, APPLY_PROGRAMME)
    programme = SupportProgramme.objects.select_related("government", "cluster").get(pk=programme.pk)
    _open(programme)
    if programme.lender_claims:
        raise ValidationError(_("Lenders claim on the risk-compensation fund; firms do not apply."))
    problems = eligibility_problems(programme, firm)
    if problems:
        raise ValidationError(problems)
    if SupportApplication.objects.filter(programme=programme, firm=firm, loan__isnull=True) \
            .exclude(status=S.REJECTED).exists():
        raise ValidationError(_("The firm has already applied for this programme."))
    application = SupportApplication(programme=programme, applicant=firm, firm=firm, note=(note or "")[:2000],
                                     created_by=user)
    application.full_clean(validate_constraints=False)
    application.save()
    return application


@transaction.atomic
def risk_compensation_claim(*, user, programme: SupportProgramme, lender: Agent, loan: Loan,
                            note: str = "") -> SupportApplication:
    """A lender claims on the risk-compensation fund for its loss on one loan."""
    require(user, lender, CLAIM_RISK_COMPENSATION)
    programme = SupportProgramme.objects.select_related("government", "cluster").get(pk=programme.pk)
    _open(programme)
    if not programme.lender_claims:
        raise ValidationError(_("Only the risk-compensation fund takes lenders' claims."))
    loan = Loan.objects.select_related("borrower", "lender").get(pk=loan.pk)
    if loan.lender_id != lender.pk:
        raise PermissionDenied(_("The loan is not this lender's."))
    errors = eligibility_problems(programme, loan.borrower)
    if not (loan.disbursed_on and programme.period_start <= loan.disbursed_on <= programme.period_end):
        errors.append(_("The fund covers loans disbursed from %(start)s to %(end)s.") % {
            "start": programme.period_start, "end": programme.period_end})
    if loss_basis(programme, loan).amount <= ZERO:
        errors.append(_("The loan shows no loss: it is neither written off nor %(days)s days past due.") % {
            "days": NPL_DPD})
    if errors:
        raise ValidationError(errors)
    if SupportApplication.objects.filter(programme=programme, loan=loan).exclude(status=S.REJECTED).exists():
        raise ValidationError(_("This loan is already claimed on the fund."))
    claim = SupportApplication(programme=programme, applicant=lender, firm=loan.borrower, loan=loan,
                               note=(note or "")[:2000], created_by=user)
    claim.full_clean(validate_constraints=False)
    claim.save()
    return claim


def _lock_application(application: SupportApplication) -> SupportApplication:
    return SupportApplication.objects.select_for_update(of=("self",)).select_related(
        "programme__government", "programme__cluster", "firm", "applicant", "loan").get(pk=application.pk)


@transaction.atomic
def application_prepare(*, user, application: SupportApplication, note: str = "") -> SupportApplication:
    """An officer checks the application again and computes the basis and payout from the ledger's
    facts now; a second officer then approves it."""
    application = _lock_application(application)
    programme = application.programme
    require(user, programme.government, MANAGE_PROGRAMMES)
    if application.status != S.SUBMITTED:
        raise ValidationError(_("Only a submitted application can be prepared."))
    problems = eligibility_problems(programme, application.firm)
    if problems:
        raise ValidationError(problems)
    basis = basis_for(application)
    amount = payout_of(programme, basis.amount)
    if amount <= ZERO:
        raise ValidationError(_("There is nothing to pay: the basis is %(basis)s.") % {
            "basis": format_yuan(basis.amount)})
    application.basis, application.amount, application.basis_detail = basis.amount, amount, basis.detail
    application.status, application.prepared_by, application.prepared_at = S.PREPARED, user, timezone.now()
    application.review_note = (note or "")[:2000]
    application.save(update_fields=["basis", "amount", "basis_detail", "status", "prepared_by", "prepared_at",
                                    "review_note"])
    return application


@transaction.atomic
def application_reject(*, user, application: SupportApplication, reason: str) -> SupportApplication:
    application = _lock_application(application)
    require(user, application.programme.government, MANAGE_PROGRAMMES)
    if application.status not in (S.SUBMITTED, S.PREPARED):
        raise ValidationError(_("Only a submitted or prepared application can be rejected."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    application.status, application.decided_by, application.decided_at = S.REJECTED, user, timezone.now()
    application.review_note = reason.strip()[:2000]
    application.save(update_fields=["status", "decided_by", "decided_at", "review_note"])
    return application


@transaction.atomic
def application_approve(*, user, application: SupportApplication, on=None) -> SupportApplication:
    """A second officer approves a prepared application: the payout is posted on the ledger from
    the programme's budget to the firm (or, for a claim, the lender) and recorded in the business
    module. Refused, with nothing posted, when the preparer approves or the budget left is short."""
    application = _lock_application(application)
    programme = _lock(application.programme)
    gov = programme.government
    require(user, gov, APPROVE_PROGRAMME_PAYOUT)
    if application.status != S.PREPARED:
        raise ValidationError(_("Only a prepared application can be approved."))
    four_eyes_check(agent=gov, maker_id=application.prepared_by_id, checker=user,
                    message=_("The officer who prepared this application cannot also approve it."))
    paid_on = parse_date(on) if on else date.today()
    left = budget_of(programme).left
    if application.amount > left:
        raise ValidationError(_("The programme's budget has only %(left)s left; this payout is %(amount)s. "
                                "Nothing was paid.") % {"left": format_yuan(left),
                                                        "amount": format_yuan(application.amount)})
    payee = application.applicant
    payee_purpose = P.RECOVERY_INCOME if programme.lender_claims else P.SUBSIDY_INCOME
    entry, _created = money_move(
        idempotency_key=f"programme:payout:{application.pk}", on=paid_on, amount=application.amount, payer=gov,
        payer_purpose=P.PROGRAMME_FUNDS, payee=payee, payee_purpose=payee_purpose,
        reference=f"programme:{programme.pk}",
        memo=(_("%(title)s, payout to %(name)s") % {"title": programme.title, "name": payee.name})[:200], user=user)
    application.status, application.decided_by, application.decided_at = S.PAID, user, timezone.now()
    application.paid_on, application.entry = paid_on, entry
    application.save(update_fields=["status", "decided_by", "decided_at", "paid_on", "entry"])
    data = {"programme_id": programme.pk, "application_id": application.pk, "share": str(programme.share),
            "basis": str(application.basis), "firm_id": application.firm_id, "entry_id": entry.pk}
    if application.loan_id:
        data.update(loan_id=application.loan_id, contract_no=application.loan.contract_no)
    business_record_publish(
        link="a", kind=programme.kind, subject=payee, counterparty=gov,
        subject_role="lender" if programme.lender_claims else "firm", counterparty_role="government",
        title=_("%(kind)s: %(title)s") % {"kind": programme.get_kind_display(), "title": programme.title},
        amount=application.amount, data=data, key=f"programme_payout:{application.pk}")
    return application


# --- priorities for the finance company's allocation -------------------------------------------

@transaction.atomic
def programme_priorities_mark(*, user, programme: SupportProgramme, firms=(), industries: str = "") -> list:
    """Mark firms or industries as priorities of the programme in the allocation of the cluster's
    pool: one ``PolicyPriority`` per cluster and firm or industry with the programme's weight
    (marking the same one twice adds nothing)."""
    from agents.models import Cluster
    from clusterfinance.pool.models import PolicyPriority

    programme = _lock(programme)
    require(user, programme.government, MANAGE_PROGRAMMES)
    if programme.priority_weight is None:
        raise ValidationError(_("Give the programme a priority weight first."))
    codes = collect(industries=lambda: _codes(industries))["industries"]
    codes = [c.strip() for c in codes.split(",") if c.strip()]
    firms = list(firms)
    if not firms and not codes:
        raise ValidationError(_("Choose firms or give industries to mark."))
    clusters = ([programme.cluster] if programme.cluster_id else
                list(Cluster.objects.filter(region_code__startswith=region_prefix(programme.government.region_code))))
    label = f"{programme.title} · #{programme.pk}"[:200]
    existing = set(PolicyPriority.objects.filter(programme=label, cluster__in=clusters)
                   .values_list("cluster_id", "firm_id", "industry_code"))
    members = {c.pk: set(Agent.objects.filter(cluster_members_q(cluster=c)).filter(pk__in=[f.pk for f in firms])
                         .values_list("pk", flat=True)) for c in clusters} if firms else {}
    rows = []
    for cluster in clusters:
        for firm in firms:
            if firm.pk in members[cluster.pk] and (cluster.pk, firm.pk, "") not in existing:
                rows.append(PolicyPriority(cluster=cluster, firm=firm, industry_code="",
                                           weight=programme.priority_weight, programme=label, created_by=user))
        for code in codes:
            if (cluster.pk, None, code) not in existing:
                rows.append(PolicyPriority(cluster=cluster, firm=None, industry_code=code,
                                           weight=programme.priority_weight, programme=label, created_by=user))
    if firms and not any(members.values()):
        raise ValidationError(_("None of these firms is a member of the programme's clusters."))
    for row in rows:
        row.full_clean()
    PolicyPriority.objects.bulk_create(rows)
    return rows
