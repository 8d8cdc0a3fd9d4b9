"""Settings from the environment: safe defaults in embedded mode, no fallback key when served."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def django_check(tmp_path, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    environment.update(NEWSROOM_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY[:4], "
            "s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_served_deployment_refuses_to_start_without_a_secret_key(tmp_path):
    result = django_check(tmp_path, DATABASE_URL="postgres://u:p@127.0.0.1:1/newsroom")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_embedded_mode_generates_a_private_secret_key_once(tmp_path):
    first = django_check(tmp_path)
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.stat().st_mode & 0o077 == 0
    assert len(key_file.read_text()) >= 50
    second = django_check(tmp_path)
    assert first.stdout == second.stdout
    assert "False" in first.stdout  # DEBUG is off unless asked for


def test_environment_overrides(tmp_path):
    result = django_check(
        tmp_path,
        SECRET_KEY="kilo-" * 11,
        DEBUG="1",
        ALLOWED_HOSTS="news.example, www.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}",
    )
    assert result.returncode == 0, result.stderr
    assert "True kilo django.db.backends.sqlite3 ['news.example', 'www.example']" in result.stdout
    assert not (tmp_path / "var" / "secret_key").exists()


@pytest.mark.parametrize("key", ["x", "k" * 64, "short-but-varied-key"])
def test_weak_secret_keys_are_refused(tmp_path, key):
    result = django_check(
        tmp_path, SECRET_KEY=key, DATABASE_URL="postgres://u:p@127.0.0.1:1/newsroom"
    )
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be"),
        ("TIME_ZONE", "Mars/Olympus", "is not a known time zone"),
        ("SITE_CARD_IMAGE_SIZE", "wide", "SITE_CARD_IMAGE_SIZE must be a size such as 1200x630"),
        ("SITE_LOGO_SIZE", "0x192", "SITE_LOGO_SIZE must be a size such as 1200x630"),
    ],
)
def test_bad_values_are_refused_with_a_clear_message(tmp_path, name, value, message):
    result = django_check(tmp_path, **{name: value})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.django_db(transaction=True)
def test_database_connection_is_set_up_for_a_web_server(settings):
    from django.db import connection

    database = settings.DATABASES["default"]
    if connection.vendor == "sqlite":
        # Writers queue (IMMEDIATE, busy timeout) instead of failing; WAL is
        # checked on a real file by tests/test_server.py.
        assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] >= 5000
    else:
        # Served databases keep connections between requests and check them first.
        assert database["CONN_MAX_AGE"] > 0
        assert database["CONN_HEALTH_CHECKS"] is True
