"""The lender's pages (finance company, institution, investor): products, the application
queue, the loan book with filters and delinquency columns, and the portfolio figures; and the
government's read-only view of the loans in its region."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from agents.forms import apply_errors
from agents.restrict import get_restricted_or_404

from .. import selectors, services
from ..choices import ApplicationStatus
from ..filters import LoanFilter, RegionLoanFilter
from ..forms import ProductForm
from ..models import Product
from ..permissions import MANAGE_PRODUCTS
from ..selectors import (
    QUEUE_OPEN,
    book_totals,
    borrowers_of,
    disbursements_by_month,
    lenders_of_region,
    queue_counts,
    region_clusters,
    region_loans,
    with_delinquency,
)
from ..templatetags.lending_pages import bucket_short
from .base import BOOK_PAGE_SIZE, ActingMixin, LenderMixin, paginate, query_without_page

QUEUE_TABS = {
    "open": QUEUE_OPEN,
    "submitted": (ApplicationStatus.SUBMITTED,),
    "under_review": (ApplicationStatus.UNDER_REVIEW,),
    "approved": (ApplicationStatus.APPROVED,),
    "contracted": (ApplicationStatus.CONTRACTED,),
    "rejected": (ApplicationStatus.REJECTED,),
    "withdrawn": (ApplicationStatus.WITHDRAWN,),
}


# --- products ----------------------------------------------------------------------------------

class ProductListView(LenderMixin, TemplateView):
    template_name = "lending/lender_products.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["page"] = paginate(self.request, selectors.products_for_lender(user=self.request.user, lender=self.agent)
                               .order_by("-is_active", "name"))
        return ctx


class ProductFormMixin(LenderMixin):
    template_name = "lending/product_form.html"
    form_class = ProductForm
    capability = MANAGE_PRODUCTS

    def save(self, fields: dict) -> Product:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            product = self.save(form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            apply_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Product “%(name)s” saved.") % {"name": product.name})
        return redirect("lending:lender-products")


class ProductCreateView(ProductFormMixin, FormView):
    def save(self, fields):
        return services.product_create(lender=self.agent, user=self.request.user, **fields)


class ProductEditView(ProductFormMixin, FormView):
    def get_product(self) -> Product:
        if not hasattr(self, "_product"):
            self._product = get_restricted_or_404(Product, self.request.user, "change", pk=self.kwargs["pk"],
                                                  lender=self.agent)
        return self._product

    def get_initial(self):
        return ProductForm.initial_for(self.get_product())

    def get_context_data(self, **kwargs):
        return super().get_context_data(product=self.get_product(), **kwargs)

    def save(self, fields):
        return services.product_update(product=self.get_product(), user=self.request.user, **fields)


# --- the application queue ---------------------------------------------------------------------

class QueueView(LenderMixin, TemplateView):
    template_name = "lending/queue.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        tab = self.request.GET.get("tab", "open")
        if tab not in (*QUEUE_TABS, "all"):
            tab = "open"
        qs = selectors.applications_for_lender(user=self.request.user, lender=self.agent)
        if tab in QUEUE_TABS:
            qs = qs.filter(status__in=QUEUE_TABS[tab])
        if tab == "open":
            qs = qs.order_by("submitted_at", "id")  # first come, first served
        ctx.update(tab=tab, page=paginate(self.request, qs),
                   counts=queue_counts(user=self.request.user, lender=self.agent))
        return ctx


# --- the loan book -----------------------------------------------------------------------------

class LoanBookView(LenderMixin, TemplateView):
    template_name = "lending/loan_book.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        loans = selectors.loans_for_lender(user=user, lender=self.agent)
        book = LoanFilter(self.request.GET or None, queryset=loans,
                          borrowers=borrowers_of(user=user, lender=self.agent),
                          products=Product.objects.restrict(user, "view").filter(lender=self.agent))
        filtered = book.qs if book.is_bound and book.is_valid() else loans
        ctx.update(filter=book, totals=book_totals(filtered),
                   page=paginate(self.request, with_delinquency(filtered), BOOK_PAGE_SIZE),
                   query=query_without_page(self.request))
        return ctx


# --- portfolio figures -----------------------------------------------------------------------

CLASS_COLOURS = {"normal": "#198754", "special_mention": "#e0a800", "substandard": "#fd7e14", "doubtful": "#dc3545",
                 "loss": "#343a40"}


def _chart(rows, name, value_key: str) -> str:
    """Chart data for ``partials/chart.html`` (values as exact decimal text); the five classes in
    their traffic-light colours."""
    return json.dumps([{"name": str(name(r)), "value": str(r[value_key]),
                        **({"itemStyle": {"color": CLASS_COLOURS[r["value"]]}} if r["value"] in CLASS_COLOURS else {})}
                       for r in rows], ensure_ascii=False)


class PortfolioView(LenderMixin, TemplateView):
    template_name = "lending/portfolio.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        by_bucket = selectors.portfolio_by_bucket(lender=self.agent)
        by_class = selectors.portfolio_by_class(lender=self.agent)
        monthly = disbursements_by_month(user=self.request.user, lender=self.agent)
        ctx.update(
            figures=selectors.portfolio_figures(lender=self.agent), by_bucket=by_bucket, by_class=by_class,
            monthly=monthly,
            chart_bucket=_chart(by_bucket, lambda r: bucket_short(r["value"]), "outstanding"),
            chart_class=_chart([r for r in by_class if r["count"]], lambda r: r["label"], "outstanding"),
            chart_monthly=json.dumps([{"name": r["month"].strftime("%Y-%m"), "value": str(r["amount"])}
                                      for r in monthly]),
        )
        return ctx


# --- government: loans in the region, read-only ------------------------------------------------

class RegionLoanBookView(ActingMixin, TemplateView):
    acting_kinds = ("government",)
    template_name = "lending/region_book.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        loans = region_loans(user=user, government=self.agent)
        book = RegionLoanFilter(self.request.GET or None, queryset=loans, lenders=lenders_of_region(user=user))
        filtered = book.qs if book.is_bound and book.is_valid() else loans
        clusters = [(c, selectors.portfolio_figures(cluster=c)) for c in region_clusters(user=user, government=self.agent)]
        ctx.update(filter=book, totals=book_totals(filtered), clusters=clusters,
                   page=paginate(self.request, with_delinquency(filtered), BOOK_PAGE_SIZE),
                   query=query_without_page(self.request))
        return ctx
