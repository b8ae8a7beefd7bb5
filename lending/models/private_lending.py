"""The government's caps on borrowing from the platform's private investors (民间借贷).

One row per government agent (its region); a region without a row uses the defaults: a member
firm owes at most ¥1,000,000 outstanding to this platform's investors, a natural-person
borrower (an individual business, 个体工商户) at most ¥200,000, and one investor lends at most
``per_lender`` outstanding in total. The rule itself is ``lending.services.private_lending``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.money import MONEY_FIELD
from agents.restrict import RestrictedManager, Viewer

DEFAULT_PER_FIRM = Decimal("1000000.00")
DEFAULT_PER_NATURAL_PERSON = Decimal("200000.00")
DEFAULT_PER_LENDER = Decimal("500000.00")


class PrivateLendingCaps(models.Model):
    """The caps a government sets for private investors' loans to borrowers of its region."""

    government = models.OneToOneField("agents.Agent", on_delete=models.PROTECT, related_name="private_lending_caps",
                                      limit_choices_to={"kind": "government"}, verbose_name=_("government"))
    per_firm = models.DecimalField(_("cap per firm"), default=DEFAULT_PER_FIRM, **MONEY_FIELD,
                                   help_text=_("At most this much outstanding from the platform's investors per firm."))
    per_natural_person = models.DecimalField(
        _("cap per natural-person borrower"), default=DEFAULT_PER_NATURAL_PERSON, **MONEY_FIELD,
        help_text=_("At most this much outstanding per natural-person borrower (individual business)."))
    per_lender = models.DecimalField(_("cap per lender"), default=DEFAULT_PER_LENDER, **MONEY_FIELD,
                                     help_text=_("At most this much outstanding lent by one investor in total."))
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        verbose_name = _("private lending caps")
        verbose_name_plural = _("private lending caps")
        constraints = [
            models.CheckConstraint(condition=Q(per_firm__gt=0) & Q(per_natural_person__gt=0) & Q(per_lender__gt=0),
                                   name="lending_private_caps_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.government} · {self.per_firm} / {self.per_natural_person} / {self.per_lender}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # every member reads the caps (they are public rules); the government of the region changes them
        if action == "view":
            return Q(pk__isnull=False) if viewer.agent_ids else government_prefixes_q(viewer, "government__region_code")
        return Q(government_id__in=viewer.agent_ids)
