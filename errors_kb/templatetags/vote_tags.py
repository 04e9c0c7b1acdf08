from django import template

from errors_kb.votes import voted_ids

register = template.Library()


@register.simple_tag(takes_context=True)
def voted_on(context, entry) -> bool:
    """True when this browser already answered "Did this fix it?" for the entry (its signed cookie says so)."""
    request = context.get("request")
    return request is not None and entry.pk in voted_ids(request)
