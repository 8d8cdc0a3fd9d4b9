"""What the admin's lists do per row and per page at 100,000 stories and 20,000 photos
(issue 14, point 7): a sorted list sorts by its column only, a writer's list is counted
without testing "mine" on every story, row links carry the list's filters without the
admin resolving each address again, and the photo library pages by 50."""

from datetime import timedelta

import pytest
from django.contrib.admin.templatetags import admin_urls
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.admin.stories import ArticleAdmin
from articles.models import Article, Image

from .factories import make_author, make_staff, make_story

pytestmark = pytest.mark.django_db

STORY_LIST = reverse("admin:articles_article_changelist")
PHOTO_LIBRARY = reverse("admin:articles_image_changelist")
PUBLISHED_AT = ArticleAdmin.list_display.index("published_at") + 1  # after the checkbox


def queries_of(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), [query["sql"] for query in queries.captured_queries]


def test_a_list_sorted_by_publication_time_sorts_by_that_alone(client, monkeypatch):
    client.force_login(make_staff("ed", "Editor"))
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 3)  # more than one page
    for number in range(4):
        make_story(f"Story {number}", age=timedelta(hours=number + 1))
    html, queries = queries_of(client, f"{STORY_LIST}?o=-{PUBLISHED_AT}")
    assert html.index("Story 0") < html.index("Story 1") < html.index("Story 2")
    assert "Story 3" not in html
    page_ids = [sql for sql in queries if "ORDER BY" in sql and "LIMIT" in sql]
    assert page_ids
    # Not the desk order's stage, waiting time and drafting time after the column: the
    # database would work out and sort on each for every story in the archive.
    assert not [sql for sql in page_ids if "CASE" in sql]


def test_a_writers_list_is_counted_without_testing_mine_on_every_story(client):
    wendy = make_staff("wendy", "Writer")
    own = make_author("Wendy Writer", user=wendy)
    make_story("Wendy's byline", authors=[own])
    make_story("Agency copy")
    client.force_login(wendy)
    html, queries = queries_of(client, STORY_LIST)
    assert html.index("Wendy&#x27;s byline") < html.index("Agency copy")
    assert "2 stories" in html
    counts = [sql for sql in queries if "COUNT(" in sql.upper()]
    assert len(counts) == 1
    assert "articles_byline" not in counts[0]


def test_row_links_keep_the_lists_filters_without_resolving_each_address(client, monkeypatch):
    client.force_login(make_staff("ed", "Editor"))
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 4)
    stories = [make_story(f"Story {number}") for number in range(6)]
    resolved = []
    resolve = admin_urls.resolve
    monkeypatch.setattr(admin_urls, "resolve", lambda path: resolved.append(path) or resolve(path))
    html, _ = queries_of(client, f"{STORY_LIST}?status__exact=published&o=-{PUBLISHED_AT}")
    change = reverse("admin:articles_article_change", args=[stories[-1].pk])  # the newest
    filters = f"_changelist_filters=status__exact%3Dpublished%26o%3D-{PUBLISHED_AT}"
    assert f'href="{change}?{filters}"' in html
    assert not [path for path in resolved if "/change/" in path]
    # The story's page keeps them, to send the editor back to the same list.
    page = client.get(f"{change}?{filters}").content.decode()
    assert f"/history/?{filters}" in page


def test_the_photo_library_shows_fifty_photos_a_page(client):
    client.force_login(make_staff("ed", "Editor"))
    Image.objects.bulk_create(
        Image(file=f"images/aa/{n:020x}/original.jpg", alt_text=f"Crane {n}") for n in range(60)
    )
    html, _ = queries_of(client, PHOTO_LIBRARY)
    assert html.count('class="action-select"') == 50
    second, _ = queries_of(client, PHOTO_LIBRARY + "?p=2")
    assert second.count('class="action-select"') == 10


def test_a_stories_link_in_the_list_opens_that_story(client):
    client.force_login(make_staff("ed", "Editor"))
    story = make_story("Harbour dredging")
    html, _ = queries_of(client, STORY_LIST)
    change = reverse("admin:articles_article_change", args=[story.pk])
    assert f'href="{change}"' in html
    assert Article.objects.get(pk=story.pk).headline in client.get(change).content.decode()
