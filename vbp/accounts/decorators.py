"""View guards: signed in, and a role that may see the page at all; otherwise the page does not exist (404)."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from vbp.accounts.scope import sees_business_data


def business_page(view):
    """A page of bureau or hospital data: the three administrators (三员) find nothing here."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not sees_business_data(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded
