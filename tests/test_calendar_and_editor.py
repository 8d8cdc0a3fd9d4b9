"""The editorial calendar, and the rich-text body editor."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

from .factories import make_draft, make_scheduled, make_staff, make_story
from .test_workflow import form_data

pytestmark = pytest.mark.django_db


def test_calendar_lists_scheduled_and_recent_stories_by_day(client):
    client.force_login(make_staff("ed", "Editor"))
    tomorrow = make_scheduled("Goes out tomorrow", delay=timedelta(days=1))
    make_story("Out yesterday", age=timedelta(days=1))
    make_story("Long ago", age=timedelta(days=30))
    make_draft("Just a draft")
    html = client.get(reverse("admin:articles_article_calendar")).content.decode()
    assert "Goes out tomorrow" in html and "Out yesterday" in html
    assert "Long ago" not in html and "Just a draft" not in html
    day = timezone.localtime(tomorrow.published_at)
    assert f"{day:%A} {day.day} {day:%B %Y}" in html
    assert html.index("Out yesterday") < html.index("Goes out tomorrow")
    assert "Scheduled" in html


def test_change_form_uses_the_rich_text_editor(client):
    client.force_login(make_staff("ed", "Editor"))
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "django_prose_editor" in html  # the editor's script and styles are loaded
    assert "data-django-prose-editor" in html


@pytest.mark.parametrize(
    ("sent", "forbidden"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<script"),
        ('<p><img src="x" onerror="alert(1)"></p>', "onerror"),
        ('<p><a href="javascript:alert(1)">link</a></p>', "javascript:"),
        ('<p style="color:red" onclick="x()">styled</p>', "style="),
        ('<p><a href="JaVaScRiPt:alert(1)">link</a></p>', "alert"),
        ('<iframe src="https://evil.example"></iframe><p>ok</p>', "iframe"),
    ],
)
def test_whatever_the_browser_sends_the_body_is_sanitised(client, sent, forbidden):
    client.force_login(make_staff("ed", "Editor"))
    response = client.post(
        reverse("admin:articles_article_add"), form_data(body=sent, status="published")
    )
    assert response.status_code == 302
    story = Article.objects.get()
    assert forbidden not in story.body.lower()
    assert forbidden not in client.get(story.path).content.decode().split('class="story-body"')[1]


def test_editor_formatting_survives(client):
    client.force_login(make_staff("ed", "Editor"))
    body = (
        '<h2>Sub</h2><p><strong>b</strong> <em>i</em> <a href="https://x.example/">l</a>'
        "</p><ul><li>one</li></ul><ol><li>two</li></ol><blockquote><p>q</p></blockquote>"
    )
    client.post(reverse("admin:articles_article_add"), form_data(body=body))
    stored = Article.objects.get().body
    for tag in [
        "<h2>",
        "<strong>",
        "<em>",
        '<a href="https://x.example/"',
        "<ul>",
        "<ol>",
        "<blockquote>",
    ]:
        assert tag in stored, tag
