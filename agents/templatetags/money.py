"""Template filters for money: ``{{ x|yuan }}`` → ¥1,234.56 and ``{{ x|wan }}`` → 123.46 万元."""

from django import template

from agents.money import format_wan, format_yuan

register = template.Library()


@register.filter
def yuan(value):
    return format_yuan(value)


@register.filter
def wan(value):
    return format_wan(value)


@register.filter
def percent(value, places=1):
    if value is None or value == "":
        return "—"
    return f"{value * 100:.{int(places)}f}%"


@register.filter
def person(user):
    """A user's name in the order its script expects: 陈建国, but Jane Smith; else the e-mail."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if not (first or last):
        return user.email
    if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
        return f"{last}{first}"
    return f"{first} {last}".strip()
