"""The site as `make run` serves it: a real gunicorn, DEBUG off, a SQLite file, static files."""

import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from .servers import ROOT, served_site

# Each test reads a site served from a SQLite file of its own, whatever the test database.
pytestmark = [pytest.mark.slow, pytest.mark.own_database]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with served_site(tmp_path_factory.mktemp("served")) as served:
        yield served


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
    assert html.count('<article class="story-item') >= 15
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
