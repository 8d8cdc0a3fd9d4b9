"""The rich-text body editor (the calendar: tests/test_planning_calendar.py)."""

import pytest
from django.urls import reverse

from articles.models import Article

from .factories import make_staff
from .test_workflow import form_data

pytestmark = pytest.mark.django_db


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
