"""The one strict JSON loader for everything users send (form fields, API bodies).

Python's ``json.loads`` accepts what no database or other client can store: ``NaN`` and
``Infinity`` (not JSON at all), ``1e400`` (read as float infinity), integers of thousands of
digits, and nesting a few thousand levels deep, which ends in a ``RecursionError`` (a 500). The
loader refuses each of these with a translated ``ValidationError``, so every path that takes
JSON answers them with a clear message and changes nothing.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Structured data is a few levels deep (a figure table in an object); 32 leaves room for any
# honest shape and stays far below Python's recursion limit when it is parsed and stored.
MAX_DEPTH = 32
# Beyond a float's range (about 1.8e308) a number is no figure any client could read back.
MAX_EXPONENT = 308
MAX_INTEGER_DIGITS = 100

# A JSON string (with its escapes) or a bracket: brackets inside strings do not count.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def json_depth(text: str, *, stop_after: int | None = None) -> int:
    """The deepest nesting of arrays and objects in ``text`` (0 for a bare value), found without
    parsing, so a 100,000-deep document is measured without recursion. Stops counting once
    ``stop_after`` is passed."""
    depth = deepest = 0
    for match in _TOKENS.finditer(text):
        piece = match.group()
        if piece in ("[", "{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_after is not None and deepest > stop_after:
                    break
        elif piece in ("]", "}"):
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise ValidationError(_("“%(value)s” is not a number JSON allows; give a finite number or a string."),
                          code="json_constant", params={"value": name})


def _too_large(text: str):
    raise ValidationError(_("The number %(value)s is too large."), code="json_number_too_large",
                          params={"value": text if len(text) <= 40 else text[:37] + "…"})


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the scanner only hands over JSON numbers
        raise ValidationError(_("“%(value)s” is not a number."), code="json_number", params={"value": text})
    if value and value.adjusted() > MAX_EXPONENT:
        _too_large(text)
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400 overflows to infinity
        _too_large(text)
    return value


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        _too_large(text)
    return int(text)


def json_loads_strict(text, *, max_depth: int = MAX_DEPTH, decimals: bool = False):
    """Parse ``text`` (str or UTF-8 bytes) as JSON, or raise a translated ``ValidationError``.

    Refused: invalid JSON, ``NaN``/``Infinity``/``-Infinity``, numbers beyond a float's range
    (``1e400``), integers longer than 100 digits and nesting deeper than ``max_depth``. With
    ``decimals=True`` fractional numbers are read as exact ``Decimal`` (money), else as float.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("The JSON is not valid UTF-8 text."), code="json_encoding")
    if json_depth(text, stop_after=max_depth) > max_depth:
        raise ValidationError(_("The JSON is nested too deeply (at most %(max)s levels)."), code="json_depth",
                              params={"max": max_depth})
    try:
        return json.loads(text, parse_constant=_refuse_constant, parse_int=_int,
                          parse_float=_decimal if decimals else _float)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("This is not valid JSON (line %(line)s, column %(column)s: %(reason)s)."),
                              code="json_invalid", params={"line": exc.lineno, "column": exc.colno,
                                                           "reason": exc.msg})
    except RecursionError:  # defensive: the depth check above comes first
        raise ValidationError(_("The JSON is nested too deeply (at most %(max)s levels)."), code="json_depth",
                              params={"max": max_depth})


def json_check_value(value, *, max_depth: int = MAX_DEPTH) -> None:
    """The same limits for a value already in Python (a service called with a dict): no
    non-finite float or Decimal, nothing beyond a float's range, no nesting deeper than
    ``max_depth``. Walked without recursion, so a pathological value cannot crash it."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list | tuple):
            if depth + 1 > max_depth:
                raise ValidationError(_("The JSON is nested too deeply (at most %(max)s levels)."),
                                      code="json_depth", params={"max": max_depth})
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
        elif isinstance(item, float):
            if not math.isfinite(item):
                _refuse_constant(str(item))
        elif isinstance(item, Decimal):
            if not item.is_finite():
                _refuse_constant(str(item))
            if item and item.adjusted() > MAX_EXPONENT:
                _too_large(str(item))
