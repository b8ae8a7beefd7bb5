"""Writes of consent (grant, revoke, expire) and of the access log."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from agents.models import Agent
from agents.restrict import viewer_for

from .. import event_kinds as kinds
from ..choices import CONFIDENTIAL, AccessBasis, Category, Visibility
from ..models import AccessLog, Consent, ConsentCategory
from ..permissions import require_member
from ..rules import GRANTEE_KINDS, finance_company_members, held_consents
from .checks import reject_nul
from .events import event_emit

PERMISSION = "infocenter.use_consent"
MAX_CONSENT_DAYS = 3 * 366


def _payload(consent: Consent) -> dict:
    return {"consent_id": consent.pk, "grantor_id": consent.grantor_id, "grantee_id": consent.grantee_id,
            "valid_from": consent.valid_from, "valid_until": consent.valid_until,
            "all_categories": consent.all_categories, "categories": consent.category_values}


@transaction.atomic
def consent_grant(*, grantor: Agent, grantee: Agent, granted_by, valid_until: date, valid_from: date | None = None,
                  categories=None, purpose: str = "") -> Consent:
    """A firm lets an institution or an investor read its confidential information — all of it
    (``categories`` empty) or the chosen categories — from ``valid_from`` (default today) to
    ``valid_until`` inclusive. The grantee's group receives the guardian object permission."""
    require_member(granted_by, grantor)
    today = timezone.localdate()
    valid_from = valid_from or today
    if grantor.kind != "enterprise":
        raise ValidationError(_("Only member firms grant consent to their confidential information."))
    if grantee.kind not in GRANTEE_KINDS or not grantee.is_active:
        raise ValidationError({"grantee": _("Consent is given to an active financial institution or investor.")})
    if grantee.group_id is None:
        raise ValidationError({"grantee": _("This agent cannot receive permissions (no group).")})
    if valid_from < today:
        raise ValidationError({"valid_from": _("A consent cannot start in the past.")})
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end date must not be before the start date.")})
    if (valid_until - valid_from).days > MAX_CONSENT_DAYS:
        raise ValidationError({"valid_until": _("A consent lasts at most three years; grant a new one later.")})
    reject_nul(purpose=purpose)
    categories = sorted(set(categories or ()))
    unknown = [c for c in categories if c not in Category.values]
    if unknown:
        raise ValidationError({"categories": _("Unknown category.")})
    consent = Consent(grantor=grantor, grantee=grantee, all_categories=not categories, valid_from=valid_from,
                      valid_until=valid_until, purpose=(purpose or "").strip(),
                      granted_by=granted_by if getattr(granted_by, "pk", None) else None)
    consent.full_clean()
    consent.save()
    ConsentCategory.objects.bulk_create([ConsentCategory(consent=consent, category=c) for c in categories])
    assign_perm(PERMISSION, grantee.group, consent)
    event_emit(kind=kinds.CONSENT_GRANTED, subject_agent=grantor, actor=granted_by, actor_agent=grantor,
               payload=_payload(consent))
    return consent


def _take_back(consent: Consent, now) -> None:
    remove_perm(PERMISSION, consent.grantee.group, consent)
    consent.permission_removed_at = now


@transaction.atomic
def consent_revoke(*, consent: Consent, revoked_by) -> Consent:
    """The firm withdraws its consent: the permission goes at once and nothing confidential is
    shown to the grantee any more (already logged readings stay in the log)."""
    consent = Consent.objects.select_for_update().select_related("grantee", "grantor").get(pk=consent.pk)
    if revoked_by is not None and not (
        getattr(revoked_by, "is_superuser", False) or consent.grantor_id in viewer_for(revoked_by).agent_ids
    ):
        raise PermissionDenied(_("Only the firm that gave the consent can revoke it."))
    if consent.revoked_at:
        raise ValidationError(_("This consent has already been revoked."))
    now = timezone.now()
    consent.revoked_at, consent.revoked_by = now, revoked_by if getattr(revoked_by, "pk", None) else None
    _take_back(consent, now)
    consent.save(update_fields=["revoked_at", "revoked_by", "permission_removed_at"])
    event_emit(kind=kinds.CONSENT_REVOKED, subject_agent=consent.grantor, actor=revoked_by, actor_agent=consent.grantor,
               payload=_payload(consent))
    return consent


@transaction.atomic
def consents_expire(*, today: date | None = None) -> int:
    """Beat task: take back the permission of consents whose last day has passed (reading is
    already refused by the date check; this tidies the permission table and tells the grantee)."""
    today = today or timezone.localdate()
    now = timezone.now()
    expired = list(
        Consent.objects.select_for_update()
        .filter(revoked_at__isnull=True, permission_removed_at__isnull=True, valid_until__lt=today)
        .select_related("grantee", "grantor")
    )
    for consent in expired:
        _take_back(consent, now)
        consent.save(update_fields=["permission_removed_at"])
        event_emit(kind=kinds.CONSENT_EXPIRED, subject_agent=consent.grantor, payload=_payload(consent))
    return len(expired)


def access_log_record(*, user, publications, page: str = "") -> list[AccessLog]:
    """Write one access-log row per confidential publication (government only, or consent)
    that ``user`` reads about an agent it does not act for, with the basis of the access.
    A constant number of queries whatever the number of publications."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    viewer = viewer_for(user)
    items = [p for p in publications if p.visibility in CONFIDENTIAL and p.subject_id not in viewer.agent_ids]
    if not items:
        return []
    gov_ids = viewer.ids_of("government")
    governments = list(Agent.objects.filter(pk__in=gov_ids)) if gov_ids else []
    fc_ids = viewer.ids_of("finance_company")
    fc_members = set(finance_company_members(fc_ids).values_list("pk", flat=True)) if fc_ids else set()
    consents = list(held_consents(viewer).prefetch_related("categories"))
    now = timezone.now()
    rows = []
    for p in items:
        basis, consent, agent = AccessBasis.ADMIN, None, None
        subject_region = p.subject.region_code  # callers select_related("subject")
        gov = next((g for g in governments if subject_region.startswith(_prefix(g))), None)
        if gov is not None:
            basis, agent = AccessBasis.GOVERNMENT, gov
        elif p.subject_id in fc_members and p.visibility != Visibility.GOVERNMENT:
            basis, agent = AccessBasis.FINANCE_COMPANY, Agent(pk=fc_ids[0])
        else:
            consent = next((c for c in consents if c.grantor_id == p.subject_id and c.covers(p.category)), None)
            if consent is not None:
                basis, agent = AccessBasis.CONSENT, Agent(pk=consent.grantee_id)
        rows.append(AccessLog(at=now, user=user, viewer_agent=agent, subject_id=p.subject_id, publication=p,
                              basis=basis, consent=consent, page=page[:200]))
    return AccessLog.objects.bulk_create(rows)


def _prefix(government: Agent) -> str:
    from agents.restrict import region_prefix

    return region_prefix(government.region_code)

