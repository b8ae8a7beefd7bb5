"""Unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters: registration authority (1), organisation type (1), administrative division
(6 digits, GB/T 2260), organisation code (9 characters, GB 11714 with its own check
character) and a final check character over the first 17, modulo 31 over an alphabet that
leaves out I, O, Z, S and V.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
# Registration authorities: 1 organisation bodies, 5 civil affairs, 9 industry & commerce, Y other.
_AUTHORITIES = set("159Y")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def is_valid_uscc(code: str) -> bool:
    if not isinstance(code, str) or not _USCC_RE.match(code):
        return False
    if code[0] not in _AUTHORITIES:
        return False
    return uscc_check_char(code[:17]) == code[17]


def normalise_uscc(value: str) -> str:
    """Upper-case and strip spaces and full-width characters users paste from documents."""
    value = (value or "").strip().upper()
    return value.translate({ord(c): ord(c) - 0xFEE0 for c in value if "！" <= c <= "～"}).replace(" ", "")


def validate_uscc(value: str) -> None:
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; %(n)s were given."),
            code="uscc_length",
            params={"n": len(code)},
        )
    if not _USCC_RE.match(code) or code[0] not in _AUTHORITIES:
        raise ValidationError(
            _("%(code)s is not a unified social credit code: it contains characters the standard "
              "does not allow (I, O, S, V, Z) or the wrong layout."),
            code="uscc_format",
            params={"code": code},
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of %(code)s is wrong (expected %(expected)s): please check the "
              "code against the business licence."),
            code="uscc_check",
            params={"code": code, "expected": uscc_check_char(code[:17])},
        )


def make_uscc(*, authority: str = "9", org_type: str = "1", division: str, serial: int) -> str:
    """Build a valid code (demo data and factories): the organisation code is derived from a
    serial number and carries its own GB 11714 check character."""
    body = f"{serial:08d}"[-8:]
    org = body + org_code_check_char(body)
    first17 = f"{authority}{org_type}{division}{org}"
    return first17 + uscc_check_char(first17)
