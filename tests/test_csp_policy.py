"""The reader's Content-Security-Policy header is built once per process
(newsroom/contentpolicy.py): it must stay the header django-csp builds from the
settings, follow a settings change at once, and leave the admin's nonce to its page."""

import re

import pytest
from csp.utils import build_policy
from django.test import override_settings

from .factories import make_story

pytestmark = pytest.mark.django_db


def directives(header):
    return dict(d.strip().split(" ", 1) for d in header.split(";") if d.strip())


def test_a_reader_page_carries_the_policy_django_csp_builds_from_the_settings(client):
    first = client.get(make_story("First harbour story").path)
    second = client.get(make_story("Second harbour story").path)
    assert first["Content-Security-Policy"] == build_policy()
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in first
    assert "nonce-" not in first["Content-Security-Policy"]


def test_a_changed_policy_in_the_settings_shows_on_the_next_page(client, settings):
    before = client.get(make_story("Before the change").path)
    assert "https://maps.example" not in before["Content-Security-Policy"]
    changed = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {
            **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
            "frame-src": ["https://maps.example"],
        },
    }
    with override_settings(
        CONTENT_SECURITY_POLICY=changed,
        CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"default-src": ["'none'"]}},
    ):
        after = client.get(make_story("After the change").path)
        assert directives(after["Content-Security-Policy"])["frame-src"] == "https://maps.example"
        assert after["Content-Security-Policy-Report-Only"] == "default-src 'none'"
    back = client.get(make_story("Back again").path)
    assert back["Content-Security-Policy"] == before["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in back


def test_the_admins_nonce_is_its_own_and_never_reaches_a_reader_page(client, editor):
    admin = client.get("/admin/articles/article/add/")
    nonce = re.fullmatch(
        r"'self' 'nonce-([^']+)'", directives(admin["Content-Security-Policy"])["script-src"]
    )
    assert nonce
    reader = client.get(make_story("After the admin").path)
    assert directives(reader["Content-Security-Policy"])["script-src"] == "'self'"
    again = client.get("/admin/articles/article/add/")
    assert nonce.group(1) not in again["Content-Security-Policy"]
    assert "'nonce-" in again["Content-Security-Policy"]
