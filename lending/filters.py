"""Filters of the loan lists (django-filter): status, five-category class, delinquency bucket,
borrower, product, lender and a text search on the contract number or the counterparty's name."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agents.models import Agent

from .choices import DelinquencyBucket, LoanClass, LoanStatus
from .models import Loan, Product

SELECT = {"class": "form-select form-select-sm"}


class LoanFilter(django_filters.FilterSet):
    """The lender's loan book. ``products`` and ``borrowers`` limit the choices to the lender's own."""

    q = django_filters.CharFilter(label=_("Contract or borrower"), method="search",
                                  widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                                "placeholder": _("Contract no. or name")}))
    status = django_filters.ChoiceFilter(label=_("Status"), choices=LoanStatus.choices,
                                         empty_label=_("All statuses"), widget=forms.Select(attrs=SELECT))
    loan_class = django_filters.ChoiceFilter(label=_("Classification (五级分类)"), choices=LoanClass.choices,
                                             empty_label=_("All classes"), widget=forms.Select(attrs=SELECT))
    bucket = django_filters.ChoiceFilter(label=_("Days past due"), choices=DelinquencyBucket.choices,
                                         empty_label=_("All buckets"), widget=forms.Select(attrs=SELECT))
    borrower = django_filters.ModelChoiceFilter(label=_("Borrower"), queryset=Agent.objects.none(),
                                                empty_label=_("All borrowers"), widget=forms.Select(attrs=SELECT))
    product = django_filters.ModelChoiceFilter(label=_("Product"), queryset=Product.objects.none(),
                                               empty_label=_("All products"), widget=forms.Select(attrs=SELECT))

    class Meta:
        model = Loan
        fields = ["q", "status", "loan_class", "bucket", "borrower", "product"]

    def __init__(self, *args, borrowers=None, products=None, **kwargs):
        super().__init__(*args, **kwargs)
        if borrowers is not None:
            self.filters["borrower"].queryset = borrowers
        if products is not None:
            self.filters["product"].queryset = products

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(contract_no__icontains=value) | Q(borrower__name__icontains=value)
                               | Q(lender__name__icontains=value))


class RegionLoanFilter(LoanFilter):
    """The government's read-only view of the loans in its region: by lender instead of product."""

    lender = django_filters.ModelChoiceFilter(label=_("Lender"), queryset=Agent.objects.none(),
                                              empty_label=_("All lenders"), widget=forms.Select(attrs=SELECT))

    class Meta:
        model = Loan
        fields = ["q", "status", "loan_class", "bucket", "lender"]

    def __init__(self, *args, lenders=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters.pop("product", None)
        self.filters.pop("borrower", None)
        if lenders is not None:
            self.filters["lender"].queryset = lenders
