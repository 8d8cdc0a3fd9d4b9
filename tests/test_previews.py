"""Previews show a story as readers will; share links work until they expire or are revoked."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from articles.models import PreviewLink

from .factories import make_author, make_draft, make_scheduled, make_staff, make_story

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    return make_draft(
        "Secret merger plans",
        dek="Not yet public.",
        tags=["merger"],
        body="<p>The embargoed body.</p>",
        authors=[make_author("Ana Reyes")],
    )


def preview_url(story):
    return reverse("admin:articles_article_preview", args=[story.pk])


def assert_private(response):
    assert response["Cache-Control"].replace(" ", "").count("no-store") == 1
    assert "private" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()
    assert 'rel="canonical"' not in response.content.decode()  # not the story's address yet


def test_editor_previews_a_draft_exactly_as_readers_will_see_it(client, editor, draft):
    response = client.get(preview_url(draft))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 class="headline">Secret merger plans</h1>' in html
    assert "<p>The embargoed body.</p>" in html and "Ana Reyes" in html
    assert 'href="/tag/merger/"' in html
    assert "Preview: readers cannot see this version" in html
    assert_private(response)


def test_scheduled_story_preview_shows_its_date(client, editor):
    story = make_scheduled("Tomorrow's news", delay=timedelta(days=1))
    html = client.get(preview_url(story)).content.decode()
    assert timezone.localtime(story.published_at).strftime("%B") in html


def share(client, story):
    client.post(reverse("admin:articles_article_share", args=[story.pk]))
    link = PreviewLink.objects.get(article=story)
    from articles.editorial.previews import share_url

    return link, share_url(link)


def test_share_link_opens_the_preview_without_an_account(client, editor, draft):
    _, url = share(client, draft)
    response = Client().get(url)
    assert response.status_code == 200
    assert "Secret merger plans" in response.content.decode()
    assert_private(response)


def test_tampered_share_link_is_a_404(client, editor, draft):
    _, url = share(client, draft)
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = url.replace(token, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert Client().get(tampered).status_code == 404
    assert Client().get("/preview/not-a-token/").status_code == 404


def test_share_link_expires_after_48_hours(client, editor, draft):
    link, url = share(client, draft)
    assert link.expires_at - link.created_at == timedelta(hours=48)
    with time_machine.travel(link.expires_at - timedelta(minutes=1)):
        assert Client().get(url).status_code == 200
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        assert Client().get(url).status_code == 404


def test_revoked_share_link_is_a_404(client, editor, draft):
    link, url = share(client, draft)
    response = client.post(reverse("admin:articles_article_revoke", args=[draft.pk, link.pk]))
    assert response.status_code == 302
    assert Client().get(url).status_code == 404


def test_writer_cannot_create_share_links_or_preview_others_drafts(client, draft):
    writer = make_staff("wendy", "Writer")
    client.force_login(writer)
    assert client.get(preview_url(draft)).status_code == 404
    assert client.post(reverse("admin:articles_article_share", args=[draft.pk])).status_code in (
        403,
        404,
    )
    assert not PreviewLink.objects.exists()
    own = make_draft("Wendy's own draft", created_by=writer)
    assert client.get(preview_url(own)).status_code == 200
    assert client.post(reverse("admin:articles_article_share", args=[own.pk])).status_code == 403


@pytest.mark.parametrize(
    "query", ["?status=draft", "?preview=1", "?draft=1&status=review", "?show_drafts=true"]
)
def test_reader_urls_ignore_preview_like_query_strings(client, draft, query):
    live = make_story("Public story")
    for url in ["/", live.path, "/tag/merger/", "/feed/"]:
        plain = client.get(url)
        tricked = client.get(url + query)
        assert tricked.status_code == plain.status_code, url
        assert b"Secret merger plans" not in tricked.content
        nonce = re.compile(rb' nonce="[^"]*"')  # a fresh CSP nonce on every response
        assert nonce.sub(b"", tricked.content) == nonce.sub(b"", plain.content), url
    assert client.get(draft.path + query if draft.path else "/" + query).status_code in (200, 404)
