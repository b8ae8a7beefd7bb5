"""Allocation runs (资金再分配): one solve of the pool against the queue of approved applications,
with its parameters, the problem it solved (a snapshot) and the solver's result, approved by a
second person before any loan is disbursed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.choices import Grade
from agents.models import government_prefixes_q
from agents.restrict import RestrictedManager, Viewer

from .choices import RunStatus

SHARE = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


class AllocationRun(models.Model):
    """A run of the allocation solver for a cluster's pool. The analyst prepares it (and may
    prepare what-ifs with other parameters); a manager other than the preparer approves or
    rejects it; an approved run is executed: the applications funded in full are disbursed.
    ``problem`` is exactly what the solver was given, ``result`` its answer (``Allocation.as_dict``),
    ``execution`` what happened to each funded application when the run was executed."""

    cluster = models.ForeignKey("agents.Cluster", on_delete=models.PROTECT, related_name="allocation_runs")
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT,
                              db_index=True)
    reserve_floor = models.DecimalField(_("reserve floor"), default=Decimal("0.1"), **SHARE,
                                        help_text=_("Share of the pool's money kept back, not lent."))
    single_borrower_cap = models.DecimalField(_("single-borrower cap"), default=Decimal("0.25"), **SHARE,
                                              help_text=_("Most one firm may receive, as a share of the pool."))
    industry_cap = models.DecimalField(_("industry cap"), default=Decimal("0.5"), **SHARE,
                                       help_text=_("Most one industry may receive, as a share of the pool."))
    min_grade = models.CharField(_("minimum grade"), max_length=3, choices=Grade.choices, blank=True)
    lgd = models.DecimalField(_("loss given default"), default=Decimal("0.45"), **SHARE)
    partial_allowed = models.BooleanField(_("partial funding allowed"), default=False)
    deposit_months = models.PositiveSmallIntegerField(_("months a deposit is counted on"), default=12,
                                                      validators=[MinValueValidator(1), MaxValueValidator(360)])
    based_on = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="what_ifs",
                                 verbose_name=_("what-if of"))
    problem = models.JSONField(_("problem solved"), default=dict)
    result = models.JSONField(_("solver result"), default=dict)
    execution = models.JSONField(_("execution"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    decision_reason = models.TextField(_("reasons for the decision"), blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), default=timezone.now)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("decided by"))
    approved_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("executed by"))
    executed_at = models.DateTimeField(_("executed at"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-prepared_at", "-pk"]
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = Q(cluster__finance_company_id__in=viewer.agent_ids)
        if action == "view":
            q |= government_prefixes_q(viewer, "cluster__region_code")
        return q
