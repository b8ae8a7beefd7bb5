"""A lender's standing decisions about a borrower: new money suspended, a rate discount."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LendingStanding(models.Model):
    """What a lender has decided about a firm's access to its new money, offered by lending so
    the layers above write it and lending reads it without knowing who decided it (like
    ``Agent.current_grade``): new money suspended (since when, and why, in words the firm reads
    when an application is refused) and a discount in annual rate on its new loans. Written by
    the finance company's reward and penalty rules (module 3, ``clusterfinance.sanctions``);
    one row per firm and lender."""

    firm = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="lending_standings",
                             verbose_name=_("firm"))
    lender = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("lender"))
    suspended_since = models.DateTimeField(_("new money suspended since"), null=True, blank=True)
    suspension_reason = models.CharField(_("reason for the suspension"), max_length=300, blank=True)
    # a share a year: 0.005 is half a percentage point off the rate of each new loan
    rate_discount = models.DecimalField(_("rate discount"), max_digits=7, decimal_places=6, default=0)
    discount_reason = models.CharField(_("reason for the discount"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("lending standing")
        verbose_name_plural = _("lending standings")
        constraints = [models.UniqueConstraint(fields=["firm", "lender"], name="lending_standing_unique")]

    def __str__(self) -> str:
        return f"{self.firm_id}@{self.lender_id}"

    @property
    def is_suspended(self) -> bool:
        return self.suspended_since is not None


class LendingHold(models.Model):
    """New money held back from a firm by a lender because of an obligation kept above lending
    (a joint-liability group whose debt is not yet repaid, ``clusterfinance.schemes``): lending
    reads it, without knowing the scheme, and refuses applications to that lender with the
    reason. Several holds may stand at once (one per ``source``); each is removed by its writer
    when its cause ends. Kept apart from ``LendingStanding``, which the reward and penalty rules
    rewrite from their own records."""

    firm = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="lending_holds",
                             verbose_name=_("firm"))
    lender = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="+", verbose_name=_("lender"))
    source = models.CharField(_("source"), max_length=60)
    reason = models.CharField(_("reason"), max_length=300)
    since = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("lending hold")
        verbose_name_plural = _("lending holds")
        constraints = [models.UniqueConstraint(fields=["firm", "lender", "source"], name="lending_hold_unique")]

    def __str__(self) -> str:
        return f"{self.firm_id}@{self.lender_id}:{self.source}"
