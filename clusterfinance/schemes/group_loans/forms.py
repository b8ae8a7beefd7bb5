"""Forms of the group pages."""

from django import forms
from django.utils.translation import gettext_lazy as _


class GroupCreateForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=100)
    controller = forms.CharField(label=_("Your firm's controlling party (actual controller or parent)"),
                                 max_length=200)
    controller_id_code = forms.CharField(label=_("Its credit code or ID number (optional)"), max_length=40,
                                         required=False)


class InviteForm(forms.Form):
    invitee = forms.ModelChoiceField(label=_("Member firm to invite"), queryset=None)

    def __init__(self, *args, firms=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["invitee"].queryset = firms


class AnswerForm(forms.Form):
    controller = forms.CharField(label=_("Your firm's controlling party (actual controller or parent)"),
                                 max_length=200, required=False)
    controller_id_code = forms.CharField(label=_("Its credit code or ID number (optional)"), max_length=40,
                                         required=False)


class ApplyForm(forms.Form):
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=30)
    periods = forms.CharField(label=_("Number of instalments"), max_length=5)
    purpose = forms.CharField(label=_("Purpose"), max_length=500)


class PolicyForm(forms.Form):
    """The group policy; the service parses and checks every field (whole numbers, 2 ≤ fewest ≤
    most, call days ≥ 1, a product of the finance company or of an institution of its cluster)."""

    min_members = forms.CharField(label=_("Fewest members of a group"), max_length=10,
                                  help_text=_("At least 2: joint liability needs someone else to answer for you."))
    max_members = forms.CharField(label=_("Most members of a group"), max_length=10)
    call_days = forms.CharField(label=_("Days past due before the other members are called"), max_length=10)
    product = forms.CharField(label=_("Product for group loans"), required=False, max_length=12,
                              widget=forms.Select(),
                              help_text=_("Open products for member firms of the finance company itself or of an "
                                          "institution of its cluster. Without one, members cannot apply."))

    def __init__(self, *args, products=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget.choices = [("", _("— no product —"))] + [
            (str(p.pk), f"{p.name} · {p.lender.name}") for p in products]
        for name in ("min_members", "max_members", "call_days"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "class": "form-control"})
        self.fields["product"].widget.attrs["class"] = "form-select"


class DissolveForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the dissolution"), max_length=300)
