"""The idle session is renewed at most once per SESSION_RENEW_SECONDS (core.middleware), not written
on every request: within the interval nothing is saved, after it the expiry moves on."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from core import middleware
from core.roles import Role

pytestmark = pytest.mark.django_db


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_session_renewed_once_per_interval(client_for, monkeypatch, settings):
    clock = [1_800_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client = client_for(Role.CLERK)
    assert client.get("/home/clerk/").status_code == 200  # first request: renewed
    first = expiry(client)
    clock[0] += settings.SESSION_RENEW_SECONDS - 1
    client.get("/home/clerk/")
    assert expiry(client) == first  # within the interval: no write
    clock[0] += 2
    client.get("/home/clerk/")
    assert expiry(client) > first  # past it: saved with a fresh expiry


def test_anonymous_visitors_get_no_session(client):
    client.get("/login/")
    assert not Session.objects.exists()
