"""One loan: its schedule, repayments and delinquency history; disbursement (lender), repayment
(borrower through the platform, or the lender recording a payment received) with the payoff
quote, the allocation of a repayment, the loan's ledger postings, the lender's classification by
judgement, and write-off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.capabilities import capabilities_of, four_eyes_waived
from agents.forms import apply_errors
from agents.money import format_yuan
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..choices import NON_PERFORMING_CLASSES, LoanClass, LoanStatus, class_for
from ..forms import ClassifyForm, DisburseForm, RepayForm, WriteOffForm
from ..ledger.models import Account, Posting
from ..ledger.services import IdempotencyConflict
from ..models import Loan, Repayment
from ..permissions import CLASSIFY, DISBURSE, RECORD_REPAYMENT, REPAY, WRITE_OFF
from ..validation import parse_date
from .base import paginate

PAYABLE = (LoanStatus.ACTIVE, LoanStatus.WRITTEN_OFF)


def web_key(prefix: str, loan: Loan, form_key: str) -> str:
    """The engine's idempotency key for a form: namespaced by action and loan, so a key typed
    into a tampered form can never answer with another loan's result."""
    return f"web-{prefix}:{loan.pk}:{form_key}"


def loan_steps(user, loan: Loan) -> dict:
    """Which buttons the loan's page shows to ``user``."""
    lender_caps = capabilities_of(user, loan.lender)
    borrower_caps = capabilities_of(user, loan.borrower)
    platform_ok = loan.product is None or loan.product.accepts_platform_payments
    approver = loan.approved_by_id == user.pk and not four_eyes_waived(loan.lender)
    return {
        "is_lender": bool(lender_caps),
        "is_borrower": bool(borrower_caps),
        "disburse": DISBURSE in lender_caps and loan.status == LoanStatus.CONTRACTED and not approver,
        "disburse_blocked_approver": DISBURSE in lender_caps and loan.status == LoanStatus.CONTRACTED and approver,
        "repay": loan.status in PAYABLE and REPAY in borrower_caps and platform_ok and not lender_caps,
        "repay_at_counter": loan.status in PAYABLE and REPAY in borrower_caps and not platform_ok,
        "record_repayment": loan.status in PAYABLE and RECORD_REPAYMENT in lender_caps,
        "write_off": WRITE_OFF in lender_caps and loan.status == LoanStatus.ACTIVE
        and loan.loan_class in NON_PERFORMING_CLASSES,
        "classify": CLASSIFY in lender_caps and loan.status == LoanStatus.ACTIVE,
        "postings": bool(lender_caps or borrower_caps) or user.is_superuser,
    }


class LoanDetailView(LoginRequiredMixin, TemplateView):
    template_name = "lending/loan_detail.html"

    def get_loan(self) -> Loan:
        return selectors.loan_for(user=self.request.user, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        loan = kwargs.get("loan") or self.get_loan()
        steps = loan_steps(self.request.user, loan)
        history = selectors.loan_history(loan=loan)
        quote = None
        if loan.status in PAYABLE:
            quote = services.loan_payoff_quote(loan=loan, on=timezone.localdate())
        schedule = list(selectors.loan_schedule(loan=loan))
        today = timezone.localdate()
        for row in schedule:
            row.paid_total = row.principal_paid + row.interest_paid + row.penalty_paid
        ctx.update(
            loan=loan, steps=steps, schedule=schedule, quote=quote,
            overdue_now=any(row.due_date < today and row.total_unpaid for row in schedule),
            repayments=history["repayments"], moves=history["moves"],
            disburse_form=kwargs.get("disburse_form") or (DisburseForm() if steps["disburse"] else None),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        loan = self.get_loan()
        if request.POST.get("action") != "disburse":
            raise Http404
        form = DisburseForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                loan = services.loan_disburse(loan=loan, user=request.user, disbursed_on=d["disbursed_on"],
                                              idempotency_key=web_key("disburse", loan, d["idempotency_key"]))
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This form was already used for another disbursement; nothing was "
                                       "posted. Check the date and submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Loan disbursed on %(date)s: %(amount)s. The repayment schedule "
                                            "below is now running.") % {
                    "date": loan.disbursed_on.isoformat(), "amount": format_yuan(loan.principal)})
                return redirect("lending:loan-detail", pk=loan.pk)
        return self.render_to_response(self.get_context_data(loan=self.get_loan(), disburse_form=form))


