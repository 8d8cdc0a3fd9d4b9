"""The site under failure and contention: Redis stopping, PostgreSQL restarting,
editors saving at once on SQLite, two stories racing for one address."""

import logging
import os
import random
import re
import shutil
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from html.parser import HTMLParser
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.reader import pagecache
from newsroom.settings import redis_caches

from .conftest import service_missing
from .factories import make_story
from .servers import free_port, manage, served_site

# --- Redis stops ---------------------------------------------------------------


@pytest.mark.django_db
def test_pages_keep_coming_when_redis_stops_and_the_cache_returns_by_itself(
    redis_server, settings, caplog, monkeypatch
):
    if redis_server.process is None:
        redis_server.start()
    settings.CACHES = redis_caches(redis_server.url)
    monkeypatch.setattr(pagecache, "RETRY_AFTER_FAILURE", 0.2)
    story = make_story("Ferry timetable changes")
    client = Client()

    def served(url):
        with CaptureQueriesContext(connection) as context:
            response = client.get(url)
        return response, len(context.captured_queries)

    client.get(story.path)
    assert served(story.path)[1] == 1  # stored in Redis

    redis_server.stop()
    try:
        with caplog.at_level(logging.WARNING, logger="articles.reader.pagecache"):
            for url in ["/", story.path, "/feed/", "/search/?q=ferry"]:
                response, count = served(url)
                assert response.status_code == 200, url
                assert "Ferry timetable changes" in response.content.decode(), url
        assert any("page cache unavailable" in r.getMessage() for r in caplog.records)
        health = client.get("/healthz")  # still in rotation: the database serves
        assert health.status_code == 200
        assert health.json() == {"database": "ok", "cache": "failing", "status": "degraded"}
    finally:
        redis_server.start()  # empty, as after a restart

    time.sleep(0.3)
    client.get(story.path)
    response, count = served(story.path)
    assert response.status_code == 200 and count == 1  # stored and served from Redis again


# --- PostgreSQL restarts -------------------------------------------------------


def get(url, timeout=10):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture(scope="module")
def private_postgres(tmp_path_factory):
    """A PostgreSQL cluster of its own on a free port, which this test may stop and start
    without disturbing the database the rest of the suite runs on."""
    if not shutil.which("pg_createcluster") or not Path("/usr/lib/postgresql").is_dir():
        service_missing("PostgreSQL's cluster tools are not installed (apt-get install postgresql)")
    if os.geteuid() != 0:
        service_missing("creating a private PostgreSQL cluster needs root (CI runs as root)")
    version = sorted(
        os.listdir("/usr/lib/postgresql"), key=lambda v: [int(p) for p in v.split(".")]
    )[-1]
    port = free_port()
    name = f"newsroom_outage_{port}"
    subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port), "--start", "--", "--auth=trust"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "newsroom"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield {
            "url": f"postgres://postgres@127.0.0.1:{port}/newsroom",
            "stop": ["pg_ctlcluster", version, name, "stop", "-m", "fast"],
            "start": ["pg_ctlcluster", version, name, "start"],
        }
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=120
        )


@pytest.mark.slow
@pytest.mark.own_database
def test_a_postgresql_restart_gives_503s_then_recovers_without_restarting_gunicorn(
    private_postgres, tmp_path
):
    with served_site(tmp_path, ["--no-photos"], database_url=private_postgres["url"]) as site:
        base, server = site["base"], site["server"]
        status, _, front = get(base + "/")
        assert status == 200
        story = re.search(r'href="(/\d{4}/\d\d/\d\d/[^"]+/)"', front).group(1)

        subprocess.run(private_postgres["stop"], check=True, capture_output=True, timeout=60)
        try:
            for url in ["/", story, "/section/city/", "/feed/", "/search/?q=harbour"]:
                status, headers, body = get(base + url)
                assert status == 503, url
                assert headers["Retry-After"] == "10"
                assert "We will be back in a moment" in body
                assert "Traceback" not in body
            status, _, body = get(base + "/healthz")
            assert status == 503 and '"database": "failing"' in body
        finally:
            subprocess.run(private_postgres["start"], check=True, capture_output=True, timeout=60)

        deadline = time.monotonic() + 30
        while get(base + "/")[0] != 200:
            assert time.monotonic() < deadline, "the site did not recover"
            time.sleep(0.5)
        for url in ["/", story, "/section/city/", "/feed/", "/search/?q=harbour"] * 3:
            assert get(base + url)[0] == 200, url
        assert server.poll() is None  # the same gunicorn, never restarted
    assert "OperationalError" in site["log"].read_text()  # the outage was logged


