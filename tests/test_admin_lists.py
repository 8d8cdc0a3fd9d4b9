"""The admin's lists stay useful and cheap however big the archive: the review queue
comes first, "mine" finds my stories, search asks the search index, pages and
counts cost the same at any size, and an error in the admin is shown in the admin."""

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.admin.stories import ArticleAdmin
from articles.models import Article, Image

from .factories import make_author, make_draft, make_section, make_staff, make_story

pytestmark = pytest.mark.django_db

Status = Article.Status
STORY_LIST = reverse("admin:articles_article_changelist")


@pytest.fixture
def editor(client):
    user = make_staff("desk", "Editor")
    client.force_login(user)
    return user


@pytest.fixture
def writer(client):
    user = make_staff("wendy", "Writer")
    client.force_login(user)
    return user


def headlines_in_order(client, query=""):
    response = client.get(STORY_LIST + query)
    assert response.status_code == 200
    html = response.content.decode()
    found = [(html.find(story.headline), story.headline) for story in Article.objects.all()]
    return [headline for position, headline in sorted(found) if position >= 0]


def touched(story, ago):
    """The story as if last saved ``ago`` (and submitted then, for one in review)."""
    when = timezone.now() - ago
    Article.objects.filter(pk=story.pk).update(updated_at=when)
    Article.objects.filter(pk=story.pk, status=Status.REVIEW).update(submitted_at=when)
    return story


# --- The review queue comes first ------------------------------------------------


def test_an_editor_sees_the_review_queue_first_oldest_first_then_drafts(client, editor):
    make_story("Published last week", age=timedelta(days=7))
    make_story("Published this morning", age=timedelta(hours=2))
    touched(make_draft("Draft from yesterday"), timedelta(days=1))
    touched(make_draft("Draft from an hour ago"), timedelta(hours=1))
    touched(make_story("Waiting since Monday", status=Status.REVIEW), timedelta(days=3))
    touched(make_story("Waiting since noon", status=Status.REVIEW), timedelta(hours=5))

    assert headlines_in_order(client) == [
        "Waiting since Monday",
        "Waiting since noon",
        "Draft from an hour ago",
        "Draft from yesterday",
        "Published this morning",
        "Published last week",
    ]


def test_a_writer_sees_their_own_stories_first(client, writer):
    colleague = make_staff("carl", "Writer")
    byline = make_author("Wendy Writer", user=writer)
    make_story("A colleague wrote this today", created_by=colleague, age=timedelta(hours=1))
    make_story("My story from last month", created_by=writer, age=timedelta(days=30))
    make_story("Co-written by me last week", authors=[byline], age=timedelta(days=7))
    touched(make_draft("My draft", created_by=writer), timedelta(days=2))

    assert headlines_in_order(client) == [
        "My draft",
        "Co-written by me last week",
        "My story from last month",
        "A colleague wrote this today",
    ]


def test_a_column_header_still_sorts_the_list(client, editor):
    make_story("Older", age=timedelta(days=2))
    make_story("Newer", age=timedelta(days=1))
    make_story("Undated draft", status=Status.REVIEW)
    published_at = ArticleAdmin.list_display.index("published_at") + 1  # after the checkbox
    order = headlines_in_order(client, f"?o={published_at}")
    assert order.index("Older") < order.index("Newer")


# --- "Mine" ---------------------------------------------------------------------------


def test_mine_shows_stories_i_created_or_have_a_byline_on(client, editor):
    other = make_staff("carl", "Writer")
    byline = make_author("Desk Editor", user=editor)
    make_story("Created by me", created_by=editor)
    make_story("My byline on a story by Carl", created_by=other, authors=[byline])
    make_story("A story by Carl alone", created_by=other, authors=[make_author("Carl")])

    assert sorted(headlines_in_order(client, "?mine=1")) == [
        "Created by me",
        "My byline on a story by Carl",
    ]
    assert "Mine (created by me or in my byline)" in client.get(STORY_LIST).content.decode()


# --- Search asks the search index ----------------------------------------------------


def test_search_finds_a_story_by_a_word_of_its_body_through_the_index(client, editor):
    make_draft("Coffee on the quay", body="<p>The new café opened by the ferry dock.</p>")
    make_story("Council budget", body="<p>The council voted on the budget.</p>")

    with CaptureQueriesContext(connection) as queries:
        # A word's start finds it, and accents do not matter to the index (FTS5's
        # remove_diacritics; PostgreSQL's unaccent), as for readers.
        assert headlines_in_order(client, "?q=cafe") == ["Coffee on the quay"]
        assert headlines_in_order(client, "?q=ferr") == ["Coffee on the quay"]
        assert headlines_in_order(client, "?q=ferr+dock") == ["Coffee on the quay"]
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "articles_search" in sql and " LIKE " not in sql.upper()


def test_search_finds_a_story_by_its_tag(client, editor):
    make_story("Vote tonight", tags=["Referendum"], body="<p>Polls close at eight.</p>")
    make_story("Other news")
    assert headlines_in_order(client, "?q=referendum") == ["Vote tonight"]