class RepayMixin(LoginRequiredMixin):
    """The borrower paying through the platform or the lender recording a payment received:
    anyone else gets 404."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.loan = get_restricted_or_404(Loan.objects.select_related("lender", "borrower", "product"),
                                          request.user, "repay", pk=kwargs["pk"])
        if RECORD_REPAYMENT in capabilities_of(request.user, self.loan.lender):
            self.side = "lender"
        elif REPAY in capabilities_of(request.user, self.loan.borrower):
            self.side = "borrower"
        else:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def quote_for(self, raw_date):
        try:
            on = parse_date(raw_date) if raw_date else timezone.localdate()
        except ValidationError as exc:
            return None, " ".join(exc.messages)
        if on > timezone.localdate():
            return None, _("The date cannot be in the future.")
        if self.loan.status not in PAYABLE:
            return None, ""
        if self.loan.disbursed_on and on < self.loan.disbursed_on:
            return None, _("The loan was not yet disbursed on that date.")
        return services.loan_payoff_quote(loan=self.loan, on=on), ""

    def next_instalment(self):
        if self.loan.status != LoanStatus.ACTIVE:
            return None
        return self.loan.instalments.filter(status="pending").order_by("due_date", "period").first()


class LoanRepayView(RepayMixin, TemplateView):
    template_name = "lending/repay.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        form = kwargs.get("form") or RepayForm()
        raw_date = form.data.get("paid_on") if form.is_bound else form.initial.get("paid_on")
        quote, quote_error = self.quote_for(raw_date)
        platform_ok = self.loan.product is None or self.loan.product.accepts_platform_payments
        next_instalment = self.next_instalment()
        ctx.update(loan=self.loan, side=self.side, form=form, quote=quote, quote_error=quote_error,
                   payable=self.loan.status in PAYABLE, platform_ok=platform_ok or self.side == "lender",
                   next_instalment=next_instalment)
        return ctx

    def post(self, request, *args, **kwargs):
        form = RepayForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            key = web_key("repay", self.loan, d["idempotency_key"])
            replay = Repayment.objects.filter(idempotency_key=key).exists()
            try:
                repayment = services.repayment_record(loan=self.loan, user=request.user, amount=d["amount"],
                                                      paid_on=d["paid_on"], idempotency_key=key)
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This form was already used for another payment; nothing was paid. "
                                       "Check the amount and the date and submit again."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                if replay:
                    messages.info(request, _("This payment was already recorded; nothing was paid twice."))
                else:
                    messages.success(request, _("Payment of %(amount)s recorded.") % {
                        "amount": format_yuan(repayment.amount)})
                return redirect("lending:repayment-detail", pk=repayment.pk)
        return self.render_to_response(self.get_context_data(form=form))


class LoanQuoteView(RepayMixin, TemplateView):
    """The payoff quote for a payment date (an htmx fragment of the repayment page)."""

    template_name = "lending/partials/payoff_quote.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote, quote_error = self.quote_for(self.request.GET.get("paid_on") or self.request.GET.get("on"))
        ctx.update(loan=self.loan, quote=quote, quote_error=quote_error, next_instalment=self.next_instalment())
        return ctx


class RepaymentDetailView(LoginRequiredMixin, TemplateView):
    """A repayment and how it was allocated: penalty → interest → principal, oldest instalment first."""

    template_name = "lending/repayment_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        repayment = get_restricted_or_404(
            Repayment.objects.select_related("loan", "loan__lender", "loan__borrower", "recorded_by", "entry"),
            self.request.user, "view", pk=self.kwargs["pk"])
        ctx.update(repayment=repayment, loan=repayment.loan,
                   allocations=repayment.allocations.select_related("instalment").order_by("instalment__due_date",
                                                                                           "instalment__period"))
        return ctx


class LoanPostingsView(LoginRequiredMixin, TemplateView):
    """The loan's journal entries as the viewer's own ledger shows them (the lender's side for the
    lender, the borrower's side for the borrower; platform staff see both)."""

    template_name = "lending/loan_postings.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        loan = get_restricted_or_404(Loan.objects.select_related("lender", "borrower"), user, "repay",
                                     pk=self.kwargs["pk"])
        postings = (Posting.objects.restrict(user, "view").filter(entry__loan=loan)
                    .select_related("entry", "account", "account__agent")
                    .order_by("entry__effective_date", "entry_id", "id"))
        ctx.update(loan=loan, page=paginate(self.request, postings, 200),
                   accounts=Account.objects.restrict(user, "view").filter(loan=loan).select_related("agent"))
        return ctx


class LenderDecisionView(LoginRequiredMixin, TemplateView):
    """A decision of the lender's manager on one loan: others (without ``capability``) get 404."""

    capability = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.loan = get_restricted_or_404(Loan.objects.select_related("lender", "borrower", "product"),
                                          request.user, "change", pk=kwargs["pk"])
        if self.capability not in capabilities_of(request.user, self.loan.lender):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class LoanClassifyView(LenderDecisionView):
    """The lender's judgement on the loan's five-category class (a manager)."""

    template_name = "lending/classify.html"
    capability = CLASSIFY

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        initial = {"loan_class": self.loan.judged_class, "reason": self.loan.judged_reason}
        ctx.update(loan=self.loan, by_dpd=LoanClass(class_for(self.loan.dpd)),
                   eligible=self.loan.status == LoanStatus.ACTIVE,
                   form=kwargs.get("form") or ClassifyForm(initial=initial))
        return ctx

    def post(self, request, *args, **kwargs):
        form = ClassifyForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                loan = services.loan_classify(loan=self.loan, user=request.user, loan_class=d["loan_class"],
                                              reason=d["reason"])
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Classification recorded: the loan is now “%(class)s”.")
                                 % {"class": loan.get_loan_class_display()})
                return redirect("lending:loan-detail", pk=self.loan.pk)
        return self.render_to_response(self.get_context_data(form=form))


class LoanWriteOffView(LenderDecisionView):
    """The lender's decision to write a non-performing loan off (a manager)."""

    template_name = "lending/write_off.html"
    capability = WRITE_OFF

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        eligible = self.loan.status == LoanStatus.ACTIVE and self.loan.loan_class in NON_PERFORMING_CLASSES
        ctx.update(loan=self.loan, eligible=eligible, form=kwargs.get("form") or WriteOffForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = WriteOffForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.loan_write_off(loan=self.loan, user=request.user, reason=d["reason"],
                                        written_off_on=d["written_off_on"],
                                        idempotency_key=web_key("write-off", self.loan, d["idempotency_key"]))
            except IdempotencyConflict:
                form.renew_key()
                form.add_error(None, _("This loan was already written off with another date; nothing was posted."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Loan written off. The borrower still owes the amount; later payments "
                                            "are booked as recoveries."))
                return redirect("lending:loan-detail", pk=self.loan.pk)
        return self.render_to_response(self.get_context_data(form=form))
