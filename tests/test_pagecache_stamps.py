"""A cached hit reads no stamp table while nothing changed, and still never shows a page
older than the last change: on SQLite the stamps read are kept per connection while
``PRAGMA data_version`` (any other connection's commit, in any process) and the
connection's own ``total_changes`` stand still (``queries._kept_stamps``); on
PostgreSQL while no notification of a change reached this process's listener and the
listener was proven alive (``stampwatch``). There a change is seen once its
notification arrives (milliseconds), so the tests wait for it (``settled``).

These run without a test transaction around them (``transaction=True``): inside one,
and while queries are logged, the stamps are read every time, as before.
"""

import os
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from articles.models import Article
from articles.reader import queries, stampwatch

from . import test_pagecache as changes
from .factories import make_author, make_section, make_story
from .test_workflow import change_url, form_data

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("page_store")]


@pytest.fixture
def desk():
    section = make_section("Harbour", slug="harbour")
    author = make_author("Ana Reyes", slug="ana")
    story = make_story(
        "Ferry timetable changes",
        section=section,
        authors=[author],
        tags=["ferries"],
        body="<p>The morning crossing moves to seven.</p>",
        age=timedelta(hours=2),
    )
    return {"section": section, "author": author, "story": story}


@pytest.fixture(autouse=True)
def listener():
    """A listener of this test's own (the database was just made), stopped after it."""
    stampwatch.listener.stop()
    yield stampwatch.listener
    stampwatch.listener.stop()


def wait_for(condition, what):
    deadline = time.monotonic() + 30  # a failure's limit, not a speed requirement
    while not condition():
        assert time.monotonic() < deadline, f"{what}: never happened"
        time.sleep(0.01)


def listening():
    """On PostgreSQL: the listener started and proven (the first read starts it)."""
    if connection.vendor == "postgresql":
        queries.content_stamp()
        wait_for(lambda: stampwatch.listener.current(connection) is not None, "listening")


def settled(generation):
    """On PostgreSQL: the notification of the change just committed has arrived."""
    if connection.vendor == "postgresql":
        wait_for(lambda: stampwatch.listener.generation != generation, "the notification")


def statements_of_one_hit(client, url):
    seen = []

    def spy(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(spy):
        assert client.get(url).status_code == 200
    return seen


@pytest.mark.parametrize("kind", ["story", "section", "front"])
def test_a_hit_reads_no_stamp_table_while_nothing_changed(desk, kind):
    """A story's hit read a three-table query (its tags' stamps) on every request, the
    dearest part of the cheapest cached page; now one statement that reads no table."""
    url = {"story": desk["story"].path, "section": "/section/harbour/", "front": "/"}[kind]
    listening()
    client = Client()
    client.get(url)  # rendered
    client.get(url)  # the stamp kept
    # SQLite: one statement reading no table; PostgreSQL: none (the listener vouches).
    expected = ["PRAGMA data_version"] if connection.vendor == "sqlite" else []
    assert statements_of_one_hit(client, url) == expected


def in_another_connection(change, desk):
    """``change`` made on another thread's connection, as another worker or an editor's
    request on another process would: this connection sees it only by SQLite's counter."""
    found = {}

    def run():
        try:
            found["expected"] = change(desk)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return found["expected"]


def keep_pages(client, urls):
    """Each page rendered, then served again: kept, with the stamps it was read under."""
    for url in urls:
        client.get(url)
        assert client.get(url).status_code == 200, url


def assert_on_every_page(client, urls, expected):
    """The change (``test_pagecache``'s description of it) on every page showing it."""
    kinds = expected.get("on")
    for url in urls:
        if kinds and not any(changes.KINDS[kind](url) for kind in kinds):
            continue
        if url == expected.get("except"):
            continue
        text = client.get(url).content.decode()
        if "shows" in expected:
            assert expected["shows"] in text, url
        else:
            assert expected["hides"] not in text, url


CHANGES = [
    changes.edit_headline,
    changes.withdraw,
    changes.publish_a_draft,
    changes.correct,
    changes.rename_tag,
]


@pytest.mark.parametrize("where", ["this connection", "another connection"])
@pytest.mark.parametrize("change", CHANGES)
def test_a_change_is_on_every_page_showing_it_at_the_next_request(desk, change, where):
    client = Client()
    urls = changes.pages_showing(desk["story"])
    listening()
    keep_pages(client, urls)
    generation = stampwatch.listener.generation
    # On this connection as the admin does in the same worker, else on another one.
    mine = where == "this connection"
    expected = change(desk) if mine else in_another_connection(change, desk)
    settled(generation)
    assert_on_every_page(client, urls, expected)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's listener")
@pytest.mark.parametrize("change", CHANGES)
def test_this_workers_own_change_is_seen_before_its_notification_comes_back(
    desk, change, monkeypatch
):
    """An editor's save and their next look at the site are often served by the same
    worker: its own commit retires the stamps it kept at once, without waiting for the
    listener to hear the notification (here it never does)."""
    client = Client()
    urls = changes.pages_showing(desk["story"])
    listening()
    keep_pages(client, urls)
    monkeypatch.setattr(stampwatch.listener, "changed", lambda notification=None: None)
    expected = change(desk)
    assert_on_every_page(client, urls, expected)


def test_a_correction_from_another_process_is_on_the_next_hit(desk, tmp_path):
    """Another process (a second gunicorn, the task worker, ``manage.py``) shares no
    memory with this one: its commit is seen through the database alone."""
    story = desk["story"]
    listening()
    client = Client()
    client.get(story.path)
    assert "not six" not in client.get(story.path).content.decode()
    generation = stampwatch.listener.generation
    script = (
        "import django; django.setup()\n"
        "from articles.models import Article, Correction\n"
        f"story = Article.objects.get(pk={story.pk})\n"
        "Correction.objects.create(article=story, text='The crossing moves to seven, not six.')\n"
    )
    environment = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "SECRET_KEY": settings.SECRET_KEY,
        "NEWSROOM_VAR_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=settings.BASE_DIR,
        check=True,
        timeout=120,
        capture_output=True,
    )
    settled(generation)
    assert "not six" in client.get(story.path).content.decode()


