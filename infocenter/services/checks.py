"""Input checks shared by the centre's services (what model validation does not catch)."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _


def reject_nul(**values) -> None:
    """PostgreSQL stores no NUL character in text or JSON: refuse it with a clear error
    (instead of a database error) — API clients and fuzzers do send it."""
    errors = {}
    for name, value in values.items():
        if value is None:
            continue
        text = value if isinstance(value, str) else json.dumps(value, cls=DjangoJSONEncoder)
        if "\x00" in text or "\\u0000" in text:
            errors[name] = _("Null characters are not allowed.")
    if errors:
        raise ValidationError(errors)


def check_data(data) -> dict:
    """Structured data is a JSON object (or nothing)."""
    if data in (None, ""):
        return {}
    if not isinstance(data, dict):
        raise ValidationError({"data": _("Structured data must be a JSON object ({…}).")})
    reject_nul(data=data)
    return data
