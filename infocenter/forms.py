"""Forms of the centre's pages: they parse input; the services decide."""

from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import AgentKind
from agents.jsondata import json_loads_strict

from .choices import (
    REPORT_CATEGORY_TYPE,
    Category,
    InfoModule,
    ReportCategory,
    ReportType,
    Verification,
    Visibility,
    categories_for_kind,
)
from .validators import validate_attachment, validate_period

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
CHECK = {"class": "form-check-input"}


class JSONTextField(forms.CharField):
    """Structured data typed as JSON (an object); empty means none."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return {}
        try:
            data = json_loads_strict(value)
        except forms.ValidationError as error:
            if error.code != "json_invalid":  # NaN, 1e400, nesting: the loader's message says it all
                raise
            raise forms.ValidationError([_("Structured data must be valid JSON, e.g. {\"revenue\": \"1200000.00\"}."),
                                         *error.messages])
        if not isinstance(data, dict):
            raise forms.ValidationError(_("Structured data must be a JSON object ({…})."))
        return data

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False, indent=1) if value else ""
        return value


class PublicationForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), widget=forms.Select(attrs=SELECT))
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    body = forms.CharField(label=_("Text"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 6}))
    period = forms.CharField(label=_("Period"), max_length=20, required=False, widget=forms.TextInput(attrs=TEXT),
                             help_text=_("What the figures cover, e.g. 2025, 2026Q3 or 2026-10."))
    data = JSONTextField(label=_("Structured data (JSON)"), required=False,
                         widget=forms.Textarea(attrs={**TEXT, "rows": 3, "class": "form-control font-monospace"}))
    attachment = forms.FileField(label=_("Attachment"), required=False, validators=[validate_attachment],
                                 widget=forms.ClearableFileInput(attrs=TEXT),
                                 help_text=_("PDF, PNG, JPEG, CSV, TXT or XLSX, at most 10 MiB."))
    visibility = forms.ChoiceField(label=_("Who may read it"), choices=Visibility.choices,
                                   initial=Visibility.MEMBERS, widget=forms.Select(attrs=SELECT),
                                   help_text=_("The government of your region can read everything you publish "
                                               "(supervision); your cluster's finance company everything except "
                                               "“government only”."))
    audience_kinds = forms.MultipleChoiceField(label=_("Kinds of agent (for “given kinds”)"), required=False,
                                               choices=AgentKind.choices, widget=forms.CheckboxSelectMultiple)
    publish = forms.BooleanField(label=_("Publish now (otherwise keep as a draft)"), required=False, initial=True,
                                 widget=forms.CheckboxInput(attrs=CHECK))

    def __init__(self, *args, kind: str = "", module: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = categories_for_kind(kind)
        if module:
            from .choices import CATEGORY_MODULE

            choices = [c for c in choices if CATEGORY_MODULE[c[0]] == module] or choices
        self.fields["category"].choices = choices

    def clean_period(self):
        return validate_period(self.cleaned_data.get("period"))  # the services check it again

    def clean(self):
        data = super().clean()
        if data.get("visibility") == Visibility.KINDS and not data.get("audience_kinds"):
            self.add_error("audience_kinds", _("Choose at least one kind of agent."))
        return data


class CorrectionForm(PublicationForm):
    correction_note = forms.CharField(label=_("What was corrected"), max_length=300,
                                      widget=forms.TextInput(attrs=TEXT))
    remove_attachment = forms.BooleanField(label=_("Remove the attachment"), required=False,
                                           widget=forms.CheckboxInput(attrs=CHECK))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["publish"]
        del self.fields["category"]


class RetractionForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the retraction"), max_length=300,
                             widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class ReportForm(forms.Form):
    subject = forms.ModelChoiceField(label=_("About"), queryset=None, widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(label=_("Category"), choices=ReportCategory.choices,
                                 widget=forms.Select(attrs=SELECT))
    report_type = forms.ChoiceField(label=_("Type"), choices=[("", _("As the category suggests")), *ReportType.choices],
                                    required=False,
                                    widget=forms.Select(attrs=SELECT),
                                    help_text=_("Left empty: the type the category suggests."))
    title = forms.CharField(label=_("Title"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    evidence = forms.CharField(label=_("Evidence"), widget=forms.Textarea(attrs={**TEXT, "rows": 5}),
                               help_text=_("What happened, when, and how it can be checked."))
    evidence_file = forms.FileField(label=_("Evidence file"), required=False, validators=[validate_attachment],
                                    widget=forms.ClearableFileInput(attrs=TEXT),
                                    help_text=_("PDF, PNG, JPEG, CSV, TXT or XLSX, at most 10 MiB."))
    occurred_on = forms.DateField(label=_("Occurred on"), required=False,
                                  widget=forms.DateInput(attrs={**TEXT, "type": "date"}))

    def __init__(self, *args, subjects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = subjects

    def clean(self):
        data = super().clean()
        if data.get("category") and not data.get("report_type"):
            data["report_type"] = REPORT_CATEGORY_TYPE[data["category"]]
        return data


class ReplyForm(forms.Form):
    reply = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={**TEXT, "rows": 4}))


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("Decision"), widget=forms.Select(attrs=SELECT),
                               choices=[(v, label) for v, label in Verification.choices if v != "unverified"])
    note = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
                           help_text=_("Required when disputing or rejecting."))


class ConsentForm(forms.Form):
    grantee = forms.ModelChoiceField(label=_("Granted to"), queryset=None, widget=forms.Select(attrs=SELECT))
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    valid_until = forms.DateField(label=_("Until (inclusive)"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    categories = forms.MultipleChoiceField(
        label=_("Categories"), required=False, choices=categories_for_kind("enterprise"),
        widget=forms.CheckboxSelectMultiple, help_text=_("None chosen: all your confidential information."))
    purpose = forms.CharField(label=_("Purpose"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, grantees=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grantee"].queryset = grantees
        self.fields["valid_from"].initial = timezone.localdate()


class SubscriptionForm(forms.Form):
    module = forms.ChoiceField(label=_("Module"), required=False, choices=[("", "—"), *InfoModule.choices],
                               widget=forms.Select(attrs=SELECT))
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", "—"), *Category.choices],
                                 widget=forms.Select(attrs=SELECT))
    email = forms.BooleanField(label=_("Also by e-mail"), required=False, widget=forms.CheckboxInput(attrs=CHECK))

    def clean(self):
        data = super().clean()
        if bool(data.get("module")) == bool(data.get("category")):
            raise forms.ValidationError(_("Choose either a module or a category."))
        return data


class FollowForm(forms.Form):
    """The follow buttons on module pages and dossiers."""

    target = forms.ChoiceField(choices=[("module", "module"), ("agent", "agent"), ("category", "category")])
    module = forms.ChoiceField(required=False, choices=[("", ""), *InfoModule.choices])
    agent = forms.IntegerField(required=False)
    category = forms.ChoiceField(required=False, choices=[("", ""), *Category.choices])
    email = forms.BooleanField(required=False)
    unfollow = forms.BooleanField(required=False)
    next = forms.CharField(required=False)
