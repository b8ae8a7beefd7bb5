"""Writes of loan applications: draft → submitted → under review → approved / rejected → contracted."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import can, four_eyes_waived, require
from agents.choices import grade_at_least
from agents.money import ZERO, quantize

from ..choices import ApplicationStatus, ReviewRecommendation
from ..models import Application, ApplicationDocument, LendingHold, LendingStanding, Loan, Product
from ..permissions import APPLY, APPROVE, REVIEW
from ..validation import collect, parse_choice, validate_terms
from .related_parties import related_parties_connected, related_party_approval_check

EDITABLE = (ApplicationStatus.DRAFT,)


def check_grade(*, product: Product, applicant, amount=None) -> None:
    """The grade gate: the applicant's current credit grade (rated by module 3, kept on the
    core's Agent) must be at least the product's minimum, and the amount within the limit of
    its grade. A refusal says why, in the user's language."""
    grade = applicant.current_grade or ""
    if product.min_grade and not grade_at_least(grade, product.min_grade):
        if not grade:
            raise ValidationError({"product": _("This product requires a credit grade of at least %(minimum)s; "
                                                "your firm has not been rated yet.") % {"minimum": product.min_grade}},
                                  code="grade")
        raise ValidationError({"product": _("This product requires a credit grade of at least %(minimum)s; your "
                                            "firm's grade is %(grade)s.") % {"minimum": product.min_grade,
                                                                             "grade": grade}}, code="grade")
    limit = (product.grade_limits or {}).get(grade) if grade else None
    if limit not in (None, "") and amount is not None and Decimal(str(amount)) > Decimal(str(limit)):
        raise ValidationError({"amount": _("For a firm rated %(grade)s this product lends at most %(limit)s yuan.")
                               % {"grade": grade, "limit": limit}}, code="grade_limit")
def lending_standing(*, lender, applicant):
    """The lender's standing decision about the applicant (``LendingStanding``), or None."""
    return LendingStanding.objects.filter(firm=applicant, lender=lender).first()


def check_standing(*, product: Product, applicant, standing=None) -> None:
    """The standing gate: a firm whose new money the lender has suspended (a penalty of the
    finance company's rules, kept on ``LendingStanding``) or holds back (``LendingHold``, e.g. a
    joint-liability group's unpaid debt) is refused, with the reason."""
    standing = standing if standing is not None else lending_standing(lender=product.lender, applicant=applicant)
    if standing is not None and standing.is_suspended:
        raise ValidationError({"product": ValidationError(
            _("%(lender)s has suspended new money to your firm since %(since)s: %(reason)s") % {
                "lender": product.lender.name, "since": timezone.localtime(standing.suspended_since).date().isoformat(),
                "reason": standing.suspension_reason or "—"}, code="suspended")})
    hold = LendingHold.objects.filter(firm=applicant, lender=product.lender).order_by("since", "pk").first()
    if hold is not None:
        raise ValidationError({"product": ValidationError(
            _("%(lender)s holds back new money to your firm since %(since)s: %(reason)s") % {
                "lender": product.lender.name, "since": timezone.localtime(hold.since).date().isoformat(),
                "reason": hold.reason}, code="held")})


def discounted_rate(*, product: Product, rate, standing) -> Decimal:
    """The annual rate after the lender's rate discount for the firm (never below the product's
    lowest rate)."""
    if standing is None or not standing.rate_discount:
        return rate
    return max(product.rate_min, rate - standing.rate_discount)


OPEN = (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW)


def _lock(application: Application) -> Application:
    return Application.objects.select_for_update().select_related("product", "lender", "applicant") \
        .get(pk=application.pk)


def _status_error(application: Application) -> ValidationError:
    return ValidationError(_("This cannot be done to an application that is “%(status)s”.")
                           % {"status": application.get_status_display()}, code="status")


