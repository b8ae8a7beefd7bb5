"""``Idempotency-Key`` on writes: a retried request (same key, same body) gets the first
answer again instead of writing twice; the same key with another body gets 409.

Only successful answers (2xx) are remembered: a request refused with 400 can be corrected and
sent again with the same key. The key row is written in the same transaction as the write, so
a crash leaves neither; two identical requests racing each other write once (unique key) and
the loser gets 409."""

from __future__ import annotations

import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from ..models.api import IdempotencyKey

HEADER = "Idempotency-Key"
_KEY_RE = re.compile(r"^[\x21-\x7e]{1,255}$")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_conflict"


def _file_digest(upload) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"{upload.name}:{digest.hexdigest()}"


def request_fingerprint(request) -> str:
    """Method, path and the canonical body; an uploaded file counts by its content."""
    if hasattr(request.data, "getlist"):  # form or multipart
        fields = sorted((k, v) for k, v in request.data.lists() if k not in request.FILES)
        files = sorted((name, [_file_digest(f) for f in request.FILES.getlist(name)]) for name in request.FILES)
        body = json.dumps([fields, files], default=str, ensure_ascii=False)
    else:
        body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(agent, request, handler) -> Response:
    """Run ``handler()`` (which returns a Response) at most once per key."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not _KEY_RE.match(key):
        raise ValidationError({HEADER: [_("An Idempotency-Key has 1 to 255 visible ASCII characters (a UUID "
                                          "is a good choice).")]})
    fingerprint = request_fingerprint(request)
    try:
        with transaction.atomic():
            previous = IdempotencyKey.objects.select_for_update().filter(agent=agent, key=key).first()
            if previous is not None:
                if previous.request_hash != fingerprint:
                    raise Conflict(_("This Idempotency-Key was already used for a different request (another "
                                     "body or endpoint). Use a new key for a new request."))
                response = Response(previous.response_body, status=previous.response_status)
                response["Idempotent-Replayed"] = "true"
                return response
            response = handler()
            if 200 <= response.status_code < 300:
                IdempotencyKey.objects.create(
                    agent=agent, key=key, method=request.method, path=request.path[:255],
                    request_hash=fingerprint, response_status=response.status_code,
                    response_body=json.loads(json.dumps(response.data, default=str)))
            return response
    except IntegrityError:
        raise Conflict(_("Another request with this Idempotency-Key is being processed; retry in a moment."))
