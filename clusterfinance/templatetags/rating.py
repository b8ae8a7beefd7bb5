"""Template tags of the credit rating. Templates of lower layers (lending's application review)
load them to show a firm's rating without lending importing module 3::

    {% load rating %}{% rating_panel application.applicant %}
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import get_language

register = template.Library()


@register.filter
def reason_text(reason: dict) -> str:
    """A reason or a change in the reader's language (Chinese first)."""
    if not isinstance(reason, dict):
        return ""
    zh = (get_language() or "zh-hans").startswith("zh")
    return reason.get("text_zh" if zh else "text_en") or reason.get("text_en", "")


@register.filter
def percent(value, places: int = 2) -> str:
    if value is None or value != value:
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.inclusion_tag("clusterfinance/rating/partials/panel.html", takes_context=True)
def rating_panel(context, agent):
    """The firm's current rating (grade, PD, reasons) and its trend, if the user may read it."""
    from clusterfinance.rating.selectors import current_rating, rating_reports, rating_trend

    user = context["request"].user
    rating = current_rating(user=user, agent=agent)
    trend = rating_trend(user=user, agent=agent, limit=24) if rating else []
    spread = ""
    if rating is not None and user.memberships.filter(agent_id=rating.finance_company_id, is_active=True).exists():
        # the finance company's own pricing add-on of this grade (its staff only: other lenders price themselves)
        spread = (rating.version.spreads or {}).get(rating.grade, "")
    return {"rating": rating, "agent": agent, "request": context["request"], "trend": trend,
            "rating_reports": rating_reports(user=user, agent=agent) if rating else [], "spread": spread,
            "trend_json": [{"day": timezone.localtime(r["rated_at"]).strftime("%Y-%m-%d"),
                            "score": round(r["score"], 1), "grade": r["grade"]} for r in trend]}
