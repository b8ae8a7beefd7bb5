"""Forms of the import pages: upload, column mapping, record filters, API tokens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..choices import RecordKind
from .columns import COLUMNS, column_letter, fields_for

ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of records"), choices=RecordKind.choices,
                             widget=forms.Select(attrs={"class": "form-select"}))
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8, UTF-8 with BOM or GBK) or Excel .xlsx; the first row names the "
                                     "columns. At most 50 MB."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ACCEPT}))
    source_name = forms.CharField(label=_("Source system"), max_length=100, required=False,
                                  help_text=_("Where the figures come from, e.g. 金税三期 or the social-insurance "
                                              "bureau."),
                                  widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, label) for k, label in RecordKind.choices if k in kinds]


class ImportMappingForm(forms.Form):
    """One select per column of the file: the field it holds, or "ignore"."""

    def __init__(self, *args, job, **kwargs):
        super().__init__(*args, **kwargs)
        self.job = job
        options = [("", _("— ignore this column —"))] + [(f, COLUMNS[f].label) for f in fields_for(job.kind)]
        for index, header in enumerate(job.headers):
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=f"{column_letter(index)} · {header or _('(no name)')}", choices=options, required=False,
                initial=job.column_mapping.get(str(index), ""),
                widget=forms.Select(attrs={"class": "form-select form-select-sm"}))

    def mapping(self) -> dict[str, str]:
        return {str(i): self.cleaned_data.get(f"col_{i}", "") or "" for i in range(len(self.job.headers))}


class RecordFilterForm(forms.Form):
    q = forms.CharField(label=_("Firm name or credit code"), required=False,
                        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds"))] + RecordKind.choices,
                             widget=forms.Select(attrs={"class": "form-select form-select-sm"}))
    period = forms.CharField(label=_("Period"), required=False, max_length=7,
                             widget=forms.TextInput(attrs={"class": "form-control form-control-sm",
                                                           "placeholder": "2026Q3"}))


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What system uses this token"),
                           widget=forms.TextInput(attrs={"class": "form-control"}))
