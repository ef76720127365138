"""Requests to the API as a demo user; the demo province itself is the ``demo`` fixture of tests/conftest.py."""

from __future__ import annotations

import pytest

from vbp.accounts.models import User


@pytest.fixture
def api_get(client):
    """``api_get(path, username=None, **params)``: a GET as the named demo user (signed in) or as nobody."""

    def get(path: str, username: str | None = None, **params):
        client.logout()
        if username is not None:
            client.force_login(User.objects.get(username=username))
        return client.get(path, params)

    return get


@pytest.fixture
def api_rows(api_get):
    """``api_rows(path, username, **params)``: every row of a list, following its pages."""

    def rows(path: str, username: str, **params) -> list[dict]:
        collected, page = [], 1
        while True:
            response = api_get(path, username, page=page, page_size=1000, **params)
            assert response.status_code == 200, response.content
            body = response.json()
            collected += body["results"]
            if body["next"] is None:
                assert body["count"] == len(collected)
                return collected
            page += 1

    return rows
