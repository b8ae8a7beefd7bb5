from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from .choices import ROLES_BY_KIND, AgentKind
from .models import region_code_validator
from .validators import normalise_uscc, validate_uscc


class RegistrationForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("I register as"),
        choices=[(AgentKind.ENTERPRISE, _("a member firm of the cluster")),
                 (AgentKind.INVESTOR, _("a private investor"))],
        widget=forms.RadioSelect,
    )
    cluster = forms.ModelChoiceField(
        label=_("Cluster you ask to join"), queryset=None, empty_label=_("Choose a cluster"),
        help_text=_("Its finance company checks your registration; no other finance company sees it."))
    name = forms.CharField(label=_("Name (firm or person)"), max_length=200)
    region_code = forms.CharField(label=_("Region code (GB/T 2260)"), max_length=6,
                                  validators=[region_code_validator])
    region = forms.CharField(label=_("Region"), max_length=100)
    credit_code = forms.CharField(label=_("Unified social credit code"), max_length=30, required=False,
                                  help_text=_("Required for firms; investor groups give theirs too."))
    email = forms.EmailField(label=_("E-mail"))
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Cluster

        # The register of clusters is public (every cluster names its finance company).
        self.fields["cluster"].queryset = Cluster.objects.select_related("finance_company").order_by("name")

    def clean_credit_code(self):
        code = normalise_uscc(self.cleaned_data.get("credit_code", ""))
        if code:
            validate_uscc(code)
        return code

    def clean(self):
        data = super().clean()
        if data.get("kind") == AgentKind.ENTERPRISE and not data.get("credit_code") and "credit_code" not in self.errors:
            self.add_error("credit_code", _("A firm must give its unified social credit code."))
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, agent, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [(r.value, r.label) for r in ROLES_BY_KIND[agent.kind]]


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=_("Password (again)"), widget=forms.PasswordInput)

    def clean(self):
        data = super().clean()
        if data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            try:
                password_validation.validate_password(data["password1"])
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def apply_errors(form, exc: ValidationError | PermissionDenied) -> None:
    """Put a service's error on the form: beside the field when the form has it, else on top.
    Every page that calls a service and shows its refusal on a form uses this."""
    if isinstance(exc, PermissionDenied):
        form.add_error(None, str(exc) or "—")
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
