"""Forms of the pool pages. Amounts, rates and dates stay raw strings here: the services parse
them (``agents.money.parse_amount``, ``lending.validation.parse_rate``) so that a page and any
other caller get the same errors; the views put a service's ValidationError back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from lending.forms import MONEY, SELECT, TEXT, IdempotentForm, parse_percent

from .choices import GovernmentFundPurpose, SourceKind
from .services import COUNTERPARTY_KINDS


class SourceOpenForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of source"), choices=SourceKind.choices, widget=forms.Select(attrs=SELECT))
    counterparty = forms.ModelChoiceField(label=_("Counterparty"), queryset=Agent.objects.none(),
                                          widget=forms.Select(attrs=SELECT))
    reference = forms.CharField(label=_("Reference"), max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    annual_rate = forms.CharField(label=_("Annual rate (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    opened_on = forms.CharField(label=_("Opened on"), max_length=20, required=False,
                                widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    maturity_date = forms.CharField(label=_("Matures on"), max_length=20, required=False,
                                    widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    notice_days = forms.IntegerField(label=_("Notice period (days)"), min_value=0, max_value=3650, initial=0,
                                     widget=forms.NumberInput(attrs=TEXT))
    limit = forms.CharField(label=_("Limit or size (yuan)"), max_length=40, required=False,
                            widget=forms.TextInput(attrs=MONEY))
    fund_purpose = forms.ChoiceField(label=_("Purpose of the government fund"), required=False,
                                     choices=[("", "—"), *GovernmentFundPurpose.choices],
                                     widget=forms.Select(attrs=SELECT))

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = {k for ks in COUNTERPARTY_KINDS.values() for k in ks}
        self.fields["counterparty"].queryset = participants.filter(kind__in=kinds).order_by("kind", "name")
        self.fields["counterparty"].label_from_instance = lambda a: f"{a.name} ({a.get_kind_display()})"

    def clean_annual_rate(self):
        return parse_percent(self.cleaned_data["annual_rate"])


class MovementForm(IdempotentForm):
    ACTIONS = (("in", _("Money in")), ("out", _("Money out")), ("interest", _("Interest paid")))

    action = forms.ChoiceField(label=_("Movement"), choices=ACTIONS, widget=forms.Select(attrs=SELECT))
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    on = forms.CharField(label=_("Date"), max_length=20, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    requested_on = forms.CharField(label=_("Withdrawal requested on"), max_length=20, required=False,
                                   help_text=_("For deposits with a notice period."),
                                   widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    memo = forms.CharField(label=_("Memo"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))


class PolicyForm(forms.Form):
    reserve_floor = forms.CharField(label=_("Reserve floor (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY),
                                    help_text=_("Cash as a share of what the pool owes, at least."))
    concentration_warning = forms.CharField(label=_("Concentration warning (%)"), max_length=20,
                                            widget=forms.TextInput(attrs=MONEY),
                                            help_text=_("Warn when one source is more than this share of the pool."))

    def clean_reserve_floor(self):
        return parse_percent(self.cleaned_data["reserve_floor"])

    def clean_concentration_warning(self):
        return parse_percent(self.cleaned_data["concentration_warning"])
