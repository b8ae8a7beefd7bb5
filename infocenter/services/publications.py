"""Writes of publications: create (idempotent with a disclosure key), publish a draft, edit a
draft, correct (a new version), retract."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agents.jsondata import json_check_value

from .. import event_kinds as kinds
from ..choices import CATEGORY_MODULE, PUBLISHER_KINDS, Category, PublicationStatus, Visibility
from ..models import Publication
from ..permissions import require_member
from ..validators import validate_period
from .checks import check_data, reject_nul
from .events import event_emit


def _check_publisher(*, publisher, subject, category: str, author) -> None:
    if category not in CATEGORY_MODULE:
        raise ValidationError({"category": _("Unknown category.")})
    if publisher.kind not in PUBLISHER_KINDS[category]:
        raise ValidationError({"category": _("%(kind)s cannot publish “%(category)s”.") % {
            "kind": publisher.get_kind_display(), "category": Category(category).label}})
    if author is not None:
        require_member(author, publisher)
        if publisher.pk != subject.pk:
            # People publish about their own agent; reports about others are Reports.
            raise PermissionDenied(_("You can only publish about your own organisation."))


def _period(period) -> str:
    """Every path that writes a publication checks its period here (form, API, other apps)."""
    try:
        return validate_period(period)
    except ValidationError as error:
        raise ValidationError({"period": error.messages})


def _data(data) -> dict:
    """Structured data: a JSON object within the strict loader's limits (no NaN or infinity,
    nothing beyond a float's range, not nested too deeply), whoever calls."""
    try:
        json_check_value(data)  # first: the NUL check below serialises the data
    except ValidationError as error:
        raise ValidationError({"data": error.messages})
    return check_data(data)


def _kinds(visibility: str, audience_kinds) -> str:
    if visibility != Visibility.KINDS:
        return ""
    encoded = Publication.encode_kinds(audience_kinds or ())
    if not encoded:
        raise ValidationError({"audience_kinds": _("Choose at least one kind of agent.")})
    return encoded


def _event(kind: str, publication: Publication, author) -> None:
    event_emit(
        kind=kind, subject_agent=publication.subject, actor=author, actor_agent=publication.publisher,
        payload={"publication_id": publication.pk, "lineage": str(publication.lineage),
                 "version": publication.version, "module": publication.module,
                 "category": publication.category, "visibility": publication.visibility,
                 "title": publication.title},
        agent_ids=[publication.subject_id],
    )


@transaction.atomic
def publication_create(*, subject, category: str, title: str, body: str = "", data: dict | None = None,
                       visibility: str = Visibility.MEMBERS, audience_kinds=(), attachment=None,
                       period: str = "", key: str = "", publisher=None, author=None,
                       publish: bool = True) -> Publication:
    """Publish (or save as a draft) an item about ``subject``.

    ``publisher`` defaults to the subject; another publisher (the finance company disclosing
    its records about a member) is only possible for system calls (``author=None``).
    With a ``key`` (e.g. ``"2026-11"`` for a monthly disclosure) the call is idempotent: if
    the subject already has a publication of this category and key, its current version is
    returned unchanged and no event is written — so a scheduled disclosure run twice
    publishes once."""
    publisher = publisher or subject
    _check_publisher(publisher=publisher, subject=subject, category=category, author=author)
    reject_nul(title=title, body=body, period=period, key=key)
    data = _data(data)
    period = _period(period)
    if key:
        existing = _by_key(subject=subject, category=category, key=key)
        if existing is not None:
            return existing
    now = timezone.now()
    publication = Publication(
        subject=subject, publisher=publisher, author=author, category=category, title=title.strip(),
        body=body, data=data, visibility=visibility, audience_kinds=_kinds(visibility, audience_kinds),
        period=period, key=key,
        status=PublicationStatus.PUBLISHED if publish else PublicationStatus.DRAFT,
        published_at=now if publish else None,
    )
    if attachment:
        publication.attachment = attachment
        publication.attachment_name = getattr(attachment, "name", "")[:200]
    publication.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError:
        # A concurrent run published the same key first (unique constraint): return that one.
        existing = _by_key(subject=subject, category=category, key=key) if key else None
        if existing is None:
            raise
        return existing
    if publish:
        _event(kinds.PUBLICATION_PUBLISHED, publication, author)
    return publication


def _by_key(*, subject, category: str, key: str) -> Publication | None:
    root = Publication.objects.filter(subject=subject, category=category, key=key, version=1).first()
    if root is None:
        return None
    return Publication.objects.filter(lineage=root.lineage, is_current=True).first()


def _lock_current(publication: Publication) -> Publication:
    locked = Publication.objects.select_for_update().get(pk=publication.pk)
    if not locked.is_current:
        raise ValidationError(_("This is not the current version any more; open the latest one."))
    return locked


