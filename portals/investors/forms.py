"""Forms of the investor portal."""

from django import forms
from django.utils.translation import gettext_lazy as _


class FirmSearchForm(forms.Form):
    """Search of the cluster's public register of member firms (applied by ``agents.tables.firm_search``)."""

    q = forms.CharField(label=_("Search firms"), required=False, max_length=100, strip=True,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, credit code or industry"),
                                                      "class": "form-control form-control-sm"}))