@transaction.atomic
def application_create(*, product: Product, applicant, user, amount, periods, purpose: str, annual_rate=None,
                       submit: bool = False) -> Application:
    """A draft application of ``applicant`` for ``product`` (``submit=True`` sends it at once).
    Show ``selectors.schedule_preview`` before the borrower submits."""
    require(user, applicant, APPLY)
    if not product.is_active or product.lender.status != "active":
        raise ValidationError({"product": _("This product is not open for applications.")})
    if applicant.kind != product.borrower_kind:
        raise ValidationError({"product": _("This product is not offered to borrowers like you.")})
    if applicant.pk == product.lender_id:
        raise ValidationError({"product": _("A lender cannot borrow from itself.")})
    values = validate_terms(product=product, amount=amount, periods=periods, annual_rate=annual_rate)
    check_grade(product=product, applicant=applicant, amount=values.get("amount"))
    standing = lending_standing(lender=product.lender, applicant=applicant)
    check_standing(product=product, applicant=applicant, standing=standing)
    values["annual_rate"] = discounted_rate(product=product, rate=values["annual_rate"], standing=standing)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what the loan is for.")})
    application = Application(product=product, applicant=applicant, lender=product.lender, purpose=purpose,
                              created_by=user, **values)
    application.related_party = related_parties_connected(lender_id=product.lender_id, borrower_id=applicant.pk)
    application.full_clean()
    application.save()
    if submit:
        application = application_submit(application=application, user=user)
    return application


@transaction.atomic
def application_update(*, application: Application, user, amount=None, periods=None, annual_rate=None,
                       purpose: str | None = None) -> Application:
    """Change a draft (the borrower only)."""
    application = _lock(application)
    require(user, application.applicant, APPLY)
    if application.status not in EDITABLE:
        raise _status_error(application)
    values = validate_terms(product=application.product,
                            amount=application.amount if amount is None else amount,
                            periods=application.periods if periods is None else periods,
                            annual_rate=application.annual_rate if annual_rate is None else annual_rate)
    for name, value in values.items():
        setattr(application, name, value)
    if purpose is not None:
        if not purpose.strip():
            raise ValidationError({"purpose": _("Say what the loan is for.")})
        application.purpose = purpose.strip()
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def application_document_add(*, application: Application, user, title: str, file) -> ApplicationDocument:
    """Attach a document while the application is a draft or waiting for review."""
    application = _lock(application)
    require(user, application.applicant, APPLY)
    if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
        raise _status_error(application)
    document = ApplicationDocument(application=application, title=(title or "").strip(), file=file, uploaded_by=user)
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def application_submit(*, application: Application, user) -> Application:
    application = _lock(application)
    require(user, application.applicant, APPLY)
    if application.status != ApplicationStatus.DRAFT:
        raise _status_error(application)
    if not application.product.is_active:
        raise ValidationError({"product": _("This product is not open for applications.")})
    # the product may have changed since the draft was written
    validate_terms(product=application.product, amount=application.amount, periods=application.periods,
                   annual_rate=application.annual_rate)
    check_grade(product=application.product, applicant=application.applicant, amount=application.amount)
    check_standing(product=application.product, applicant=application.applicant)
    application.status = ApplicationStatus.SUBMITTED
    application.submitted_by, application.submitted_at = user, timezone.now()
    application.save(update_fields=["status", "submitted_by", "submitted_at"])
    return application


@transaction.atomic
def application_withdraw(*, application: Application, user) -> Application:
    """The borrower withdraws an application before the decision."""
    application = _lock(application)
    require(user, application.applicant, APPLY)
    if application.status not in OPEN:
        raise _status_error(application)
    application.status, application.withdrawn_at = ApplicationStatus.WITHDRAWN, timezone.now()
    application.save(update_fields=["status", "withdrawn_at"])
    return application


@transaction.atomic
def application_review_start(*, application: Application, user) -> Application:
    """A reviewer of the lender takes a submitted application into review (it becomes theirs)."""
    application = _lock(application)
    require(user, application.lender, REVIEW)
    if application.status != ApplicationStatus.SUBMITTED:
        raise _status_error(application)
    application.status = ApplicationStatus.UNDER_REVIEW
    application.reviewed_by, application.review_started_at = user, timezone.now()
    application.save(update_fields=["status", "reviewed_by", "review_started_at"])
    return application


