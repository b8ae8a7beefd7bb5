"""The dashboard's filters: scope (the cluster's loans from every lender, or the finance
company's own), industry division, credit grade, month of disbursement. A bad value is shown
with its error and no filter is applied (never a 500)."""

from __future__ import annotations

import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade

from .selectors import FIGURES, SCOPE_CLUSTER, SCOPE_OWN, UNRATED, Filters

SELECT = {"class": "form-select form-select-sm"}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class DashboardFilterForm(forms.Form):
    scope = forms.ChoiceField(label=_("Loans"), required=False, widget=forms.Select(attrs=SELECT),
                              choices=[(SCOPE_CLUSTER, _("All lenders to member firms")),
                                       (SCOPE_OWN, _("The finance company's own loans"))])
    industry = forms.ChoiceField(label=_("Industry"), required=False, widget=forms.Select(attrs=SELECT))
    grade = forms.ChoiceField(label=_("Credit grade"), required=False, widget=forms.Select(attrs=SELECT),
                              choices=[("", _("All grades")), *Grade.choices, (UNRATED, _("Not rated"))])
    month = forms.CharField(label=_("Disbursed in"), required=False, max_length=7,
                            widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "type": "month",
                                                          "placeholder": "2026-01"}))

    def __init__(self, data=None, *, industries=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["industry"].choices = [("", _("All industries")), *industries, (UNRATED, _("Unclassified"))]

    def clean_month(self):
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        match = MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise forms.ValidationError(_("Enter a month as YYYY-MM, e.g. 2026-01."))
        return date(int(match.group(1)), int(match.group(2)), 1)

    def filters(self) -> Filters:
        """The filters to apply: none when the form is not valid (its errors are shown)."""
        if not self.is_bound or not self.is_valid():
            return Filters()
        d = self.cleaned_data
        return Filters(scope=d["scope"] or SCOPE_CLUSTER, industry=d["industry"], grade=d["grade"], month=d["month"])


class FigureForm(DashboardFilterForm):
    """A drill-down list: the filters and the figure whose loans are listed."""

    figure = forms.ChoiceField(required=False, choices=[(k, k) for k in FIGURES], widget=forms.HiddenInput)

    def figure_name(self) -> str:
        if self.is_bound and self.is_valid() and self.cleaned_data["figure"]:
            return self.cleaned_data["figure"]
        return "outstanding"
