"""Forms of the lending pages. They parse raw input with the engine's strict parsers
(``lending.validation``: exact decimals, full-width digits, NaN, absurd sizes, impossible dates
→ translated errors) and leave the business rules (product ranges, maker-checker, status) to
the services, whose errors the views put back on the form."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import GRADE_ORDER, Grade, grade_at_least
from agents.money import MAX_AMOUNT
from infocenter.validators import validate_attachment

from .choices import BorrowerKind, Frequency, InstalmentMultiple, LoanClass, RepaymentMethod, ReviewRecommendation
from .validation import parse_amount, parse_date, parse_periods, parse_rate

TEXT = {"class": "form-control"}
MONEY = {"class": "form-control", "inputmode": "decimal", "autocomplete": "off"}
SELECT = {"class": "form-select"}
RADIO = {"class": "form-check-input"}


def parse_money(raw, **kwargs) -> Decimal:
    """``parse_amount`` that also answers absurd exponents ("1e400") with the "too large" message
    instead of failing while rounding them."""
    try:
        return parse_amount(raw, **kwargs)
    except InvalidOperation:
        raise ValidationError(_("The amount is too large (at most %(max)s).") % {"max": f"{MAX_AMOUNT:,}"},
                              code="too_large")


def percent_text(value) -> str:
    """A stored rate (a fraction) as the percent users type: 0.0435 → "4.35"."""
    if value is None or value == "":
        return ""
    return f"{(Decimal(value) * 100).normalize():f}"


def parse_percent(raw, *, required: bool = True, allow_zero: bool = True) -> Decimal | None:
    """A rate typed in percent ("4.35", "4.35%", "４.３５") → the fraction 0.0435."""
    text = str(raw or "").strip().replace("％", "%")
    if not text:
        if required:
            raise ValidationError(_("Enter an interest rate."), code="required")
        return None
    if not text.endswith("%"):
        text += "%"
    try:
        return parse_rate(text, allow_zero=allow_zero)
    except ValidationError as error:
        if error.code == "too_large":
            raise ValidationError(_("An annual rate above %(max)s is not plausible; type the rate in percent, "
                                    "e.g. %(example)s.") % {"max": "100%", "example": "4.35"}, code="too_large")
        raise


class IdempotentForm(forms.Form):
    """A form that carries a key generated when it is rendered, so that a double click or a
    resubmitted page posts once: the engine answers the same key with the first result."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=36)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", str(uuid.uuid4()))

    def clean_idempotency_key(self) -> str:
        raw = self.cleaned_data["idempotency_key"]
        try:
            return str(uuid.UUID(raw))
        except ValueError:
            raise ValidationError(_("This form is out of date; reload the page and try again."), code="key")

    def renew_key(self) -> None:
        """After a refused duplicate, the next submission is a new request."""
        data = self.data.copy()
        data["idempotency_key"] = str(uuid.uuid4())
        self.data = data


# --- borrower: applications --------------------------------------------------------------------

