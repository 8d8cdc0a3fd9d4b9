"""Security by default: deploy checks clean, a strict Content Security Policy, health checks."""

import os
import re
import secrets
import subprocess
import sys

import pytest

from .factories import make_staff, make_story
from .servers import ROOT

pytestmark = pytest.mark.django_db


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "HTTPS": "1",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "news.example",
        "DEBUG": "0",
        "NEWSROOM_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_reader_pages_carry_a_strict_content_security_policy(client):
    story = make_story("Secure story")
    response = client.get(story.path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
    # No inline script may run: the only script element is JSON-LD, which is data.
    assert directives["script-src"] == "'self'"
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts == ['<script type="application/ld+json">']
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_healthz_reports_database_and_cache(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "cache": "ok", "status": "ok"}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def policy_of(response):
    policy = response["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def test_the_admin_has_the_readers_policy(client):
    response = client.get("/admin/login/")
    directives = policy_of(response)
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


def test_the_story_forms_one_inline_script_runs_by_that_responses_nonce(client, editor):
    """The body editor's import map is the only inline script in the admin; it carries
    the nonce its own response's policy names, and no other script needs one."""
    response = client.get("/admin/articles/article/add/")
    nonce = re.fullmatch(r"'self' 'nonce-([^']+)'", policy_of(response)["script-src"]).group(1)
    page = response.content.decode()
    inline = [
        tag
        for tag in re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page)
        if 'type="application/json"' not in tag  # data the scripts read, never run
    ]
    assert inline == [f'<script type="importmap" nonce="{nonce}">']
    again = policy_of(client.get("/admin/articles/article/add/"))["script-src"]
    assert nonce not in again


def login(client, username, password):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password})


def test_admin_logins_are_throttled_after_repeated_failures(client):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from .factories import make_staff

    make_staff("desk", "Editor")  # its password is "unused-pass-123"
    for _ in range(4):
        response = login(client, "desk", "wrong")
        assert (
            response.status_code == 200
            and "correct username and password" in response.content.decode()
        )
    locked = login(client, "desk", "wrong")
    assert locked.status_code == 429
    assert login(client, "desk", "unused-pass-123").status_code == 429  # even the right one
    assert login(client, "someone-else", "wrong").status_code == 200  # others unaffected
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        response = login(client, "desk", "unused-pass-123")
        assert response.status_code == 302 and response["Location"] == "/admin/"


HTTPS_SETTINGS = (
    "from django.conf import settings as s; print(s.SECURE_HSTS_SECONDS, "
    "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT, "
    "s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE)"
)


def test_https_turns_on_hsts_for_a_year_and_secure_http_only_cookies(tmp_path, client, settings):
    env = {**os.environ, "HTTPS": "1", "SECRET_KEY": secrets.token_urlsafe(60)}
    env["NEWSROOM_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", HTTPS_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split()[-7:] == [
        "31536000",
        "True",
        "True",
        "True",
        "True",
        "True",
        "True",
    ]

    # What a reader's browser receives with those settings.
    settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = 31_536_000, True
    settings.SECURE_HSTS_PRELOAD = settings.SESSION_COOKIE_SECURE = True
    make_story("Secure story")
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert not response.cookies  # readers get no cookies at all
    make_staff("desk", "Editor")
    login = client.post(
        "/admin/login/?next=/admin/",
        {"username": "desk", "password": "unused-pass-123", "next": "/admin/"},
        secure=True,
    )
    assert login.status_code == 302
    session = login.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
