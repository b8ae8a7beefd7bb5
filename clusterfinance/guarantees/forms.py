"""Forms of the guarantee pages. Amounts and shares stay raw strings: the services parse them,
so a page and any other caller get the same errors; the views put them back on the form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agents.models import Agent
from lending.forms import MONEY, SELECT, TEXT, IdempotentForm, percent_text
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


def _percent(raw: str) -> str:
    """A share typed in percent ("80", "80%", "８０％") as the services' share string ("80%")."""
    text = (raw or "").strip().replace("％", "%")
    return text if not text or text.endswith("%") else f"{text}%"


class RulesForm(forms.Form):
    """The fund's rules as a manager types them (shares in percent); the service parses them."""

    coverage_cap = forms.CharField(label=_("Coverage at most (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY),
                                   help_text=_("The largest share of a loan's principal the fund guarantees (the "
                                               "lender keeps the rest)."))
    fee_rate = forms.CharField(label=_("Guarantee fee a year (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY),
                               help_text=_("Of the amount guaranteed. The goal of policy guarantee funds is at most "
                                           "1 per cent a year."))
    leverage_cap = forms.CharField(label=_("Leverage cap (times the capital)"), max_length=20,
                                   widget=forms.TextInput(attrs=MONEY),
                                   help_text=_("Guarantees outstanding at most this multiple of the capital."))
    claim_dpd = forms.CharField(label=_("Claim after days past due"), max_length=5, widget=forms.TextInput(attrs=TEXT),
                                help_text=_("A guaranteed loan this many days past due is claimed on the fund."))
    circle_alert_share = forms.CharField(
        label=_("Circle alert share (per cent of its members' capacity)"), max_length=20,
        widget=forms.TextInput(attrs=MONEY),
        help_text=_("Flag a guarantee circle whose exposure passes this share of its members' equity."))

    def __init__(self, *args, fund=None, **kwargs):
        if fund is not None and "initial" not in kwargs:
            kwargs["initial"] = {"coverage_cap": percent_text(fund.coverage_cap),
                                 "fee_rate": percent_text(fund.fee_rate),
                                 "leverage_cap": f"{fund.leverage_cap.normalize():f}", "claim_dpd": fund.claim_dpd,
                                 "circle_alert_share": percent_text(fund.circle_alert_share)}
        super().__init__(*args, **kwargs)

    def as_service(self) -> dict:
        d = self.cleaned_data
        return {"coverage_cap": _percent(d["coverage_cap"]), "fee_rate": _percent(d["fee_rate"]),
                "leverage_cap": d["leverage_cap"].strip(), "claim_dpd": d["claim_dpd"].strip(),
                "circle_alert_share": _percent(d["circle_alert_share"])}


class CapacityForm(forms.Form):
    """The finance company's figure for a firm's capacity; empty goes back to the statements."""

    firm = _firm_choice(_("Firm"))
    capacity = forms.CharField(label=_("Capacity (yuan)"), max_length=40, required=False,
                               widget=forms.TextInput(attrs=MONEY),
                               help_text=_("What the firm could pay if its guarantees were called. Leave empty to "
                                           "use the equity of its latest statement."))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, firms, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["firm"].queryset = firms
