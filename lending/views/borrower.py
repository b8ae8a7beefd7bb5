"""The borrower's pages: the products it may apply for, writing an application with a live
schedule preview, its applications and its loans."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from agents.capabilities import can
from agents.forms import apply_errors
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..choices import ApplicationStatus, LoanStatus
from ..forms import ApplicationCreateForm, ApplicationForm, TermsForm, percent_text
from ..models import Application, ApplicationDocument
from ..permissions import APPLY
from ..selectors import products_for_borrower, with_delinquency
from .base import BorrowerMixin, paginate, query_without_page

APPLICATION_TABS = {
    "open": (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW,
             ApplicationStatus.APPROVED),
    "closed": (ApplicationStatus.CONTRACTED, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN),
}


class CatalogueView(BorrowerMixin, TemplateView):
    """Open products of the lenders serving the borrower's cluster."""

    template_name = "lending/catalogue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page"] = paginate(self.request, products_for_borrower(user=self.request.user, borrower=self.agent))
        return ctx


class ProductForBorrowerMixin(BorrowerMixin):
    def get_product(self):
        if not hasattr(self, "_product"):
            self._product = get_object_or_404(
                products_for_borrower(user=self.request.user, borrower=self.agent), pk=self.kwargs["pk"])
        return self._product


class ApplicationCreateView(ProductForBorrowerMixin, FormView):
    """A new draft: amount, term, rate, purpose and a first document. The schedule preview
    beside the form follows the amount and the term (htmx); the draft's page shows it again
    with the button that submits."""

    template_name = "lending/application_form.html"
    form_class = ApplicationCreateForm
    capability = APPLY

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "product": self.get_product()}

    def get_initial(self):
        product = self.get_product()
        initial = {"periods": product.min_periods if product.min_periods > 1 else min(12, product.max_periods)}
        # prefilled from the query (the financing adviser's "apply" link); the form still checks them
        initial.update({k: self.request.GET[k][:200] for k in ("amount", "periods", "purpose") if self.request.GET.get(k)})
        return initial

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(product=self.get_product(), default_rate=percent_text(self.get_product().default_rate))
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            with transaction.atomic():
                application = services.application_create(
                    product=self.get_product(), applicant=self.agent, user=self.request.user, amount=d["amount"],
                    periods=d["periods"], annual_rate=d["annual_rate"], purpose=d["purpose"])
                if d.get("document"):
                    services.application_document_add(application=application, user=self.request.user,
                                                       title=d["document_title"], file=d["document"])
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft saved. Check the repayment schedule below, then submit the "
                                         "application to the lender."))
        return redirect("lending:application-detail", pk=application.pk)


class SchedulePreviewView(ProductForBorrowerMixin, TemplateView):
    """The schedule for the amount, term and rate typed so far (an htmx fragment): the same
    numbers as ``build_schedule``, or the errors that stop it."""

    template_name = "lending/partials/schedule_preview.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        product = self.get_product()
        form = TermsForm(self.request.GET, product=product)
        schedule, errors = None, []
        if not (self.request.GET.get("amount") or "").strip():
            errors = []
        elif form.is_valid():
            d = form.cleaned_data
            try:
                schedule = selectors.schedule_preview(product=product, amount=d["amount"], periods=d["periods"],
                                                      annual_rate=d["annual_rate"])
            except ValidationError as exc:
                errors = exc.messages
        else:
            errors = [e for field_errors in form.errors.values() for e in field_errors]
        ctx.update(product=product, schedule=schedule, errors=errors, hint=not schedule and not errors)
        return ctx


class MyApplicationsView(BorrowerMixin, TemplateView):
    template_name = "lending/my_applications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab", "open")
        if tab not in (*APPLICATION_TABS, "all"):
            tab = "open"
        qs = selectors.applications_for_applicant(user=self.request.user, applicant=self.agent)
        if tab in APPLICATION_TABS:
            qs = qs.filter(status__in=APPLICATION_TABS[tab])
        ctx.update(tab=tab, page=paginate(self.request, qs))
        return ctx


class ApplicationEditView(BorrowerMixin, FormView):
    """Change a draft (the applicant's staff)."""

    template_name = "lending/application_form.html"
    form_class = ApplicationForm
    capability = APPLY

    def get_application(self) -> Application:
        if not hasattr(self, "_application"):
            self._application = get_restricted_or_404(
                Application.objects.select_related("product", "product__lender", "lender"), self.request.user,
                "change", pk=self.kwargs["pk"], applicant=self.agent)
            if self._application.status != ApplicationStatus.DRAFT:
                raise Http404
        return self._application

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "product": self.get_application().product}

    def get_initial(self):
        a = self.get_application()
        return {"amount": f"{a.amount:f}", "periods": a.periods, "annual_rate": percent_text(a.annual_rate),
                "purpose": a.purpose}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        application = self.get_application()
        ctx.update(application=application, product=application.product,
                   default_rate=percent_text(application.product.default_rate))
        return ctx

    def form_valid(self, form):
        d = form.cleaned_data
        try:
            services.application_update(application=self.get_application(), user=self.request.user,
                                         amount=d["amount"], periods=d["periods"],
                                         annual_rate=d["annual_rate"] if d["annual_rate"] is not None
                                         else self.get_application().product.default_rate,
                                         purpose=d["purpose"])
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Draft updated. Check the repayment schedule, then submit."))
        return redirect("lending:application-detail", pk=self.get_application().pk)


class ApplicationDocumentView(View):
    """Download a document of an application (the applicant, and the lender once submitted)."""

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        document = get_restricted_or_404(ApplicationDocument, request.user, "view", pk=kwargs["pk"])
        name = document.file.name.rsplit("/", 1)[-1]
        return FileResponse(document.file.open("rb"), as_attachment=True, filename=name)


class MyLoansView(BorrowerMixin, TemplateView):
    template_name = "lending/my_loans.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in LoanStatus.values:
            status = ""
        qs = with_delinquency(selectors.loans_for_borrower(user=self.request.user, borrower=self.agent,
                                                           status=status or None))
        ctx.update(status=status, statuses=LoanStatus.choices, page=paginate(self.request, qs),
                   query=query_without_page(self.request), may_repay=can(self.request.user, self.agent, "repay"))
        return ctx
