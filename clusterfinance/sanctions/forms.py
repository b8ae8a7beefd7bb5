"""Forms of the reward and penalty pages: a rule (its kind, name, parameters, active flag) and
the filters of the list of applications. The parameters are checked by the service
(``rules.rule_params_clean``); its errors land beside their fields."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Effect, RuleKind
from .rules import PARAMS


def _style(form, small: bool = False) -> None:
    """Bootstrap classes on the widgets."""
    sm = " form-select-sm" if small else ""
    for field in form.fields.values():
        if isinstance(field.widget, forms.CheckboxInput):
            field.widget.attrs["class"] = "form-check-input"
        elif isinstance(field.widget, forms.Select):
            field.widget.attrs["class"] = "form-select" + sm
        else:
            field.widget.attrs["class"] = "form-control" + sm.replace("select", "control")


PARAM_FIELDS = list(dict.fromkeys(p.name for params in PARAMS.values() for p in params))


def _param_field(name: str) -> forms.CharField:
    spec = next(p for params in PARAMS.values() for p in params if p.name == name)
    return forms.CharField(label=spec.label, required=False, max_length=20, help_text=spec.help,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": spec.default}))


class RuleForm(forms.Form):
    """A new rule (with ``kind``) or a change of one (without)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=RuleKind.choices)
    name = forms.CharField(label=_("Name"), max_length=120)
    is_active = forms.BooleanField(label=_("Active"), required=False)

    def __init__(self, *args, rule=None, **kwargs):
        if rule is not None:
            source = rule.pending or {"name": rule.name, "params": rule.params, "is_active": rule.is_active}
            kwargs.setdefault("initial", {"name": source.get("name", rule.name), "is_active": source.get("is_active"),
                                          **(source.get("params") or {})})
        super().__init__(*args, **kwargs)
        self.rule = rule
        names = [p.name for p in PARAMS[rule.kind]] if rule is not None else PARAM_FIELDS
        for name in names:
            self.fields[name] = _param_field(name)
        if rule is not None:
            del self.fields["kind"]
        _style(self)

    def params(self) -> dict:
        kind = self.rule.kind if self.rule is not None else self.cleaned_data["kind"]
        return {p.name: self.cleaned_data.get(p.name, "") for p in PARAMS[kind]}


class FilterForm(forms.Form):
    effect = forms.ChoiceField(label=_("Effect"), required=False, choices=[("", _("All"))] + Effect.choices)
    rule = forms.ChoiceField(label=_("Rule"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False,
                              choices=[("", _("All")), ("open", _("In effect")), ("ended", _("Ended"))])
    q = forms.CharField(label=_("Firm"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", _("All"))] + [(str(r.pk), r.name) for r in rules]
        _style(self, small=True)
