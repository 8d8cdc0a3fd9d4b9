"""Corrections and updates: shown on the story with their time, listed on /corrections/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Correction

from .factories import make_draft, make_staff, make_story
from .test_workflow import change_url, form_data

pytestmark = pytest.mark.django_db


def test_editor_appends_a_correction_that_readers_see_with_its_time(client):
    client.force_login(make_staff("ed", "Editor"))
    story = make_story("Bridge reopens", age=timedelta(days=2))
    yesterday = timezone.localdate() - timedelta(days=1)  # 09:15 today may be still to come
    data = form_data(
        story,
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-kind": "correction",
            "corrections-0-text": "An earlier version misstated the bridge's length.",
            "corrections-0-published_at_0": yesterday.isoformat(),
            "corrections-0-published_at_1": "09:15:00",
        },
    )
    response = client.post(change_url(story), data)
    assert response.status_code == 302, response.content.decode()[-3000:]
    correction = Correction.objects.get()
    story.refresh_from_db()
    assert story.revised_at == correction.published_at
    html = client.get(story.path).content.decode()
    assert "<strong>Correction</strong>" in html
    assert "An earlier version misstated the bridge&#39;s length." in html
    assert "9:15 a.m." in html
    assert 'class="updated">Updated' in html


def test_the_byline_says_updated_only_for_a_note_after_publication(client):
    """A note written while the story waited to be published (dated before it went
    out) is no revision a reader missed: the byline gives the publication time alone."""
    story = make_story("Harbour dredging starts", age=timedelta(hours=3))
    Correction.objects.create(
        article=story,
        kind="update",
        text="Adds the contractor's name.",
        published_at=story.published_at - timedelta(hours=1),
    )
    byline = client.get(story.path).content.decode().split('class="meta story-byline"')[1]
    byline = byline.split("</p>")[0]
    assert "Published <time" in byline and "Updated" not in byline
    Correction.objects.create(article=story, kind="correction", text="Fixes the date.")
    byline = client.get(story.path).content.decode().split('class="meta story-byline"')[1]
    assert '<span class="updated">Updated <time datetime="' in byline.split("</p>")[0]


def test_an_update_moves_the_updated_time():
    story = make_story("Storm warning")
    assert story.revised_at is None
    first = Correction.objects.create(
        article=story,
        kind="update",
        text="Winds eased.",
        published_at=timezone.now() - timedelta(hours=2),
    )
    later = Correction.objects.create(article=story, kind="update", text="Warning lifted.")
    story.refresh_from_db()
    assert story.revised_at == later.published_at > first.published_at


def test_corrections_page_lists_corrections_newest_first_and_only_on_live_stories(client):
    old = make_story("Old story")
    new = make_story("New story")
    hidden = make_draft("Draft story")
    Correction.objects.create(
        article=old, text="Older fix.", published_at=timezone.now() - timedelta(days=2)
    )
    Correction.objects.create(
        article=new, text="Newer fix.", published_at=timezone.now() - timedelta(hours=1)
    )
    Correction.objects.create(article=hidden, text="Draft fix.")
    Correction.objects.create(article=new, kind="update", text="Just an update.")
    html = client.get("/corrections/").content.decode()
    assert html.index("Newer fix.") < html.index("Older fix.")
    assert "Draft fix." not in html and "Just an update." not in html
    assert f'href="{new.path}"' in html
    assert client.get("/corrections/?page=2").status_code == 404
    assert client.get("/corrections/?page=x").status_code == 404


@pytest.mark.usefixtures("no_page_cache")
def test_story_with_a_correction_costs_one_query_more(client, django_assert_num_queries):
    story = make_story("Plain")
    client.get(story.path)  # warm the shared fragments
    with django_assert_num_queries(3):
        client.get(story.path)
    Correction.objects.create(article=story, text="Fixed.")
    client.get(story.path)
    with django_assert_num_queries(4):
        client.get(story.path)


def test_writers_cannot_add_corrections(client):
    writer = make_staff("wendy", "Writer")
    client.force_login(writer)
    story = make_story(
        "Writer's draft", status="draft", created_by=writer, published_at=timezone.now()
    )
    html = client.get(change_url(story)).content.decode()
    assert "corrections-TOTAL_FORMS" not in html
    assert client.get("/admin/articles/correction/").status_code == 404  # only as part of a story
