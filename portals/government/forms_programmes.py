"""Forms of the support programmes, meetings and policies. Amounts, shares and codes stay text
here: the services parse them with the platform's one parser (no floats)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade, SizeClass

from .models_programmes import ProgrammeKind

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}


class ProgrammeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProgrammeKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    share = forms.CharField(label=_("Share paid"), max_length=20, widget=forms.TextInput(attrs=TEXT),
                            help_text=_("Of the interest actually paid, the lender's loss or the guarantee fee: "
                                        "0.3 or 30%."))
    period_start = forms.DateField(label=_("Period starts"), widget=DATE)
    period_end = forms.DateField(label=_("Period ends"), widget=DATE)
    industries = forms.CharField(label=_("Eligible industries"), required=False, max_length=200,
                                 widget=forms.TextInput(attrs={**TEXT, "placeholder": "C33, C34"}),
                                 help_text=_("GB/T 4754 codes or prefixes, comma-separated; empty for all."))
    size_classes = forms.MultipleChoiceField(label=_("Eligible size classes"), required=False,
                                             choices=SizeClass.choices, widget=forms.CheckboxSelectMultiple,
                                             help_text=_("None ticked: every size."))
    min_grade = forms.ChoiceField(label=_("Minimum credit grade"), required=False,
                                  choices=[("", _("No minimum"))] + list(Grade.choices),
                                  widget=forms.Select(attrs={"class": "form-select"}))
    cluster = forms.ModelChoiceField(label=_("Members of the cluster only"), required=False, queryset=None,
                                     widget=forms.Select(attrs={"class": "form-select"}))
    priority_weight = forms.CharField(label=_("Priority weight in the allocation"), required=False, max_length=20,
                                      widget=forms.TextInput(attrs=TEXT),
                                      help_text=_("Added to the yearly return of each yuan the finance company "
                                                  "lends to a marked firm or industry (0.01 = one point)."))

    def __init__(self, *args, clusters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = clusters


class FundingForm(forms.Form):
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=30,
                             widget=forms.TextInput(attrs={**TEXT, "inputmode": "decimal"}))
    on = forms.DateField(label=_("Date"), widget=DATE)
    idempotency_key = forms.CharField(widget=forms.HiddenInput)


class PrioritiesForm(forms.Form):
    firms = forms.ModelMultipleChoiceField(label=_("Firms"), required=False, queryset=None,
                                           widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}))
    industries = forms.CharField(label=_("Industries"), required=False, max_length=200,
                                 widget=forms.TextInput(attrs={**TEXT, "placeholder": "C33"}))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firms"].queryset = firms


class ReviewForm(forms.Form):
    verb = forms.ChoiceField(choices=[("prepare", "prepare"), ("approve", "approve"), ("reject", "reject")])
    note = forms.CharField(required=False, max_length=2000)


class ApplyForm(forms.Form):
    note = forms.CharField(label=_("Note to the government"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class ClaimForm(forms.Form):
    loan = forms.ModelChoiceField(label=_("Loan"), queryset=None, widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(label=_("Note to the government"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={**TEXT, "rows": 3}))

    def __init__(self, *args, loans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans
        self.fields["loan"].label_from_instance = lambda loan: f"{loan.contract_no} · {loan.borrower.name}"


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    starts_at = forms.DateTimeField(label=_("Time"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"))
    place = forms.CharField(label=_("Place"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={**TEXT, "rows": 4}))


class InviteForm(forms.Form):
    firms = forms.ModelMultipleChoiceField(label=_("Firms"), required=False, queryset=None,
                                           widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 8}))
    industries = forms.CharField(label=_("Whole industries"), required=False, max_length=200,
                                 widget=forms.TextInput(attrs={**TEXT, "placeholder": "C33, C34"}))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firms"].queryset = firms


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={**TEXT, "rows": 8}))


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    period = forms.CharField(label=_("Period"), required=False, max_length=10, widget=forms.TextInput(attrs=TEXT),
                             help_text=_("Optional, e.g. 2026 or 2026-Q4."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={**TEXT, "rows": 10}))