@transaction.atomic
def publication_publish(*, publication: Publication, author) -> Publication:
    """A draft becomes published (and readable according to its visibility)."""
    publication = _lock_current(publication)
    require_member(author, publication.publisher)
    if publication.status != PublicationStatus.DRAFT:
        raise ValidationError(_("Only a draft can be published."))
    publication.status = PublicationStatus.PUBLISHED
    publication.published_at = timezone.now()
    publication.save(update_fields=["status", "published_at"])
    _event(kinds.PUBLICATION_PUBLISHED, publication, author)
    return publication


_EDITABLE = ("title", "body", "data", "visibility", "period", "category")


@transaction.atomic
def publication_update_draft(*, publication: Publication, author, audience_kinds=None, attachment=None,
                             **changes) -> Publication:
    """Edit a draft in place (nobody else has read it, so no new version is needed)."""
    publication = _lock_current(publication)
    require_member(author, publication.publisher)
    if publication.status != PublicationStatus.DRAFT:
        raise ValidationError(_("A published item is corrected, not edited."))
    for field, value in changes.items():
        if field not in _EDITABLE:
            raise TypeError(field)
        setattr(publication, field, value)
    reject_nul(title=publication.title, body=publication.body, period=publication.period)
    publication.data = _data(publication.data)
    if "period" in changes:
        publication.period = _period(publication.period)
    _check_publisher(publisher=publication.publisher, subject=publication.subject, category=publication.category,
                     author=author)
    publication.audience_kinds = _kinds(publication.visibility,
                                        audience_kinds if audience_kinds is not None
                                        else publication.audience_kinds_list)
    if attachment:
        publication.attachment = attachment
        publication.attachment_name = getattr(attachment, "name", "")[:200]
    publication.full_clean(validate_constraints=False)
    publication.save()
    return publication


@transaction.atomic
def publication_correct(*, publication: Publication, author, correction_note: str, title: str | None = None,
                        body: str | None = None, data: dict | None = None, visibility: str | None = None,
                        audience_kinds=None, period: str | None = None, attachment=None,
                        remove_attachment: bool = False) -> Publication:
    """Correct a published item: a new version joins the same lineage and becomes current;
    the old version stays readable in the history (with the same visibility)."""
    old = _lock_current(publication)
    require_member(author, old.publisher)
    if old.status != PublicationStatus.PUBLISHED:
        raise ValidationError(_("Only a published item can be corrected (a retracted one stays retracted)."))
    if not (correction_note or "").strip():
        raise ValidationError({"correction_note": _("Say what was corrected.")})
    reject_nul(correction_note=correction_note, title=title, body=body, period=period)
    data = _data(data) if data is not None else None
    period = _period(period) if period is not None else None
    visibility = visibility or old.visibility
    new = Publication(
        lineage=old.lineage, version=old.version + 1, previous=old, is_current=True,
        subject=old.subject, publisher=old.publisher, author=author, category=old.category,
        title=(title if title is not None else old.title).strip(),
        body=body if body is not None else old.body,
        data=data if data is not None else old.data,
        visibility=visibility,
        audience_kinds=_kinds(visibility, audience_kinds if audience_kinds is not None else old.audience_kinds_list),
        period=period if period is not None else old.period,
        key=old.key, status=PublicationStatus.PUBLISHED, published_at=timezone.now(),
        correction_note=correction_note.strip(),
    )
    if attachment:
        new.attachment = attachment
        new.attachment_name = getattr(attachment, "name", "")[:200]
    elif old.attachment and not remove_attachment:
        new.attachment = old.attachment.name  # the same stored file; versions never delete files
        new.attachment_name = old.attachment_name
    new.full_clean(validate_constraints=False)
    old.is_current = False
    old.save(update_fields=["is_current"])
    new.save()
    _event(kinds.PUBLICATION_CORRECTED, new, author)
    return new


@transaction.atomic
def publication_retract(*, publication: Publication, author, reason: str) -> Publication:
    """Withdraw a published item. It stays in lists and the history, marked as retracted with
    the reason, so readers know it no longer holds."""
    publication = _lock_current(publication)
    require_member(author, publication.publisher)
    if publication.status != PublicationStatus.PUBLISHED:
        raise ValidationError(_("Only a published item can be retracted."))
    if not (reason or "").strip():
        raise ValidationError({"retraction_reason": _("Give the reason for the retraction.")})
    reject_nul(retraction_reason=reason)
    publication.status = PublicationStatus.RETRACTED
    publication.retracted_at = timezone.now()
    publication.retraction_reason = reason.strip()
    publication.save(update_fields=["status", "retracted_at", "retraction_reason"])
    _event(kinds.PUBLICATION_RETRACTED, publication, author)
    return publication
