"""Template filters of the lending pages: rates in percent and status colours."""

from decimal import Decimal

from django import template

register = template.Library()

BADGES = {
    # applications
    "draft": "secondary", "submitted": "info", "under_review": "primary", "approved": "success",
    "rejected": "danger", "contracted": "dark", "withdrawn": "light",
    # loans
    "active": "primary", "closed": "success", "written_off": "dark",
    # instalments
    "pending": "light", "overdue": "danger", "paid": "success", "superseded": "secondary",
    # five categories
    "normal": "success", "special_mention": "warning", "substandard": "danger", "doubtful": "danger",
    "loss": "dark",
    # buckets
    "current": "success", "1-30": "warning", "31-60": "warning", "61-90": "warning", "91-180": "danger",
    "181-360": "danger", ">360": "dark",
}


@register.filter
def rate(value, places: int = 4):
    """An annual rate stored as a fraction, shown in percent: 0.0435 → 4.35%, 0.094822 → 9.4822%."""
    if value is None or value == "":
        return "—"
    number = (Decimal(value) * 100).quantize(Decimal(1).scaleb(-int(places)))
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


@register.filter
def badge(value) -> str:
    """The Bootstrap colour of a status, class or bucket value."""
    return BADGES.get(str(value), "secondary")


@register.filter
def absolute(value):
    """The absolute value (a credit posting shown in the credit column)."""
    return abs(value) if value is not None else value


BUCKET_SHORT = {"current": "0", "1-30": "1–30", "31-60": "31–60", "61-90": "61–90", "91-180": "91–180",
                "181-360": "181–360", ">360": ">360"}


@register.filter
def bucket_short(value) -> str:
    """A delinquency bucket as its days-past-due range (0, 1–30, …, >360): short, needs no translation."""
    return BUCKET_SHORT.get(str(value), str(value))
