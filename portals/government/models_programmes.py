"""The government's support programmes (link a): interest subsidies (贴息), the risk-compensation
fund and guarantee-fee subsidies, their budgets on the ledger, applications and claims with
maker-checker review and payouts; policy meetings with their invitations, attendance and minutes.

Imported by ``portals.government.models`` so Django registers these models in the app."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agents.money import MONEY_FIELD
from agents.restrict import NOTHING, RestrictedManager, Viewer

SHARE_FIELD = {"max_digits": 5, "decimal_places": 4}


class ProgrammeKind(models.TextChoices):
    INTEREST_SUBSIDY = "interest_subsidy", _("Interest subsidy")
    RISK_COMPENSATION = "risk_compensation", _("Risk-compensation fund")
    GUARANTEE_FEE_SUBSIDY = "guarantee_fee_subsidy", _("Guarantee-fee subsidy")


class ProgrammeStatus(models.TextChoices):
    OPEN = "open", _("Open for applications")
    CLOSED = "closed", _("Closed")


class SupportApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    PREPARED = "prepared", _("Prepared, awaiting approval")
    PAID = "paid", _("Approved and paid")
    REJECTED = "rejected", _("Rejected")


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held, minutes published")
    CANCELLED = "cancelled", _("Cancelled")


class InvitationResponse(models.TextChoices):
    PENDING = "pending", _("Not answered")
    ACCEPTED = "accepted", _("Will attend")
    DECLINED = "declined", _("Declined")


def _government_q(viewer: Viewer, field: str = "government_id") -> Q:
    return Q(**{f"{field}__in": viewer.ids_of("government")})


class SupportProgramme(models.Model):
    """A programme of a government: its kind, the share it pays (of the interest a firm actually
    paid, of a lender's loss, of the guarantee fees a firm paid), the period whose payments count,
    the eligibility rules and the budget (funded on the ledger, see ``ProgrammeFunding``)."""

    government = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="support_programmes",
                                   verbose_name=_("government"))
    kind = models.CharField(_("kind"), max_length=24, choices=ProgrammeKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    share = models.DecimalField(_("share paid"), **SHARE_FIELD,
                                validators=[MinValueValidator(0), MaxValueValidator(1)],
                                help_text=_("Of the interest paid, the loss or the guarantee fee (0.3 = 30 %)."))
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    industries = models.CharField(_("eligible industries (GB/T 4754, comma-separated)"), max_length=200, blank=True,
                                  help_text=_("Codes or prefixes, e.g. “C33, C34”; empty for every industry."))
    size_classes = models.CharField(_("eligible size classes"), max_length=60, blank=True,
                                    help_text=_("Comma-separated (micro, small, medium, large); empty for all."))
    min_grade = models.CharField(_("minimum credit grade"), max_length=3, blank=True)
    cluster = models.ForeignKey("agents.Cluster", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="support_programmes", verbose_name=_("cluster membership required"))
    priority_weight = models.DecimalField(_("priority weight in the allocation"), max_digits=7, decimal_places=6,
                                          null=True, blank=True,
                                          validators=[MinValueValidator(0), MaxValueValidator(1)])
    status = models.CharField(_("status"), max_length=8, choices=ProgrammeStatus.choices,
                              default=ProgrammeStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-period_start", "-pk"]
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")
        constraints = [models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")),
                                              name="gov_programme_period_order")]

    def __str__(self) -> str:
        return self.title

    @property
    def industry_list(self) -> list[str]:
        return [c.strip().upper() for c in self.industries.split(",") if c.strip()]

    @property
    def size_list(self) -> list[str]:
        return [c.strip().lower() for c in self.size_classes.split(",") if c.strip()]

    @property
    def size_labels(self) -> str:
        from agents.choices import SizeClass

        return ", ".join(str(SizeClass(s).label) for s in self.size_list if s in SizeClass.values)

    @property
    def lender_claims(self) -> bool:
        """Risk compensation is claimed by the lender; the subsidies by the firm."""
        return self.kind == ProgrammeKind.RISK_COMPENSATION

    @classmethod
    def restrict_anonymous_q(cls, action):
        return NOTHING

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        # programmes are public policy: every member reads them; only their government changes them
        return Q() if action == "view" else _government_q(viewer)


class ProgrammeFunding(models.Model):
    """Money the government puts into a programme's budget, with its journal entry."""

    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="fundings")
    amount = models.DecimalField(_("amount"), **MONEY_FIELD, validators=[MinValueValidator(0)])
    on = models.DateField(_("date"))
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, related_name="programme_funding")
    idempotency_key = models.CharField(max_length=160, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("programme funding")
        verbose_name_plural = _("programme fundings")

    def __str__(self) -> str:
        return f"{self.programme_id} +{self.amount}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _government_q(viewer, "programme__government_id") if action == "view" else NOTHING


class SupportApplication(models.Model):
    """A firm's application for a subsidy, or a lender's risk-compensation claim on one loan.
    ``basis`` is what the share applies to (interest actually paid in the period, the guarantee
    fees paid, the lender's loss), fixed when an officer prepares it, ``amount`` the payout;
    another officer approves, which pays it on the ledger."""

    programme = models.ForeignKey(SupportProgramme, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="programme_applications",
                                  verbose_name=_("applicant"))
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="programme_benefits",
                             verbose_name=_("firm"))
    loan = models.ForeignKey("lending.Loan", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="programme_claims", verbose_name=_("loan"))
    status = models.CharField(_("status"), max_length=10, choices=SupportApplicationStatus.choices,
                              default=SupportApplicationStatus.SUBMITTED)
    note = models.TextField(_("note from the applicant"), blank=True)
    basis = models.DecimalField(_("basis"), null=True, blank=True, **MONEY_FIELD)
    amount = models.DecimalField(_("payout"), null=True, blank=True, **MONEY_FIELD)
    basis_detail = models.JSONField(_("how the basis was found"), default=dict, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("prepared by"))
    prepared_at = models.DateTimeField(_("prepared at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    entry = models.OneToOneField("lending.JournalEntry", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="programme_payout")

    objects = RestrictedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("programme application")
        verbose_name_plural = _("programme applications")
        constraints = [
            models.UniqueConstraint(fields=["programme", "firm"],
                                    condition=Q(loan__isnull=True) & ~Q(status="rejected"),
                                    name="gov_programme_one_application_per_firm"),
            models.UniqueConstraint(fields=["programme", "loan"],
                                    condition=Q(loan__isnull=False) & ~Q(status="rejected"),
                                    name="gov_programme_one_claim_per_loan"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.applicant_id}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _government_q(viewer, "programme__government_id")
        if action == "view":
            q |= Q(applicant_id__in=viewer.agent_ids)
        return q


class PolicyMeeting(models.Model):
    """A policy meeting of a government with firms: when and where, the agenda, the invited firms
    (``MeetingInvitation``) and, once held, the minutes published to the government module."""

    government = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="policy_meetings",
                                   verbose_name=_("government"))
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("time"))
    place = models.CharField(_("place"), max_length=200)
    agenda = models.TextField(_("agenda"))
    status = models.CharField(_("status"), max_length=10, choices=MeetingStatus.choices,
                              default=MeetingStatus.SCHEDULED)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_publication = models.ForeignKey("infocenter.Publication", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("policy meeting")
        verbose_name_plural = _("policy meetings")

    def __str__(self) -> str:
        return self.title

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        q = _government_q(viewer)
        if action == "view":
            q |= Q(pk__in=MeetingInvitation.objects.filter(firm_id__in=viewer.agent_ids).values("meeting_id"))
        return q


class MeetingInvitation(models.Model):
    meeting = models.ForeignKey(PolicyMeeting, on_delete=models.CASCADE, related_name="invitations")
    firm = models.ForeignKey("agents.Agent", on_delete=models.PROTECT, related_name="meeting_invitations",
                             verbose_name=_("firm"))
    response = models.CharField(_("answer"), max_length=10, choices=InvitationResponse.choices,
                                default=InvitationResponse.PENDING)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["meeting_id", "firm__name"]
        verbose_name = _("meeting invitation")
        verbose_name_plural = _("meeting invitations")
        constraints = [models.UniqueConstraint(fields=["meeting", "firm"], name="gov_meeting_invitation_unique")]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.firm_id}"

    @classmethod
    def restrict_q(cls, viewer: Viewer, action: str) -> Q:
        return _government_q(viewer, "meeting__government_id") | Q(firm_id__in=viewer.agent_ids)
