"""Limits on what an address may ask for without logging in (a captcha, the login page), counted in the database.

The count lives in the database, not in one server's memory, so every app server sees the same one.
"""

from __future__ import annotations

import time

from django.db import IntegrityError, transaction
from django.db.models import F

from vbp.accounts.models import Throttle


def allow(key: str, *, limit: int, seconds: int) -> bool:
    """Count one more request for ``key`` in the current window; False once it passes ``limit``."""
    window = int(time.time() // seconds)
    key = key[:100]
    updated = Throttle.objects.filter(key=key, window=window).update(count=F("count") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Throttle.objects.create(key=key, window=window, count=1)
        except IntegrityError:  # another request made the row first
            Throttle.objects.filter(key=key, window=window).update(count=F("count") + 1)
        Throttle.objects.filter(key=key, window__lt=window - 1).delete()  # earlier windows count no more
    count = Throttle.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0
    return count <= limit