def database_url(database):
    if connection.vendor == "sqlite":
        return f"sqlite:///{database['NAME']}"
    return (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}"
    )


def test_a_rolled_back_change_is_never_kept_as_the_stamp(desk):
    """A stamp read inside a transaction may be rolled back with it: it is never kept,
    so the next hit reads what was committed."""
    from django.db import transaction

    story = desk["story"]
    client = Client()
    client.get(story.path)
    committed = queries.content_stamp()
    with pytest.raises(RuntimeError), transaction.atomic():
        Article.objects.filter(pk=story.pk).update(headline="Never published")
        story.headline = "Never published"
        story.save()
        assert queries.content_stamp() != committed  # seen inside, as before
        raise RuntimeError("rolled back")
    assert queries.content_stamp() == committed
    assert "Never published" not in client.get(story.path).content.decode()


def test_a_dead_listener_vouches_for_nothing_and_hits_read_their_stamps(desk):
    """Its connection killed (a server restart): the hits read their stamps again, so a
    change is seen at the very next request; silent (a stalled heartbeat): the same once
    its last proof is older than ``PROOF_SECONDS``. Then it comes back by itself."""
    if connection.vendor != "postgresql":
        pytest.skip("the stamp listener is PostgreSQL's")
    story = desk["story"]
    listening()
    client = Client()
    client.get(story.path)
    client.get(story.path)
    assert statements_of_one_hit(client, story.path) == []
    with connection.cursor() as cursor:  # as a server restart ends it
        cursor.execute(
            "SELECT pg_terminate_backend(%s)", [stampwatch.listener.connection.info.backend_pid]
        )
    wait_for(lambda: stampwatch.listener.proven_at is None, "the listener noticed")
    assert len(statements_of_one_hit(client, story.path)) == 1  # the stamp, read
    story.headline = "Ferry timetable changes again"
    story.save()
    assert "changes again" in client.get(story.path).content.decode()  # no waiting
    wait_for(lambda: stampwatch.listener.current(connection) is not None, "back")
    client.get(story.path)
    assert statements_of_one_hit(client, story.path) == []
    # Silent (the network dropped its connection unnoticed): its last proof ages, and
    # past PROOF_SECONDS it vouches for nothing.
    silent = stampwatch.Listener()
    silent.pid, silent.proven_at = os.getpid(), time.monotonic()
    assert silent.current(connection) == silent.generation
    silent.proven_at -= stampwatch.PROOF_SECONDS + 1
    assert silent.current(connection) is None


@pytest.mark.parametrize("edit", ["correct the headline", "withdraw"])
def test_an_editors_change_through_the_admin_is_on_the_next_hit(desk, client, editor, edit):
    """The admin writes on the same worker's connection as the readers' hits (on SQLite
    its own writes move ``total_changes``; on PostgreSQL the trigger notifies)."""
    story = desk["story"]
    reader = Client()
    listening()
    for url in (story.path, "/"):
        reader.get(url)
        assert "Ferry timetable changes" in reader.get(url).content.decode()  # kept
    generation = stampwatch.listener.generation
    if edit == "withdraw":
        response = client.post(
            reverse("admin:articles_article_changelist"),
            {"action": "withdraw", "_selected_action": [story.pk]},
        )
    else:
        data = form_data(story, headline="Ferry timetable scrapped", tags="ferries")
        response = client.post(change_url(story), data)
    assert response.status_code == 302
    settled(generation)
    front = reader.get("/").content.decode()
    page = reader.get(story.path)
    if edit == "withdraw":
        assert page.status_code == 404 and "Ferry timetable changes" not in front
    else:
        assert "Ferry timetable scrapped" in page.content.decode()
        assert "Ferry timetable scrapped" in front
