"""Periodic records about a firm: financial statements, tax and social-insurance records.

The government supplies them in bulk (imports, the API); the cluster finance company may
supply its members' statements. One row per firm, period and kind; a later import of the same
firm, period and kind replaces the figures (a correction by the source)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.models import government_prefixes_q
from agents.money import MONEY_FIELD
from agents.restrict import NOTHING, RestrictedManager, Viewer

from ..choices import Category, PeriodType, RecordKind, RecordSource
from ..rules import finance_company_members

# Figures each kind carries; the first ones listed in REQUIRED_FIELDS must be present.
FIELDS_BY_KIND = {
    RecordKind.STATEMENT: ("revenue", "net_profit", "total_assets", "total_liabilities"),
    RecordKind.TAX: ("tax_paid", "tax_arrears"),
    RecordKind.SOCIAL_INSURANCE: ("insured_headcount", "contributions_paid", "contribution_arrears"),
}
REQUIRED_FIELDS = {
    RecordKind.STATEMENT: ("revenue", "net_profit"),
    RecordKind.TAX: ("tax_paid",),
    RecordKind.SOCIAL_INSURANCE: ("insured_headcount", "contributions_paid"),
}
# Figures that may be negative (a loss); all others are >= 0.
SIGNED_FIELDS = ("net_profit",)
ALL_FIGURES = tuple(dict.fromkeys(f for fields in FIELDS_BY_KIND.values() for f in fields))


# The consent category (``Category``) that covers each kind of record.
CONSENT_CATEGORY = {
    RecordKind.STATEMENT: Category.FINANCIAL_STATEMENTS,
    RecordKind.TAX: Category.TAX_PAID,
    RecordKind.SOCIAL_INSURANCE: Category.SOCIAL_INSURANCE,
}


class FirmRecord(models.Model):
    """One period's financial statement, tax record or social-insurance record of a member
    firm, with the agent that supplied it. Amounts are exact Decimals in yuan."""

    agent = models.ForeignKey("agents.Agent", on_delete=models.CASCADE, related_name="firm_records",
                              limit_choices_to={"kind": "enterprise"}, verbose_name=_("firm"))
    kind = models.CharField(_("kind"), max_length=20, choices=RecordKind.choices, db_index=True)
    period = models.CharField(_("period"), max_length=7, help_text=_("2026-09, 2026Q3 or 2026"))
    period_type = models.CharField(_("period type"), max_length=8, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"), db_index=True)

    revenue = models.DecimalField(_("operating revenue"), **MONEY_FIELD, null=True, blank=True,
                                  validators=[MinValueValidator(0)])
    net_profit = models.DecimalField(_("net profit"), **MONEY_FIELD, null=True, blank=True)
    total_assets = models.DecimalField(_("total assets"), **MONEY_FIELD, null=True, blank=True,
                                       validators=[MinValueValidator(0)])
    total_liabilities = models.DecimalField(_("total liabilities"), **MONEY_FIELD, null=True, blank=True,
                                            validators=[MinValueValidator(0)])
    tax_paid = models.DecimalField(_("tax paid"), **MONEY_FIELD, null=True, blank=True,
                                   validators=[MinValueValidator(0)])
    tax_arrears = models.DecimalField(_("tax arrears"), **MONEY_FIELD, null=True, blank=True,
                                      validators=[MinValueValidator(0)])
    insured_headcount = models.PositiveIntegerField(_("insured employees"), null=True, blank=True)
    contributions_paid = models.DecimalField(_("contributions paid"), **MONEY_FIELD, null=True, blank=True,
                                             validators=[MinValueValidator(0)])
    contribution_arrears = models.DecimalField(_("contribution arrears"), **MONEY_FIELD, null=True, blank=True,
                                               validators=[MinValueValidator(0)])

    source = models.CharField(_("source"), max_length=10, choices=RecordSource.choices)
    source_name = models.CharField(_("source system"), max_length=100, blank=True,
                                   help_text=_("e.g. the tax bureau's system the figures come from"))
    supplied_by = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="supplied_records",
                                    verbose_name=_("supplied by"))
    import_job = models.ForeignKey("infocenter.ImportJob", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="records")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["agent__name", "kind", "-period_end"]
        verbose_name = _("firm record")
        verbose_name_plural = _("firm records")
        constraints = [
            models.UniqueConstraint(fields=["agent", "period", "kind"], name="firm_record_unique_period_kind"),
        ]
        indexes = [models.Index(fields=["agent", "kind", "period_end"], name="firm_record_agent_kind_end")]

    def __str__(self) -> str:
        return f"{self.agent} · {self.get_kind_display()} · {self.period}"

    def clean(self) -> None:
        errors = {}
        if self.agent_id and self.agent.kind != "enterprise":
            errors["agent"] = _("Records are kept for member firms only.")
        allowed = FIELDS_BY_KIND.get(self.kind, ())
        for name in ALL_FIGURES:
            value = getattr(self, name)
            if name not in allowed and value is not None:
                errors[name] = _("This figure does not belong to a record of this kind.")
            elif name in REQUIRED_FIELDS.get(self.kind, ()) and value is None:
                errors[name] = _("This figure is required for a record of this kind.")
        if self.period_start and self.period_end and self.period_start > self.period_end:
            errors["period"] = _("The period ends before it starts.")
        if errors:
            raise ValidationError(errors)

    @property
    def figures(self) -> dict:
        return {name: getattr(self, name) for name in FIELDS_BY_KIND.get(self.kind, ())}

    @property
    def figure_items(self) -> list[tuple[str, object, bool]]:
        """(label, value, is_money) for the page; absent figures are left out."""
        return [(self._meta.get_field(name).verbose_name, value, name != "insured_headcount")
                for name, value in self.figures.items() if value is not None]

    # --- visibility -------------------------------------------------------------------------
    # Confidential: never public. The firm itself; the government of its region; the finance
    # company of its cluster; institutions and investors only with the firm's consent.
    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        if action != "view":
            # Supplying or correcting figures: the government of the region and (statements
            # only) the finance company of the firm's cluster. The firm itself does not edit
            # the figures its authorities supplied.
            q = government_prefixes_q(viewer, "agent__region_code")
            fc_ids = viewer.ids_of("finance_company")
            if fc_ids:
                q |= Q(kind=RecordKind.STATEMENT, agent__in=finance_company_members(fc_ids))
            return q
        q = Q(agent_id__in=viewer.agent_ids) | government_prefixes_q(viewer, "agent__region_code")
        fc_ids = viewer.ids_of("finance_company")
        if fc_ids:
            q |= Q(agent__in=finance_company_members(fc_ids))
        q |= cls.consent_q(viewer)
        return q

    @classmethod
    def consent_q(cls, viewer: Viewer) -> Q:
        """Records institutions and investors may see because the firm consented: consents in
        force that the viewer's agent holds (a guardian object permission, see ``rules``),
        covering all confidential information or the record's category."""
        if not (viewer.ids_of("institution") or viewer.ids_of("investor")):
            return NOTHING
        from ..rules import held_consents

        consents = held_consents(viewer)
        q = Q(agent_id__in=consents.filter(all_categories=True).values("grantor_id"))
        for kind, category in CONSENT_CATEGORY.items():
            q |= Q(kind=kind, agent_id__in=consents.filter(categories__category=category).values("grantor_id"))
        return q