def test_a_writer_searching_does_not_find_a_colleagues_draft(client, writer):
    colleague = make_staff("carl", "Writer")
    make_draft("The scoop by Carl", created_by=colleague, body="<p>The harbour deal.</p>")
    make_draft("My harbour draft", created_by=writer, body="<p>The harbour at dawn.</p>")
    assert headlines_in_order(client, "?q=harbour") == ["My harbour draft"]


def test_the_pinned_story_picker_searches_the_index(client, editor):
    make_story("Coffee on the quay", body="<p>The new café opened by the ferry dock.</p>")
    make_story("Council budget")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": "articles",
                "model_name": "pin",
                "field_name": "article",
                "term": "ferry do",
            },
        )
    assert response.status_code == 200
    found = [result["text"] for result in json.loads(response.content)["results"]]
    assert found == ["Coffee on the quay"]
    assert " LIKE " not in " ".join(q["sql"] for q in queries.captured_queries).upper()


# --- Filters ------------------------------------------------------------------------------


def test_the_tag_filter_is_a_box_not_a_list_of_every_tag(client, editor):
    story = make_story("Ferry timetable", tags=["Ferries"])
    make_story("Unrelated", tags=[f"Topic {number}" for number in range(30)])
    html = client.get(STORY_LIST).content.decode()
    assert "Topic 7" not in html and "newsroom-tag-filter" in html

    tag = Tag.objects.get(name="Ferries")
    for value in (tag.pk, tag.slug):
        assert headlines_in_order(client, f"?tag={value}") == [story.headline]
    assert "Ferries" in client.get(STORY_LIST + f"?tag={tag.pk}").content.decode()


def test_show_counts_does_not_break_the_list_with_thousands_of_tags(client, editor):
    Tag.objects.bulk_create(Tag(name=f"Topic {n}", slug=f"topic-{n}") for n in range(2_001))
    make_story("Still listed")
    response = client.get(STORY_LIST + "?_facets=True")
    assert response.status_code == 200
    assert "Still listed" in response.content.decode()


def test_the_list_filters_by_publication_time_instead_of_a_year_by_year_walk(client, editor):
    make_story("Story from today", age=timedelta(minutes=30))
    make_story("Story from last year", age=timedelta(days=400))
    html = client.get(STORY_LIST).content.decode()
    assert "published_at__year" not in html
    past_week = re.search(r'<a href="(\?published_at__gte=[^"]+)">Past 7 days</a>', html)
    assert headlines_in_order(client, unescape(past_week[1])) == ["Story from today"]


# --- What a page costs does not grow with the archive ---------------------------


def story_list_queries(client, stories, per_page, monkeypatch, query=""):
    """The queries of page 2 of the story list, with ``stories`` stories in it."""
    section = make_section()
    author = make_author()
    for number in range(stories):
        make_story(f"Story {number}", section=section, authors=[author], tags=["city"])
    monkeypatch.setattr(ArticleAdmin, "list_per_page", per_page)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STORY_LIST + f"?p=2{query}")
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("stories", [5, 50])
def test_a_page_of_the_story_list_costs_the_same_at_any_size(client, editor, monkeypatch, stories):
    queries = story_list_queries(client, stories, 2, monkeypatch)
    # session, user, permissions (2), sections (for their filter), the one count,
    # the page's ids, its stories, their bylines and authors
    assert len(queries) == 10, "\n".join(queries)
    assert sum("COUNT(" in sql.upper() for sql in queries) == 1


@pytest.mark.parametrize("stories", [5, 50])
def test_a_writers_page_costs_the_same_at_any_size(client, writer, monkeypatch, stories):
    queries = story_list_queries(client, stories, 2, monkeypatch, "&mine=1")
    # A writer's list is two parts, their own stories then the rest, counted as one.
    assert len(queries) == 7, "\n".join(queries)


def test_a_page_of_the_photo_library_costs_the_same_at_any_size(client, editor):
    def library_queries(photos):
        uploader = make_staff(f"photographer{photos}", "Writer")
        Image.objects.bulk_create(
            Image(file=f"images/aa/{n:020x}/original.jpg", alt_text="Crane", uploaded_by=uploader)
            for n in range(photos)
        )
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("admin:articles_image_changelist"))
        assert response.status_code == 200
        return len(queries)

    assert library_queries(5) == library_queries(45)


def test_deep_pages_hold_the_next_stories_in_order(client, editor, monkeypatch):
    for number in range(7):
        make_story(f"Story {number}", age=timedelta(hours=number + 1))
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 3)
    assert headlines_in_order(client, "?p=2") == ["Story 3", "Story 4", "Story 5"]
    assert headlines_in_order(client, "?p=3") == ["Story 6"]


# --- Errors in the admin -------------------------------------------------------------


def test_a_database_error_in_the_admin_shows_the_admins_error_page(client, editor):
    make_story("Any story")
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("DROP TABLE articles_search")
    client.raise_request_exception = False
    response = client.get(STORY_LIST + "?q=story")
    html = response.content.decode()
    # A missing table: "unreachable" (503, come back soon) on SQLite, whose driver calls
    # every such error operational; a plain 500 on PostgreSQL. The admin's page either way.
    if connection.vendor == "sqlite":
        assert response.status_code == 503 and response["Retry-After"]
    else:
        assert response.status_code == 500
    assert "admin/css/base.css" in html and "Back to the admin" in html
    assert "We will be back in a moment" not in html  # the readers' page
