"""Forms of the oversight console: a new LPR value, the monitor's thresholds and the caps on
private lending, and the steps of an alert."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models_oversight import AlertStatus, ComplianceRule, ComplianceSettings, LprTenor

MONEY_INPUT = {"class": "form-control", "inputmode": "decimal"}


class LprForm(forms.Form):
    tenor = forms.ChoiceField(label=_("Tenor"), choices=LprTenor.choices, initial=LprTenor.ONE_YEAR)
    value_percent = forms.DecimalField(label=_("Rate (% a year)"), max_digits=8, decimal_places=4,
                                       min_value=Decimal("0"), max_value=Decimal("50"),
                                       help_text=_("For example 3.00 for 3.00 % a year."))
    effective_on = forms.DateField(label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Source or note"), max_length=200, required=False)

    @property
    def rate(self) -> Decimal:
        return (self.cleaned_data["value_percent"] / Decimal(100)).quantize(Decimal("0.00000001"))


class ThresholdsForm(forms.ModelForm):
    class Meta:
        model = ComplianceSettings
        fields = ["borrower_share", "industry_share", "negative_reports_count", "negative_reports_days"]


class CapsForm(forms.Form):
    per_firm = forms.DecimalField(label=_("Cap per firm (yuan)"), max_digits=18, decimal_places=2,
                                  min_value=Decimal("0.01"), widget=forms.TextInput(attrs=MONEY_INPUT))
    per_natural_person = forms.DecimalField(label=_("Cap per natural-person borrower (yuan)"), max_digits=18,
                                            decimal_places=2, min_value=Decimal("0.01"),
                                            widget=forms.TextInput(attrs=MONEY_INPUT))
    per_lender = forms.DecimalField(label=_("Cap per private investor (yuan)"), max_digits=18, decimal_places=2,
                                    min_value=Decimal("0.01"), widget=forms.TextInput(attrs=MONEY_INPUT),
                                    help_text=_("The most one investor may have outstanding in total."))


class AlertNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("How it was resolved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("Alert owner"), queryset=None)

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("Unresolved")), ("all", _("All")), *AlertStatus.choices])
    rule = forms.ChoiceField(label=_("Rule"), required=False, choices=[("", _("All rules")), *ComplianceRule.choices])
    mine = forms.BooleanField(label=_("Owned by me"), required=False)
