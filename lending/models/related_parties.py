"""Bank–firm cross-shareholding facts (the regional bank model, 区域银行): who holds shares of
whom, and the managers a bank seconds to a firm's board or supervisory board. Kept in lending
because the related-party rule is enforced when a loan is decided (``lending.services.
related_parties``); the pages that record them live above (``clusterfinance.schemes.
cross_shareholding``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Shareholding(models.Model):
    """``holder`` holds ``shares`` shares of ``held`` (``percentage`` in per cent of its capital:
    15.5 is 15.5 %), since ``since``; ``ended`` is the day it was sold (a current holding has none).
    Either direction: an institution holding a firm's shares or a firm holding the bank's."""

    holder = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="shareholdings_held",
                               verbose_name=_("shareholder"))
    held = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="shareholders",
                             verbose_name=_("company held"))
    shares = models.PositiveBigIntegerField(_("number of shares"))
    percentage = models.DecimalField(_("share of the capital"), max_digits=7, decimal_places=4)
    since = models.DateField(_("held since"))
    ended = models.DateField(_("sold on"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = _("shareholding")
        verbose_name_plural = _("shareholdings")
        constraints = [
            models.CheckConstraint(condition=Q(percentage__gt=0) & Q(percentage__lte=100),
                                   name="shareholding_percentage_range"),
            models.CheckConstraint(condition=~Q(holder=models.F("held")), name="shareholding_not_self"),
        ]
        indexes = [models.Index(fields=["holder", "held"], name="shareholding_pair")]

    def __str__(self) -> str:
        return f"{self.holder_id}→{self.held_id} {self.percentage}"

    @property
    def is_current(self) -> bool:
        return self.ended is None


class BoardKind(models.TextChoices):
    BOARD = "board", _("Board of directors")
    SUPERVISORY = "supervisory", _("Supervisory board")


class SecondedManager(models.Model):
    """A manager ``bank`` seconds to ``firm``'s board or supervisory board. ``user`` links the
    person's platform account when there is one: that user is a *connected person* for loans
    between the two and may not approve them (``lending.services.related_parties``)."""

    bank = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="seconded_managers",
                             verbose_name=_("bank"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="board_secondees",
                             verbose_name=_("firm"))
    person_name = models.CharField(_("name of the person"), max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="board_secondments", verbose_name=_("platform user"))
    board = models.CharField(_("board"), max_length=12, choices=BoardKind.choices)
    since = models.DateField(_("seconded since"))
    ended = models.DateField(_("secondment ended"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        ordering = ["-since", "-id"]
        verbose_name = _("seconded manager")
        verbose_name_plural = _("seconded managers")

    def __str__(self) -> str:
        return f"{self.person_name} ({self.bank_id}→{self.firm_id})"
