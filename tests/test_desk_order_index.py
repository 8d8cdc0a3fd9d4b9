"""The story list's pages come out of an index in the desk's order, with no sort of
every story for each page (issue 14), and the planning view reads no story's body."""

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import migrations
from articles.admin.stories import ArticleAdmin
from articles.editorial import queue
from articles.models import Article

from .factories import make_draft, make_staff, make_story

pytestmark = pytest.mark.django_db

STORY_LIST = reverse("admin:articles_article_changelist")
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's plans; PostgreSQL's are its own"
)


def test_the_index_is_built_on_the_text_the_list_orders_by():
    # The newest migration that builds the index.
    modules = [
        importlib.import_module(f"articles.migrations.{path.stem}")
        for path in sorted(Path(migrations.__file__).parent.glob("0*.py"))
    ]
    keys = [module.DESK_ORDER_KEYS for module in modules if hasattr(module, "DESK_ORDER_KEYS")][-1]
    assert keys.startswith(f"({queue.STAGE}), ({queue.WAITING_SINCE}), ({queue.DRAFTED_AT}) DESC, ")


def page_ids_plans(client, query, user):
    """The plans of the queries that pick a page's story ids, as SQLite explains them."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(STORY_LIST + query)
    assert response.status_code == 200
    plans = []
    for captured in queries.captured_queries:
        sql = captured["sql"]
        if "ORDER BY" in sql and "LIMIT" in sql and 'FROM "articles_article"' in sql:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                plans.append(" / ".join(row[-1] for row in cursor.fetchall()))
    assert plans, "no page query found"
    return plans


@sqlite_only
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("?p=2", "article_desk_order_idx"),
        ("?p=2&status__exact=published", "article_live_idx"),
    ],
)
def test_an_editors_page_is_read_in_index_order_without_sorting(client, monkeypatch, query, index):
    for number in range(6):
        make_story(f"Story {number}", age=timedelta(hours=number + 1))
        make_draft(f"Draft {number}")
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 2)
    for plan in page_ids_plans(client, query, make_staff("ed", "Editor")):
        assert index in plan and "TEMP B-TREE" not in plan, plan


def test_a_writers_own_stories_come_first_across_a_page_break(client, monkeypatch):
    wendy = make_staff("wendy", "Writer")
    for number in range(3):
        make_story(f"Agency story {number}", age=timedelta(hours=number + 1))
        make_story(f"Wendy story {number}", age=timedelta(hours=number + 1), created_by=wendy)
    monkeypatch.setattr(ArticleAdmin, "list_per_page", 2)
    client.force_login(wendy)

    def page(number):
        html = client.get(STORY_LIST + f"?p={number}").content.decode()
        found = [(html.find(s.headline), s.headline) for s in Article.objects.all()]
        return [headline for position, headline in sorted(found) if position >= 0]

    assert page(1) == ["Wendy story 0", "Wendy story 1"]
    assert page(2) == ["Wendy story 2", "Agency story 0"]
    assert page(3) == ["Agency story 1", "Agency story 2"]


def test_the_planning_view_reads_the_stored_word_count_not_the_bodies(client):
    editor = make_staff("ed", "Editor")
    story = make_draft("Budget story", target_words=600, body="<p>" + "word " * 412 + "</p>")
    assert story.word_count == 412
    client.force_login(editor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(
            reverse("admin:articles_article_calendar"),
            {"period": "day", "date": timezone.localdate().isoformat()},
        )
    html = response.content.decode()
    assert "412 of 600 words" in html
    assert not [
        q["sql"] for q in queries.captured_queries if '"articles_article"."body"' in q["sql"]
    ]

    story.body = "<p>" + "word " * 450 + "</p>"
    story.save()
    html = client.get(
        reverse("admin:articles_article_calendar"),
        {"period": "day", "date": timezone.localdate().isoformat()},
    ).content.decode()
    assert "450 of 600 words" in html
