"""Checks of what users upload to the centre."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from .constants import ATTACHMENT_MAGIC, ATTACHMENT_MAX_BYTES, ATTACHMENT_TYPES


def _extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def validate_attachment(file) -> None:
    """An attachment must be a PDF, an image (PNG/JPEG), CSV, plain text or Excel (.xlsx) file of
    at most 10 MiB, and its first bytes must match its extension (a renamed executable is
    refused)."""
    if not file:
        return
    # A model's FieldFile wraps the upload until it is saved; a stored file was checked on upload.
    if isinstance(file, FieldFile):
        if file._committed:
            return
        file = file.file
    name = getattr(file, "name", "") or ""
    ext = _extension(name)
    if ext not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("Files of this type cannot be attached. Allowed: %(types)s.")
            % {"types": ", ".join(sorted(ATTACHMENT_TYPES))},
            code="attachment_type",
        )
    size = getattr(file, "size", None) or 0
    if size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); at most %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(ATTACHMENT_MAX_BYTES)},
            code="attachment_size",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="attachment_empty")
    content_type = getattr(file, "content_type", None)
    if content_type and content_type not in ATTACHMENT_TYPES[ext]:
        raise ValidationError(_("The file's content type does not match its extension."), code="attachment_mime")
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(2048)
    file.seek(position)
    if ext in ATTACHMENT_MAGIC:
        if not any(head.startswith(magic) for magic in ATTACHMENT_MAGIC[ext]):
            raise ValidationError(_("The file's content does not match its extension."), code="attachment_magic")
    else:
        if b"\x00" in head:
            raise ValidationError(_("A text file must not contain binary data."), code="attachment_magic")
        for encoding in ("utf-8-sig", "gbk"):
            try:
                head.decode(encoding)
                break
            except UnicodeDecodeError as exc:
                # A multi-byte character cut at the end of the sample is fine.
                if exc.start >= len(head) - 3:
                    break
        else:
            raise ValidationError(_("A text file must be UTF-8 or GBK."), code="attachment_encoding")


# A publication may announce what lies ahead (a policy for next year, a financing plan), but not
# a period no reader could plan for: a year this far ahead is a typing error.
PERIOD_YEARS_AHEAD = 10


def validate_period(raw, *, allow_future: bool = True, today=None) -> str:
    """The one check of a publication's period, shared by the form, the API and the services:
    a month (``2026-09``), a quarter (``2026Q3``) or a year (``2026``), parsed by the same
    ``parse_period`` as firm records (so ``2026-02-30`` is refused and ``2026年9月`` becomes
    ``2026-09``). Returns the normalised label; an empty period stays empty."""
    if raw is None or not str(raw).strip():
        return ""
    from django.utils import timezone

    from .imports.values import parse_period  # imported here: the models import this module

    today = today or timezone.localdate()
    period = parse_period(raw, today=today, allow_future=allow_future)
    if period.start.year > today.year + PERIOD_YEARS_AHEAD:
        raise ValidationError(_("The period %(value)s is too far ahead (at most %(years)s years)."),
                              code="period_far", params={"value": period.label, "years": PERIOD_YEARS_AHEAD})
    return period.label
