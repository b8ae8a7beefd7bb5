"""``{% drill "par30" grade="AA" %}``: the drill-down list of a dashboard figure under the page's
filters (``filters`` in the context), a group's own filter replacing the page's."""

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def drill(context, figure: str, **override) -> str:
    filters = context["filters"]
    return f"{reverse('clusterfinance:dashboard-loans')}?{filters.query(figure=figure, **override)}"


@register.simple_tag(takes_context=True)
def drill_group(context, figure: str, param: str, value: str) -> str:
    """The same for a row of a breakdown: ``param`` (``grade`` or ``industry``) set to the row's value."""
    return drill(context, figure, **{param: value})
