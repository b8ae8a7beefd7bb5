"""One application, seen by its applicant and by its lender, with the step each of them may
take next: submit / withdraw / add documents / accept the offer (borrower), take into review /
review / decide / record the contract (lender). Every step POSTs ``action`` to this page; a
refusal of the engine (maker-checker, status, bad input) is shown on the form it came from."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from agents.capabilities import capabilities_of, four_eyes_waived
from agents.forms import apply_errors
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..choices import ApplicationStatus
from ..forms import DecisionForm, DocumentForm, ReviewForm, percent_text
from ..models import Application
from ..permissions import APPLY, APPROVE, REVIEW

FORMS = {"document": DocumentForm, "review": ReviewForm, "decide": DecisionForm}


class ApplicationDetailView(LoginRequiredMixin, TemplateView):
    template_name = "lending/application_detail.html"

    def get_application(self) -> Application:
        return get_restricted_or_404(
            Application.objects.select_related("product", "lender", "applicant", "created_by", "submitted_by",
                                               "reviewed_by", "decided_by", "contracted_by"),
            self.request.user, "view", pk=self.kwargs["pk"])

    # --- what the user may do ------------------------------------------------------------
    def steps(self, application: Application) -> dict:
        user = self.request.user
        borrower_caps = capabilities_of(user, application.applicant)
        lender_caps = capabilities_of(user, application.lender)
        status = application.status
        S = ApplicationStatus
        waived = four_eyes_waived(application.lender)
        is_borrower = APPLY in borrower_caps
        may_review = REVIEW in lender_caps
        may_approve = APPROVE in lender_caps
        reviewed = application.reviewed_at is not None
        taken_by_other = (status == S.UNDER_REVIEW and not reviewed and application.reviewed_by_id
                          not in (None, user.pk))
        i_reviewed = application.reviewed_by_id == user.pk and reviewed
        return {
            "is_borrower": is_borrower,
            "is_lender": bool(lender_caps),
            "edit": is_borrower and status == S.DRAFT,
            "submit": is_borrower and status == S.DRAFT,
            "withdraw": is_borrower and status in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW),
            "document": is_borrower and status in (S.DRAFT, S.SUBMITTED),
            "accept": is_borrower and status == S.APPROVED,
            "review_start": may_review and status == S.SUBMITTED and not waived,
            "review": may_review and not taken_by_other and not reviewed and status in (S.SUBMITTED, S.UNDER_REVIEW)
            and not waived,
            "taken_by_other": may_review and taken_by_other,
            "decide": may_approve and status in (S.SUBMITTED, S.UNDER_REVIEW) and (
                waived or (reviewed and status == S.UNDER_REVIEW and application.reviewed_by_id != user.pk)),
            # why the decision form is not shown to a manager (maker-checker)
            "decide_blocked_own_review": may_approve and not waived and i_reviewed and status == S.UNDER_REVIEW,
            "decide_waiting_review": may_approve and not waived and not reviewed
            and status in (S.SUBMITTED, S.UNDER_REVIEW),
            "awaiting_decision": (may_review and not may_approve and not waived and reviewed
                                  and status == S.UNDER_REVIEW),
            "contract": may_review and status == S.APPROVED and not is_borrower,
            "waived": waived,
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        application = kwargs.get("application") or self.get_application()
        steps = self.steps(application)
        forms = kwargs.get("forms", {})
        amount, periods, rate = application.terms
        schedule, schedule_error = None, ""
        if application.status not in (ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN):
            try:
                schedule = selectors.schedule_preview(product=application.product, amount=amount, periods=periods,
                                                      annual_rate=rate)
            except ValidationError as exc:  # the product changed since the application was written
                schedule_error = " ".join(exc.messages)
        ctx.update(
            application=application, steps=steps, schedule=schedule, schedule_error=schedule_error,
            terms={"amount": amount, "periods": periods, "rate": rate},
            documents=application.documents.select_related("uploaded_by"),
            loan=getattr(application, "loan", None) if application.status == ApplicationStatus.CONTRACTED else None,
            document_form=forms.get("document") or (DocumentForm() if steps["document"] else None),
            review_form=forms.get("review") or (ReviewForm() if steps["review"] else None),
            decision_form=forms.get("decide") or (DecisionForm(initial={
                "amount": f"{application.amount:f}", "periods": application.periods,
                "annual_rate": percent_text(application.annual_rate)}) if steps["decide"] else None),
            action_error=kwargs.get("action_error"),
        )
        return ctx

    # --- the steps -------------------------------------------------------------------------
    def post(self, request, *args, **kwargs):
        application = self.get_application()
        action = request.POST.get("action", "")
        user = request.user
        handlers = {
            "submit": lambda: (services.application_submit(application=application, user=user),
                               _("Application submitted. The lender will review it; you can follow it here.")),
            "withdraw": lambda: (services.application_withdraw(application=application, user=user),
                                 _("Application withdrawn.")),
            "review_start": lambda: (services.application_review_start(application=application, user=user),
                                     _("You have taken the application into review.")),
            "accept": lambda: (services.application_contract(application=application, user=user),
                               _("Contract signed. The lender will now disburse the loan.")),
            "contract": lambda: (services.application_contract(application=application, user=user),
                                 _("Contract recorded as signed. The loan is waiting for disbursement.")),
        }
        if action in handlers:
            try:
                result, message = handlers[action]()
            except (ValidationError, PermissionDenied) as exc:
                return self.refused(application, exc)
            messages.success(request, message)
            if action in ("accept", "contract"):
                return redirect("lending:loan-detail", pk=result.pk)
            return redirect("lending:application-detail", pk=application.pk)
        if action not in FORMS:
            return HttpResponseBadRequest(_("Unknown action."))
        form = FORMS[action](request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                if action == "document":
                    services.application_document_add(application=application, user=user, title=d["title"],
                                                       file=d["file"])
                    message = _("Document added.")
                elif action == "review":
                    services.application_review(application=application, user=user,
                                                 recommendation=d["recommendation"], note=d["note"])
                    message = _("Review recorded. A manager other than you decides.")
                else:
                    approve = d["decision"] == DecisionForm.APPROVE
                    services.application_decide(application=application, user=user, approve=approve,
                                                 reason=d["reason"], amount=d["amount"], periods=d["periods"],
                                                 annual_rate=d["annual_rate"])
                    message = (_("Application approved. The borrower can now accept the offer.") if approve
                               else _("Application rejected. The borrower sees your reasons."))
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("lending:application-detail", pk=application.pk)
        return self.render_to_response(self.get_context_data(application=self.get_application(),
                                                             forms={action: form}))

    def refused(self, application, exc):
        """A one-button step the engine refused: say why, change nothing."""
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else (str(exc) or _("Not allowed."))
        return self.render_to_response(self.get_context_data(application=self.get_application(),
                                                             action_error=text))
