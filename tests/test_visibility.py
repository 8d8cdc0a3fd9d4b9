"""Drafts never leak: an unpublished or scheduled story is nowhere a reader can reach."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from articles.models import Article

from .factories import make_author, make_draft, make_scheduled, make_section, make_story

pytestmark = pytest.mark.django_db


def reader_urls(story, section, author):
    day = story.published_at or timezone.now()
    local = timezone.localtime(day)
    return [
        "/",
        "/feed/",
        f"/section/{section.slug}/",
        "/tag/secret/",
        f"/author/{author.slug}/",
        f"/{local:%Y}/",
        f"/{local:%Y/%m}/",
        f"/{local:%Y/%m/%d}/",
        # a live story's page shows the Latest-stories list
        "LIVE_STORY",
    ]


@pytest.fixture
def setting():
    section, author = make_section("World"), make_author("Ana Reyes")
    live = make_story(
        "A story everyone may read",
        section=section,
        authors=[author],
        tags=["secret"],
        age=timedelta(days=1),
    )
    return section, author, live


def pages(client, story, section, author, live):
    for url in reader_urls(story, section, author):
        url = live.path if url == "LIVE_STORY" else url
        response = client.get(url)
        yield url, response.status_code, response.content.decode()


@pytest.mark.parametrize("kind", ["draft", "dated draft", "in review", "scheduled", "withdrawn"])
def test_hidden_story_appears_on_no_reader_page(client, setting, kind):
    section, author, live = setting
    common = {"section": section, "authors": [author], "tags": ["secret"]}
    headline = "Embargoed merger of the two harbours"
    if kind == "draft":
        hidden = make_draft(headline, **common)
    elif kind == "dated draft":
        hidden = make_draft(headline, published_at=timezone.now() - timedelta(hours=1), **common)
    elif kind == "in review":
        hidden = make_story(
            headline,
            status=Article.Status.REVIEW,
            published_at=timezone.now() - timedelta(hours=1),
            **common,
        )
    elif kind == "scheduled":
        hidden = make_scheduled(headline, **common)
    else:
        hidden = make_story(headline, **common)
        hidden.status = Article.Status.WITHDRAWN
        hidden.save()
    for url, status, html in pages(client, hidden, section, author, live):
        # A date archive with only the hidden story in it does not exist for readers.
        assert status == 200 or (status == 404 and url[1:5].isdigit()), url
        assert headline not in html, url
    if hidden.path:
        assert client.get(hidden.path).status_code == 404


def test_scheduled_story_goes_live_by_itself_at_its_time(client, setting):
    section, author, live = setting
    headline = "Budget embargo lifts at nine"
    go_live = timezone.now().replace(microsecond=0) + timedelta(hours=3)
    scheduled = make_story(
        headline, published_at=go_live, section=section, authors=[author], tags=["secret"]
    )
    with time_machine.travel(go_live - timedelta(seconds=1), tick=False):
        for url, _, html in pages(client, scheduled, section, author, live):
            assert headline not in html, url
        assert client.get(scheduled.path).status_code == 404
    with time_machine.travel(go_live, tick=False):
        for url, status, html in pages(client, scheduled, section, author, live):
            assert status == 200, url
            assert headline in html, url
        assert client.get(scheduled.path).status_code == 200
