"""Paging of every API list: ``?limit=`` (at most 200 a page) and ``?offset=``.

DRF's own limit/offset paging takes any integer and hands it to the database, so
``limit=99999999999999999999`` overflowed SQLite's and PostgreSQL's integers (a 500), and
``limit=abc`` was silently ignored. Here a limit above the maximum is clamped to it (the
answer's ``next`` link goes on from there), and a limit or offset that is not a whole number,
or an offset beyond any real list, is a 400 with a translated message."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# Far beyond any list the platform holds, far below the databases' 64-bit integers.
MAX_OFFSET = 10**9


class ApiPagination(LimitOffsetPagination):
    default_limit = DEFAULT_PAGE_SIZE
    max_limit = MAX_PAGE_SIZE

    def _whole_number(self, request, name: str) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return None
        text = raw.strip()
        if not re.fullmatch(r"[0-9]{1,30}", text):  # ASCII digits only (no ¹, no １, no -1)
            raise ValidationError({name: [_("“%(value)s” is not a whole number of 0 or more.")
                                          % {"value": raw[:40]}]})
        return int(text)

    def get_limit(self, request):
        limit = self._whole_number(request, self.limit_query_param)
        if limit is None:
            return self.default_limit
        if limit == 0:
            raise ValidationError({self.limit_query_param: [_("The limit must be at least 1.")]})
        return min(limit, self.max_limit)

    def get_offset(self, request):
        offset = self._whole_number(request, self.offset_query_param)
        if offset is None:
            return 0
        if offset > MAX_OFFSET:
            raise ValidationError({self.offset_query_param: [_("The offset is too large (at most %(max)s).")
                                                             % {"max": f"{MAX_OFFSET:,}"}]})
        return offset
