"""Query counts per page stay the same as the archive grows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.reader import fragments

from .factories import make_author, make_section, make_story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_page_cache")]

# Most queries each page may make, cold (shared fragments rendered afresh). Every
# page's count includes the content stamp; the listings' include the time of the
# next scheduled publication, which the page cache needs and the fragments share.
BUDGET = {
    "front": 9,  # one fewer when a story is featured (no fall-back lead query)
    "story": 8,  # Related stories: the candidates, then the winners (ranked in Python)
    "section": 8,
    "tag": 6,
    "author": 6,
    "archive": 5,
    "feed": 4,  # cold; a warm feed (or a 304 poll) is one query
}


def build_archive(count):
    section = make_section("News", slug="news")
    authors = [make_author(f"Writer {n}", slug=f"writer-{n}") for n in range(4)]
    stories = [
        make_story(
            f"Story {n}",
            section=section,
            authors=authors[: 1 + n % 4],
            tags=["common", f"topic {n % 9}", f"place {n % 7}", f"person {n % 5}"],
            age=timedelta(hours=n + 1),
        )
        for n in range(count)
    ]
    return stories[0]


def count_queries(client, url):
    fragments.cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def page_counts(client, story):
    day = story.path[: len("/YYYY/MM/DD/")]
    urls = {
        "front": "/",
        "story": story.path,
        "section": "/section/news/",
        "tag": "/tag/common/",
        "author": "/author/writer-0/",
        "archive": day,
        "feed": "/feed/",
    }
    return {name: count_queries(client, url) for name, url in urls.items()}


def test_query_counts_do_not_grow_with_the_archive(client):
    small = page_counts(client, build_archive(5))
    assert all(small[name] <= BUDGET[name] for name in BUDGET), small
    newer = [
        make_story(
            f"Extra {n}",
            tags=[f"extra {n}", "common"],
            authors=[make_author()],
            age=timedelta(minutes=n + 1),
        )
        for n in range(55)
    ]
    large = page_counts(client, newer[0])
    assert large == small


def test_second_story_page_reuses_the_latest_stories_fragment(client):
    first = build_archive(8)
    second = make_story("Another", age=timedelta(minutes=1))
    client.get(first.path)
    with CaptureQueriesContext(connection) as context:
        client.get(second.path)
    assert len(context.captured_queries) == 3  # content version, story, bylines and tags


def test_listings_never_load_story_bodies(client):
    build_archive(3)
    for url in ["/", "/section/news/", "/tag/common/", "/author/writer-0/"]:
        fragments.cache.clear()
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        assert not [q["sql"] for q in context.captured_queries if "body" in q["sql"]], url
