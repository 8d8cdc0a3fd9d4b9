"""Publishing under load: for a few seconds after a change, while one request renders
a page afresh, the others get the copy from before the change (PAGE_CACHE_GRACE).

Never for longer than the grace after the change, withdrawals included; never
with the grace at 0; and a CDN is told not to keep such a copy.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.test import Client

from articles.models import Article
from articles.reader import pagecache

from .factories import make_section, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_store")]


class Clock:
    """Stands in for time.monotonic in the page cache."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch, settings):
    settings.PAGE_CACHE_GRACE = 5
    clock = Clock()
    monkeypatch.setattr(pagecache.time, "monotonic", clock)
    monkeypatch.setattr(pagecache, "seen", pagecache.Seen())
    return clock


def test_while_another_request_renders_readers_get_the_previous_copy(clock):
    section = make_section("Harbour", slug="harbour")
    make_story("Old news", section=section, age=timedelta(hours=2))
    client = Client()
    assert b"Old news" in client.get("/").content  # stored under the current version
    clock.now += 1
    make_story("Ferry strike", section=section, age=timedelta(minutes=1))
    clock.now += 1
    caches["pages"].add(f"lock:{fresh_key('/')}", 1, 60)

    response = client.get("/")
    assert b"Ferry strike" not in response.content
    assert b"Old news" in response.content
    assert "s-maxage=0" in response["Cache-Control"]
    assert "no-cache" in response["Cache-Control"]

    caches["pages"].delete(f"lock:{fresh_key('/')}")  # the render is done
    assert b"Ferry strike" in client.get("/").content


def fresh_key(address):
    from django.test import RequestFactory

    from articles.reader import queries

    request = RequestFactory().get(address)
    (version, _), _ = queries.content_stamp()
    return pagecache.page_key(request, version)


def test_a_withdrawn_story_is_never_served_past_the_grace(clock):
    story = make_story("Libel", age=timedelta(hours=1))
    client = Client()
    assert b"Libel" in client.get("/").content
    assert client.get(story.path).status_code == 200
    story.status = Article.Status.DRAFT  # withdrawn
    story.save()
    caches["pages"].add(f"lock:{fresh_key('/')}", 1, 60)
    caches["pages"].add(f"lock:{fresh_key(story.path)}", 1, 60)

    clock.now += 4  # within the grace (5 s) of the last moment readers saw the old version
    assert b"Libel" in client.get("/").content
    clock.now += 2  # 6 s: past it
    assert b"Libel" not in client.get("/").content
    assert client.get(story.path).status_code == 404


def test_no_grace_when_it_is_zero(clock, settings):
    settings.PAGE_CACHE_GRACE = 0
    client = Client()
    make_story("Old news", age=timedelta(hours=2))
    client.get("/")
    make_story("Ferry strike", age=timedelta(minutes=1))
    caches["pages"].add(f"lock:{fresh_key('/')}", 1, 60)
    assert b"Ferry strike" in client.get("/").content


def test_the_request_that_renders_takes_the_lock_and_releases_it(clock):
    client = Client()
    make_story("Old news", age=timedelta(hours=2))
    client.get("/")
    make_story("Ferry strike", age=timedelta(minutes=1))
    key = fresh_key("/")
    taken = []
    original = pagecache.PageCacheMiddleware.render_and_store

    def spy(self, request, page_key, now):
        taken.append(caches["pages"].get(f"lock:{key}"))
        return original(self, request, page_key, now)

    pagecache.PageCacheMiddleware.render_and_store = spy
    try:
        assert b"Ferry strike" in client.get("/").content
    finally:
        pagecache.PageCacheMiddleware.render_and_store = original
    assert taken == [1]  # held while rendering
    assert caches["pages"].get(f"lock:{key}") is None  # and released after