class TermsForm(forms.Form):
    """Amount, term and (optional) rate of an application, checked against nothing but the
    syntax here; the product's ranges are the engine's (``validate_terms``)."""

    amount = forms.CharField(label=_("Amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    periods = forms.CharField(label=_("Term"), max_length=10,
                              widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "autocomplete": "off"}))
    annual_rate = forms.CharField(label=_("Annual rate (%)"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs=MONEY))

    def __init__(self, *args, product=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.product = product
        if product is not None:
            unit = _("months") if product.frequency == Frequency.MONTHLY else _("quarters")
            self.fields["periods"].label = _("Term (%(unit)s)") % {"unit": unit}
            self.fields["periods"].help_text = _("%(min)s to %(max)s %(unit)s") % {
                "min": product.min_periods, "max": product.max_periods, "unit": unit}
            self.fields["amount"].help_text = _("From ¥%(min)s to ¥%(max)s") % {
                "min": f"{product.min_amount:,.2f}", "max": f"{product.max_amount:,.2f}"}
            self.fields["annual_rate"].help_text = _("Between %(min)s%% and %(max)s%%; leave empty for the "
                                                     "product's rate of %(default)s%%.") % {
                "min": percent_text(product.rate_min), "max": percent_text(product.rate_max),
                "default": percent_text(product.default_rate)}
            self.fields["annual_rate"].widget.attrs["placeholder"] = percent_text(product.default_rate)

    def clean_amount(self):
        return parse_money(self.cleaned_data["amount"])

    def clean_periods(self):
        return parse_periods(self.cleaned_data["periods"])

    def clean_annual_rate(self):
        return parse_percent(self.cleaned_data["annual_rate"], required=False)


class ApplicationForm(TermsForm):
    purpose = forms.CharField(label=_("Purpose of the loan"), max_length=2000,
                              widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                              help_text=_("What the money is for, e.g. raw materials for an export order."))


class ApplicationCreateForm(ApplicationForm):
    document = forms.FileField(label=_("Document (optional)"), required=False, validators=[validate_attachment],
                               widget=forms.ClearableFileInput(attrs=TEXT),
                               help_text=_("Financial statements, licences, orders: PDF, image, CSV, text or "
                                           "Excel, at most 10 MiB. You can add more documents later."))
    document_title = forms.CharField(label=_("Document title"), max_length=200, required=False,
                                     widget=forms.TextInput(attrs=TEXT), help_text=_("Empty: the file's name."))

    def clean(self):
        data = super().clean()
        if data.get("document") and not (data.get("document_title") or "").strip():
            data["document_title"] = data["document"].name.rsplit("/", 1)[-1][:200]
        return data


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    file = forms.FileField(label=_("File"), validators=[validate_attachment],
                           widget=forms.ClearableFileInput(attrs=TEXT))


# --- lender: review, decision, disbursement, write-off -------------------------------------------

class ReviewForm(forms.Form):
    recommendation = forms.ChoiceField(label=_("Recommendation"), choices=ReviewRecommendation.choices,
                                       widget=forms.RadioSelect(attrs=RADIO))
    note = forms.CharField(label=_("Review note"), max_length=4000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                           help_text=_("What the review found; the manager who decides reads it."))


class DecisionForm(forms.Form):
    APPROVE, REJECT = "approve", "reject"
    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect(attrs=RADIO),
                                 choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))])
    reason = forms.CharField(label=_("Reasons"), max_length=4000, required=False,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
                             help_text=_("Required for a rejection; the borrower reads them."))
    amount = forms.CharField(label=_("Approved amount (yuan)"), max_length=40, required=False,
                             widget=forms.TextInput(attrs=MONEY), help_text=_("At most the amount applied for."))
    periods = forms.CharField(label=_("Approved term (periods)"), max_length=10, required=False,
                              widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}),
                              help_text=_("Within the product's term."))
    annual_rate = forms.CharField(label=_("Approved annual rate (%)"), max_length=20, required=False,
                                  widget=forms.TextInput(attrs=MONEY),
                                  help_text=_("Within the product's rate range."))

    def clean_amount(self):
        raw = self.cleaned_data["amount"]
        return parse_money(raw) if raw else None

    def clean_periods(self):
        raw = self.cleaned_data["periods"]
        return parse_periods(raw) if raw else None

    def clean_annual_rate(self):
        return parse_percent(self.cleaned_data["annual_rate"], required=False)


