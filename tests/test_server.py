"""The site as `make run` serves it: a real gunicorn, DEBUG off, a SQLite file, static files."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("served")
    database = tmp / "newsroom.sqlite3"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}},
        "NEWSROOM_VAR_DIR": str(tmp / "var"),
        "DATABASE_URL": f"sqlite:///{database}",
        "SECRET_KEY": "a-test-secret-key-that-is-long-enough-to-pass-checks-0123456789",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["load_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
    port = free_port()
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "newsroom.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=2)
            break
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise RuntimeError(server.stderr.read().decode()) from None
            time.sleep(0.2)
    yield {"base": base, "database": database, "env": env}
    server.terminate()
    server.wait(timeout=10)


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_front_page_is_served_with_demo_stories(site):
    status, headers, html = get(site["base"] + "/")
    assert status == 200
    assert html.count('class="story-item"') >= 15
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_static_files_are_served_by_whitenoise_with_long_caching(site):
    _, _, html = get(site["base"] + "/")
    css = html.split('rel="stylesheet" href="')[1].split('"')[0]
    assert css.startswith("/static/newsroom.") and css.endswith(".css")  # hashed name
    status, headers, body = get(site["base"] + css)
    assert status == 200 and ".story-body" in body
    assert "max-age=315360000" in headers["Cache-Control"]


def test_story_page_and_feed_are_served(site):
    _, _, html = get(site["base"] + "/")
    path = html.split('class="story-item-headline"><a href="')[1].split('"')[0]
    status, _, story = get(site["base"] + path)
    assert status == 200 and "Latest stories" in story
    status, headers, _ = get(site["base"] + "/feed/")
    assert status == 200 and headers["Content-Type"].startswith("application/rss+xml")


def test_errors_are_friendly_and_never_show_a_traceback(site):
    status, _, html = get(site["base"] + "/2024/02/30/")
    assert status == 404 and "We couldn’t find that page" in html
    assert "Traceback" not in html and "DEBUG" not in html
    status, _, _ = get(site["base"] + "/", Host="evil.example")
    assert status == 400


def test_database_runs_in_wal_mode(site):
    with sqlite3.connect(site["database"]) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_concurrent_saves_wait_instead_of_failing(site):
    script = (
        "from articles.models import Article\n"
        "from django.db import transaction\n"
        "for n in range(15):\n"
        "    with transaction.atomic():\n"
        "        story = Article.objects.order_by('pk').first()\n"
        "        story.dek = f'edited {n}'\n"
        "        story.save()\n"
        "        Article.objects.create(headline='Concurrent draft', body='<p>x</p>')\n"
    )
    writers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", script],
            cwd=ROOT,
            env=site["env"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
        assert b"database is locked" not in err
    with sqlite3.connect(site["database"]) as connection:
        count = connection.execute(
            "SELECT COUNT(*) FROM articles_article WHERE headline = 'Concurrent draft'"
        ).fetchone()[0]
    assert count == 60
