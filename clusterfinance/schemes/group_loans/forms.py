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
