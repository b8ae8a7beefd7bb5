"""Staff pages of the statistical scorecard: upload past borrowers with a good/bad column, see how the
trained scorecard does on rows it never saw, then promote it (a draft version a manager approves) or
discard it.

A trained model waits in the user's session, not in the database: most trainings are tries, and
only the one promoted becomes a scorecard version (with the holdout figures inside its model).
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import FormView, TemplateView

from agents.choices import AgentKind
from agents.forms import apply_errors
from agents.portal import ActingMixin

from . import services, training
from .features import FEATURE_CODES

SESSION_KEY = "scorecard_trainings"
KEEP = 3  # trainings kept in a session; older ones are forgotten
MAX_UPLOAD = 20 * 1024 * 1024
ACCEPT = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TrainingForm(forms.Form):
    file = forms.FileField(
        label=_lazy("File of past borrowers"),
        help_text=_lazy("CSV (UTF-8, UTF-8 with BOM or GBK) or Excel .xlsx: one row per borrower, the first row "
                        "names the columns, numbers and text categories both welcome. At most 20 MB."),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ACCEPT}))
    target = forms.CharField(label=_lazy("Good/bad column"), max_length=200,
                             help_text=_lazy("The name of the column that says how each borrower turned out."),
                             widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "违约"}))
    bad_value = forms.CharField(label=_lazy("Value meaning bad"), max_length=200,
                                help_text=_lazy("The value of that column for a borrower who defaulted, e.g. 1, "
                                                "bad or 是."),
                                widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "1"}))
    test_size = forms.DecimalField(label=_lazy("Share kept back to test"), initial=Decimal("0.3"),
                                   min_value=Decimal("0.05"), max_value=Decimal("0.5"), decimal_places=2,
                                   widget=forms.NumberInput(attrs={"class": "form-control", "step": "0.05"}))
    seed = forms.IntegerField(label=_lazy("Seed of the split"), initial=1, min_value=0, max_value=2**31 - 1,
                              widget=forms.NumberInput(attrs={"class": "form-control"}))
    exclude = forms.CharField(label=_lazy("Columns not to learn from"), required=False, max_length=2000,
                              help_text=_lazy("Optional, separated by commas: e.g. a loan number or a date."),
                              widget=forms.TextInput(attrs={"class": "form-control"}))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(_("The file is larger than 20 MB."), code="too_large")
        return upload

    def options(self) -> training.TrainingOptions:
        exclude = tuple(n.strip() for n in self.cleaned_data["exclude"].replace("，", ",").split(",") if n.strip())
        return training.TrainingOptions(test_size=float(self.cleaned_data["test_size"]),
                                        seed=self.cleaned_data["seed"], exclude=exclude)


class PromoteForm(forms.Form):
    name = forms.CharField(label=_lazy("Name of the scorecard version"), max_length=100,
                           widget=forms.TextInput(attrs={"class": "form-control"}))


class TrainingMixin(ActingMixin):
    """Staff of a finance company; the trainings of this user for this agent, in the session."""

    acting_kinds = (AgentKind.FINANCE_COMPANY,)

    def stored(self) -> dict:
        return self.request.session.get(SESSION_KEY, {})

    def store(self, trainings: dict) -> None:
        self.request.session[SESSION_KEY] = trainings

    def get_training(self) -> dict:
        entry = self.stored().get(self.kwargs["token"])
        if entry is None or entry.get("agent") != self.agent.pk:
            raise Http404
        return entry


class TrainingUploadView(TrainingMixin, FormView):
    template_name = "clusterfinance/rating/training_upload.html"
    form_class = TrainingForm

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        try:
            table = training.read_table(upload.file)
            result = training.train_scorecard(table, target=form.cleaned_data["target"],
                                              bad_value=form.cleaned_data["bad_value"], options=form.options())
        except training.TrainingError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        token = secrets.token_urlsafe(12)
        trainings = dict(list(self.stored().items())[-(KEEP - 1):])
        trainings[token] = {"agent": self.agent.pk, "file": upload.name[:200], "model": result.model,
                            "notes": result.notes}
        self.store(trainings)
        return redirect("clusterfinance:rating-training-result", token=token)


def _display(model: dict) -> dict:
    """The model's figures as the page shows them (percentages, the features by IV, grades beside calibration)."""
    def pct(value):
        return None if value is None else value * 100

    features = []
    for f in sorted(model["features"], key=lambda f: -f["iv"]):
        bins = [dict(b, bad_rate_pct=pct(b["bad_rate"]), categories_text="、".join(b.get("categories", [])))
                for b in f["bins"]]
        features.append(dict(f, bins=bins))
    used = {f["name"] for f in model["features"]}
    analysed = [dict(r, used=r["name"] in used) for r in sorted(model["analysed"], key=lambda r: -r["iv"])]
    calibration = [dict(c, min_score=g["min_score"], observed_pct=pct(c["observed_bad_rate"]),
                        mean_pd_pct=pct(c["mean_pd"]))
                   for g, c in zip(model["grades"], model["holdout"]["calibration"], strict=True)]
    training_info = dict(model["training"], bad_rate_pct=pct(model["training"]["bad_rate"]))
    return {"metrics": model["holdout"]["metrics"], "features": features, "analysed": analysed,
            "calibration": calibration, "scaling": model["scaling"], "training": training_info}


class TrainingResultView(TrainingMixin, TemplateView):
    template_name = "clusterfinance/rating/training_result.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        entry = self.get_training()
        matched, unmatched = services.statistical_model_inputs(entry["model"])
        ctx.update(_display(entry["model"]), token=self.kwargs["token"], file_name=entry["file"],
                   notes=entry["notes"], promote_form=kwargs.get("promote_form") or PromoteForm(),
                   can_promote=bool(matched), rating_inputs=matched, other_columns=unmatched,
                   input_codes=FEATURE_CODES)
        return ctx


class TrainingPromoteView(TrainingMixin, View):
    """Keep the trained model as a draft statistical scorecard version awaiting a manager's approval."""

    def post(self, request, *args, **kwargs):
        entry = self.get_training()
        form = PromoteForm(request.POST)
        if form.is_valid():
            try:
                version = services.statistical_scorecard_submit(owner=self.agent, name=form.cleaned_data["name"],
                                                                model=entry["model"], prepared_by=request.user)
            except (ValidationError, PermissionDenied) as exc:
                apply_errors(form, exc)
            else:
                trainings = self.stored()
                trainings.pop(self.kwargs["token"], None)
                self.store(trainings)
                messages.success(request, _("The scorecard is saved as draft version %(n)s; a manager other than you "
                                            "approves it on this page before it rates anyone.") % {"n": version.number})
                return redirect(version.get_absolute_url())
        view = TrainingResultView(request=request, kwargs=kwargs, args=args)
        view.agent = self.agent
        return view.render_to_response(view.get_context_data(promote_form=form), status=400)


class TrainingDiscardView(TrainingMixin, View):
    def post(self, request, *args, **kwargs):
        self.get_training()
        trainings = self.stored()
        trainings.pop(self.kwargs["token"], None)
        self.store(trainings)
        messages.info(request, _("The trained scorecard was discarded."))
        return redirect("clusterfinance:rating-training")
