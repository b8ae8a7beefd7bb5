"""The need a firm brings to the adviser: amount, term in months, purpose (and, for the finance
company's staff, which member firm)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from agents.money import parse_amount

MAX_MONTHS = 360


class NeedForm(forms.Form):
    amount = forms.CharField(label=_("Amount needed (yuan)"), max_length=40)
    months = forms.CharField(label=_("Term (months)"), max_length=6)
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False)

    def __init__(self, *args, firms=None, **kwargs):
        super().__init__(*args, **kwargs)
        if firms is not None:
            self.fields = {"firm": forms.ModelChoiceField(label=_("Member firm"), queryset=firms,
                                                          empty_label=None), **self.fields}

    def clean_amount(self):
        try:
            return parse_amount(self.cleaned_data["amount"])
        except ValidationError:
            raise ValidationError(_("Give the amount in yuan, e.g. 500000 or 500,000.00."), code="amount") from None

    def clean_months(self):
        raw = (self.cleaned_data["months"] or "").strip()
        if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_MONTHS:
            raise ValidationError(_("Give the term as a whole number of months from 1 to %(max)s.")
                                  % {"max": MAX_MONTHS}, code="months")
        return int(raw)
