"""Refused requests are audited too: every 401 and 403, and a 404 answered to a signed-in user.

Another region's object answers 404 exactly as a missing one does (so nothing leaks); both are
recorded, because an assessor wants to see who asked for what they could not have.
"""

from vbp.audit.services import record_denied

AUDITED_STATUSES = {401, 403}


class DeniedRequestMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        status = response.status_code
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if status in AUDITED_STATUSES or (status == 404 and signed_in):
            record_denied(request, status)
        return response
