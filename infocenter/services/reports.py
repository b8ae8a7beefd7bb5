"""Writes of reports about other agents: filing (with abuse control), the subject's reply and
the verification decision of the finance company or the government."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.models import Agent

from .. import event_kinds as kinds
from ..choices import REPORT_CATEGORY_TYPE, ReportType, Verification
from ..constants import REPORTS_PER_REPORTER_PER_DAY, REPORTS_PER_SUBJECT_PER_DAY
from ..models import Report
from ..permissions import require_member, verifier_agent_for
from .checks import reject_nul
from .events import event_emit


def _day_bounds(now):
    local = timezone.localtime(now)
    start = timezone.make_aware(datetime.combine(local.date(), time.min), local.tzinfo)
    return start, start + timedelta(days=1)


def _payload(report: Report) -> dict:
    return {"report_id": report.pk, "reporter_id": report.reporter_id, "category": report.category,
            "type": report.report_type, "status": report.status, "title": report.title}


@transaction.atomic
def report_file(*, reporter: Agent, subject: Agent, author, category: str, title: str, evidence: str,
                report_type: str | None = None, evidence_file=None, occurred_on=None, now=None) -> Report:
    """File a report about another agent. Refused: about itself, about an agent that is not
    active, and beyond the daily limits (per subject and in all, constants.py)."""
    now = now or timezone.now()
    require_member(author, reporter)
    if reporter.pk == subject.pk:
        raise ValidationError({"subject": _("An agent cannot file a report about itself.")})
    if not subject.is_active:
        raise ValidationError({"subject": _("Reports can only be filed about active participants.")})
    # Lock the reporter's row so two simultaneous filings cannot both pass the limit.
    Agent.objects.select_for_update().filter(pk=reporter.pk).first()
    start, end = _day_bounds(now)
    today = Report.objects.filter(reporter=reporter, created_at__gte=start, created_at__lt=end)
    if today.filter(subject=subject).count() >= REPORTS_PER_SUBJECT_PER_DAY:
        raise ValidationError(_("You have filed %(n)s reports about this agent today; try again tomorrow.")
                              % {"n": REPORTS_PER_SUBJECT_PER_DAY})
    if today.count() >= REPORTS_PER_REPORTER_PER_DAY:
        raise ValidationError(_("Your organisation has filed %(n)s reports today, the daily limit.")
                              % {"n": REPORTS_PER_REPORTER_PER_DAY})
    reject_nul(title=title, evidence=evidence)
    if occurred_on and occurred_on > timezone.localdate(now):
        raise ValidationError({"occurred_on": _("The date cannot be in the future.")})
    report = Report(
        reporter=reporter, subject=subject, author=author, category=category,
        report_type=report_type or REPORT_CATEGORY_TYPE.get(category, ReportType.NEUTRAL),
        title=(title or "").strip(), evidence=(evidence or "").strip(), occurred_on=occurred_on, created_at=now,
    )
    if evidence_file:
        report.evidence_file = evidence_file
        report.evidence_file_name = getattr(evidence_file, "name", "")[:200]
    report.full_clean()
    report.save()
    event_emit(kind=kinds.REPORT_FILED, subject_agent=subject, actor=author, actor_agent=reporter,
               payload=_payload(report), agent_ids=[subject.pk])
    return report


@transaction.atomic
def report_reply(*, report: Report, author, text: str) -> Report:
    """The subject's right of reply: its answer is shown beside the report (it may be
    rewritten; the latest text and time are kept). ``author=None`` is a system call (the API
    of the subject's own systems, the demo)."""
    report = Report.objects.select_for_update().select_related("subject").get(pk=report.pk)
    require_member(author, report.subject, _("Only the subject of a report can reply to it."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reply": _("Write your reply.")})
    reject_nul(reply=text)
    report.reply, report.replied_by, report.replied_at = text, author if getattr(author, "pk", None) else None, timezone.now()
    report.full_clean()
    report.save(update_fields=["reply", "replied_by", "replied_at"])
    event_emit(kind=kinds.REPORT_REPLIED, subject_agent=report.subject, actor=author, actor_agent=report.subject,
               payload=_payload(report))
    return report


DECISIONS = (Verification.VERIFIED, Verification.DISPUTED, Verification.REJECTED)


@transaction.atomic
def report_decide(*, report: Report, decided_by, status: str, note: str = "") -> Report:
    """The finance company of the subject's cluster or the government of its region verifies,
    disputes or rejects a report (never the reporter itself). A decision may be revised; each
    decision is an event (and a verified negative report raises a government alert)."""
    report = Report.objects.select_for_update().select_related("subject").get(pk=report.pk)
    if status not in DECISIONS:
        raise ValidationError({"status": _("Choose verified, disputed or rejected.")})
    agent = verifier_agent_for(decided_by, report)
    if agent is None:
        raise PermissionDenied(_("Only the finance company of the subject's cluster or the government of its "
                                 "region can decide on this report."))
    note = (note or "").strip()
    reject_nul(note=note)
    if status != Verification.VERIFIED and not note:
        raise ValidationError({"note": _("Give the reason for disputing or rejecting the report.")})
    previous = report.status
    report.status, report.decision_note = status, note
    report.decided_by, report.decided_by_agent, report.decided_at = decided_by, agent, timezone.now()
    report.save(update_fields=["status", "decision_note", "decided_by", "decided_by_agent", "decided_at"])
    payload = _payload(report) | {"previous_status": previous, "decided_by_agent_id": agent.pk}
    event_emit(kind=kinds.REPORT_DECIDED, subject_agent=report.subject, actor=decided_by, actor_agent=agent,
               payload=payload, agent_ids=[report.subject_id])
    return report
