"""The simulation page's form: small sizes only, so a request stays within a few seconds."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# firms × months × seeds a page request may run (about two seconds on the 2-core machine);
# larger runs go through ``manage.py simulate``
WORK_CAP = 36_000


class SimulationForm(forms.Form):
    firms = forms.IntegerField(label=_("Firms"), min_value=20, max_value=1000, initial=150)
    months = forms.IntegerField(label=_("Months"), min_value=12, max_value=120, initial=36)
    seeds = forms.IntegerField(label=_("Seeds"), min_value=1, max_value=20, initial=5)
    seed = forms.IntegerField(label=_("First seed"), min_value=0, max_value=1_000_000, initial=1)
    scenario = forms.ChoiceField(label=_("Scenario"), initial="baseline", choices=[
        ("baseline", _("Baseline")), ("bad_year", _("A bad year for the industry")),
        ("circle_collapse", _("A guarantee circle collapses")), ("delay", _("The centre's data arrive late"))])
    delay_months = forms.IntegerField(label=_("Delay of the centre's data (months)"), min_value=0, max_value=24,
                                      initial=6)
    groups = forms.BooleanField(label=_("Joint-liability groups"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-check-input" if name == "groups" else (
                "form-select form-select-sm" if name == "scenario" else "form-control form-control-sm")
            field.widget.attrs.update({"class": css, "style": "" if name in ("groups", "scenario") else "width:7em"})

    def clean(self):
        data = super().clean()
        firms, months, seeds = data.get("firms"), data.get("months"), data.get("seeds")
        if firms and months and seeds and firms * months * seeds > WORK_CAP:
            raise ValidationError(
                _("Firms × months × seeds may be at most %(cap)s on this page (this run: %(work)s); run "
                  "larger simulations with the simulate command."),
                params={"cap": f"{WORK_CAP:,}", "work": f"{firms * months * seeds:,}"}, code="too_large")
        return data
