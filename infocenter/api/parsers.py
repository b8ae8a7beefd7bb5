"""JSON bodies are read by the core's strict loader (``agents.jsondata``): numbers as Decimal,
never float, so 1234.56 arrives exactly; NaN, Infinity, numbers beyond a float's range and
nesting deeper than 32 levels are a 400 with a translated message, never a 500."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from agents.jsondata import json_loads_strict


class DecimalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError):
            raise ParseError(_("The request body is not valid %(encoding)s text.") % {"encoding": encoding})
        try:
            return json_loads_strict(text, decimals=True)
        except ValidationError as exc:
            raise ParseError(" ".join(exc.messages))
