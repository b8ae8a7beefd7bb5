"""``{% firm_sanctions firm as sanctions %}``: what the rewards and penalty rules applied to a firm,
as the person asking may see it (the firm itself, its finance company); one query."""

from django import template

from clusterfinance.sanctions.selectors import sanctions_of_firm

register = template.Library()


@register.simple_tag(takes_context=True)
def firm_sanctions(context, firm):
    request = context.get("request")
    if firm is None or request is None:
        return []
    return sanctions_of_firm(user=request.user, firm=firm)