# --- Ten editors at once on SQLite ------------------------------------------------------


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with the given id."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id, self.inside, self.fields = form_id, False, []
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or ("name" not in attrs and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "file", "image"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            self.fields.append((attrs["name"], attrs.get("value", default)))
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            self.fields.append(tuple(self._textarea))
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self.inside = False


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's cookies, as a browser keeps them."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), NoRedirects()
        )

    def request(self, path, fields=None):
        data = urllib.parse.urlencode(fields).encode() if fields is not None else None
        try:
            with self.opener.open(self.base + path, data=data, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def form(self, path, form_id):
        status, html = self.request(path)
        assert status == 200, (path, status)
        parser = FormFields(form_id)
        parser.feed(html)
        return parser.fields

    def log_in(self, username, password):
        fields = dict(self.form("/admin/login/", "login-form"))
        fields.update(username=username, password=password)
        status, _ = self.request("/admin/login/?next=/admin/", fields)
        assert status == 302, "login failed"


EDITORS = 10
SAVES = 4

MAKE_EDITORS = """
from django.contrib.auth import get_user_model
from articles.editorial.roles import sync_roles
editor = sync_roles()["Editor"]
for n in range({count}):
    user = get_user_model().objects.create_user(
        f"editor{{n}}", password=f"a-long-test-password-{{n}}", is_staff=True
    )
    user.groups.add(editor)
"""


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    """The site as `make run` serves it (SQLite in WAL mode, the demo with its photos:
    the build the browser and edge tests copy too), with ten editors."""
    with served_site(tmp_path_factory.mktemp("busy"), workers=4) as site:
        manage(site["env"], "shell", "-c", MAKE_EDITORS.format(count=EDITORS))
        yield site


@pytest.mark.slow
@pytest.mark.own_database
def test_ten_editors_saving_at_once_on_sqlite_lose_nothing_while_readers_browse(sqlite_site):
    site = sqlite_site
    with sqlite3.connect(site["database"]) as db:
        stories = [
            row[0]
            for row in db.execute(
                "SELECT id FROM articles_article WHERE status = 'published' ORDER BY id LIMIT ?",
                (EDITORS,),
            )
        ]
        paths = [row[0] for row in db.execute("SELECT path FROM articles_article LIMIT 20")]
    outcomes, reads, done = [], [], threading.Event()

    def edit(n):
        browser = Browser(site["base"])
        browser.log_in(f"editor{n}", f"a-long-test-password-{n}")
        change = f"/admin/articles/article/{stories[n]}/change/"
        for save in range(SAVES):
            fields = [
                (name, f"Edit {save} by editor {n}" if name == "dek" else value)
                for name, value in browser.form(change, "article_form")
            ]
            outcomes.append((n, save, *browser.request(change, fields)))

    def browse():
        reader = Browser(site["base"])
        while not done.is_set():
            reads.append(reader.request(random.choice(["/", *paths]))[0])

    readers = [threading.Thread(target=browse) for _ in range(3)]
    editors = [threading.Thread(target=edit, args=(n,)) for n in range(EDITORS)]
    for thread in readers + editors:
        thread.start()
    for thread in editors:
        thread.join(timeout=240)
    done.set()
    for thread in readers:
        thread.join(timeout=60)

    failed = [(n, save, status, body[:300]) for n, save, status, body in outcomes if status != 302]
    assert not failed, failed
    assert len(outcomes) == EDITORS * SAVES
    assert reads and set(reads) == {200}, sorted(set(reads))
    with sqlite3.connect(site["database"]) as db:
        for n, story in enumerate(stories):
            dek = db.execute("SELECT dek FROM articles_article WHERE id = ?", [story]).fetchone()
            assert dek[0] == f"Edit {SAVES - 1} by editor {n}"
            kept = db.execute(
                "SELECT COUNT(*) FROM reversion_version v "
                "JOIN django_content_type t ON t.id = v.content_type_id "
                "WHERE t.model = 'article' AND v.object_id = ?",
                [str(story)],
            ).fetchone()[0]
            assert kept >= SAVES  # every save is in the story's history
    assert "database is locked" not in site["log"].read_text()


# --- Two stories racing for one address -----------------------------------------------


def race(count, action):
    """Run ``action(n)`` in ``count`` threads released at the same instant."""
    start, results, errors = threading.Barrier(count), {}, []

    def run(n):
        try:
            start.wait(timeout=10)
            results[n] = action(n)
        except Exception as error:  # any error fails the caller's test, with its text
            errors.append(repr(error))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return [results[n] for n in range(count)]


SAME_ADDRESS = [
    "storm-closes-the-harbour",
    "storm-closes-the-harbour-2",
    "storm-closes-the-harbour-3",
    "storm-closes-the-harbour-4",
]


@pytest.mark.django_db(transaction=True)
def test_two_stories_with_the_same_headline_and_day_saved_at_once_both_get_an_address():
    published_at = timezone.now() - timedelta(hours=1)

    def create(n):
        from django.db import connection as thread_connection

        try:
            return Article.objects.create(
                headline="Storm closes the harbour",
                body=f"<p>Report {n}.</p>",
                status=Article.Status.PUBLISHED,
                published_at=published_at,
            ).path
        finally:
            thread_connection.close()

    paths = race(4, create)
    assert sorted(path.rstrip("/").rsplit("/", 1)[1] for path in paths) == SAME_ADDRESS
    client = Client()
    for path in paths:
        assert client.get(path).status_code == 200


@pytest.mark.slow
@pytest.mark.own_database
def test_editors_adding_the_same_headline_at_once_never_see_an_error(sqlite_site):
    browsers = [Browser(sqlite_site["base"]) for _ in range(4)]
    forms = []
    for n, browser in enumerate(browsers):
        browser.log_in(f"editor{n}", f"a-long-test-password-{n}")
        fields = dict(browser.form("/admin/articles/article/add/", "article_form"))
        local = timezone.localtime() - timedelta(hours=1)
        fields.update(
            headline="Storm closes the harbour",
            slug="storm-closes-the-harbour",
            body=f"<p>Report {n}.</p>",
            status="published",
            published_at_0=f"{local:%Y-%m-%d}",
            published_at_1=f"{local:%H:%M:%S}",
        )
        forms.append(fields)
    outcomes = race(4, lambda n: browsers[n].request("/admin/articles/article/add/", forms[n]))
    assert [status for status, _ in outcomes] == [302] * 4, [b[:500] for _, b in outcomes]
    with sqlite3.connect(sqlite_site["database"]) as db:
        slugs = [
            row[0]
            for row in db.execute(
                "SELECT slug FROM articles_article WHERE headline = 'Storm closes the harbour'"
            )
        ]
    assert sorted(slugs) == SAME_ADDRESS
