"""The request being answered, so that every audit record made while answering it knows the client's address.

Services are called with the acting user, not the request; the address and browser come from here.
Outside a request (the worker, a command) there is none, and the record says so by leaving them empty.
"""

from contextvars import ContextVar

_current = ContextVar("vbp_current_request", default=None)


def current_request():
    return _current.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
