"""``{% latest_notices as notices %}``: the notices the home page shows the signed-in user."""

from django import template

from vbp.notices.selectors import notices_for

register = template.Library()


@register.simple_tag(takes_context=True)
def latest_notices(context, limit: int = 5):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return notices_for(user, limit) if user is not None and user.is_authenticated else []
