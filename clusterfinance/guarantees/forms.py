"""Forms of the guarantee pages. Amounts and shares stay raw strings: the services parse them,
so a page and any other caller get the same errors; the views put them back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from lending.forms import MONEY, SELECT, TEXT, IdempotentForm
from lending.models import Loan

DATE = {**TEXT, "type": "date"}


def _firm_choice(label, **kwargs):
    return forms.ModelChoiceField(label=label, queryset=Agent.objects.none(), widget=forms.Select(attrs=SELECT),
                                  **kwargs)


class ContributionForm(IdempotentForm):
    contributor = _firm_choice(_("Contributor"))
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    on = forms.CharField(label=_("Date"), max_length=20, widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, contributors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contributor"].queryset = contributors.order_by("kind", "name")
        self.fields["contributor"].label_from_instance = lambda a: f"{a.name} ({a.get_kind_display()})"


class IssueForm(IdempotentForm):
    loan = forms.ModelChoiceField(label=_("Loan"), queryset=Loan.objects.none(), widget=forms.Select(attrs=SELECT))
    coverage = forms.CharField(label=_("Coverage (%)"), max_length=20, initial="80",
                               help_text=_("The share of the principal the fund guarantees."),
                               widget=forms.TextInput(attrs=MONEY))
    issued_on = forms.CharField(label=_("Issued on"), max_length=20, widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, loans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans
        self.fields["loan"].label_from_instance = (
            lambda lo: f"{lo.contract_no} · {lo.borrower.name} ← {lo.lender.name} · ¥{lo.principal:,}")

    def clean_coverage(self):
        raw = self.cleaned_data["coverage"].strip().replace("％", "%")
        return raw if raw.endswith("%") else f"{raw}%"


class ClaimActionForm(IdempotentForm):
    ACTIONS = (("prepare", _("Prepare")), ("approve", _("Approve")), ("pay", _("Pay")), ("recover", _("Recovery")))

    claim = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)
    on = forms.CharField(label=_("Date"), max_length=20, required=False, widget=forms.DateInput(attrs=DATE))
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=40, required=False,
                             widget=forms.TextInput(attrs=MONEY))


class FirmGuaranteeForm(forms.Form):
    guarantor = _firm_choice(_("Guarantor"))
    borrower = _firm_choice(_("Borrower"))
    amount = forms.CharField(label=_("Amount guaranteed (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guarantor"].queryset = firms
        self.fields["borrower"].queryset = firms


class StressForm(forms.Form):
    firm = _firm_choice(_("Firm that defaults"))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
