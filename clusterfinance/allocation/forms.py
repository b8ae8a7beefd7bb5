"""Forms of the allocation pages; shares are typed in percent and parsed by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade
from lending.forms import MONEY, SELECT, TEXT, percent_text


class RunForm(forms.Form):
    reserve_floor = forms.CharField(label=_("Reserve floor (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY),
                                    help_text=_("Share of the pool's money kept back, not lent."))
    single_borrower_cap = forms.CharField(label=_("Single-borrower cap (%)"), max_length=20,
                                          widget=forms.TextInput(attrs=MONEY))
    industry_cap = forms.CharField(label=_("Industry cap (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    min_grade = forms.ChoiceField(label=_("Minimum grade"), required=False, choices=[("", "—"), *Grade.choices],
                                  widget=forms.Select(attrs=SELECT))
    lgd = forms.CharField(label=_("Loss given default (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    partial_allowed = forms.BooleanField(label=_("Partial funding allowed"), required=False,
                                         widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    deposit_months = forms.CharField(label=_("Months a deposit or government fund is counted on"), max_length=5,
                                     widget=forms.TextInput(attrs=TEXT))
    note = forms.CharField(label=_("Note"), required=False, max_length=500, widget=forms.TextInput(attrs=TEXT))

    @classmethod
    def initial_from(cls, run=None, policy=None) -> dict:
        if run is not None:
            return {"reserve_floor": percent_text(run.reserve_floor),
                    "single_borrower_cap": percent_text(run.single_borrower_cap),
                    "industry_cap": percent_text(run.industry_cap), "min_grade": run.min_grade,
                    "lgd": percent_text(run.lgd), "partial_allowed": run.partial_allowed,
                    "deposit_months": run.deposit_months}
        return {"reserve_floor": percent_text(policy.reserve_floor) if policy else "10", "single_borrower_cap": "25",
                "industry_cap": "50", "lgd": "45", "deposit_months": "12"}

    def as_shares(self) -> dict:
        """The typed percents as the services' share strings ("25" → "25%")."""
        d = self.cleaned_data
        pct = {k: (d[k].strip().rstrip("%％") + "%") if d[k].strip() else "" for k in
               ("reserve_floor", "single_borrower_cap", "industry_cap", "lgd")}
        return {**pct, "min_grade": d["min_grade"], "partial_allowed": d["partial_allowed"],
                "deposit_months": d["deposit_months"], "note": d["note"]}


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=(("approve", _("Approve")), ("reject", _("Reject"))),
                                 widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reasons"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class PriorityForm(forms.Form):
    firm = forms.ModelChoiceField(label=_("Firm"), queryset=None, required=False, widget=forms.Select(attrs=SELECT))
    industry_code = forms.CharField(label=_("or industry (GB/T 4754)"), max_length=5, required=False,
                                    widget=forms.TextInput(attrs=TEXT))
    weight = forms.CharField(label=_("Policy weight"), max_length=20, widget=forms.TextInput(attrs=MONEY),
                             help_text=_("Added to the yearly return of each yuan lent (0.01 = one point)."))
    programme = forms.CharField(label=_("Source or programme"), max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