@transaction.atomic
def application_review(*, application: Application, user, recommendation: str, note: str) -> Application:
    """The reviewer records the recommendation and the note the approver reads (the maker step)."""
    application = _lock(application)
    require(user, application.lender, REVIEW)
    if application.status == ApplicationStatus.SUBMITTED:
        application.status, application.review_started_at = ApplicationStatus.UNDER_REVIEW, timezone.now()
    elif application.status != ApplicationStatus.UNDER_REVIEW:
        raise _status_error(application)
    elif application.reviewed_by_id not in (None, user.pk) and application.reviewed_at is None:
        raise PermissionDenied(_("Another reviewer has taken this application."))
    values = collect(recommendation=lambda: parse_choice(recommendation, ReviewRecommendation))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write down what the review found.")})
    application.reviewed_by, application.reviewed_at = user, timezone.now()
    application.review_recommendation, application.review_note = values["recommendation"], note
    application.save(update_fields=["status", "review_started_at", "reviewed_by", "reviewed_at",
                                    "review_recommendation", "review_note"])
    return application


@transaction.atomic
def application_decide(*, application: Application, user, approve: bool, reason: str = "", amount=None,
                       periods=None, annual_rate=None) -> Application:
    """The approver approves (optionally for a lower amount, other term or rate within the
    product) or rejects with reasons — the checker step: never the person who reviewed."""
    application = _lock(application)
    require(user, application.lender, APPROVE)
    waived = four_eyes_waived(application.lender)
    if application.status not in (ApplicationStatus.UNDER_REVIEW, ApplicationStatus.SUBMITTED):
        raise _status_error(application)
    if not waived:
        if application.status != ApplicationStatus.UNDER_REVIEW or application.reviewed_at is None:
            raise ValidationError(_("The application must be reviewed before a decision."), code="not_reviewed")
        if application.reviewed_by_id == user.pk:
            raise PermissionDenied(_("The person who reviewed an application cannot also decide it "
                                     "(maker-checker)."))
    reason = (reason or "").strip()
    if approve:
        check_standing(product=application.product, applicant=application.applicant)
        values = validate_terms(
            product=application.product, amount=application.amount if amount in (None, "") else amount,
            periods=application.periods if periods in (None, "") else periods,
            annual_rate=application.annual_rate if annual_rate in (None, "") else annual_rate)
        if values["amount"] > application.amount:
            raise ValidationError({"amount": _("The approved amount cannot exceed the amount applied for.")})
        # related parties (a shareholding between lender and borrower): within the capital limit,
        # approved by someone not connected — refused before anything is written
        application.related_party = related_party_approval_check(application=application, user=user,
                                                                 amount=values["amount"])
        application.approved_amount = values["amount"]
        application.approved_periods = values["periods"]
        application.approved_rate = values["annual_rate"]
        application.status = ApplicationStatus.APPROVED
    else:
        if not reason:
            raise ValidationError({"reason": _("Give the reasons for the rejection; the borrower will read them.")})
        application.status = ApplicationStatus.REJECTED
    if waived and application.reviewed_by_id is None:
        application.reviewed_by, application.reviewed_at = user, timezone.now()
    application.decided_by, application.decided_at, application.decision_reason = user, timezone.now(), reason
    application.save()
    return application


@transaction.atomic
def application_contract(*, application: Application, user) -> Loan:
    """Sign the contract of an approved application: the borrower accepts the offer (or the
    lender's staff record a contract signed at the counter). Creates the ``Loan`` awaiting
    disbursement with the approved terms copied, the penalty rate fixed and the fee computed."""
    application = _lock(application)
    if not (can(user, application.applicant, APPLY) or can(user, application.lender, REVIEW)):
        raise PermissionDenied(_("Only the borrower or the lender's staff may sign the contract."))
    if application.status != ApplicationStatus.APPROVED:
        raise _status_error(application)
    product = application.product
    amount, periods, rate = application.terms
    fee = quantize(amount * product.fee_rate) + product.fee_flat
    loan = Loan(
        contract_no=f"HT{application.lender_id:04d}-{timezone.localdate():%Y%m%d}-{application.pk:06d}",
        application=application, product=product, lender=application.lender, borrower=application.applicant,
        principal=amount, annual_rate=rate, penalty_rate=product.penalty_rate_for(rate), periods=periods,
        method=product.method, frequency=product.frequency, instalment_multiple=product.instalment_multiple,
        fee=fee if fee > ZERO else ZERO, approved_by=application.decided_by,
    )
    loan.full_clean()
    loan.save()
    application.status, application.contracted_by, application.contracted_at = (
        ApplicationStatus.CONTRACTED, user, timezone.now())
    application.save(update_fields=["status", "contracted_by", "contracted_at"])
    return loan
