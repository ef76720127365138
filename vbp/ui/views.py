"""Pages guarded before they run: a permission, then every object the URL names fetched through its scope.

A view never sees a raw id from its URL: ``@page`` checks the permission (anyone else finds nothing
there, 404), looks each named object up with ``get_visible_or_404`` (out of scope is 404, exactly
as missing), and passes the objects in. So a view cannot forget scope.

    @page(permissions.sees_amounts, hospital=Lookup(Hospital, "hospital_id"), batch=Lookup(Batch, "batch_id"))
    def amount_detail(request, hospital, batch, year): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404

from vbp.accounts.scope import get_visible_or_404


@dataclass(frozen=True)
class Lookup:
    """An object named by the URL: its model (or a queryset of it), the URL parameter, the field it matches (``by``)."""

    model: type[models.Model] | models.QuerySet
    kwarg: str
    by: str = "pk"
    related: tuple[str, ...] = ()

    def fetch(self, user, value):
        queryset = self.model._default_manager.all() if isinstance(self.model, type) else self.model
        if self.related:
            queryset = queryset.select_related(*self.related)
        return get_visible_or_404(queryset, user, **{self.by: value})


def page(allows: Callable, **objects: Lookup):
    """A page for the users ``allows`` admits, given the objects the URL names, each within the user's scope."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not allows(request.user):
                raise Http404
            for name, lookup in objects.items():
                kwargs[name] = lookup.fetch(request.user, kwargs.pop(lookup.kwarg))
            return view(request, *args, **kwargs)

        guarded.allows = allows  # the URL walk reads it to know who may reach the page
        return guarded

    return decorate


def refused(request, error: Exception) -> None:
    """A service's refusal, said to the user on the next page."""
    messages.error(request, str(error))
