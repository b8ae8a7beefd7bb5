"""Writes of the compliance monitor: the check that turns the rules' findings into alerts, the
alert lifecycle (open → acknowledged → resolved, with an owner and a history row for every
step), the LPR and the thresholds the government maintains.

``compliance_check(government)`` does, under a lock on the government's row:

1. evaluate every rule (``compliance.findings``, set-based);
2. for each finding, update the unresolved alert of the same rule and subject (a history row
   only when the measured value changed), or raise a new one (history "raised");
3. resolve automatically every unresolved alert whose rule and subject no longer breach
   (history "back within limits", by nobody).

Running it twice changes nothing the second time. An alert resolved by hand whose breach still
holds is raised again, as a new alert, by the next check.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.capabilities import require
from agents.choices import AgentKind, AgentStatus
from agents.models import Agent, Membership

from . import compliance
from .capabilities_oversight import OVERSEE
from .models_oversight import (
    AlertAction,
    AlertStatus,
    ComplianceAlert,
    ComplianceAlertEvent,
    ComplianceSettings,
    LoanPrimeRate,
)


@dataclass
class CheckResult:
    raised: int = 0
    updated: int = 0
    unchanged: int = 0
    resolved: int = 0


def _unresolved(government: Agent):
    return ComplianceAlert.objects.filter(government=government).exclude(status=AlertStatus.RESOLVED)


@transaction.atomic
def compliance_check(*, government: Agent, now=None) -> CheckResult:
    """Evaluate every rule for ``government`` and bring its alerts up to date (see the module
    docstring). Idempotent; safe to run from the beat task and the "check now" button at once."""
    now = now or timezone.now()
    Agent.objects.select_for_update().filter(pk=government.pk).first()  # one check per region at a time
    found = {(f["rule"], f["subject_key"]): f for f in compliance.findings(government, now=now)}
    existing = {(a.rule, a.subject_key): a for a in _unresolved(government)}
    result = CheckResult()
    history, changed = [], []
    for key, alert in existing.items():
        finding = found.get(key)
        if finding is None:
            alert.status, alert.resolved_at, alert.last_checked_at = AlertStatus.RESOLVED, now, now
            history.append(ComplianceAlertEvent(alert=alert, action=AlertAction.AUTO_RESOLVED, at=now,
                                                status=AlertStatus.RESOLVED, measured=alert.measured,
                                                note=_("Back within limits at the check.")))
            result.resolved += 1
        else:
            measured = finding["measured"]
            if alert.measured != measured or alert.threshold != finding["threshold"]:
                history.append(ComplianceAlertEvent(alert=alert, action=AlertAction.UPDATED, at=now,
                                                    status=alert.status, measured=measured))
                result.updated += 1
            else:
                result.unchanged += 1
            alert.measured, alert.threshold = measured, finding["threshold"]
            alert.subject_label, alert.details = finding["subject_label"], finding["details"]
            alert.last_checked_at = now
        changed.append(alert)
    ComplianceAlert.objects.bulk_update(changed, ["status", "resolved_at", "last_checked_at", "measured",
                                                  "threshold", "subject_label", "details"], batch_size=500)
    new = [ComplianceAlert(government=government, rule=f["rule"], subject_key=f["subject_key"],
                           subject_label=f["subject_label"], subject_agent_id=f["subject_agent_id"],
                           measured=f["measured"], threshold=f["threshold"], unit=f["unit"], details=f["details"],
                           raised_at=now, last_checked_at=now)
           for key, f in found.items() if key not in existing]
    ComplianceAlert.objects.bulk_create(new, batch_size=500)
    if new and new[0].pk is None:  # backends that do not return ids
        keys = {(a.rule, a.subject_key) for a in new}
        new = [a for a in _unresolved(government).filter(raised_at=now) if (a.rule, a.subject_key) in keys]
    history += [ComplianceAlertEvent(alert=a, action=AlertAction.RAISED, at=now, status=AlertStatus.OPEN,
                                     measured=a.measured) for a in new]
    result.raised = len(new)
    ComplianceAlertEvent.objects.bulk_create(history, batch_size=500)
    return result


def compliance_check_all(*, now=None) -> dict[int, CheckResult]:
    """The beat task: every active government's region."""
    return {gov.pk: compliance_check(government=gov, now=now)
            for gov in Agent.objects.filter(kind=AgentKind.GOVERNMENT, status=AgentStatus.ACTIVE).order_by("pk")}


def _gate(alert: ComplianceAlert, user) -> None:
    require(user, alert.government, OVERSEE)


def _step(alert: ComplianceAlert, *, user, action: str, note: str = "") -> ComplianceAlertEvent:
    return ComplianceAlertEvent.objects.create(alert=alert, action=action, actor=user, status=alert.status,
                                               measured=alert.measured, note=note)


@transaction.atomic
def alert_acknowledge(*, alert: ComplianceAlert, user, note: str = "") -> ComplianceAlert:
    """Open → acknowledged: someone of the government has seen it and works on it. The one who
    acknowledges becomes the owner when there is none."""
    _gate(alert, user)
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("Only an open alert can be acknowledged."))
    alert.status = AlertStatus.ACKNOWLEDGED
    if alert.owner_id is None:
        alert.owner = user
    alert.save(update_fields=["status", "owner"])
    _step(alert, user=user, action=AlertAction.ACKNOWLEDGED, note=note.strip())
    return alert


@transaction.atomic
def alert_resolve(*, alert: ComplianceAlert, user, note: str) -> ComplianceAlert:
    """Open or acknowledged → resolved by hand, with the reason. If the breach still holds, the
    next check raises a new alert."""
    _gate(alert, user)
    note = (note or "").strip()
    if not note:
        raise ValidationError(_("Say how the alert was resolved."))
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError(_("The alert is already resolved."))
    alert.status, alert.resolved_at = AlertStatus.RESOLVED, timezone.now()
    alert.save(update_fields=["status", "resolved_at"])
    _step(alert, user=user, action=AlertAction.RESOLVED, note=note)
    return alert


@transaction.atomic
def alert_assign(*, alert: ComplianceAlert, user, owner, note: str = "") -> ComplianceAlert:
    """Make ``owner`` (a supervisor of the same government) responsible for the alert."""
    _gate(alert, user)
    if not Membership.objects.filter(agent=alert.government, user=owner, is_active=True).exists():
        raise ValidationError(_("The owner must be a supervisor of this government."))
    alert = ComplianceAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.RESOLVED:
        raise ValidationError(_("A resolved alert keeps its owner."))
    alert.owner = owner
    alert.save(update_fields=["owner"])
    _step(alert, user=user, action=AlertAction.ASSIGNED, note=note.strip() or str(owner))
    return alert


# --- what the government maintains ------------------------------------------------------------

@transaction.atomic
def lpr_record(*, government: Agent, user, value: Decimal, effective_on, tenor: str = "1y",
               note: str = "") -> LoanPrimeRate:
    """Record a new LPR value from ``effective_on`` (earlier values stay as the history)."""
    require(user, government, OVERSEE)
    if LoanPrimeRate.objects.filter(government=government, tenor=tenor, effective_on=effective_on).exists():
        raise ValidationError(_("A value of this LPR already takes effect on that day."))
    rate = LoanPrimeRate(government=government, tenor=tenor, value=value, effective_on=effective_on,
                         note=note.strip(), recorded_by=user)
    rate.full_clean()
    rate.save()
    return rate


@transaction.atomic
def compliance_settings_set(*, government: Agent, user, **values) -> ComplianceSettings:
    require(user, government, OVERSEE)
    settings = ComplianceSettings.objects.select_for_update().filter(government=government).first() \
        or ComplianceSettings(government=government)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.updated_by, settings.updated_at = user, timezone.now()
    settings.full_clean()
    settings.save()
    return settings


@transaction.atomic
def private_caps_set(*, government: Agent, user, per_firm: Decimal, per_natural_person: Decimal,
                     per_lender: Decimal):
    """The government's caps on borrowing from private investors (lending's ``PrivateLendingCaps``:
    the investor portal enforces them when a loan is made; the monitor alerts on breaches)."""
    from lending.models import PrivateLendingCaps

    require(user, government, OVERSEE)
    if government.kind != AgentKind.GOVERNMENT:
        raise PermissionDenied
    caps = PrivateLendingCaps.objects.select_for_update().filter(government=government).first() \
        or PrivateLendingCaps(government=government)
    caps.per_firm, caps.per_natural_person, caps.per_lender = per_firm, per_natural_person, per_lender
    caps.updated_by, caps.updated_at = user, timezone.now()
    caps.full_clean()
    caps.save()
    return caps