class StrictDateField(forms.CharField):
    """A business date typed or picked as YYYY-MM-DD, parsed strictly (30 February is refused)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.DateInput(attrs={**TEXT, "type": "date"}))
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_date(super().clean(value))


class DisburseForm(IdempotentForm):
    disbursed_on = StrictDateField(label=_("Disbursement date"),
                             help_text=_("Today or earlier; the instalments fall due on this day of the month."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("disbursed_on", timezone.localdate().isoformat())


class RepayForm(IdempotentForm):
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    paid_on = StrictDateField(label=_("Payment date"), help_text=_("Today or earlier."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("paid_on", timezone.localdate().isoformat())

    def clean_amount(self):
        return parse_money(self.cleaned_data["amount"])


class WriteOffForm(IdempotentForm):
    reason = forms.CharField(label=_("Reasons for the write-off"), max_length=2000,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                             help_text=_("Recovery efforts made, collateral, court decisions …"))
    written_off_on = StrictDateField(label=_("Write-off date"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("written_off_on", timezone.localdate().isoformat())


class ClassifyForm(forms.Form):
    loan_class = forms.ChoiceField(label=_("Classify the loan at least as"),
                                   choices=[("", _("By days past due only (withdraw the judgement)")),
                                            *LoanClass.choices],
                                   required=False, widget=forms.Select(attrs=SELECT))
    reason = forms.CharField(label=_("Reasons for the classification"), max_length=2000,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                             help_text=_("What you know beyond the payments: production stopped, lawsuits, "
                                         "collateral lost …"))


# --- lender: products ----------------------------------------------------------------------------

RATE_FIELDS = ("rate_min", "rate_max", "base_rate", "spread", "penalty_rate", "fee_rate")
OPTIONAL_RATES = ("base_rate", "spread", "penalty_rate")


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
    borrower_kind = forms.ChoiceField(label=_("Who may borrow"), choices=BorrowerKind.choices,
                                      widget=forms.Select(attrs=SELECT))
    min_amount = forms.CharField(label=_("Minimum amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    max_amount = forms.CharField(label=_("Maximum amount (yuan)"), max_length=40, widget=forms.TextInput(attrs=MONEY))
    min_periods = forms.CharField(label=_("Shortest term (periods)"), max_length=10,
                                  widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}))
    max_periods = forms.CharField(label=_("Longest term (periods)"), max_length=10,
                                  widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}))
    method = forms.ChoiceField(label=_("Repayment method"), choices=RepaymentMethod.choices,
                               widget=forms.Select(attrs=SELECT))
    frequency = forms.ChoiceField(label=_("Repayment frequency"), choices=Frequency.choices,
                                  widget=forms.Select(attrs=SELECT))
    rate_min = forms.CharField(label=_("Lowest annual rate (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    rate_max = forms.CharField(label=_("Highest annual rate (%)"), max_length=20, widget=forms.TextInput(attrs=MONEY))
    base_rate_name = forms.CharField(label=_("Base rate"), max_length=40, required=False,
                                     widget=forms.TextInput(attrs=TEXT),
                                     help_text=_("e.g. “1-year LPR”; leave empty for a fixed rate range."))
    base_rate = forms.CharField(label=_("Base rate value (%)"), max_length=20, required=False,
                                widget=forms.TextInput(attrs=MONEY))
    spread = forms.CharField(label=_("Spread over the base rate (%)"), max_length=20, required=False,
                             widget=forms.TextInput(attrs=MONEY))
    penalty_rate = forms.CharField(label=_("Penalty annual rate (%)"), max_length=20, required=False,
                                   widget=forms.TextInput(attrs=MONEY),
                                   help_text=_("Empty: 1.5 × the contract rate."))
    fee_rate = forms.CharField(label=_("Upfront fee (per cent of the amount)"), max_length=20, initial="0",
                               widget=forms.TextInput(attrs=MONEY))
    fee_flat = forms.CharField(label=_("Upfront fee (fixed, yuan)"), max_length=40, initial="0",
                               widget=forms.TextInput(attrs=MONEY))
    instalment_multiple = forms.ChoiceField(label=_("Instalment rounding"), choices=InstalmentMultiple.choices,
                                            widget=forms.Select(attrs=SELECT))
    min_grade = forms.ChoiceField(
        label=_("Minimum credit grade"), required=False, widget=forms.Select(attrs=SELECT),
        choices=[("", _("No minimum: every firm may apply")), *Grade.choices],
        help_text=_("Applications from firms rated below this grade, or not yet rated, are refused with the reason."))
    accepts_platform_payments = forms.BooleanField(label=_("Accepts repayments through the platform"),
                                                   required=False, initial=True,
                                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    is_active = forms.BooleanField(label=_("Open for applications"), required=False, initial=True,
                                   widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # One amount per grade instead of raw JSON: empty = the product's maximum amount.
        for grade in GRADE_ORDER:
            self.fields[grade_limit_field(grade)] = forms.CharField(
                label=grade, max_length=40, required=False,
                widget=forms.TextInput(attrs={**MONEY, "placeholder": _("maximum")}))

    @property
    def grade_limit_fields(self) -> list:
        return [self[grade_limit_field(grade)] for grade in GRADE_ORDER]

    def clean(self):
        data = super().clean()
        limits = {}
        minimum = data.get("min_grade") or ""
        max_amount = data.get("max_amount")
        for grade in GRADE_ORDER:
            name = grade_limit_field(grade)
            raw = (data.pop(name, "") or "").strip()
            if not raw or name in self.errors:
                continue
            try:
                amount = parse_money(raw)
            except ValidationError as error:
                self.add_error(name, error)
                continue
            if minimum and not grade_at_least(grade, minimum):
                self.add_error(name, _("%(grade)s is below the minimum grade %(minimum)s: such firms are refused "
                                       "anyway, leave it empty.") % {"grade": grade, "minimum": minimum})
            elif max_amount is not None and amount > max_amount:
                self.add_error(name, _("At most the product's maximum amount (¥%(max)s).")
                               % {"max": f"{max_amount:,.2f}"})
            else:
                limits[grade] = f"{amount:f}"
        data["grade_limits"] = limits
        return data

    def clean_min_amount(self):
        return parse_money(self.cleaned_data["min_amount"])

    def clean_max_amount(self):
        return parse_money(self.cleaned_data["max_amount"])

    def clean_min_periods(self):
        return parse_periods(self.cleaned_data["min_periods"])

    def clean_max_periods(self):
        return parse_periods(self.cleaned_data["max_periods"])

    def clean_fee_flat(self):
        return parse_money(self.cleaned_data["fee_flat"] or "0", allow_zero=True)

    def _clean_rate(self, name):
        return parse_percent(self.cleaned_data[name], required=name not in OPTIONAL_RATES)

    def clean_rate_min(self):
        return self._clean_rate("rate_min")

    def clean_rate_max(self):
        return self._clean_rate("rate_max")

    def clean_base_rate(self):
        return self._clean_rate("base_rate")

    def clean_spread(self):
        return self._clean_rate("spread")

    def clean_penalty_rate(self):
        return self._clean_rate("penalty_rate")

    def clean_fee_rate(self):
        return parse_percent(self.cleaned_data["fee_rate"] or "0")

    @classmethod
    def initial_for(cls, product) -> dict:
        initial = {name: getattr(product, name) for name in cls.base_fields}
        for name in RATE_FIELDS:
            initial[name] = percent_text(getattr(product, name))
        for name in ("min_amount", "max_amount", "fee_flat"):
            initial[name] = f"{getattr(product, name):f}"
        for grade, amount in (product.grade_limits or {}).items():
            initial[grade_limit_field(grade)] = str(amount)
        return initial


def grade_limit_field(grade: str) -> str:
    """The form field of the maximum amount for firms rated ``grade``."""
    return f"limit_{grade}"
